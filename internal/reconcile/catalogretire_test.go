package reconcile

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/zones"
)

// A zone removed from zones.d that the pass retires leaves the catalog in
// that same pass. The catalog was planned with it still a member (it
// leaves only once its pass served nothing managed in it), and the next
// pass may be an hour away when zones.d's watcher, not the schedule,
// triggered this one: consumers would keep the zone, which the primary no
// longer serves, until then.
func TestRetiredZoneLeavesTheCatalogInItsPass(t *testing.T) {
	t.Parallel()
	h, b, dir := zonesHarness(t)
	h.r.Catalog = testCatalog
	h.server.serve(zoneB, 5, rrset.Zone{})
	h.store.setState(stateOf(nil, zoneA, zoneB))
	member := rrset.Key{Name: zones.CatalogID(zoneB) + ".zones." + testCatalog, Type: dns.TypePTR}
	h.r.RunOnce(context.Background(), Options{Apply: true})
	if cat := h.server.zones[testCatalog]; cat == nil || cat.Sets[member] == nil {
		t.Fatalf("catalog served %v, want it to list %s", cat, zoneB)
	}

	if err := os.Remove(filepath.Join(dir, "b.yaml")); err != nil {
		t.Fatal(err)
	}
	h.r.RunOnce(context.Background(), Options{Apply: true})
	if !slices.Equal(b.removed, []string{zoneB}) {
		t.Fatalf("removed %v, want %s retired", b.removed, zoneB)
	}
	if s := h.server.zones[testCatalog].Sets[member]; s != nil {
		t.Errorf("after the pass that retired %s the catalog still lists it: %v", zoneB, s)
	}
}
