package reconcile

import (
	"slices"
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
)

// TestDeriveSkipsZoneManagedApart (issue 13 review): with 0.192.in-addr.arpa
// a reverse zone and 2.0.192.in-addr.arpa managed apart (reverse: false),
// 192.0.2.10 gets no PTR in the parent: the child answers for that name,
// so a PTR under its apex in the parent would be served by no one. An
// address outside the child still gets its PTR in the parent, and the
// child keeps only what records.d declares in it.
func TestDeriveSkipsZoneManagedApart(t *testing.T) {
	t.Parallel()
	const parent = "0.192.in-addr.arpa."
	st := stateOf(map[string]rrset.Zone{
		zoneA: zoneOf(t,
			"in-child.example.com. 300 IN A 192.0.2.10",
			"in-parent.example.com. 300 IN A 192.0.3.10"),
		zoneRev: zoneOf(t, "99.2.0.192.in-addr.arpa. 300 IN PTR by-hand.example.com."),
	}, zoneA, parent, zoneRev)

	got, _ := derive(st, Derivation{Reverse: []string{parent}})
	if g, want := zoneLines(got.Zone(parent)), []string{"10.3.0.192.in-addr.arpa. 300 IN PTR in-parent.example.com."}; !slices.Equal(g, want) {
		t.Errorf("%s = %q, want %q", parent, g, want)
	}
	if g, want := zoneLines(got.Zone(zoneRev)), []string{"99.2.0.192.in-addr.arpa. 300 IN PTR by-hand.example.com."}; !slices.Equal(g, want) {
		t.Errorf("%s = %q, want %q (records.d's only)", zoneRev, g, want)
	}
}
