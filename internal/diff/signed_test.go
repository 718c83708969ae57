package diff

import (
	"fmt"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// TestSignedZoneShares: in a signed zone the signer's records (RRSIG,
// NSEC, DNSKEY, ...) are no share of the zone that records.d controls:
// deleting 4 of 10 records is 40% of it, not the ~13% it would be with
// every record's RRSIG and NSEC counted, and is refused.
func TestSignedZoneShares(t *testing.T) {
	t.Parallel()
	observed := rrset.Zone{}
	var p Plan
	p.Zone = "example.com."
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	observed.Put(rr("example.com. 300 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="))
	for i := range 10 {
		name := fmt.Sprintf("h%d.example.com.", i)
		a := rr(name + " 300 IN A 192.0.2.1")
		observed.Put(a)
		observed.Put(rr(name + " 300 IN RRSIG A 13 3 300 20270101000000 20260101000000 1 example.com. AAAA"))
		observed.Put(rr(name + " 300 IN RRSIG NSEC 13 3 300 20270101000000 20260101000000 1 example.com. AAAA"))
		observed.Put(rr(name + " 300 IN NSEC example.com. A RRSIG NSEC"))
		if i < 4 {
			p.Changes = append(p.Changes, Change{Action: Delete, Key: rrset.KeyOf(a), Old: rrset.New(a)})
		}
	}
	if err := p.check(observed, Safety{MaxDeletePercent: 30, MaxUpdatePercent: 30, MinRecords: 10}); err == nil {
		t.Error("deleting 4 of 10 records of a signed zone is not refused")
	}
}
