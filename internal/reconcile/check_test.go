package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// checkHarness has zones A and B in sync, and a Checker.
func checkHarness(t *testing.T) (*harness, *fakeChecker) {
	h := syncedHarness(t)
	c := &fakeChecker{report: verify.Report{Servers: []string{"ns1"}, Checked: 2}}
	h.r.Checker = c
	return h, c
}

func keysOf(m map[rrset.Key]*rrset.Set) []string {
	return keyStrings(slices.SortedFunc(maps.Keys(m), rrset.Key.Compare))
}

func TestRunOnceCheck(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(t *testing.T, h *harness, cancel context.CancelFunc)
		opts       Options
		wantCheck  bool
		wantUnsafe bool
		wantStale  []string // the sets the check reports stale, beside the Checker's report
	}{
		{name: "every desired set of every zone", opts: Options{Check: true}, wantCheck: true},
		{name: "not asked", opts: Options{}},
		{
			name: "a zone could not be transferred",
			setup: func(t *testing.T, h *harness, _ context.CancelFunc) {
				h.server.failNext(zoneB, errors.New("connection refused"))
			},
			opts: Options{Check: true},
		},
		{
			name: "records not read",
			setup: func(t *testing.T, h *harness, _ context.CancelFunc) {
				h.store.scanErr = errors.New("permission denied")
			},
			opts: Options{Check: true},
		},
		{
			name: "a refused plan still checks",
			setup: func(t *testing.T, h *harness, _ context.CancelFunc) {
				st := h.store.State()
				st.Files = 0
				h.server.serve(zoneB, 1, zoneOf(t, "www.example.net. 300 IN A 192.0.2.1", "old.example.net. 300 IN A 192.0.2.1"))
			},
			opts:       Options{Check: true, Apply: true},
			wantCheck:  true,
			wantUnsafe: true,
			// The refused deletion leaves it served, and declared nowhere.
			wantStale: []string{"old.example.net. A"},
		},
		{
			name: "cancelled during an apply",
			setup: func(t *testing.T, h *harness, cancel context.CancelFunc) {
				h.store.State().Zones[zoneA] = zoneOf(t, "new.example.com. 300 IN A 192.0.2.1")
				h.backend.onApply = cancel
			},
			opts: Options{Check: true, Apply: true},
		},
		{
			name: "cancelled",
			setup: func(t *testing.T, h *harness, cancel context.CancelFunc) {
				h.server.block = true
				go func() {
					synctest.Wait() // the pass waits inside its first transfer
					cancel()
				}()
			},
			opts: Options{Check: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, c := checkHarness(t)
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if tt.setup != nil {
					tt.setup(t, h, cancel)
				}

				res := h.r.RunOnce(ctx, tt.opts)
				if unsafe := errors.Is(res.Failed(), diff.ErrUnsafe); unsafe != tt.wantUnsafe {
					t.Fatalf("Failed() = %v, want refused: %v", res.Failed(), tt.wantUnsafe)
				}

				if !tt.wantCheck {
					if res.Check != nil || c.calls() != 0 {
						t.Errorf("Check = %v after %d checks, want none", res.Check, c.calls())
					}
					return
				}
				if c.calls() != 1 || res.Check == nil {
					t.Fatalf("%d checks, Result.Check = %v; want one", c.calls(), res.Check)
				}
				var stale []string
				for _, r := range res.Check.Results {
					if r.Status == verify.StatusStale {
						stale = append(stale, r.Key.String())
					}
				}
				if res.Check.Checked != c.report.Checked+len(tt.wantStale) || !slices.Equal(stale, tt.wantStale) {
					t.Errorf("Result.Check = %+v, want the Checker's report and the stale sets %q", res.Check, tt.wantStale)
				}
				if got, want := keysOf(c.wants[0]), []string{"www.example.com. A", "www.example.net. A"}; !slices.Equal(got, want) {
					t.Errorf("checked %q, want %q", got, want)
				}
			})
		})
	}
}

func TestRunOnceCheckWithoutChecker(t *testing.T) {
	h := syncedHarness(t)
	res := h.r.RunOnce(t.Context(), Options{Check: true})
	if res.Check != nil || res.Failed() != nil {
		t.Errorf("Check = %v, Failed() = %v; want no check and no failure", res.Check, res.Failed())
	}
}

// The checker learns when dnssync changed each set, so that a resolver's
// cache within the TTL is reported as lagging, not failed.
func TestCheckGetsChangeTimes(t *testing.T) {
	h, c := checkHarness(t)
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	other := rrset.Key{Name: "www.example.net.", Type: dns.TypeA}
	st := h.store.State()
	st.Zones[zoneA] = zoneOf(t, "www.example.com. 300 IN A 192.0.2.9")
	h.r.TrackChanges = true

	before := time.Now()
	h.r.RunOnce(t.Context(), Options{Apply: true, Check: true})
	after := time.Now()

	if c.calls() != 1 {
		t.Fatalf("%d checks, want 1", c.calls())
	}
	if at := c.changedAt[0][www]; at.Before(before) || at.After(after) {
		t.Errorf("changedAt(%s) = %v, want the time of the apply (between %v and %v)", www, at, before, after)
	}
	if at := c.changedAt[0][other]; !at.IsZero() {
		t.Errorf("changedAt(%s) = %v, want zero: dnssync never changed it", other, at)
	}
}

func TestVerifyMethod(t *testing.T) {
	t.Run("checks the rescanned state", func(t *testing.T) {
		h, c := checkHarness(t)
		c.report.Results = []verify.Result{{Server: "ns1", Key: rrset.Key{Name: "www.example.com.", Type: dns.TypeA}, Err: errors.New("timeout")}}
		rep, err := h.r.Verify(t.Context())
		if err != nil {
			t.Fatalf("Verify() = %v", err)
		}
		if scans, _ := h.store.counts(); scans != 1 {
			t.Errorf("Scan called %d times, want 1", scans)
		}
		if len(rep.Results) != 1 || c.calls() != 1 {
			t.Errorf("Verify() = %+v after %d checks, want the Checker's report", rep, c.calls())
		}
		// One transfer of each zone, to find the sets served but no
		// longer declared; nothing applied.
		if got, want := h.server.transfers(), []string{zoneA, zoneB}; !slices.Equal(got, want) || len(h.backend.applied()) != 0 {
			t.Errorf("Verify transferred %q and applied %d times; want %q and nothing applied: it changes nothing", got, len(h.backend.applied()), want)
		}
	})
	t.Run("records not read", func(t *testing.T) {
		h, c := checkHarness(t)
		h.store.scanErr = fmt.Errorf("scan: %w", desired.ErrSuddenlyEmpty)
		if _, err := h.r.Verify(t.Context()); !errors.Is(err, desired.ErrSuddenlyEmpty) {
			t.Errorf("Verify() = %v, want the scan error", err)
		}
		if c.calls() != 0 {
			t.Errorf("%d checks without desired state", c.calls())
		}
	})
}

// Scheduled passes check every record; the first pass (it verifies what
// it applies), retries and passes for changed files do not.
func TestRunChecksOnScheduledPassesOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, c := checkHarness(t)
		events := make(chan []string)
		lp := startRun(t, h.r, Loop{Events: events, Schedule: fakeSchedule{never}, MaxBackoff: 10 * time.Millisecond})

		if p := lp.next(t); p.Check != nil || !p.Full {
			t.Fatalf("first pass: Full = %v, Check = %v; want a full pass without check", p.Full, p.Check)
		}
		h.server.failNext(zoneA, errors.New("connection refused"))
		events <- []string{"records.d/a.yaml"}
		if p := lp.next(t); p.Check != nil || p.Full || p.Failed() == nil {
			t.Fatalf("change pass: Full = %v, Check = %v, Failed() = %v; want a failed partial pass without check", p.Full, p.Check, p.Failed())
		}
		if p := lp.next(t); p.Check != nil || !p.Full || p.Failed() != nil {
			t.Fatalf("retry: Full = %v, Check = %v, Failed() = %v; want a full pass without check that succeeds", p.Full, p.Check, p.Failed())
		}
		if n := c.calls(); n != 0 {
			t.Errorf("%d checks, want none", n)
		}
	})
}

func TestRunScheduledPassChecks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, c := checkHarness(t)
		lp := startRun(t, h.r, Loop{Schedule: fakeSchedule{5 * time.Millisecond}})
		if p := lp.next(t); p.Check != nil {
			t.Fatalf("first pass checked")
		}
		if p := lp.next(t); p.Check == nil || !p.Full {
			t.Fatalf("scheduled pass: Full = %v, Check = %v; want a full, checked pass", p.Full, p.Check)
		}
		if n := c.calls(); n != 1 {
			t.Errorf("%d checks, want 1", n)
		}
	})
}

func TestRunHeartbeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const every = 5 * time.Millisecond
		h := syncedHarness(t)
		var beats atomic.Int32
		gate := make(chan struct{})
		h.server.gate = gate
		lp := startRun(t, h.r, Loop{Schedule: fakeSchedule{never}, Heartbeat: every, OnHeartbeat: func() { beats.Add(1) }})

		// The first pass waits at the gate: the loop is busy, no heartbeat,
		// however long it waits.
		synctest.Wait()
		if n := len(h.server.transfers()); n == 0 {
			t.Fatalf("no transfer, want the first pass waiting at the gate")
		}
		time.Sleep(20 * every)
		select {
		case <-lp.passes:
			t.Fatal("pass finished while held at the gate")
		default:
		}
		if n := beats.Load(); n != 0 {
			t.Errorf("%d heartbeats while the loop was inside a pass, want none", n)
		}

		close(gate)
		lp.next(t)
		before := beats.Load()
		time.Sleep(3 * every)
		synctest.Wait()
		if n := beats.Load() - before; n < 3 {
			t.Errorf("%d heartbeats in %v after the pass, want one every %v", n, 3*every, every)
		}
	})
}

// Without TrackChanges no time is kept: every set counts as changed long ago.
func TestCheckWithoutChangeTimes(t *testing.T) {
	h, _ := checkHarness(t)
	st := h.store.State()
	st.Zones[zoneA] = zoneOf(t, "www.example.com. 300 IN A 192.0.2.9")
	h.r.RunOnce(t.Context(), Options{Apply: true, Check: true})
	if len(h.r.changedAt) != 0 {
		t.Errorf("%d change times kept without TrackChanges", len(h.r.changedAt))
	}
}
