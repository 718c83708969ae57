package verify

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestNegativeTTL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		ttl, min uint32
		want     time.Duration
	}{
		// What the zone file backend renders: the SOA's TTL already is
		// min(soa_ttl, negative_ttl), so every cache agrees.
		{"rendered", 300, 300, 300 * time.Second},
		// A SOA served with a TTL above MINIMUM (CoreDNS serves it so in
		// negative answers): CoreDNS's cache keeps the denial for the TTL,
		// not for MINIMUM as RFC 2308 would.
		{"ttl above minimum", 300, 5, 300 * time.Second},
		// MINIMUM above the TTL: RFC 2308 takes the TTL, and so does CoreDNS.
		{"minimum above ttl", 60, 3600, 60 * time.Second},
		// Below the cache's floor: kept for the floor anyway.
		{"below the floor", 1, 1, CacheFloor},
		{"zero", 0, 0, CacheFloor},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			soa := &dns.SOA{Hdr: dns.RR_Header{Name: "example.com.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: c.ttl}, Minttl: c.min}
			if got := NegativeTTL(soa); got != c.want {
				t.Errorf("NegativeTTL(TTL %d, MINIMUM %d) = %v, want %v", c.ttl, c.min, got, c.want)
			}
		})
	}
}
