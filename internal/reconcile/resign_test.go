package reconcile

import (
	"fmt"
	"testing"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// dueBackend signs zoneA, whose signatures are always due.
type dueBackend struct{ *floorBackend }

func (b *dueBackend) Signs(zone string) bool            { return zone == zoneA }
func (b *dueBackend) SignaturesDue(*observed.Zone) bool { return true }

var _ apply.Resigner = (*dueBackend)(nil)

// TestResignWhileHeld: signatures due for refresh are made again while the
// safety rules hold the zone's deletions. The serial-only write changes no
// record (what is held stays served), and a hold that stands longer than
// the refresh window would otherwise let every signature expire: the zone
// would go bogus for every validating resolver while waiting for a person.
func TestResignWhileHeld(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		hold func(h *harness, zr *ZoneResult)
	}{
		{"not held", func(*harness, *ZoneResult) {}},
		{"refused this pass", func(_ *harness, zr *ZoneResult) {
			zr.Refusal = fmt.Errorf("%w: deletes too many", diff.ErrUnsafe)
			zr.Err, zr.Stage = zr.Refusal, StageUnsafe
		}},
		{"held from before", func(h *harness, _ *ZoneResult) {
			h.r.holding = map[string]*diff.Hold{zoneA: {Keys: map[rrset.Key]bool{{Name: "www.example.com.", Type: 1}: true}}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness()
			h.backend.server = h.server
			h.r.Backend = &dueBackend{&floorBackend{fakeBackend: h.backend}}
			h.server.serve(zoneA, 10, zoneOf(t,
				"example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 10 3600 600 604800 300",
				"www.example.com. 300 IN A 192.0.2.1"))
			res := Result{Zones: []ZoneResult{{Zone: zoneA}}}
			tc.hold(h, &res.Zones[0])
			h.r.resignDue(t.Context(), Options{Apply: true, Check: true}, &res)
			writes := h.backend.applied()
			if len(writes) != 1 || !writes[0].Empty() {
				t.Fatalf("%d writes %v, want one serial-only write re-signing the zone", len(writes), writes)
			}
		})
	}
}
