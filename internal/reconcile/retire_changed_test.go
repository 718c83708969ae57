package reconcile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
)

// A zone removed from zones.d and first seen gone by a pass for changed
// record files (not a full pass) is held like a mass delete too. The Store
// that forgets a zone names none of its names as changed (desired.Store
// drops the removed zone's changes), so a pass comparing only what changed
// since the cached, in-sync state would plan nothing and retire the zone
// with all its records: the daemon did so when a records.d event came
// right after the zone file went.
func TestZoneRemovedSeenByChangedPassIsHeld(t *testing.T) {
	t.Parallel()
	h, b, dir := zonesHarness(t)
	var lines []string
	for i := range 20 {
		lines = append(lines, fmt.Sprintf("h%d.%s 300 IN A 192.0.2.%d", i, zoneB, i+1))
	}
	served := zoneOf(t, lines...)
	h.server.serve(zoneB, 5, served)
	h.verifier.serials = []uint32{5} // the zone's serial stays: a pass may take it from the cache
	h.store.setState(stateOf(map[string]rrset.Zone{zoneB: served}, zoneA, zoneB))
	if res := h.r.RunOnce(context.Background(), Options{Apply: true}); res.Failed() != nil {
		t.Fatalf("first pass: %v", res.Failed())
	}

	if err := os.Remove(filepath.Join(dir, "b.yaml")); err != nil {
		t.Fatal(err)
	}
	// As desired.Store does: the zone's records leave with it, and no
	// name of the removed zone is reported changed.
	h.store.setStateChanged(stateOf(nil, zoneA), map[string]map[string]bool{})
	h.store.reload = map[string][]string{"records.d/other.yaml": nil}
	res := h.r.Changed(context.Background(), []string{"records.d/other.yaml"}, Options{Apply: true, Verify: true})
	zr := zoneResult(t, res, zoneB)
	if zr.Refusal == nil || len(zr.Refused.Changes) != 20 {
		t.Errorf("removed zone in a changed-files pass: refusal %v, %d held, plan %v; want the 20 deletions held",
			zr.Refusal, len(zr.Refused.Changes), summary(zr.Plan))
	}
	if len(b.removed) != 0 || !slices.Contains(h.r.Zones, zoneB) {
		t.Fatalf("removed zone retired with its records served: removed %v, Zones %v", b.removed, h.r.Zones)
	}
}
