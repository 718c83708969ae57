package reconcile

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// The tests below are the two-pass case of grown_test.go across processes:
// each Reconciler built on a harness's fakes stands for a dnssync process
// of its own (a daemon started again, a `dnssync apply`), sharing the
// server and records.d and, through the held state file, nothing else.

// heldPath is a held state file in a fresh state dir.
func heldPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), HeldFileName)
}

func mustLoadHeld(t *testing.T, path string) *HeldFile {
	t.Helper()
	f, err := LoadHeld(path)
	if err != nil {
		t.Fatalf("LoadHeld: %v", err)
	}
	return f
}

// process is another dnssync process on h's fakes, with its own memory,
// loading the held state file at path as it starts.
func process(t *testing.T, h *harness, path string, safety diff.Safety) *Reconciler {
	t.Helper()
	return &Reconciler{Zones: h.r.Zones, Store: h.store, Observed: h.server, Backend: h.backend, Verifier: h.verifier,
		Safety: safety, Held: mustLoadHeld(t, path), Log: discardLog(), recheck: h.r.recheck}
}

// heldGrown is grownHarness with the held state file at path, after the
// first pass: the 20 creates applied, the 35 deletions held.
func heldGrown(t *testing.T, path string) *harness {
	t.Helper()
	h, created := grownHarness(t)
	h.r.Held = mustLoadHeld(t, path)
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, append(slices.Clone(hosts(99)[35:]), created...)...)}, zoneA))
	zr := h.r.RunOnce(t.Context(), Options{Apply: true}).Zones[0]
	if !zr.Applied || len(zr.Plan.Changes) != 20 || len(zr.Refused.Changes) != 35 || !errors.Is(zr.Err, diff.ErrUnsafe) {
		t.Fatalf("first pass: applied %v, %d changes, %d held, err %v; want the 20 creates applied and the 35 deletes held",
			zr.Applied, len(zr.Plan.Changes), len(zr.Refused.Changes), zr.Err)
	}
	return h
}

// fileHeld reads the held state file as JSON: zone → held "name type".
func fileHeld(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f heldJSON
	if err := json.Unmarshal(b, &f); err != nil || f.Version != 1 {
		t.Fatalf("held state: version %d, err %v:\n%s", f.Version, err, b)
	}
	out := map[string][]string{}
	for z, e := range f.Zones {
		for _, k := range e.Held {
			out[z] = append(out[z], k.Name+" "+k.Type)
		}
	}
	return out
}

// A daemon killed after a pass that held deletions and applied creates,
// and started again (or a `dnssync apply` run afterwards, or `dnssync
// plan`), measures the grown zone: 35 of 120 is under 30%. The deletions
// are held all the same.
func TestHeldKeptByNextProcess(t *testing.T) {
	path := heldPath(t)
	h := heldGrown(t, path)
	safety := h.r.Safety

	for _, opts := range []Options{{Apply: true}, {}} {
		next := process(t, h, path, safety)
		zr := next.RunOnce(t.Context(), opts).Zones[0]
		if zr.Applied || !zr.Plan.Empty() || len(zr.Refused.Changes) != 35 || !errors.Is(zr.Refusal, diff.ErrUnsafe) {
			t.Fatalf("next process (apply %v): applied %v, plan %q, %d held, refusal %v; want the 35 deletes held, nothing applied",
				opts.Apply, zr.Applied, summary(zr.Plan), len(zr.Refused.Changes), zr.Refusal)
		}
		if msg := zr.Refusal.Error(); !strings.Contains(msg, "earlier pass") || !strings.Contains(msg, "--force") {
			t.Errorf("next process: refusal %q, want it to say the changes were refused before and how to apply them", msg)
		}
	}
	if got := len(h.backend.applied()); got != 1 {
		t.Errorf("%d applies, want 1 (the first pass's creates)", got)
	}
}

// The hold is on disk before the creates judged with it are applied: a
// crash in between must not leave the creates without the hold.
func TestHeldRecordedBeforeApply(t *testing.T) {
	path := heldPath(t)
	h, created := grownHarness(t)
	h.r.Held = mustLoadHeld(t, path)
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, append(slices.Clone(hosts(99)[35:]), created...)...)}, zoneA))
	var atApply map[string][]string
	h.backend.onApply = func() { atApply = fileHeld(t, path) }
	h.r.RunOnce(t.Context(), Options{Apply: true})
	if got := len(atApply[zoneA]); got != 35 {
		t.Fatalf("when the creates were applied the file held %d sets of %s, want 35: %v", got, zoneA, atApply)
	}
	if got := atApply[zoneA][0]; got != "h0.example.com. A" {
		t.Errorf("first held set %q, want %q (sorted, name and type)", got, "h0.example.com. A")
	}
}

// A hold is written once, not every pass that keeps it.
func TestHeldFileWrittenOnlyOnChange(t *testing.T) {
	path := heldPath(t)
	h := heldGrown(t, path)
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if zr := h.r.RunOnce(t.Context(), Options{Apply: true}).Zones[0]; len(zr.Refused.Changes) != 35 {
			t.Fatalf("%d held, want 35", len(zr.Refused.Changes))
		}
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) || !before.ModTime().Equal(after.ModTime()) {
		t.Errorf("the held state file was written again by passes that changed nothing held")
	}
}

// apply --force, in a process of its own, applies the held deletions and
// clears the zone in the file: a process started afterwards holds nothing,
// and the daemon that held them holds nothing either once they are
// applied (a later small deletion of the same names is judged afresh).
func TestHeldClearedByForce(t *testing.T) {
	path := heldPath(t)
	h := heldGrown(t, path)

	cli := process(t, h, path, h.r.Safety)
	zr := cli.RunOnce(t.Context(), Options{Apply: true, Force: true}).Zones[0]
	if !zr.Applied || zr.Err != nil || zr.Plan.Deleted() != 35 {
		t.Fatalf("apply --force: applied %v, err %v, plan %q; want the 35 deletes applied", zr.Applied, zr.Err, summary(zr.Plan))
	}
	if got := fileHeld(t, path); len(got) != 0 {
		t.Fatalf("after apply --force the file still holds %v", got)
	}
	if res := process(t, h, path, h.r.Safety).RunOnce(t.Context(), Options{Apply: true}); res.Pending() || res.Failed() != nil {
		t.Fatalf("a process started after the force: Pending %v, Failed %v; want in sync", res.Pending(), res.Failed())
	}

	// The daemon: in sync, and the names once held are ordinary names again.
	if res := h.r.RunOnce(t.Context(), Options{Apply: true}); res.Pending() || res.Failed() != nil {
		t.Fatalf("daemon after the force: Pending %v, Failed %v; want in sync", res.Pending(), res.Failed())
	}
	st := h.store.State()
	rest := rrset.Zone(maps.Collect(st.Zone(zoneA).All())) // a copy: a State is never changed
	delete(rest, rrset.Key{Name: "h40.example.com.", Type: 1})
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: rest}, zoneA))
	if zr := h.r.RunOnce(t.Context(), Options{Apply: true}).Zones[0]; !zr.Applied || zr.Err != nil || zr.Plan.Deleted() != 1 {
		t.Errorf("a later small delete: applied %v, err %v, plan %q; want it applied", zr.Applied, zr.Err, summary(zr.Plan))
	}
}

// A hold made by another process (`dnssync apply` beside the daemon) is
// honoured by the daemon's next pass, though the zone grew.
func TestHeldFromAnotherProcess(t *testing.T) {
	path := heldPath(t)
	h, created := grownHarness(t)
	h.r.Held = mustLoadHeld(t, path)
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, hosts(99)...)}, zoneA))
	if res := h.r.RunOnce(t.Context(), Options{Apply: true}); res.Pending() || res.Failed() != nil {
		t.Fatalf("daemon's first pass: Pending %v, Failed %v; want in sync", res.Pending(), res.Failed())
	}

	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, append(slices.Clone(hosts(99)[35:]), created...)...)}, zoneA))
	cli := process(t, h, path, h.r.Safety)
	if zr := cli.RunOnce(t.Context(), Options{Apply: true}).Zones[0]; !zr.Applied || len(zr.Refused.Changes) != 35 {
		t.Fatalf("apply: applied %v, %d held; want the creates applied and 35 held", zr.Applied, len(zr.Refused.Changes))
	}
	zr := h.r.RunOnce(t.Context(), Options{Apply: true}).Zones[0]
	if zr.Applied || len(zr.Refused.Changes) != 35 || !errors.Is(zr.Err, diff.ErrUnsafe) {
		t.Errorf("daemon's next pass: applied %v (plan %q), %d held, err %v; want the 35 deletes held", zr.Applied, summary(zr.Plan), len(zr.Refused.Changes), zr.Err)
	}
}

// A process whose [safety] thresholds differ from those that made the
// hold judges the plan afresh under its own, and the file follows.
func TestHeldThresholdsChangedAcrossRestart(t *testing.T) {
	path := heldPath(t)
	h := heldGrown(t, path)
	next := process(t, h, path, diff.Safety{MaxDeletePercent: 31, MaxUpdatePercent: 30, MinRecords: 10})
	zr := next.RunOnce(t.Context(), Options{Apply: true}).Zones[0]
	if !zr.Applied || zr.Err != nil || zr.Plan.Deleted() != 35 {
		t.Fatalf("under new thresholds: applied %v, err %v, plan %q; want the 35 deletes (29%% of 120) applied", zr.Applied, zr.Err, summary(zr.Plan))
	}
	if got := fileHeld(t, path); len(got) != 0 {
		t.Errorf("the file still holds %v", got)
	}
}

// A SIGHUP builds a Reconciler that loads the file too: the hold goes on
// with the same thresholds, and ends with other ones (the file's entry
// was made under the old ones).
func TestHeldKeptAcrossReloadWithFile(t *testing.T) {
	for _, tt := range []struct {
		name     string
		safety   diff.Safety
		wantHeld int
	}{
		{"same thresholds: still held", diff.Safety{MaxDeletePercent: 30, MaxUpdatePercent: 30, MinRecords: 10}, 35},
		{"thresholds changed: judged afresh", diff.Safety{MaxDeletePercent: 31, MaxUpdatePercent: 30, MinRecords: 10}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := heldPath(t)
			h := heldGrown(t, path)
			next := process(t, h, path, tt.safety)
			next.KeepHeld(h.r)
			zr := next.RunOnce(t.Context(), Options{Apply: true}).Zones[0]
			if len(zr.Refused.Changes) != tt.wantHeld || zr.Applied != (tt.wantHeld == 0) {
				t.Errorf("after reload: %d held, applied %v; want %d held", len(zr.Refused.Changes), zr.Applied, tt.wantHeld)
			}
		})
	}
}

// A held state file that cannot be read is never taken for "nothing held":
// the start is refused, with an error that names the file, says what to
// do, and quotes nothing of it.
func TestHeldFileUnreadable(t *testing.T) {
	const secret = "s3cr3t-TSIG-k3y"
	for _, tt := range []struct {
		name    string
		content string
		make    func(path string) error
	}{
		{name: "not JSON", content: secret + "\n"},
		{name: "JSON cut short", content: `{"version": 1, "zones": {"example.com.": {"held": [{"name": "` + secret},
		{name: "an unknown version", content: `{"version": 2, "zones": {}, "` + secret + `": 1}`},
		{name: "unknown keys", content: `{"version": 1, "zones": {}, "` + secret + `": 1}`},
		{name: "a value of the wrong type", content: `{"version": 1, "zones": {"example.com.": {"held": "` + secret + `"}}}`},
		{name: "a bad type", content: `{"version": 1, "zones": {"example.com.": {"held": [{"name": "a.example.com.", "type": "` + secret + `"}]}}}`},
		{name: "a bad name", content: `{"version": 1, "zones": {"example.com.": {"held": [{"name": "` + secret + `", "type": "A"}]}}}`},
		{name: "a bad zone", content: `{"version": 1, "zones": {"` + secret + `": {"held": []}}}`},
		{name: "empty", content: ""},
		{name: "a FIFO", make: func(path string) error { return syscall.Mkfifo(path, 0o644) }},
		{name: "a directory", make: func(path string) error { return os.Mkdir(path, 0o755) }},
		{name: "a symlink", make: func(path string) error { return os.Symlink("/etc/hostname", path) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := heldPath(t)
			var err error
			if tt.make != nil {
				err = tt.make(path)
			} else {
				err = os.WriteFile(path, []byte(tt.content), 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = LoadHeld(path)
			if err == nil {
				t.Fatal("LoadHeld: no error; a held state file that cannot be read must refuse the start")
			}
			msg := err.Error()
			if strings.Contains(msg, secret) || strings.Contains(msg, "s3cr3t") {
				t.Errorf("error quotes the file: %q", msg)
			}
			if !strings.Contains(msg, path) || !strings.Contains(msg, "remove it") {
				t.Errorf("error %q: want it to name the file and say how to go on", msg)
			}
		})
	}
}

// A held state file spoiled while the daemon runs: no zone applies
// anything, not even its creates, until it is fixed.
func TestHeldFileSpoiledWhileRunning(t *testing.T) {
	path := heldPath(t)
	h, created := grownHarness(t)
	h.r.Held = mustLoadHeld(t, path)
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, append(slices.Clone(hosts(99)[35:]), created...)...)}, zoneA))
	zr := h.r.RunOnce(t.Context(), Options{Apply: true}).Zones[0]
	if zr.Applied || zr.Stage != StageApply || zr.Err == nil || !strings.Contains(zr.Err.Error(), "nothing applied") {
		t.Fatalf("applied %v, stage %q, err %v; want nothing applied and the held state named", zr.Applied, zr.Stage, zr.Err)
	}
	if zr := h.r.RunOnce(t.Context(), Options{}).Zones[0]; zr.Err == nil {
		t.Errorf("a planning pass: no error; want the unknown hold reported")
	}
	if got := len(h.backend.applied()); got != 0 {
		t.Errorf("%d applies, want none", got)
	}

	if err := os.Remove(path); err != nil { // the person's decision: release every hold
		t.Fatal(err)
	}
	if zr := h.r.RunOnce(t.Context(), Options{Apply: true}).Zones[0]; !zr.Applied || len(zr.Refused.Changes) != 35 {
		t.Errorf("after removing the file: applied %v, %d held, err %v; want the creates applied and 35 held", zr.Applied, len(zr.Refused.Changes), zr.Err)
	}
}

// A hold that cannot be recorded applies nothing: the creates would grow
// the zone with no trace of what was refused.
func TestHeldNotRecordedAppliesNothing(t *testing.T) {
	path := heldPath(t)
	h, created := grownHarness(t)
	h.r.Held = mustLoadHeld(t, path)
	// The lock file cannot be opened as one.
	if err := os.Mkdir(filepath.Join(filepath.Dir(path), heldLockName), 0o755); err != nil {
		t.Fatal(err)
	}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, append(slices.Clone(hosts(99)[35:]), created...)...)}, zoneA))
	zr := h.r.RunOnce(t.Context(), Options{Apply: true}).Zones[0]
	if zr.Applied || zr.Stage != StageApply || zr.Err == nil {
		t.Fatalf("applied %v, stage %q, err %v; want nothing applied", zr.Applied, zr.Stage, zr.Err)
	}
	if got := len(h.backend.applied()); got != 0 {
		t.Errorf("%d applies, want none", got)
	}
}

// Another process changed the zone's entry between this one's reading of
// the file and its writing: the write is refused (this verdict is stale),
// the other's hold taken in, and nothing applied in this pass.
func TestHeldChangedMeanwhile(t *testing.T) {
	path := heldPath(t)
	h, _ := grownHarness(t)
	h.r.Held = mustLoadHeld(t, path)
	h.r.syncHeld()

	other := process(t, h, path, h.r.Safety)
	k := rrset.Key{Name: "h1.example.com.", Type: 1}
	other.holding = map[string]*diff.Hold{zoneA: {Keys: map[rrset.Key]bool{k: true}}}
	if err := other.saveHeld(t.Context(), zoneA); err != nil {
		t.Fatalf("other process: %v", err)
	}

	h.r.holding = map[string]*diff.Hold{zoneA: {Keys: map[rrset.Key]bool{{Name: "h2.example.com.", Type: 1}: true}}}
	err := h.r.saveHeld(t.Context(), zoneA)
	if !errors.Is(err, errHeldMoved) {
		t.Fatalf("saveHeld: %v, want errHeldMoved", err)
	}
	if got := fileHeld(t, path)[zoneA]; !slices.Equal(got, []string{"h1.example.com. A"}) {
		t.Errorf("file holds %q, want the other process's hold kept", got)
	}
	if h := h.r.holding[zoneA]; h == nil || !h.Keys[k] || len(h.Keys) != 1 {
		t.Errorf("memory after the refused write: %v, want the other process's hold", h)
	}
}

// A zone dropped from the config by one reload and added back by the next
// takes in its entry of the held state file again: the Reconciler between
// the two, which did not manage it, must not count it as seen.
func TestHeldZoneAddedBackByReload(t *testing.T) {
	path := heldPath(t)
	h := heldGrown(t, path)
	safety := h.r.Safety
	without := process(t, h, path, safety)
	without.Zones = nil
	without.KeepHeld(h.r)
	without.RunOnce(t.Context(), Options{Apply: true})
	back := process(t, h, path, safety)
	back.KeepHeld(without)
	zr := back.RunOnce(t.Context(), Options{Apply: true}).Zones[0]
	if len(zr.Refused.Changes) != 35 || zr.Applied {
		t.Errorf("zone added back: %d held, applied %v; want the 35 deletions still held", len(zr.Refused.Changes), zr.Applied)
	}
}
