package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// The loop's tests run in a synctest bubble: its clock is fake and moves
// only when every goroutine of the test waits, so a schedule, a backoff or
// a heartbeat is asserted to the nanosecond, at no cost in real time, and
// "nothing happens within d" is a wait of d on that clock, not a guess.

const (
	never   = time.Hour // a schedule that does not fire during a test
	waitFor = 5 * time.Second
)

// pass is one Result seen by OnPass, with when it was seen.
type pass struct {
	Result
	at time.Time
}

// loop runs r.Run in the background and hands each pass to the test.
type loop struct {
	passes chan pass
	cancel context.CancelFunc
	done   chan error
}

func startRun(t *testing.T, r *Reconciler, l Loop) *loop {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	lp := &loop{passes: make(chan pass, 100), cancel: cancel, done: make(chan error, 1)}
	l.OnPass = func(res Result) {
		select {
		case lp.passes <- pass{res, time.Now()}:
		case <-ctx.Done():
		}
	}
	go func() { lp.done <- r.Run(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		<-lp.done
	})
	return lp
}

// next waits for the next pass.
func (lp *loop) next(t *testing.T) pass {
	t.Helper()
	select {
	case p := <-lp.passes:
		return p
	case <-time.After(waitFor):
		t.Fatalf("no pass within %v", waitFor)
		return pass{}
	}
}

// none checks that no pass happens within d.
func (lp *loop) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case p := <-lp.passes:
		t.Fatalf("unexpected pass: zones %d, failed: %v", len(p.Zones), p.Failed())
	case <-time.After(d):
	}
}

// stop cancels Run and returns what it returned, failing if it does not
// return promptly.
func (lp *loop) stop(t *testing.T) error {
	t.Helper()
	lp.cancel()
	select {
	case err := <-lp.done:
		lp.done <- err // for the cleanup
		return err
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return within 2s of cancel")
		return nil
	}
}

func zoneNames(res Result) []string {
	var out []string
	for _, z := range res.Zones {
		out = append(out, z.Zone)
	}
	return out
}

// syncedHarness has zones A and B served and desired in sync.
func syncedHarness(t *testing.T) *harness {
	h := newHarness(zoneA, zoneB)
	h.store.setState(stateOf(map[string]rrset.Zone{
		zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.1"),
		zoneB: zoneOf(t, "www.example.net. 300 IN A 192.0.2.1"),
	}, zoneA, zoneB))
	h.server.serve(zoneA, 1, zoneOf(t, "www.example.com. 300 IN A 192.0.2.1"))
	h.server.serve(zoneB, 1, zoneOf(t, "www.example.net. 300 IN A 192.0.2.1"))
	h.store.reload = map[string][]string{
		"records.d/a.yaml":    {zoneA},
		"records.d/b.yaml":    {zoneB},
		"records.d/none.yaml": nil,
	}
	return h
}

func TestRunFirstPassAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := syncedHarness(t)
		start := time.Now()
		lp := startRun(t, h.r, Loop{Schedule: fakeSchedule{never}, Options: Options{Apply: true}})

		p := lp.next(t)
		if d := p.at.Sub(start); d != 0 {
			t.Errorf("first pass after %v, want at once", d)
		}
		if got := zoneNames(p.Result); len(got) != 2 {
			t.Errorf("first pass reconciled %q, want every zone", got)
		}
		if scans, _ := h.store.counts(); scans != 1 {
			t.Errorf("Scan called %d times, want 1 (a full pass)", scans)
		}
		if err := lp.stop(t); err != nil {
			t.Errorf("Run = %v, want nil on cancel", err)
		}
	})
}

func TestRunEventsTriggerChanged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := syncedHarness(t)
		events := make(chan []string)
		lp := startRun(t, h.r, Loop{Events: events, Schedule: fakeSchedule{never}, Options: Options{Apply: true}})
		lp.next(t) // the first full pass

		h.store.setState(stateOf(map[string]rrset.Zone{
			zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.1"),
			zoneB: zoneOf(t, "www.example.net. 300 IN A 192.0.2.2"),
		}, zoneA, zoneB))
		batch := []string{"records.d/b.yaml"}
		sent := time.Now()
		events <- batch
		p := lp.next(t)

		if p.at != sent {
			t.Errorf("pass %v after the batch, want at once", p.at.Sub(sent))
		}
		if got := zoneNames(p.Result); len(got) != 1 || got[0] != zoneB {
			t.Errorf("pass after a change reconciled %q, want only %s", got, zoneB)
		}
		scans, reloads := h.store.counts()
		if scans != 1 {
			t.Errorf("Scan called %d times, want 1: a change reloads only its files", scans)
		}
		if len(reloads) != 1 || len(reloads[0]) != 1 || reloads[0][0] != batch[0] {
			t.Errorf("Reload got %q, want [%q]", reloads, batch)
		}
		plans := h.backend.applied()
		if len(plans) != 1 || plans[0].Zone != zoneB || len(plans[0].Changes) != 1 {
			t.Errorf("backend got %d plans, want the one update of %s", len(plans), zoneB)
		}
	})
}

func TestRunEventsClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := syncedHarness(t)
		events := make(chan []string)
		close(events)
		lp := startRun(t, h.r, Loop{Events: events, Schedule: fakeSchedule{20 * time.Millisecond}})
		for range 3 {
			if p := lp.next(t); len(p.Zones) != 2 {
				t.Fatalf("pass reconciled %q, want full passes on the schedule", zoneNames(p.Result))
			}
		}
		if _, reloads := h.store.counts(); len(reloads) != 0 {
			t.Errorf("Reload called %d times from a closed channel", len(reloads))
		}
		if err := lp.stop(t); err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	})
}

func TestRunScheduleTriggersFullPasses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := syncedHarness(t)
		const period = 20 * time.Millisecond
		lp := startRun(t, h.r, Loop{Schedule: fakeSchedule{period}})

		var prev time.Time
		for i := range 4 {
			p := lp.next(t)
			if len(p.Zones) != 2 {
				t.Errorf("pass %d reconciled %q, want every zone", i, zoneNames(p.Result))
			}
			if gap := p.at.Sub(prev); i > 0 && gap != period {
				t.Errorf("pass %d came %v after the previous, want %v", i, gap, period)
			}
			prev = p.at
		}
		if scans, _ := h.store.counts(); scans != 4 {
			t.Errorf("Scan called %d times, want a rescan every scheduled pass", scans)
		}
	})
}

func TestRunRetriesFailedPassWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := syncedHarness(t)
		const (
			failures   = 3
			maxBackoff = 30 * time.Millisecond
		)
		refused := errors.New("connection refused")
		for range failures {
			h.server.failNext(zoneA, refused)
		}
		lp := startRun(t, h.r, Loop{Schedule: fakeSchedule{never}, MaxBackoff: maxBackoff})

		var prev time.Time
		for i := range failures + 1 {
			p := lp.next(t)
			failed := p.Failed()
			if i < failures && !errors.Is(failed, refused) {
				t.Errorf("pass %d: Failed() = %v, want %v", i, failed, refused)
			}
			if i == failures && failed != nil {
				t.Errorf("pass %d: Failed() = %v, want the retry to succeed", i, failed)
			}
			if len(p.Zones) != 2 {
				t.Errorf("pass %d reconciled %q, want a full pass", i, zoneNames(p.Result))
			}
			// backoff at the cap, less at most 20% jitter.
			if gap := p.at.Sub(prev); i > 0 && (gap < maxBackoff*8/10 || gap > maxBackoff) {
				t.Errorf("retry %d came %v after the failure, want within [%v, %v]", i, gap, maxBackoff*8/10, maxBackoff)
			}
			prev = p.at
		}
		// Recovered: no more retries until the schedule.
		lp.none(t, 10*maxBackoff)
		if scans, _ := h.store.counts(); scans != failures+1 {
			t.Errorf("Scan called %d times, want %d", scans, failures+1)
		}
	})
}

// Without Loop.MaxBackoff the first retry follows the 1s step, not at once.
func TestRunDefaultBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := syncedHarness(t)
		h.server.failNext(zoneA, errors.New("connection refused"))
		lp := startRun(t, h.r, Loop{Schedule: fakeSchedule{never}})

		failed := lp.next(t)
		if failed.Failed() == nil {
			t.Fatal("first pass did not fail")
		}
		retry := lp.next(t)
		if gap := retry.at.Sub(failed.at); gap < 800*time.Millisecond || gap > time.Second {
			t.Errorf("retry after %v, want within [800ms, 1s] (1s less up to 20%% jitter)", gap)
		}
		if retry.Failed() != nil {
			t.Errorf("retry: Failed() = %v, want nil", retry.Failed())
		}
	})
}

func TestRunDoesNotRetryRefusedPlan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness()
		h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, hosts(10)[5:]...)}, zoneA))
		h.server.serve(zoneA, 1, zoneOf(t, hosts(10)...))
		const maxBackoff = 10 * time.Millisecond
		lp := startRun(t, h.r, Loop{Schedule: fakeSchedule{never}, MaxBackoff: maxBackoff, Options: Options{Apply: true}})

		p := lp.next(t)
		if !errors.Is(p.Failed(), diff.ErrUnsafe) {
			t.Fatalf("Failed() = %v, want %v", p.Failed(), diff.ErrUnsafe)
		}
		lp.none(t, 30*maxBackoff)
		if n := len(h.backend.applied()); n != 0 {
			t.Errorf("backend got %d plans, want none", n)
		}
	})
}

// A pass for a change elsewhere must not cancel the retry of a failed zone:
// nothing else would reconcile it before the schedule.
func TestRunRetrySurvivesUnrelatedChange(t *testing.T) {
	for _, path := range []string{"records.d/b.yaml", "records.d/none.yaml"} {
		t.Run(path, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := syncedHarness(t)
				refused := errors.New("connection refused")
				h.server.failNext(zoneA, refused)
				events := make(chan []string)
				const maxBackoff = 300 * time.Millisecond
				lp := startRun(t, h.r, Loop{Events: events, Schedule: fakeSchedule{never}, MaxBackoff: maxBackoff})

				failed := lp.next(t)
				if !errors.Is(failed.Failed(), refused) {
					t.Fatalf("first pass: Failed() = %v, want %v", failed.Failed(), refused)
				}
				time.Sleep(maxBackoff / 2) // well before the retry is due
				events <- []string{path}
				if p := lp.next(t); p.Failed() != nil {
					t.Fatalf("change pass: Failed() = %v, want nil", p.Failed())
				}
				p := lp.next(t) // the retry, when it was due
				if len(p.Zones) != 2 || p.Failed() != nil {
					t.Errorf("retry reconciled %q (Failed() = %v), want a full pass that succeeds", zoneNames(p.Result), p.Failed())
				}
				if gap := p.at.Sub(failed.at); gap < maxBackoff*8/10 || gap > maxBackoff {
					t.Errorf("retry came %v after the failure, want within [%v, %v]: the change must not move it", gap, maxBackoff*8/10, maxBackoff)
				}
			})
		})
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := syncedHarness(t)
			lp := startRun(t, h.r, Loop{Events: make(chan []string), Schedule: fakeSchedule{never}})
			lp.next(t)
			if err := lp.stop(t); err != nil {
				t.Errorf("Run = %v, want nil", err)
			}
		})
	})
	t.Run("during a pass", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := syncedHarness(t)
			h.server.block = true // every transfer waits for ctx to end
			lp := startRun(t, h.r, Loop{Schedule: fakeSchedule{never}})
			synctest.Wait() // the first pass waits inside its transfers (observed ahead: passpipe.go)
			before := len(h.server.transfers())
			if before == 0 {
				t.Fatalf("no transfer before the cancel, want the first pass inside one")
			}
			if err := lp.stop(t); err != nil {
				t.Errorf("Run = %v, want nil", err)
			}
			if n := len(h.server.transfers()); n != before {
				t.Errorf("%d transfers, %d before the cancel: a cancelled pass starts no other", n, before)
			}
		})
	})
	t.Run("while retrying", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := syncedHarness(t)
			h.server.failNext(zoneA, errors.New("refused"), errors.New("refused"))
			lp := startRun(t, h.r, Loop{Schedule: fakeSchedule{never}, MaxBackoff: never})
			if p := lp.next(t); p.Failed() == nil {
				t.Fatal("first pass did not fail")
			}
			if err := lp.stop(t); err != nil {
				t.Errorf("Run = %v, want nil", err)
			}
		})
	})
}

// Passes are serialised: Run's own passes and passes started by other
// callers (the API, a CLI apply in the same process) never run at once.
// Each fake a pass reaches checks that the Reconciler's lock is held
// (lockProbe), so a pass that ran without it fails the test whether or
// not another pass happened to run meanwhile. Real time, not a bubble:
// this is about real goroutines contending for the lock.
func TestPassesNeverOverlap(t *testing.T) {
	h := newHarness(zoneA, zoneB)
	probe := &lockProbe{mu: &h.r.mu}
	h.server.probe = probe
	h.backend.probe = probe
	// Never in sync (the backend does not change the server): every pass
	// transfers and applies both zones.
	h.store.setState(stateOf(map[string]rrset.Zone{
		zoneA: zoneOf(t, "new.example.com. 300 IN A 192.0.2.1"),
		zoneB: zoneOf(t, "new.example.net. 300 IN A 192.0.2.1"),
	}, zoneA, zoneB))
	h.server.serve(zoneA, 1, rrset.Zone{})
	h.server.serve(zoneB, 1, rrset.Zone{})
	h.store.reload = map[string][]string{"records.d/b.yaml": {zoneB}}

	events := make(chan []string)
	opts := Options{Apply: true}
	lp := startRun(t, h.r, Loop{Events: events, Schedule: fakeSchedule{time.Millisecond}, Options: opts})
	go func() {
		for range lp.passes { // keep Run from blocking in OnPass
		}
	}()

	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 25 {
				switch i % 3 {
				case 0:
					h.r.RunOnce(t.Context(), opts)
				case 1:
					h.r.Changed(t.Context(), []string{"records.d/b.yaml"}, opts)
				default:
					select {
					case events <- []string{"records.d/b.yaml"}:
					case <-t.Context().Done():
					}
				}
			}
		})
	}
	wg.Wait()
	if err := lp.stop(t); err != nil {
		t.Errorf("Run = %v", err)
	}
	if n := probe.unlocked.Load(); n > 0 {
		t.Errorf("%d calls from a pass not holding the Reconciler's lock", n)
	}
	if n := len(h.backend.applied()); n < 100 {
		t.Errorf("only %d applies: the test did not exercise concurrent passes", n)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		failures int
		limit    time.Duration
		base     time.Duration // before jitter
	}{
		{1, 30 * time.Second, 1 * time.Second},
		{2, 30 * time.Second, 2 * time.Second},
		{3, 30 * time.Second, 4 * time.Second},
		{4, 30 * time.Second, 8 * time.Second},
		{5, 30 * time.Second, 16 * time.Second},
		{6, 30 * time.Second, 30 * time.Second},
		{7, 30 * time.Second, 30 * time.Second},
		{64, 30 * time.Second, 30 * time.Second},
		{1000, 5 * time.Minute, 5 * time.Minute},
		{1, 100 * time.Millisecond, 100 * time.Millisecond},
		{3, 3 * time.Second, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d failures, cap %v", tt.failures, tt.limit), func(t *testing.T) {
			lo, hi := tt.base-tt.base/5, tt.base
			seen := map[time.Duration]bool{}
			for range 200 {
				d := backoff(tt.failures, tt.limit)
				if d < lo || d > hi {
					t.Fatalf("backoff(%d, %v) = %v, want within [%v, %v]", tt.failures, tt.limit, d, lo, hi)
				}
				seen[d] = true
			}
			if len(seen) < 2 {
				t.Errorf("backoff(%d, %v) returned the same value 200 times: no jitter", tt.failures, tt.limit)
			}
		})
	}
}

func TestRetryable(t *testing.T) {
	unsafe := fmt.Errorf("%w: zone example.com.: plan deletes 5 of 10 records", diff.ErrUnsafe)
	refused := errors.New("connection refused")
	mismatch := []verify.Result{{Key: rrset.Key{Name: "www.example.com.", Type: 1}}}
	tests := []struct {
		name string
		res  Result
		want bool
	}{
		{"success", Result{Zones: []ZoneResult{{Zone: zoneA}}}, false},
		{"records not read", Result{Err: refused}, true},
		{"transfer failed", Result{Zones: []ZoneResult{{Zone: zoneA}, {Zone: zoneB, Err: refused}}}, true},
		{"refused plan", Result{Zones: []ZoneResult{{Zone: zoneA, Err: unsafe}}}, false},
		{"refused plan and a transfer error", Result{Zones: []ZoneResult{{Zone: zoneA, Err: unsafe}, {Zone: zoneB, Err: refused}}}, true},
		{"not served as planned", Result{Zones: []ZoneResult{{Zone: zoneA, Mismatches: mismatch}}}, true},
		{"cancelled", Result{Zones: []ZoneResult{{Zone: zoneA, Err: fmt.Errorf("axfr: %w", context.Canceled)}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retryable(tt.res); got != tt.want {
				t.Errorf("retryable() = %v, want %v (Failed() = %v)", got, tt.want, tt.res.Failed())
			}
		})
	}
}

func TestResultPendingAndFailed(t *testing.T) {
	changes := diff.Plan{Zone: zoneA, Changes: []diff.Change{{Action: diff.Create, Key: rrset.Key{Name: "www.example.com.", Type: 1}}}}
	adoptOnly := diff.Plan{Zone: zoneA, Adopt: []rrset.Key{{Name: "www.example.com.", Type: 1}}}
	boom := errors.New("boom")
	tests := []struct {
		name        string
		res         Result
		wantPending bool
		wantFailed  string // "" means nil
	}{
		{"empty", Result{}, false, ""},
		{"in sync", Result{Zones: []ZoneResult{{Zone: zoneA, Plan: diff.Plan{Zone: zoneA}}}}, false, ""},
		{"applied", Result{Zones: []ZoneResult{{Zone: zoneA, Plan: changes, Applied: true}}}, false, ""},
		{"not applied", Result{Zones: []ZoneResult{{Zone: zoneA, Plan: diff.Plan{Zone: zoneA}}, {Zone: zoneB, Plan: changes}}}, true, ""},
		{"adopt only, not applied", Result{Zones: []ZoneResult{{Zone: zoneA, Plan: adoptOnly}}}, false, ""},
		{"records error wins", Result{Err: boom, Zones: []ZoneResult{{Zone: zoneA, Err: errors.New("other")}}}, false, "boom"},
		{"zone errors joined", Result{Zones: []ZoneResult{{Zone: zoneA, Err: boom}, {Zone: zoneB, Err: errors.New("bang")}}}, false, "boom\nbang"},
		{"mismatch", Result{Zones: []ZoneResult{{Zone: zoneA, Plan: changes, Applied: true, Mismatches: []verify.Result{{
			Key: rrset.Key{Name: "www.example.com.", Type: 1}, Err: errors.New("timeout"),
		}}}}}, false, "zone example.com.: not served as planned: www.example.com. A: timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.res.Pending(); got != tt.wantPending {
				t.Errorf("Pending() = %v, want %v", got, tt.wantPending)
			}
			err := tt.res.Failed()
			switch {
			case tt.wantFailed == "" && err != nil:
				t.Errorf("Failed() = %v, want nil", err)
			case tt.wantFailed != "" && (err == nil || err.Error() != tt.wantFailed):
				t.Errorf("Failed() = %v, want %q", err, tt.wantFailed)
			}
		})
	}
}

// A Refresh (the zones dir changed) is a full pass at once, between
// scheduled ones, which keep their time; requests that arrive together
// are one pass.
func TestRunRefreshTriggersFullPass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := syncedHarness(t)
		refresh := make(chan struct{}, 1)
		const period = 12 * time.Second
		start := time.Now()
		lp := startRun(t, h.r, Loop{Refresh: refresh, Schedule: fakeSchedule{period}, Options: Options{Apply: true}})
		lp.next(t) // the first full pass

		time.Sleep(10 * time.Second) // fake clock: well before the schedule
		sent := time.Now()
		refresh <- struct{}{}
		p := lp.next(t)
		if p.at != sent {
			t.Errorf("refresh pass %v after the request, want at once", p.at.Sub(sent))
		}
		if !p.Full || len(p.Zones) != 2 {
			t.Errorf("refresh pass: full %v, zones %q; want a full pass of every zone", p.Full, zoneNames(p.Result))
		}
		if p.Check != nil {
			t.Error("refresh pass checked every record; that is the schedule's")
		}
		if scans, _ := h.store.counts(); scans != 2 {
			t.Errorf("Scan called %d times, want 2 (first pass, refresh)", scans)
		}
		// The schedule keeps its time: the next pass is at start+period.
		if p := lp.next(t); p.at.Sub(start) != period {
			t.Errorf("scheduled pass at %v, want %v: a refresh does not move the schedule", p.at.Sub(start), period)
		}
		if err := lp.stop(t); err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	})
}

func TestRunRefreshClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := syncedHarness(t)
		refresh := make(chan struct{})
		close(refresh)
		lp := startRun(t, h.r, Loop{Refresh: refresh, Schedule: fakeSchedule{never}})
		lp.next(t)
		lp.none(t, time.Minute) // a closed Refresh is not a stream of passes
	})
}
