package diff

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

func TestShowValue(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"short", "192.0.2.1", "192.0.2.1"},
		{"exactly the cap", strings.Repeat("a", MaxShownBytes), strings.Repeat("a", MaxShownBytes)},
		{"one over", strings.Repeat("a", MaxShownBytes+1), strings.Repeat("a", MaxShownBytes) + "… (1 more bytes)"},
		{"64 KB", strings.Repeat("b", 65535), strings.Repeat("b", MaxShownBytes) + "… (65279 more bytes)"},
		// A cut inside a two-byte character moves back to its start.
		{"character boundary", strings.Repeat("a", MaxShownBytes-1) + "é" + "z", strings.Repeat("a", MaxShownBytes-1) + "… (3 more bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ShowValue(tt.in)
			if got != tt.want {
				t.Errorf("ShowValue = %q, want %q", got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("ShowValue cut a character: %q", got)
			}
		})
	}
}

// bigSet is an RRset of n TXT values of size bytes each.
func bigSet(t testing.TB, n, size int) *rrset.Set {
	t.Helper()
	var rrs []dns.RR
	for i := range n {
		v := fmt.Sprintf("%06d", i) + strings.Repeat("x", size-6)
		rrs = append(rrs, &dns.TXT{Hdr: dns.RR_Header{Name: "big.example.com.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 300}, Txt: []string{v[:min(len(v), 255)]}})
	}
	return rrset.New(rrs...)
}

func TestShowSetBounded(t *testing.T) {
	if got := ShowSet(nil); got != "-" {
		t.Errorf("ShowSet(nil) = %q", got)
	}
	small := bigSet(t, 2, 10)
	if got, want := ShowSet(small), small.String(); got != want {
		t.Errorf("a small set: ShowSet = %q, want %q as String gives", got, want)
	}
	got := ShowSet(bigSet(t, 10000, 255))
	if !strings.Contains(got, fmt.Sprintf("… and %d more values", 10000-MaxShownValues)) {
		t.Errorf("ShowSet of 10,000 values does not say how many it left out: %.300q", got)
	}
	if limit := MaxShownValues*(MaxShownBytes+32) + 64; len(got) > limit {
		t.Errorf("ShowSet of 10,000 values is %d bytes, want at most %d", len(got), limit)
	}
}

func TestFormatBounded(t *testing.T) {
	p := Plan{Zone: zone, Changes: []Change{{Action: Create, Key: rrset.Key{Name: "big.example.com.", Type: dns.TypeTXT}, New: bigSet(t, 10000, 255)}}}
	var buf bytes.Buffer
	if err := p.Format(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 4096 || !strings.Contains(buf.String(), "more values") {
		t.Errorf("Format of a 10,000-value set: %d bytes, want a bounded line:\n%.500s", buf.Len(), buf.String())
	}
}
