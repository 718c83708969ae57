package reconcile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/rrset"
)

// contended is a harness whose zoneA another writer changes while this
// one plans: each of the first `times` applies finds the zone changed (the
// other writer adds one more record and bumps the serial) and fails as the
// rfc2136 backend does, with apply.ErrConcurrentWrite. dnssync owns only
// ours.example.com.
func contended(t *testing.T, times int) (*harness, *bytes.Buffer) {
	t.Helper()
	h := newHarness()
	var logs bytes.Buffer
	h.r.Log = slog.New(slog.NewTextHandler(&logs, nil))
	h.backend.managed = map[string]func(rrset.Key) bool{zoneA: func(k rrset.Key) bool { return k.Name == "ours.example.com." }}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "ours.example.com. 300 IN A 192.0.2.1")}, zoneA))
	h.server.serve(zoneA, 1, zoneOf(t, baseOf(zoneA)...))
	calls := 0
	h.backend.onApply = func() { // under the backend's lock
		calls++
		h.backend.err = nil
		if calls > times {
			return
		}
		served := zoneOf(t, baseOf(zoneA)...)
		for i := range calls {
			served.Put(mustRR(t, fmt.Sprintf("theirs-%d.example.com. 300 IN A 198.51.100.%d", i, i+1)))
		}
		h.server.serve(zoneA, uint32(1+calls), served)
		h.backend.err = fmt.Errorf("update %s: %w", zoneA, apply.ErrConcurrentWrite)
	}
	return h, &logs
}

// TestConcurrentWriteReplans: a plan made stale by another writer is not a
// failure: the zone is transferred again at once and planned against what
// the other writer left, whose records stay (they are not dnssync's), and
// the pass ends in sync, without an error logged.
func TestConcurrentWriteReplans(t *testing.T) {
	t.Parallel()
	h, logs := contended(t, 2)
	res := h.r.RunOnce(context.Background(), Options{Apply: true})
	if err := res.Failed(); err != nil {
		t.Fatalf("pass failed: %v", err)
	}
	plans := h.backend.applied()
	if len(plans) != 3 {
		t.Fatalf("%d applies, want 3 (two refused as stale, then one planned afresh)", len(plans))
	}
	for i, served := range h.backend.served {
		if want := uint32(1 + i); served.Serial != want {
			t.Errorf("apply %d planned against serial %d, want %d (a fresh transfer)", i, served.Serial, want)
		}
	}
	if n := len(h.server.transfers()); n != 3 {
		t.Errorf("%d transfers, want 3", n)
	}
	for _, p := range plans {
		if got := strings.Join(summary(p), "; "); got != "create ours.example.com. A" {
			t.Errorf("plan %q, want only the create of ours (theirs are not dnssync's)", got)
		}
	}
	log := logs.String()
	if strings.Count(log, "zone changed by another writer; planning again") != 2 || !strings.Contains(log, "level=INFO") {
		t.Errorf("log does not say twice, at INFO, that the zone is planned again:\n%s", log)
	}
	if strings.Contains(log, "level=ERROR") {
		t.Errorf("a concurrent write logged as an error:\n%s", log)
	}
}

// TestConcurrentWriteBounded: a zone contended pass after pass is planned
// again at most maxReplans times in one pass, then reported as an apply
// error (the pass's retry takes it up).
func TestConcurrentWriteBounded(t *testing.T) {
	t.Parallel()
	h, _ := contended(t, 100)
	res := h.r.RunOnce(context.Background(), Options{Apply: true})
	if n := len(h.backend.applied()); n != 1+maxReplans {
		t.Errorf("%d applies, want %d", n, 1+maxReplans)
	}
	if len(res.Zones) != 1 || !errors.Is(res.Zones[0].Err, apply.ErrConcurrentWrite) || res.Zones[0].Stage != StageApply {
		t.Fatalf("zones %+v: want zoneA failed at apply with ErrConcurrentWrite", res.Zones)
	}
	if !retryable(res) {
		t.Error("a contended zone is not retried")
	}
}
