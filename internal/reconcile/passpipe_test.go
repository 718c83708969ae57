package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// slowBackend is a fakeBackend whose every write takes a while, as a
// zone file's fsyncs do; it counts the writes under way at once.
type slowBackend struct {
	*fakeBackend
	took time.Duration

	mu            sync.Mutex
	inFlight, top int
}

func (b *slowBackend) Apply(ctx context.Context, served *observed.Zone, p diff.Plan) (apply.Result, error) {
	b.mu.Lock()
	b.inFlight++
	b.top = max(b.top, b.inFlight)
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.inFlight--
		b.mu.Unlock()
	}()
	if !sleep(ctx, b.took) {
		return apply.Result{}, ctx.Err()
	}
	return b.fakeBackend.Apply(ctx, served, p)
}

// A pass observes the zones after the one it plans ahead, and writes
// zones while it plans the next: 40 zones whose transfers and writes each
// take a minute take a few minutes, not 80; every zone is applied, and
// the result keeps the zones' order. Fake time. Before, a cold start of
// 10,000 zones spent 5 ms per zone in turn.
func TestPassObservesAheadAndWritesInParallel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			zones = 40
			took  = time.Minute
		)
		var names []string
		sets := map[string]rrset.Zone{}
		for i := range zones {
			z := fmt.Sprintf("z%02d.example.", i)
			names = append(names, z)
			sets[z] = zoneOf(t, fmt.Sprintf("www.%s 300 IN A 192.0.2.2", z))
			sets[z].Put(mustRR(t, fmt.Sprintf("new.%s 300 IN A 192.0.2.3", z)))
		}
		h := newHarness(names...)
		h.store.setState(stateOf(sets, names...))
		for _, z := range names {
			h.server.serve(z, 1, zoneOf(t, fmt.Sprintf("www.%s 300 IN A 192.0.2.2", z)))
		}
		h.r.Observed = slowServer{fakeServer: h.server, took: took}
		h.r.CreatesZones = true // a zone file backend: 64 transfers at once (8 for an UPDATE server)
		sb := &slowBackend{fakeBackend: h.backend, took: took}
		h.r.Backend = sb

		start := time.Now()
		res := h.r.RunOnce(t.Context(), Options{Apply: true})
		took2 := time.Since(start)
		if err := res.Failed(); err != nil {
			t.Fatal(err)
		}
		if len(res.Zones) != zones {
			t.Fatalf("%d zones in the result, want %d", len(res.Zones), zones)
		}
		for i, zr := range res.Zones {
			if zr.Zone != names[i] || !zr.Applied {
				t.Errorf("result %d: %s applied %v, want %s applied", i, zr.Zone, zr.Applied, names[i])
			}
		}
		if n := len(h.backend.applied()); n != zones {
			t.Errorf("%d writes, want %d", n, zones)
		}
		if took2 > 4*took {
			t.Errorf("the pass took %v, want a few minutes (transfers and writes of %d zones side by side, a minute each)", took2, zones)
		}
		if sb.top < 2 || sb.top > writeParallelism {
			t.Errorf("at most %d writes at once, want 2 to %d", sb.top, writeParallelism)
		}
	})
}

// A pass cancelled before the lookahead reached a zone: taking that zone
// returns at once (the lookahead answers every zone it never started),
// and stopping waits for every observation started. Found by an outside
// review: take waited for ever, and the daemon ignored its stop.
func TestTakeAfterCancelReturns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		names := []string{"a.example.", "b.example.", "c.example."}
		h := newHarness(names...)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		la := h.r.observeAheadOf(ctx, names, nil, Options{})
		done := make(chan struct{})
		go func() {
			for _, z := range names {
				la.take(z)
			}
			close(done)
		}()
		synctest.Wait()
		select {
		case <-done:
		default:
			t.Fatal("take waits for ever after the pass was cancelled")
		}
		la.stop()
		if n := len(h.server.transfers()); n != 0 {
			t.Errorf("%d transfers after the cancel, want none", n)
		}
	})
}

// cancelOnLog cancels a pass when a message with the prefix is logged:
// a stop that lands while the pass plans its first zone.
type cancelOnLog struct {
	slog.Handler
	prefix string
	cancel context.CancelFunc
}

func (h cancelOnLog) Enabled(context.Context, slog.Level) bool { return true }
func (h cancelOnLog) Handle(_ context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, h.prefix) {
		h.cancel()
	}
	return nil
}
func (h cancelOnLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h cancelOnLog) WithGroup(string) slog.Handler      { return h }

// A pass cancelled while it plans its first zone returns (one goroutine
// at a time, so that the lookahead is often behind the pass).
func TestPassCancelledAtFirstZoneReturns(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for i := range 50 {
		h := newHarness(zoneA)
		st := stateOf(nil, zoneA)
		st.Held[zoneA]["x."+zoneA] = desired.Conflict{Zone: zoneA, Name: "x." + zoneA, Reason: "r"}
		h.store.setState(st)
		ctx, cancel := context.WithCancel(t.Context())
		h.r.Log = slog.New(cancelOnLog{prefix: "conflict", cancel: cancel})
		done := make(chan struct{})
		go func() { h.r.RunOnce(ctx, Options{Apply: true}); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second): // a deadline for a hang, not a wait for a condition
			t.Fatalf("pass %d cancelled while planning its first zone never returned", i)
		}
		cancel()
	}
}

// countingServer is a slowServer that counts the transfers under way.
type countingServer struct {
	slowServer
	mu            *sync.Mutex
	inFlight, top *int
}

func (s countingServer) Transfer(ctx context.Context, zone string) (*observed.Zone, error) {
	s.mu.Lock()
	*s.inFlight++
	*s.top = max(*s.top, *s.inFlight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		*s.inFlight--
		s.mu.Unlock()
	}()
	return s.slowServer.Transfer(ctx, zone)
}

// What is observed ahead is bounded: 8 transfers at once from a server
// dnssync writes by UPDATE (BIND refuses more than 10), 64 from one whose
// zone files it writes, and by the zones' desired records (large zones
// are observed a few at a time, not 64 of them held at once). Fake time.
func TestObserveAheadBounds(t *testing.T) {
	for _, tt := range []struct {
		name         string
		createsZones bool
		records      int // desired records per zone, as State counts them
		want         int // transfers under way at once, at most and reached
	}{
		{"an UPDATE server", false, 10, observeInFlightUpdate},
		{"zone files", true, 10, min(observeInFlight, 80)},
		{"large zones", true, 20 * aheadUnit, observeAhead / 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var names []string
				for i := range 80 {
					names = append(names, fmt.Sprintf("z%02d.example.", i))
				}
				h := newHarness(names...)
				h.r.CreatesZones = tt.createsZones
				st := stateOf(nil, names...)
				st.Records = map[string]int{}
				for _, z := range names {
					st.Records[z] = tt.records
					h.server.serve(z, 1, zoneOf(t, "www."+z+" 300 IN A 192.0.2.1"))
				}
				var (
					mu            sync.Mutex
					inFlight, top int
				)
				h.r.Observed = countingServer{slowServer{h.server, time.Minute}, &mu, &inFlight, &top}
				la := h.r.observeAheadOf(t.Context(), names, st.Records, Options{})
				synctest.Wait() // the lookahead is as far ahead as it may go
				mu.Lock()
				got := top
				mu.Unlock()
				for _, z := range names {
					if s, ok := la.take(z); !ok || s.err != nil {
						t.Fatalf("%s: observed %v, %v", z, ok, s.err)
					}
				}
				la.stop()
				if got != tt.want || top != tt.want {
					t.Errorf("at most %d transfers under way at once (%d before the first was taken), want %d", top, got, tt.want)
				}
			})
		})
	}
}
