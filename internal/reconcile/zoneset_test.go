package reconcile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/zones"
)

// zoneSetStore is the fake Store following a zone set, as desired.Store
// does: SetZones reports the zones added.
type zoneSetStore struct {
	*fakeStore
	mu   sync.Mutex
	sets [][]string
}

func (s *zoneSetStore) SetZones(zs []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var prev []string
	if len(s.sets) > 0 {
		prev = s.sets[len(s.sets)-1]
	}
	s.sets = append(s.sets, slices.Clone(zs))
	var added []string
	for _, z := range zs {
		if !slices.Contains(prev, z) {
			added = append(added, z)
		}
	}
	return added
}

// removingBackend is the fake backend with zone files to remove.
type removingBackend struct {
	*fakeBackend
	removed []string
}

func (b *removingBackend) RemoveZone(_ context.Context, zone string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.removed = append(b.removed, zone)
	return nil
}

// zonesHarness is a harness whose zones follow a zones dir: zoneA from the
// config, zoneB from zones.d/b.yaml.
func zonesHarness(t *testing.T) (*harness, *removingBackend, string) {
	t.Helper()
	h := newHarness(zoneA)
	dir := t.TempDir()
	za, err := config.BuildZone(config.ZoneSpec{Name: zoneA, Nameservers: []string{"ns1." + zoneA}})
	if err != nil {
		t.Fatal(err)
	}
	writeZoneFile(t, dir, zoneB)
	b := &removingBackend{fakeBackend: h.backend}
	h.backend.server = h.server
	h.r.Backend = b
	h.r.Store = &zoneSetStore{fakeStore: h.store}
	h.r.ZoneSource = zones.NewDir(dir, []config.Zone{za})
	h.r.CreatesZones = true
	h.r.Replication.Secondaries = []Secondary{{Name: "all", AllZones: true, Zones: []string{zoneA}}, {Name: "one", Zones: []string{zoneA}}}
	h.server.serve(zoneA, 1, rrset.Zone{})
	return h, b, dir
}

func writeZoneFile(t *testing.T, dir, zone string) {
	t.Helper()
	body := fmt.Sprintf("zone:\n  name: %s\n  nameservers: [ns1.%s]\n", zone, zone)
	if err := os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func zoneResult(t *testing.T, res Result, zone string) ZoneResult {
	t.Helper()
	for _, z := range res.Zones {
		if z.Zone == zone {
			return z
		}
	}
	t.Fatalf("zone %s not in the pass (zones %v)", zone, res.Zones)
	return ZoneResult{}
}

// A zone added to zones.d is managed by the next pass: planned in full
// (created on a server that does not serve it yet), known to the Store and
// to the secondaries that serve every zone.
func TestZoneAddedInZonesDirIsPlannedInFull(t *testing.T) {
	t.Parallel()
	h, _, _ := zonesHarness(t)
	h.store.setState(stateOf(map[string]rrset.Zone{zoneB: zoneOf(t, "www."+zoneB+" 300 IN A 192.0.2.1")}, zoneA, zoneB))

	res := h.r.RunOnce(context.Background(), Options{Apply: true})
	if want := []string{zoneA, zoneB}; !slices.Equal(h.r.Zones, want) {
		t.Fatalf("Zones = %v, want %v", h.r.Zones, want)
	}
	zr := zoneResult(t, res, zoneB)
	if got := summary(zr.Plan); !zr.Applied || !slices.Equal(got, []string{"create www." + zoneB + " A"}) {
		t.Fatalf("zone %s: applied %v, plan %v, err %v; want the record created", zoneB, zr.Applied, got, zr.Err)
	}
	if sets := h.r.Store.(*zoneSetStore).sets; len(sets) != 1 || !slices.Equal(sets[0], []string{zoneA, zoneB}) {
		t.Errorf("Store.SetZones calls = %v, want one with both zones", sets)
	}
	if got := h.r.secondariesOf(zoneB); len(got) != 1 || got[0].Name != "all" {
		t.Errorf("secondaries of the added zone = %v, want only the one serving every zone", got)
	}
}

// A zone removed from zones.d while it still serves many records dnssync
// manages is held like a mass delete: nothing deleted, the zone kept, the
// refusal on its result; a forced pass deletes them and the zone leaves
// (its zone file removed, no longer in Zones or the secondaries').
func TestZoneRemovedWithManyRecordsIsHeldUntilForced(t *testing.T) {
	t.Parallel()
	h, b, dir := zonesHarness(t)
	var lines []string
	for i := range 20 {
		lines = append(lines, fmt.Sprintf("h%d.%s 300 IN A 192.0.2.%d", i, zoneB, i+1))
	}
	served := zoneOf(t, lines...)
	h.server.serve(zoneB, 5, served)
	h.store.setState(stateOf(map[string]rrset.Zone{zoneB: served}, zoneA, zoneB))
	if res := h.r.RunOnce(context.Background(), Options{Apply: true}); res.Failed() != nil {
		t.Fatalf("first pass: %v", res.Failed())
	}

	if err := os.Remove(filepath.Join(dir, "b.yaml")); err != nil {
		t.Fatal(err)
	}
	h.store.setState(stateOf(nil, zoneA)) // the Store forgets the zone's records with it
	res := h.r.RunOnce(context.Background(), Options{Apply: true})
	zr := zoneResult(t, res, zoneB)
	if zr.Refusal == nil || len(zr.Refused.Changes) != 20 {
		t.Fatalf("removed zone: refusal %v, %d held; want the 20 deletions held", zr.Refusal, len(zr.Refused.Changes))
	}
	if len(b.removed) != 0 || !slices.Contains(h.r.Zones, zoneB) {
		t.Fatalf("removed zone retired while its records are held: removed %v, Zones %v", b.removed, h.r.Zones)
	}
	for _, p := range h.backend.applied() {
		if p.Zone == zoneB && len(p.Changes) > 0 && p.Changes[0].Action == diff.Delete {
			t.Fatalf("a held deletion was applied: %v", summary(p))
		}
	}

	res = h.r.RunOnce(context.Background(), Options{Apply: true, Force: true})
	if zr := zoneResult(t, res, zoneB); !zr.Applied || len(zr.Plan.Changes) != 20 {
		t.Fatalf("forced: applied %v, %d changes, err %v", zr.Applied, len(zr.Plan.Changes), zr.Err)
	}
	if !slices.Equal(b.removed, []string{zoneB}) || slices.Contains(h.r.Zones, zoneB) {
		t.Fatalf("after the forced pass: removed %v, Zones %v; want the zone retired", b.removed, h.r.Zones)
	}
	if got := h.r.secondariesOf(zoneB); len(got) != 0 {
		t.Errorf("a retired zone's secondaries = %v, want none", got)
	}
}

// A zone removed once its records are gone leaves in the same pass; a
// zones file made invalid keeps its zone (no removal).
func TestZoneRemovedWithNothingManagedLeaves(t *testing.T) {
	t.Parallel()
	h, b, dir := zonesHarness(t)
	h.server.serve(zoneB, 5, rrset.Zone{})
	h.store.setState(stateOf(nil, zoneA, zoneB))
	h.r.RunOnce(context.Background(), Options{Apply: true})

	if err := os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("zone: [not, a, mapping]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.r.RunOnce(context.Background(), Options{Apply: true})
	if len(b.removed) != 0 || !slices.Contains(h.r.Zones, zoneB) {
		t.Fatalf("an invalid zones file retired its zone: removed %v, Zones %v", b.removed, h.r.Zones)
	}

	if err := os.Remove(filepath.Join(dir, "b.yaml")); err != nil {
		t.Fatal(err)
	}
	res := h.r.RunOnce(context.Background(), Options{Apply: true})
	if zr := zoneResult(t, res, zoneB); zr.Err != nil {
		t.Fatalf("retiring pass: %v", zr.Err)
	}
	if !slices.Equal(b.removed, []string{zoneB}) || slices.Contains(h.r.Zones, zoneB) {
		t.Fatalf("removed %v, Zones %v; want the zone retired", b.removed, h.r.Zones)
	}
}
