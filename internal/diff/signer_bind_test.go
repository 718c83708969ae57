package diff

import (
	"fmt"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// TestBINDSigningStateNotCounted: BIND keeps its signing state in the
// zone it signs (private type 65534, sig-signing-type: a record per key
// and signing operation), and a transfer of a zone BIND signs (the rfc2136
// backend with dnssec-policy) carries it. It is the signer's, no share of
// what records.d controls: deleting 4 of 10 records is 40% of the zone
// however many such records BIND keeps.
func TestBINDSigningStateNotCounted(t *testing.T) {
	t.Parallel()
	observed := rrset.Zone{}
	p := Plan{Zone: "example.org."}
	for i := range 4 {
		rr, err := dns.NewRR(fmt.Sprintf(`example.org. 0 IN TYPE65534 \# 5 0D8F2900%02X`, i))
		if err != nil {
			t.Fatal(err)
		}
		observed.Put(rr)
	}
	for i := range 10 {
		a, err := dns.NewRR(fmt.Sprintf("h%d.example.org. 300 IN A 192.0.2.1", i))
		if err != nil {
			t.Fatal(err)
		}
		observed.Put(a)
		if i < 4 {
			p.Changes = append(p.Changes, Change{Action: Delete, Key: rrset.KeyOf(a), Old: rrset.New(a)})
		}
	}
	if err := p.check(observed, Safety{MaxDeletePercent: 30, MaxUpdatePercent: 30, MinRecords: 10}); err == nil {
		t.Error("deleting 4 of 10 records of a zone BIND signs is not refused: its signing state was counted")
	}
}
