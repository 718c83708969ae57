package reconcile

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// slowServer is a fakeServer whose every transfer takes a while, as a
// large zone or a server near its limits does.
type slowServer struct {
	*fakeServer
	took time.Duration
}

func (s slowServer) Transfer(ctx context.Context, zone string) (*observed.Zone, error) {
	if !sleep(ctx, s.took) {
		return nil, fmt.Errorf("axfr %s: %w", zone, ctx.Err())
	}
	return s.fakeServer.Transfer(ctx, zone)
}

// progressChecker is a Checker that reports progress as a real check does,
// every few sets, each after a while.
type progressChecker struct {
	fakeChecker
	steps int
	took  time.Duration
}

func (c *progressChecker) CheckAll(ctx context.Context, want map[rrset.Key]*rrset.Set, history verify.History, progress func()) verify.Report {
	for range c.steps {
		time.Sleep(c.took)
		if progress != nil {
			progress()
		}
	}
	return c.fakeChecker.CheckAll(ctx, want, history, progress)
}

// A pass longer than any liveness bound, because each zone's transfer is
// slow, reports progress after every zone and as the check goes, never
// silent for longer than one zone's transfer or one step of the check:
// the daemon hears a busy pass, not a stuck one. Fake time.
func TestPassReportsProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			zones = 6
			took  = 40 * time.Second
			steps = 5
		)
		var names []string
		sets := map[string]rrset.Zone{}
		for i := range zones {
			z := fmt.Sprintf("z%d.example.", i)
			names = append(names, z)
			sets[z] = zoneOf(t, fmt.Sprintf("www.%s 300 IN A 192.0.2.1", z))
		}
		h := newHarness(names...)
		h.store.setState(stateOf(sets, names...))
		for z, s := range sets {
			h.server.serve(z, 1, s)
		}
		h.r.Observed = slowServer{fakeServer: h.server, took: took}
		h.r.Checker = &progressChecker{fakeChecker: fakeChecker{report: verify.Report{Servers: []string{"ns1"}}}, steps: steps, took: took}

		var (
			mu    sync.Mutex
			beats []time.Time
		)
		start := time.Now()
		res := h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true, Check: true, Progress: func() {
			mu.Lock()
			defer mu.Unlock()
			beats = append(beats, time.Now())
		}})
		end := time.Now()
		if err := res.Failed(); err != nil || res.Check == nil {
			t.Fatalf("pass: %v, check %v; want a clean, checked pass", err, res.Check)
		}
		// The transfers run beside one another (passpipe.go): the pass is
		// one transfer and the check's steps long, at least.
		if d := end.Sub(start); d < (1+steps)*took {
			t.Fatalf("pass took %v, want the slow transfers and check to take %v", d, (1+steps)*took)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(beats) < zones+steps {
			t.Fatalf("progress reported %d times, want at least %d (each zone and each step of the check)", len(beats), zones+steps)
		}
		last := start
		for _, b := range append(beats, end) {
			if gap := b.Sub(last); gap > took {
				t.Errorf("no progress for %v (from %v to %v into the pass), want at most one transfer's %v", gap, last.Sub(start), b.Sub(start), took)
			}
			last = b
		}
	})
}
