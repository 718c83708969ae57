package reconcile

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// The secondaries' wait after a change runs beside the passes, not inside
// one: a pass holds the Reconciler's lock, and a dead secondary would
// otherwise hold every later change for the whole [verify] timeout, the
// very delay dnssync's own NOTIFY exists to avoid. A wait reads nothing a
// pass may change (it is given its zone's secondaries when it starts), is
// bounded by [verify] timeout from the change applied, ends when its
// zone changes again (the newer change's wait supersedes it: the older
// serial is no longer what the secondaries should serve), and ends with
// the context the pass was given (shutdown). Only a wait that ran its
// course is reported (Replication.OnPropagated).

// propagations are the secondaries' waits in progress, one per zone at
// most. The zero value is ready.
type propagations struct {
	mu     sync.Mutex
	byZone map[string]*propWait
}

// propWait is one change's wait for its zone's secondaries.
type propWait struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when the wait has ended and is reported
}

// startPropagation starts the wait for zone's secondaries to serve serial,
// which the primary serves (applied at appliedAt), superseding the zone's
// wait in progress. Called under r.mu (from a pass): the secondaries and
// what else the wait needs are taken now.
func (r *Reconciler) startPropagation(ctx context.Context, log *slog.Logger, zone string, serial uint32, appliedAt time.Time) {
	rep := r.Replication
	secs := r.secondariesOf(zone)
	wctx, cancel := context.WithDeadline(ctx, appliedAt.Add(r.VerifyTimeout))
	w := &propWait{cancel: cancel, done: make(chan struct{})}
	p := &r.prop
	p.mu.Lock()
	if old := p.byZone[zone]; old != nil {
		old.cancel() // superseded: it reports nothing
	}
	if p.byZone == nil {
		p.byZone = map[string]*propWait{}
	}
	p.byZone[zone] = w
	p.mu.Unlock()
	go func() {
		defer close(w.done)
		defer cancel()
		statuses := waitSecondaries(wctx, log, rep.Notifier, rep.Primary, secs, zone, serial, appliedAt)
		p.mu.Lock()
		current := p.byZone[zone] == w
		if current {
			delete(p.byZone, zone)
		}
		p.mu.Unlock()
		if !current || ctx.Err() != nil {
			return // superseded, or shut down: what it saw is no outcome
		}
		logPropagation(log, statuses)
		if rep.OnPropagated != nil {
			rep.OnPropagated(Propagation{Zone: zone, Serial: serial, Servers: statuses})
		}
	}()
}

// propagating reports whether a change of zone is being waited for.
func (r *Reconciler) propagating(zone string) bool {
	r.prop.mu.Lock()
	defer r.prop.mu.Unlock()
	return r.prop.byZone[zone] != nil
}

// WaitPropagated waits until every wait for the secondaries started so
// far has ended and been reported, or ctx ends. `dnssync apply` calls it
// before exiting, so that its NOTIFYs are sent and each secondary's
// outcome is logged.
func (r *Reconciler) WaitPropagated(ctx context.Context) {
	r.prop.mu.Lock()
	waits := make([]chan struct{}, 0, len(r.prop.byZone))
	for _, w := range r.prop.byZone {
		waits = append(waits, w.done)
	}
	r.prop.mu.Unlock()
	for _, done := range waits {
		select {
		case <-done:
		case <-ctx.Done():
			return
		}
	}
}
