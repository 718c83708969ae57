package reconcile

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/observed"
)

// A pass plans its zones one at a time, in order, but what waits on the
// network or the disk runs beside the planning: the zones after the one
// being planned are observed ahead (transferred, or their serial asked),
// at most observeAhead of them, and the backend writes each planned zone
// while the next ones are planned, at most writeParallelism at once.
// Everything else the reconciler keeps (its cache, the holds, the changes
// noted) is touched by the pass's own goroutine alone: a zone's write ends
// there too (finishApply). Derived zones are planned from what the zones
// before them left (derivedkeep.go): every write before one is finished
// first, and a derived zone is not observed ahead.
//
// A cold start of 10,000 zones of 100 records spent 5 ms per zone
// serially: a transfer and an SOA query, the serial state's write, the
// zone file's write and their fsyncs.
//
// The zones that looked not served are asked again all ahead, and all
// before the first of them is written (their SOA only, observeInFlight at
// once, and nothing to hold but an empty zone): asked while their zone
// files were being written, the server answered slowly, busy loading the
// files written before.

const (
	// observeAhead bounds what is observed and not yet planned, in units
	// of aheadUnit records (the zone's desired records; a zone costs one
	// unit at least, and one larger than all of them is observed alone):
	// 64 small zones, or a quarter of a million records.
	observeAhead = 64
	aheadUnit    = 4096
	// observeInFlight bounds the observations under way at once; a server
	// dnssync writes by UPDATE gets fewer (BIND serves 10 transfers at
	// once by default, and refuses more).
	observeInFlight       = 64
	observeInFlightUpdate = 8
	writeParallelism      = 64
)

// seen is a zone observed ahead of its planning.
type seen struct {
	served *observed.Zone
	err    error
	// cached: the server still answers the serial the cache holds the
	// zone under; the cache's copy is the zone.
	cached bool
	serial uint32
}

// lookahead observes a pass's zones ahead of the pass, in order.
type lookahead struct {
	zones  []string
	next   int // the index the pass takes next
	out    []chan seen
	window chan struct{}   // units (aheadUnit) of zones observed and not yet taken
	cost   []int           // each zone's units in window
	ctx    context.Context // the pass's, cancelled by stop
	cancel context.CancelFunc
	asked  sync.WaitGroup // the observations started
	done   chan struct{}
}

// observeAheadOf starts observing zones (derived zones excepted) as
// opts.observe would, ahead of the pass that takes them (take).
//
// records is each zone's desired records, the estimate of what observing
// it holds.
func (r *Reconciler) observeAheadOf(ctx context.Context, zones []string, records map[string]int, opts Options) *lookahead {
	ctx, cancel := context.WithCancel(ctx)
	depth := observeAhead
	if opts.recheck {
		depth = max(len(zones), 1) // not served: each an empty zone
	}
	la := &lookahead{zones: zones, out: make([]chan seen, len(zones)), window: make(chan struct{}, depth),
		cost: make([]int, len(zones)), ctx: ctx, cancel: cancel, done: make(chan struct{})}
	for i, z := range zones {
		la.cost[i] = 1
		if !opts.recheck {
			la.cost[i] = min(max(1, (records[z]+aheadUnit-1)/aheadUnit), depth)
		}
	}
	inFlight := make(chan struct{}, observeInFlight)
	if !r.CreatesZones {
		inFlight = make(chan struct{}, observeInFlightUpdate)
	}
	// What the cache holds is read here, before the pass changes it.
	cachedAt := map[string]uint32{}
	for i, z := range zones {
		la.out[i] = make(chan seen, 1)
		if e, ok := r.served.zones[z]; ok && opts.cached {
			cachedAt[z] = e.served.Serial
		}
	}
	derived := make([]bool, len(zones))
	for i, z := range zones {
		derived[i] = r.isDerived(z)
	}
	go func() {
		defer close(la.done)
		for i, z := range zones {
			if derived[i] {
				continue
			}
			// Cancelled: no transfer starts, and take never waits for ever.
			if !la.reserve(i) {
				la.abandon(i)
				return
			}
			if !acquire(ctx, inFlight) {
				la.out[i] <- seen{err: ctx.Err()} // its units are taken back by take
				la.abandon(i + 1)
				return
			}
			serial, isCached := cachedAt[z]
			la.asked.Go(func() {
				la.out[i] <- r.observeOne(ctx, z, serial, isCached, opts.recheck, opts.early[z], opts.probes[z])
				<-inFlight
			})
		}
	}()
	return la
}

// observeOne is observe's network part for a zone cached under serial
// (when isCached).
func (r *Reconciler) observeOne(ctx context.Context, zone string, serial uint32, isCached, recheck bool, early *earlySerial, probe *earlyProbe) seen {
	if isCached {
		if s, err := r.serialOf(ctx, zone, early); err == nil && s == serial {
			return seen{cached: true, serial: s}
		}
	}
	served, err := r.transfer(ctx, r.Log.With("zone", zone), zone, recheck, probe)
	return seen{served: served, err: err}
}

// take returns zone as observed ahead, if it is the zone the pass is at.
func (la *lookahead) take(zone string) (seen, bool) {
	if la == nil || la.next >= len(la.zones) || la.zones[la.next] != zone {
		return seen{}, false
	}
	i := la.next
	la.next++
	// Always answered: observed, or (never started) abandoned.
	s := <-la.out[i]
	for range la.cost[i] {
		<-la.window
	}
	return s, true
}

// reserve takes zone i's units of the window, false if the pass was
// cancelled first. Only the lookahead's goroutine reserves, so taking
// units one by one cannot deadlock.
func (la *lookahead) reserve(i int) bool {
	for n := 0; n < la.cost[i]; n++ {
		if !acquire(la.ctx, la.window) {
			for ; n > 0; n-- {
				<-la.window
			}
			return false
		}
	}
	return true
}

// abandon answers the zones from the i-th on, never started, with the
// pass's cancellation; they hold no units.
func (la *lookahead) abandon(i int) {
	for j := i; j < len(la.zones); j++ {
		la.cost[j] = 0
		la.out[j] <- seen{err: la.ctx.Err()} // buffered
	}
}

// acquire puts a token in sem, false if ctx ends first (or has ended).
func acquire(ctx context.Context, sem chan struct{}) bool {
	if ctx.Err() != nil {
		return false
	}
	select {
	case sem <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// settle waits until every zone is observed (or the pass cancelled).
func (la *lookahead) settle() {
	if la == nil {
		return
	}
	<-la.done
	la.asked.Wait()
}

// skip passes over zone, not observed ahead (a derived zone).
func (la *lookahead) skip(zone string) {
	if la != nil && la.next < len(la.zones) && la.zones[la.next] == zone {
		la.next++
	}
}

// stop ends the observing ahead and waits for it.
func (la *lookahead) stop() {
	if la == nil {
		return
	}
	la.cancel()
	<-la.done
	la.asked.Wait() // no observation outlives the pass
}

// observed is observe, or the zone as observed ahead.
func (r *Reconciler) observed(ctx context.Context, log *slog.Logger, zone string, opts Options) (*observed.Zone, uint64, bool, error) {
	if err := ctx.Err(); err != nil { // a cancelled pass asks nothing more
		return nil, 0, false, err
	}
	if s, ok := opts.ahead.take(zone); ok {
		if !s.cached {
			return s.served, 0, false, s.err
		}
		if e, ok := r.served.get(zone, s.serial); ok {
			return e.served, e.gen, e.synced, nil
		}
	}
	return r.observe(ctx, log, zone, opts.cached, opts.recheck)
}

// writes is a pass's backend writes under way.
type writes struct {
	slots chan struct{}
	done  chan written
	n     int // under way, not yet finished
	index int // the pass's index (in Result.Zones) of the zone planned now
}

// written is one zone's write, ended.
type written struct {
	index  int
	zr     ZoneResult
	z      zoneState
	result apply.Result
	err    error
}

func newWrites() *writes {
	return &writes{slots: make(chan struct{}, writeParallelism), done: make(chan written, writeParallelism)}
}

// startWrite writes zr's plan in the background; the pass finishes it
// (finishWrites).
func (r *Reconciler) startWrite(ctx context.Context, w *writes, zr ZoneResult, z zoneState) {
	// The secondaries are asked here, in turn: one silent in this pass is
	// then asked once (floor.go).
	floors := r.writeFloors(ctx, z.log, zr.Zone)
	w.slots <- struct{}{}
	w.n++
	index := w.index
	go func() {
		result, err := r.applyAbove(ctx, z.served, zr.Plan, floors)
		<-w.slots
		w.done <- written{index: index, zr: zr, z: z, result: result, err: err}
	}()
}

// finishWrites ends the writes that have ended (all of them, with wait) on the
// pass's goroutine: a zone another writer changed meanwhile is planned
// again at once (replan.go).
func (r *Reconciler) finishWrites(ctx context.Context, st *desired.State, w *writes, opts Options, res *Result, pending *[]*applied, wait bool) {
	for w != nil && w.n > 0 {
		var d written
		if wait {
			d = <-w.done
		} else {
			select {
			case d = <-w.done:
			default:
				return
			}
		}
		w.n--
		zr, a := r.finishApply(ctx, &d.zr, d.z, opts.Verify, d.result, d.err)
		if errors.Is(zr.Err, apply.ErrConcurrentWrite) {
			again := opts
			again.ahead, again.writes = nil, nil
			zr, a = r.replan(ctx, st, zr.Zone, again, zr, a, 1)
		}
		res.Zones[d.index] = zr
		if a != nil {
			a.index = d.index
			*pending = append(*pending, a)
		}
	}
}
