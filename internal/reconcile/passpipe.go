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
	observeAhead     = 64 // zones observed and not yet planned
	observeInFlight  = 64 // observations under way at once
	writeParallelism = 64
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
	window chan struct{}   // a slot per zone observed and not yet taken
	ctx    context.Context // the pass's, cancelled by stop
	cancel context.CancelFunc
	asked  sync.WaitGroup // the observations started
	done   chan struct{}
}

// observeAheadOf starts observing zones (derived zones excepted) as
// opts.observe would, ahead of the pass that takes them (take).
func (r *Reconciler) observeAheadOf(ctx context.Context, zones []string, opts Options) *lookahead {
	ctx, cancel := context.WithCancel(ctx)
	depth := observeAhead
	if opts.recheck {
		depth = max(len(zones), 1)
	}
	la := &lookahead{zones: zones, out: make([]chan seen, len(zones)), window: make(chan struct{}, depth),
		ctx: ctx, cancel: cancel, done: make(chan struct{})}
	inFlight := make(chan struct{}, observeInFlight)
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
			if ctx.Err() != nil { // a cancelled pass starts no transfer
				return
			}
			select {
			case la.window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case inFlight <- struct{}{}:
			case <-ctx.Done():
				la.out[i] <- seen{err: ctx.Err()}
				return
			}
			serial, isCached := cachedAt[z]
			la.asked.Go(func() {
				la.out[i] <- r.observeOne(ctx, z, serial, isCached, opts.recheck)
				<-inFlight
			})
		}
	}()
	return la
}

// observeOne is observe's network part for a zone cached under serial
// (when isCached).
func (r *Reconciler) observeOne(ctx context.Context, zone string, serial uint32, isCached, recheck bool) seen {
	if isCached {
		if s, err := r.Verifier.Serial(ctx, zone); err == nil && s == serial {
			return seen{cached: true, serial: s}
		}
	}
	served, err := r.transfer(ctx, r.Log.With("zone", zone), zone, recheck)
	return seen{served: served, err: err}
}

// take returns zone as observed ahead, if it is the zone the pass is at.
func (la *lookahead) take(zone string) (seen, bool) {
	if la == nil || la.next >= len(la.zones) || la.zones[la.next] != zone {
		return seen{}, false
	}
	i := la.next
	la.next++
	if la.out[i] == nil {
		return seen{}, false
	}
	select {
	case s := <-la.out[i]:
		la.out[i] = nil
		<-la.window
		return s, true
	case <-la.ctx.Done():
		// Cancelled: zone i may never have been started. The caller's own
		// observe fails at once on the same cancelled context.
		return seen{}, false
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
}

// observed is observe, or the zone as observed ahead.
func (r *Reconciler) observed(ctx context.Context, log *slog.Logger, zone string, opts Options) (*observed.Zone, uint64, bool, error) {
	s, ok := opts.ahead.take(zone)
	if err := ctx.Err(); err != nil && !ok { // a cancelled pass asks nothing more
		return nil, 0, false, err
	}
	if ok {
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
	verify bool
	result apply.Result
	err    error
}

func newWrites() *writes {
	return &writes{slots: make(chan struct{}, writeParallelism), done: make(chan written, writeParallelism)}
}

// start writes zr's plan in the background; the pass finishes it
// (finish).
func (r *Reconciler) startWrite(ctx context.Context, w *writes, zr ZoneResult, z zoneState, verify bool) {
	// The secondaries are asked here, in turn: one silent in this pass is
	// then asked once (floor.go).
	floors := r.writeFloors(ctx, z.log, zr.Zone)
	w.slots <- struct{}{}
	w.n++
	index := w.index
	go func() {
		result, err := r.applyAbove(ctx, z.served, zr.Plan, floors)
		<-w.slots
		w.done <- written{index: index, zr: zr, z: z, verify: verify, result: result, err: err}
	}()
}

// finish ends the writes that have ended (all of them, with wait) on the
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
		zr, a := r.finishApply(ctx, &d.zr, d.z, d.verify, d.result, d.err)
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
