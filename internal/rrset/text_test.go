package rrset

import (
	"testing"

	"github.com/miekg/dns"
)

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rr, want string
	}{
		{"a.example.com. 300 IN A 192.0.2.1", "192.0.2.1"},
		{"a.example.com. 300 IN MX 10 Mail.Example.com.", "10 mail.example.com."},
		{`a.example.com. 300 IN TXT "v=spf1 \"a\" -all"`, `v=spf1 "a" -all`},
		{`a.example.com. 300 IN TXT "back\\slash" "\233\000x"`, "back\\slash\xe9\x00x"},
	}
	for _, tt := range tests {
		rr, err := dns.NewRR(tt.rr)
		if err != nil {
			t.Fatal(err)
		}
		if got := Text(Canonical(rr)); got != tt.want {
			t.Errorf("Text(%s) = %q, want %q", tt.rr, got, tt.want)
		}
	}
	if got := Texts(nil); got == nil || len(got) != 0 {
		t.Errorf("Texts(nil) = %#v, want []", got)
	}
}
