package reconcile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// The review's two-pass case (finding 1): 100 records served, a plan
// deleting 35 and creating 20. The first pass refuses the deletions and
// applies the creates; the zone then holds 120 records, and 35 of 120 is
// under 30%. The deletions must stay held all the same: they were refused,
// and only `apply --force` or records.d no longer asking for them lets
// them go.
func grownHarness(t *testing.T) (*harness, []string) {
	t.Helper()
	h := newHarness()
	// 99 hosts and ns1's address: 100 records counted.
	h.server.serve(zoneA, 7, zoneOf(t, with(hosts(99)...)...))
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.backend.server = h.server // the backend makes the server serve its plans
	var created []string
	for i := range 20 {
		created = append(created, fmt.Sprintf("new%d.example.com. 300 IN A 203.0.113.%d", i, i+1))
	}
	return h, created
}

func TestHeldSurvivesZoneGrowth(t *testing.T) {
	h, created := grownHarness(t)
	// Files h0..h34 are gone; 20 new ones arrived.
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, append(slices.Clone(hosts(99)[35:]), created...)...)}, zoneA))
	opts := Options{Apply: true}

	zr := h.r.RunOnce(t.Context(), opts).Zones[0]
	if !zr.Applied || len(zr.Plan.Changes) != 20 || len(zr.Refused.Changes) != 35 || !errors.Is(zr.Err, diff.ErrUnsafe) ||
		zr.Refusal == nil || !strings.Contains(zr.Refusal.Error(), "deletes 35 of 100 records") {
		t.Fatalf("pass 1: applied %v, %d changes, %d held, refusal %v; want the 20 creates applied and the 35 deletes refused",
			zr.Applied, len(zr.Plan.Changes), len(zr.Refused.Changes), zr.Refusal)
	}
	first := zr.Refusal

	// The zone now serves 120 records: 35 of them is 29%. Neither a full
	// pass nor one for changed files lets the deletions through.
	h.store.reload = map[string][]string{"records.d/new0.yaml": {zoneA}}
	for pass := 2; pass <= 3; pass++ {
		if pass == 2 {
			zr = h.r.RunOnce(t.Context(), opts).Zones[0]
		} else {
			zr = h.r.Changed(t.Context(), []string{"records.d/new0.yaml"}, opts).Zones[0]
		}
		if zr.Applied || !zr.Plan.Empty() || len(zr.Refused.Changes) != 35 || !errors.Is(zr.Err, diff.ErrUnsafe) || zr.Stage != StageUnsafe {
			t.Fatalf("pass %d: applied %v, plan %q, %d held, err %v; want the 35 deletes still held, nothing applied",
				pass, zr.Applied, summary(zr.Plan), len(zr.Refused.Changes), zr.Err)
		}
		// The same hold says the same thing: logged and audited once.
		if zr.Refusal.Error() != first.Error() {
			t.Errorf("pass %d: refusal %q, want the first one repeated: %q", pass, zr.Refusal, first)
		}
	}
	if got := len(h.backend.applied()); got != 1 {
		t.Fatalf("%d applies, want 1 (the creates only)", got)
	}

	// A forced pass applies them, and nothing stays held.
	zr = h.r.RunOnce(t.Context(), Options{Apply: true, Force: true}).Zones[0]
	if !zr.Applied || zr.Err != nil || len(zr.Plan.Changes) != 35 || zr.Plan.Deleted() != 35 {
		t.Fatalf("forced pass: applied %v, err %v, %d changes; want the 35 deletes applied", zr.Applied, zr.Err, len(zr.Plan.Changes))
	}
	if res := h.r.RunOnce(t.Context(), opts); res.Pending() || res.Failed() != nil {
		t.Errorf("after force: Pending %v, Failed %v; want in sync", res.Pending(), res.Failed())
	}
}

// What records.d no longer asks for is no longer held: files that come
// back release their part of the hold, and once all are back a later
// small deletion of the same names is judged afresh (and applies).
func TestHeldReleasedWhenFilesReturn(t *testing.T) {
	h, created := grownHarness(t)
	all := append(slices.Clone(hosts(99)), created...)
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, all[35:]...)}, zoneA))
	opts := Options{Apply: true}
	if zr := h.r.RunOnce(t.Context(), opts).Zones[0]; len(zr.Refused.Changes) != 35 || !zr.Applied {
		t.Fatalf("pass 1: %d held, applied %v; want 35 held and the creates applied", len(zr.Refused.Changes), zr.Applied)
	}

	// 30 files come back: the 5 deletions still asked for stay held, though
	// 5 of 120 alone would pass.
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, all[5:]...)}, zoneA))
	zr := h.r.RunOnce(t.Context(), opts).Zones[0]
	if got, want := summary(zr.Refused), []string{"delete h0.example.com. A", "delete h1.example.com. A", "delete h2.example.com. A",
		"delete h3.example.com. A", "delete h4.example.com. A"}; !slices.Equal(got, want) || zr.Applied || !errors.Is(zr.Err, diff.ErrUnsafe) {
		t.Fatalf("pass 2: held %q, applied %v, err %v; want %q held", got, zr.Applied, zr.Err, want)
	}
	if !strings.Contains(zr.Refusal.Error(), "5 changes") || !strings.Contains(zr.Refusal.Error(), "--force") {
		t.Errorf("pass 2: refusal %q, want it to say 5 changes stay held and how to apply them", zr.Refusal)
	}

	// All are back: nothing is planned, nothing held.
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, all...)}, zoneA))
	if res := h.r.RunOnce(t.Context(), opts); res.Pending() || res.Failed() != nil {
		t.Fatalf("files back: Pending %v, Failed %v; want in sync", res.Pending(), res.Failed())
	}

	// Deleting two of the names once held is an ordinary small change now.
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, all[2:]...)}, zoneA))
	zr = h.r.RunOnce(t.Context(), opts).Zones[0]
	if !zr.Applied || zr.Err != nil || !zr.Refused.Empty() || zr.Plan.Deleted() != 2 {
		t.Errorf("later delete: applied %v, err %v, %d held, plan %q; want the 2 deletes applied", zr.Applied, zr.Err, len(zr.Refused.Changes), summary(zr.Plan))
	}
}

// A forced pass whose apply fails leaves the hold in place.
func TestHeldKeptWhenForcedApplyFails(t *testing.T) {
	h, created := grownHarness(t)
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, append(slices.Clone(hosts(99)[35:]), created...)...)}, zoneA))
	opts := Options{Apply: true}
	h.r.RunOnce(t.Context(), opts)

	h.backend.err = errors.New("disk full")
	if zr := h.r.RunOnce(t.Context(), Options{Apply: true, Force: true}).Zones[0]; zr.Stage != StageApply {
		t.Fatalf("forced pass: stage %q, err %v; want the apply to fail", zr.Stage, zr.Err)
	}
	h.backend.err = nil
	if zr := h.r.RunOnce(t.Context(), opts).Zones[0]; zr.Applied || len(zr.Refused.Changes) != 35 || !errors.Is(zr.Err, diff.ErrUnsafe) {
		t.Errorf("after the failed force: applied %v, %d held, err %v; want the 35 deletes still held", zr.Applied, len(zr.Refused.Changes), zr.Err)
	}
}

// A plan that only plans (auto_register = false) reports the hold the
// same way, pass after pass.
func TestHeldReportedWhilePlanning(t *testing.T) {
	h, created := grownHarness(t)
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, append(slices.Clone(hosts(99)[35:]), created...)...)}, zoneA))
	h.r.RunOnce(t.Context(), Options{Apply: true}) // the creates are applied (say, by `dnssync apply`)
	zr := h.r.RunOnce(t.Context(), Options{}).Zones[0]
	if len(zr.Refused.Changes) != 35 || zr.Refusal == nil || !zr.Plan.Empty() {
		t.Errorf("planning pass: %d held, refusal %v, plan %q; want the 35 deletes reported as held", len(zr.Refused.Changes), zr.Refusal, summary(zr.Plan))
	}
}

// A config reload builds a new Reconciler: the hold goes with it, unless
// the safety thresholds changed, when the plan is judged afresh.
func TestHeldKeptAcrossReload(t *testing.T) {
	for _, tt := range []struct {
		name     string
		safety   diff.Safety
		wantHeld int
	}{
		{"same thresholds: still held", diff.Safety{MaxDeletePercent: 30, MaxUpdatePercent: 30, MinRecords: 10}, 35},
		{"thresholds changed: judged afresh", diff.Safety{MaxDeletePercent: 31, MaxUpdatePercent: 30, MinRecords: 10}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, created := grownHarness(t)
			h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, append(slices.Clone(hosts(99)[35:]), created...)...)}, zoneA))
			h.r.RunOnce(t.Context(), Options{Apply: true})

			next := &Reconciler{Zones: h.r.Zones, Store: h.store, Observed: h.server, Backend: h.backend, Verifier: h.verifier,
				Safety: tt.safety, Log: discardLog()}
			next.KeepHeld(h.r)
			zr := next.RunOnce(t.Context(), Options{Apply: true}).Zones[0]
			if len(zr.Refused.Changes) != tt.wantHeld || zr.Applied != (tt.wantHeld == 0) {
				t.Errorf("after reload: %d held, applied %v; want %d held", len(zr.Refused.Changes), zr.Applied, tt.wantHeld)
			}
		})
	}
}
