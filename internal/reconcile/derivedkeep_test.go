package reconcile

import (
	"fmt"
	"slices"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/rrset"
)

// servedPTR is the targets of the PTR h's server serves at name.
func servedPTR(h *harness, zone, name string) []string {
	s := h.server.zones[zone].Sets[rrset.Key{Name: name, Type: dns.TypePTR}]
	if s == nil {
		return nil
	}
	return s.Values()
}

// A forward name held in conflict stays as served, and so do the PTRs of
// the addresses it serves: they are derived from its served A and AAAA
// sets, not planned for deletion. The zones are in the order a zone set
// sorts them, the reverse zone first.
func TestHeldForwardNameKeepsItsPTRs(t *testing.T) {
	h := reverseHarness(t, zoneRev, zoneA)
	h.r.ReverseZones = []string{zoneRev}
	fwd := []string{"www.example.com. 300 IN A 192.0.2.1", "alias.example.com. 300 IN A 192.0.2.1", "db.example.com. 300 IN A 192.0.2.3"}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, fwd...)}, zoneRev, zoneA))
	h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true})
	if got := servedPTR(h, zoneRev, "3.2.0.192.in-addr.arpa."); !slices.Equal(got, []string{"db.example.com."}) {
		t.Fatalf("before: PTR of db = %q", got)
	}

	// db and alias are in conflict now (say, a CNAME beside their A):
	// absent from the desired zone, held.
	st := stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, fwd[0])}, zoneRev, zoneA)
	for _, n := range []string{"db.example.com.", "alias.example.com."} {
		st.Held[zoneA][n] = desired.Conflict{Zone: zoneA, Name: n, Reason: "CNAME beside other data"}
	}
	h.store.setState(st)
	for pass := range 2 {
		res := h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true})
		if got := planOfZone(t, res, zoneRev); len(got) != 0 {
			t.Errorf("pass %d: reverse zone planned %q, want nothing: the held names' addresses are still served", pass, got)
		}
		if got := servedPTR(h, zoneRev, "3.2.0.192.in-addr.arpa."); !slices.Equal(got, []string{"db.example.com."}) {
			t.Errorf("pass %d: PTR of the held name = %q, want it left as served", pass, got)
		}
		if got := servedPTR(h, zoneRev, "1.2.0.192.in-addr.arpa."); !slices.Equal(got, []string{"alias.example.com.", "www.example.com."}) {
			t.Errorf("pass %d: PTR of a shared address = %q, want both names", pass, got)
		}
	}

	// The conflict resolved with db gone: its PTR goes.
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, fwd[0], fwd[1])}, zoneRev, zoneA))
	res := h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true})
	if got, want := planOfZone(t, res, zoneRev), []string{"delete 3.2.0.192.in-addr.arpa. PTR"}; !slices.Equal(got, want) {
		t.Errorf("conflict resolved: reverse zone planned %q, want %q", got, want)
	}
}

// Removing many hosts at once is held in the forward zone by the safety
// rules; their PTRs are held with them, though the reverse zone, holding
// the PTRs of another zone's hosts too, would let that many deletions
// through on its own count. Forced, both go.
func TestHeldForwardDeletionsKeepTheirPTRs(t *testing.T) {
	h := reverseHarness(t, zoneRev, zoneA, zoneB)
	h.r.ReverseZones = []string{zoneRev}
	var a, b []string
	for i := range 12 {
		a = append(a, fmt.Sprintf("h%d.example.com. 300 IN A 192.0.2.%d", i, 10+i))
	}
	for i := range 40 {
		b = append(b, fmt.Sprintf("h%d.example.net. 300 IN A 192.0.2.%d", i, 100+i))
	}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, a...), zoneB: zoneOf(t, b...)}, zoneRev, zoneA, zoneB))
	h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true})

	// 5 of example.com's 12 hosts go: over 30% there, 5 of 52 PTRs.
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, a[5:]...), zoneB: zoneOf(t, b...)}, zoneRev, zoneA, zoneB))
	for pass := range 2 {
		res := h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true})
		for _, z := range res.Zones {
			if z.Zone == zoneA && z.Refused.Empty() {
				t.Fatalf("pass %d: the forward zone's deletions not held: %q", pass, summary(z.Plan))
			}
		}
		if got := planOfZone(t, res, zoneRev); len(got) != 0 {
			t.Errorf("pass %d: reverse zone planned %q while the A records stay", pass, got)
		}
		if got := servedPTR(h, zoneRev, "10.2.0.192.in-addr.arpa."); !slices.Equal(got, []string{"h0.example.com."}) {
			t.Errorf("pass %d: PTR of a host whose removal is held = %q", pass, got)
		}
	}

	res := h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true, Force: true})
	if got := planOfZone(t, res, zoneRev); len(got) != 5 {
		t.Errorf("forced: reverse zone planned %q, want the 5 PTRs deleted", got)
	}
	if got := servedPTR(h, zoneRev, "10.2.0.192.in-addr.arpa."); got != nil {
		t.Errorf("forced: PTR of a removed host still served: %q", got)
	}
}
