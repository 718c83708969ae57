package dnssec

import (
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// TestSignatureTTLs: an RRSIG's TTL is the TTL of the RRset it covers
// (RFC 4034 section 3), also where a name holds sets of several TTLs: the
// apex's SOA (3600), MX and TXT (300), NSEC (the negative TTL, 300) and
// DNSKEY. A signature at the lowest TTL of its name would make resolvers
// keep the data it covers only that long.
func TestSignatureTTLs(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	signed, err := Sign(testZone, testUnsigned(t, 1), testKeys(t, p), p, t0)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for k, s := range signed {
		if k.Type != dns.TypeRRSIG {
			continue
		}
		for _, rr := range s.RRs {
			sig := rr.(*dns.RRSIG)
			covered := signed[rrset.Key{Name: k.Name, Type: sig.TypeCovered}]
			if covered == nil {
				t.Fatalf("%v covers nothing", sig)
			}
			if sig.Hdr.Ttl != covered.TTL || sig.OrigTtl != covered.TTL {
				t.Errorf("RRSIG %s %s: TTL %d (original %d), want the covered set's %d", k.Name, dns.TypeToString[sig.TypeCovered], sig.Hdr.Ttl, sig.OrigTtl, covered.TTL)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no signature checked")
	}
}
