package apply

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Text kept between writes and changed plan by plan must be exactly what a
// full render of the same zone gives.
func TestZoneTextIncrementalEqualsFull(t *testing.T) {
	zone := "example.com."
	mk := func(s string) dns.RR {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return rr
	}
	served := rrset.Zone{}
	served.Put(mk("example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300"))
	served.Put(mk("example.com. 3600 IN NS ns1.example.com."))
	for i := 0; i < 200; i++ {
		served.Put(mk(fmt.Sprintf("h%d.example.com. 300 IN A 192.0.2.%d", i, i%250)))
	}
	text := newZoneText(zone, served)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 30; round++ {
		want := rrset.Zone{}
		for k, s := range served {
			want[k] = s
		}
		for j := 0; j < 10; j++ {
			name := fmt.Sprintf("h%d.example.com.", rng.IntN(300))
			k := rrset.Key{Name: name, Type: dns.TypeA}
			if rng.IntN(3) == 0 {
				delete(want, k)
			} else {
				want[k] = rrset.New(mk(fmt.Sprintf("%s %d IN A 198.51.100.%d", name, 60+rng.IntN(3), rng.IntN(250))))
			}
		}
		p := diff.Compute(diff.Input{Zone: zone, Desired: want, Observed: served})
		if err := text.apply(p); err != nil {
			t.Fatal(err)
		}
		served = p.Apply(served)
		var got, full bytes.Buffer
		if err := text.write(&got, 7); err != nil {
			t.Fatal(err)
		}
		if err := Render(&full, zone, 7, served); err != nil {
			t.Fatal(err)
		}
		if got.String() != full.String() {
			t.Fatalf("round %d: incremental text differs from a full render:\n%s\n---\n%s", round, got.String(), full.String())
		}
	}
}
