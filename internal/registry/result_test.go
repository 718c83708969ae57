package registry

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestResult(t *testing.T) {
	t.Parallel()
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	after := []dns.RR{rr("web.example.com. 60 IN A 192.0.2.1"), rr("web.example.com. 300 IN AAAA 2001:db8::1")}
	tests := []struct {
		name         string
		rec          Record
		ch           Change
		autoRegister bool
		status       string
		ttl          uint32
		message      string
	}{
		{"accepted", Record{Name: "Web.example.com.", Type: "A", Value: "192.0.2.1"}, Change{Changed: true, After: after}, true,
			"accepted", 60, "the daemon applies it now, and `dnssync verify web.example.com` checks"},
		{"pending", Record{Name: "web.example.com", Type: "AAAA", Value: "2001:db8::1"}, Change{Changed: true, After: after}, false,
			"pending", 300, "auto_register is off: `dnssync apply` applies it"},
		{"unchanged", Record{Name: "web.example.com", Type: "A", Value: "192.0.2.1"}, Change{After: after}, true,
			"unchanged", 60, "nothing written"},
		{"every type removed", Record{Name: "web.example.com"}, Change{Changed: true, Before: after}, true,
			"accepted", 0, "removed from records.d; the daemon applies it now"},
		{"one type removed, auto_register off", Record{Name: "web.example.com", Type: "AAAA"}, Change{Changed: true, Before: after, After: after[:1]}, false,
			"pending", 0, "removed from records.d; auto_register is off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Result(tt.rec, tt.ch, tt.autoRegister)
			if got.Name != "web.example.com" || got.RecordType != tt.rec.Type || got.Value != tt.rec.Value || got.Status != tt.status ||
				got.TTL != tt.ttl || !strings.Contains(got.Message, tt.message) || got.Applied != (tt.status == "unchanged") || got.Verified {
				t.Errorf("Result = %+v, want status %s, ttl %d, message saying %q", got, tt.status, tt.ttl, tt.message)
			}
		})
	}
}
