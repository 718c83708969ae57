package reconcile

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/dnssync/dnssync/internal/notify"
	"github.com/dnssync/dnssync/internal/verify"
)

// The secondaries' wait after a change runs beside the passes, not inside
// one: a pass holds the Reconciler's lock, and a dead secondary would
// otherwise hold every later change for the whole [verify] timeout, the
// very delay dnssync's own NOTIFY exists to avoid. A wait reads nothing a
// pass may change (it is given its zone's secondaries when it starts),
// ends when its zone changes again (the newer change's wait supersedes
// it: the older serial is no longer what the secondaries should serve),
// and ends with the context the pass was given (shutdown).
//
// Superseding must not hide a stuck secondary: under changes that come
// less than [verify] timeout apart, no wait would ever run its course. So
// the zone remembers, per secondary, since when it has been behind (the
// oldest change it has not been seen to serve), and a superseding wait
// inherits that time: each secondary's wait is bounded by [verify]
// timeout from it, its lag is counted from it, and when that deadline
// passes the secondary is reported lagging (Replication.OnSecondary, the
// log) whatever newer changes keep coming. A scheduled check excuses a
// secondary behind the primary only within that bound (settling). Each
// secondary is reported on its own, as soon as its outcome is known.

// propagations are the secondaries' waits in progress and what they hand
// on to the next, per zone. The zero value is ready.
type propagations struct {
	mu     sync.Mutex
	byZone map[string]*zoneProp
}

// zoneProp is one zone's propagation state.
type zoneProp struct {
	wait *propWait // the wait in progress; nil: none
	// prev is the serial of the change whose wait the running one
	// superseded (0: none): a secondary serving it keeps up, and is
	// mid-transfer of the newer change.
	prev uint32
	// behind is, per secondary address, when the oldest change it has not
	// been seen to serve was applied (absent: it served the last wait's
	// serial).
	behind map[string]time.Time
	// lagging and unnotified say, per address, that the secondary was last
	// reported lagging, or its NOTIFY not acknowledged: logged as a
	// warning when that changes, not at every change.
	lagging    map[string]bool
	unnotified map[string]bool
}

// propWait is one change's wait for its zone's secondaries.
type propWait struct {
	serial uint32
	cancel context.CancelFunc
	done   chan struct{} // closed when the wait has ended and is reported
}

// zone returns zone's state, creating it. Called under p.mu.
func (p *propagations) zone(zone string) *zoneProp {
	if p.byZone == nil {
		p.byZone = map[string]*zoneProp{}
	}
	zp := p.byZone[zone]
	if zp == nil {
		zp = &zoneProp{behind: map[string]time.Time{}, lagging: map[string]bool{}, unnotified: map[string]bool{}}
		p.byZone[zone] = zp
	}
	return zp
}

// startPropagation starts the wait for zone's secondaries to serve serial,
// which the primary serves (applied at appliedAt), superseding the zone's
// wait in progress. Called under r.mu (from a pass): the secondaries and
// what else the wait needs are taken now.
func (r *Reconciler) startPropagation(ctx context.Context, log *slog.Logger, zone string, serial uint32, appliedAt time.Time) {
	rep, timeout := r.Replication, r.VerifyTimeout
	secs := r.secondariesOf(zone)
	wctx, cancel := context.WithCancel(ctx)
	w := &propWait{serial: serial, cancel: cancel, done: make(chan struct{})}
	p := &r.prop
	p.mu.Lock()
	zp := p.zone(zone)
	zp.prev = 0
	if old := zp.wait; old != nil {
		old.cancel() // superseded: what it did not yet know is this wait's to tell
		zp.prev = old.serial
	}
	zp.wait = w
	since := make([]time.Time, len(secs))
	for i, s := range secs {
		t, ok := zp.behind[s.Addr]
		if !ok {
			t = appliedAt
			zp.behind[s.Addr] = t
		}
		since[i] = t
	}
	p.mu.Unlock()
	go func() {
		defer close(w.done)
		defer cancel()
		statuses := make([]verify.ServerStatus, len(secs))
		var wg sync.WaitGroup
		for i, s := range secs {
			wg.Go(func() {
				st, ok := r.follow(wctx, log, w, s, zone, appliedAt, since[i], timeout)
				statuses[i] = st
				if ok && rep.OnSecondary != nil {
					rep.OnSecondary(st)
				}
			})
		}
		wg.Wait()
		p.mu.Lock()
		current := zp.wait == w
		if current {
			zp.wait, zp.prev = nil, 0
			if len(zp.behind)+len(zp.lagging)+len(zp.unnotified) == 0 {
				delete(p.byZone, zone) // nothing to hand on: a zone removed since leaves nothing behind
			}
		}
		p.mu.Unlock()
		if !current || ctx.Err() != nil {
			return // superseded, or shut down: what it saw is no outcome
		}
		if rep.OnPropagated != nil {
			primary := verify.SerialStatus(zone, rep.Primary, "", verify.RolePrimary, serial, serial, nil)
			rep.OnPropagated(Propagation{Zone: zone, Serial: serial, Servers: append([]verify.ServerStatus{primary}, statuses...)})
		}
	}()
}

// follow notifies s of w's change and waits for it to serve w's serial
// until [verify] timeout from since (when s was first behind), or, once
// that has passed, from appliedAt. It reports whether its outcome is one
// (not cut short by a newer change or shutdown), and records it in the
// zone's state and the log.
func (r *Reconciler) follow(ctx context.Context, log *slog.Logger, w *propWait, s Secondary, zone string, appliedAt, since time.Time, timeout time.Duration) (verify.ServerStatus, bool) {
	sent, res := notifyOne(ctx, r.Replication.Notifier, s, zone)
	if sent && ctx.Err() == nil {
		r.prop.noteNotify(log, zone, s, res)
	}
	deadline := since.Add(timeout)
	if !deadline.After(time.Now()) {
		deadline = appliedAt.Add(timeout) // already reported lagging: still give it this change's time
	}
	for {
		sctx, cancel := context.WithDeadline(ctx, deadline)
		st := waitSerial(sctx, s, zone, w.serial)
		cancel()
		if ctx.Err() != nil {
			return st, false
		}
		if !st.InSync {
			// It serves the change this one superseded: it keeps up, and
			// is behind since this change, not the older one.
			if t, ok := r.prop.caughtUpToPrev(zone, w, s.Addr, st.Serial, appliedAt); ok && t.Add(timeout).After(deadline) {
				since, deadline = t, t.Add(timeout)
				continue
			}
		}
		st = judgeWait(st, s, w.serial, appliedAt, since, sent, res)
		r.prop.noteOutcome(log, zone, w, s, st)
		return st, true
	}
}

// caughtUpToPrev reports whether serial is at least the serial of the
// change w superseded; if so s is recorded behind since appliedAt (w's
// change), which it returns.
func (p *propagations) caughtUpToPrev(zone string, w *propWait, addr string, serial uint32, appliedAt time.Time) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	zp := p.zone(zone)
	if zp.wait != w || zp.prev == 0 || !serialAtLeast(serial, zp.prev) {
		return time.Time{}, false
	}
	zp.behind[addr] = appliedAt
	return appliedAt, true
}

// noteOutcome records s's outcome st of w in the zone's state, and logs
// it: a secondary's lagging as a warning when it starts, not at every
// change that finds it still lagging.
func (p *propagations) noteOutcome(log *slog.Logger, zone string, w *propWait, s Secondary, st verify.ServerStatus) {
	p.mu.Lock()
	zp := p.zone(zone)
	was := zp.lagging[s.Addr]
	if st.InSync {
		if zp.wait == w {
			delete(zp.behind, s.Addr)
		}
		delete(zp.lagging, s.Addr)
	} else {
		zp.lagging[s.Addr] = true
	}
	p.mu.Unlock()
	switch {
	case st.InSync && st.Note != "":
		log.Debug("secondary's serial not asked", "secondary", st.Name, "note", st.Note)
	case st.InSync:
		log.Info("secondary serves the change", "secondary", st.Name, "serial", st.Serial, "took", st.Took.Round(time.Millisecond))
	case was:
		log.Debug("secondary lagging", "secondary", st.Name, "status", st.String())
	default:
		log.Warn("secondary lagging", "secondary", st.Name, "status", st.String())
	}
}

// noteNotify logs s's NOTIFY outcome res: a warning when it is first not
// acknowledged, not at every change.
func (p *propagations) noteNotify(log *slog.Logger, zone string, s Secondary, res notify.Result) {
	failed := res.Outcome != notify.Answered
	p.mu.Lock()
	zp := p.zone(zone)
	was := zp.unnotified[s.Addr]
	if failed {
		zp.unnotified[s.Addr] = true
	} else {
		delete(zp.unnotified, s.Addr)
	}
	p.mu.Unlock()
	switch {
	case failed && !was:
		log.Warn("NOTIFY not acknowledged", "secondary", res.Server, "outcome", res.Outcome, "err", res.Err)
	case failed:
		log.Debug("NOTIFY not acknowledged", "secondary", res.Server, "outcome", res.Outcome, "err", res.Err)
	case was:
		log.Info("NOTIFY acknowledged again", "secondary", res.Server)
	}
}

// excused reports whether a scheduled check finding the secondary at addr
// behind at serial, for zone, is to leave it unjudged: a wait for the
// zone's change runs, and either [verify] timeout has not yet passed since
// the oldest change it has not been seen to serve, or it serves the
// change before the one waited for (it keeps up, and is mid-transfer).
func (r *Reconciler) excused(zone, addr string, serial uint32) bool {
	r.prop.mu.Lock()
	defer r.prop.mu.Unlock()
	zp := r.prop.byZone[zone]
	if zp == nil || zp.wait == nil {
		return false
	}
	if since, ok := zp.behind[addr]; ok && time.Since(since) < r.VerifyTimeout {
		return true
	}
	return zp.prev != 0 && serialAtLeast(serial, zp.prev)
}

// propagating reports whether a change of zone is being waited for.
func (r *Reconciler) propagating(zone string) bool {
	r.prop.mu.Lock()
	defer r.prop.mu.Unlock()
	zp := r.prop.byZone[zone]
	return zp != nil && zp.wait != nil
}

// WaitPropagated waits until every wait for the secondaries started so
// far has ended and been reported, or ctx ends. `dnssync apply` calls it
// before exiting, so that its NOTIFYs are sent and each secondary's
// outcome is logged.
func (r *Reconciler) WaitPropagated(ctx context.Context) {
	r.prop.mu.Lock()
	var waits []chan struct{}
	for _, zp := range r.prop.byZone {
		if zp.wait != nil {
			waits = append(waits, zp.wait.done)
		}
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
