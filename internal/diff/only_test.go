package diff

import (
	"fmt"
	"slices"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// When everything but Only's names is in sync, the restricted plan is the
// full plan: creates, updates, deletes, type changes, held names, base.
func TestOnlyEqualsFullWhenRestInSync(t *testing.T) {
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	observed, desired := rrset.Zone{}, rrset.Zone{}
	for i := 0; i < 50; i++ {
		a := rr(fmt.Sprintf("h%d.example.com. 300 IN A 192.0.2.%d", i, i))
		observed.Put(a)
		desired.Put(a)
	}
	observed.Put(rr("example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300"))
	base := rrset.Zone{}
	base.Put(rr("example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 7200 600 604800 300"))
	desired.Put(rr("new.example.com. 300 IN A 192.0.2.200"))                                                          // create
	desired[rrset.Key{Name: "h1.example.com.", Type: dns.TypeA}] = rrset.New(rr("h1.example.com. 60 IN A 192.0.2.1")) // update
	delete(desired, rrset.Key{Name: "h2.example.com.", Type: dns.TypeA})                                              // delete
	delete(desired, rrset.Key{Name: "h3.example.com.", Type: dns.TypeA})                                              // type change
	desired.Put(rr("h3.example.com. 300 IN CNAME h4.example.com."))
	delete(desired, rrset.Key{Name: "h5.example.com.", Type: dns.TypeA}) // held: stays
	held := map[string]bool{"h5.example.com.": true}
	only := map[string]bool{"new.example.com.": true, "h1.example.com.": true, "h2.example.com.": true,
		"h3.example.com.": true, "h5.example.com.": true, "example.com.": true}

	full := Compute(Input{Zone: "example.com.", Desired: desired, Base: base, Observed: observed, Held: held})
	part := Compute(Input{Zone: "example.com.", Desired: desired, Base: base, Observed: observed, Held: held, Only: only})
	summary := func(p Plan) []string {
		var out []string
		for _, c := range p.Changes {
			out = append(out, c.Action.String()+" "+c.Key.String())
		}
		return out
	}
	if got, want := summary(part), summary(full); !slices.Equal(got, want) || len(want) != 6 {
		t.Fatalf("restricted plan %q, full plan %q (want 6 changes)", got, want)
	}
}
