package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// Every server's state of each zone, at the check of every record and at
// scheduled checks: the primary's serial, each secondary's against it
// (and why one lags), each resolver's answers. propagate.go is the same
// question right after a change.

// syncTimeout bounds a check's reading of every server's serial: with
// thousands of zones and a dead secondary, the check must still end.
const syncTimeout = 30 * time.Second

// syncParallelism bounds the serial queries of a check in flight at once.
const syncParallelism = 32

// syncRead is one check's reading of serials: at most syncParallelism
// queries at once, and a server that did not answer in time is presumed
// silent for the rest of the check, so that a dead secondary costs one
// timeout per check, not one per zone.
type syncRead struct {
	sem    chan struct{}
	mu     sync.Mutex
	silent map[string]bool // by address
}

func newSyncRead() *syncRead {
	return &syncRead{sem: make(chan struct{}, syncParallelism), silent: map[string]bool{}}
}

// errSilent is a secondary's serial not asked: it did not answer earlier
// in the same check.
var errSilent = errors.New("no answer to an earlier query of this check")

// serial asks s (at addr) for zone's serial, unless addr was silent.
func (sr *syncRead) serial(ctx context.Context, s SerialReader, addr, zone string) (uint32, error) {
	sr.mu.Lock()
	silent := sr.silent[addr]
	sr.mu.Unlock()
	if silent {
		return 0, errSilent
	}
	select {
	case sr.sem <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	got, err := s.Serial(ctx, zone)
	<-sr.sem
	if err != nil && noAnswer(err) {
		sr.mu.Lock()
		sr.silent[addr] = true
		sr.mu.Unlock()
	}
	return got, err
}

// serverStatus is each server's state of zone now: the primary's serial,
// each secondary's against it, and each resolver's answers in rep (the
// check of every record).
func (r *Reconciler) serverStatus(ctx context.Context, sr *syncRead, zone string, rep *verify.Report) []verify.ServerStatus {
	primary := r.Replication.Primary
	want, err := sr.serial(ctx, r.Verifier, primary, zone)
	out := []verify.ServerStatus{verify.SerialStatus(zone, primary, "", verify.RolePrimary, want, want, err)}
	secs := r.secondariesOf(zone)
	statuses := make([]verify.ServerStatus, len(secs))
	var wg sync.WaitGroup
	for i, s := range secs {
		wg.Go(func() {
			if err != nil { // nothing to compare with
				statuses[i] = verify.ServerStatus{Zone: zone, Server: s.Addr, Name: s.Name, Role: verify.RoleSecondary,
					Reason: "the primary's serial could not be read"}
				return
			}
			got, serr := sr.serial(ctx, s.Server, s.Addr, zone)
			st := verify.SerialStatus(zone, s.Addr, s.Name, verify.RoleSecondary, got, want, serr)
			if s.catalog {
				catalogUnasked(&st, serr) // catalogcheck.go
			}
			if st.Behind > 0 && st.Reason == "" {
				st.Reason = verify.BehindReason(want)
			}
			statuses[i] = st
		})
	}
	wg.Wait()
	out = append(out, statuses...)
	in := func(k rrset.Key) bool { return r.zoneOf(k.Name) == zone }
	for _, p := range r.Replication.Resolvers {
		if r.isCatalog(zone) {
			break // never asked of resolvers (catalogcheck.go)
		}
		out = append(out, rep.ResolverStatus(zone, p.Addr, p.Name, in))
	}
	return out
}

// syncAll adds to rep, per managed zone, every server's state of it (the
// check of every record: Verify), all zones at once within syncTimeout
// (syncRead). With neither secondaries nor resolvers configured it adds
// nothing: the records' results say all there is about the one server,
// and the report keeps the shape it always had.
func (r *Reconciler) syncAll(ctx context.Context, rep *verify.Report) {
	if r.Verifier == nil || len(r.Replication.Secondaries)+len(r.Replication.Resolvers) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	sr := newSyncRead()
	byZone := make([][]verify.ServerStatus, len(r.Zones))
	var wg sync.WaitGroup
	for i, z := range r.Zones {
		// rep is only read (its resolver results) while the zones run.
		wg.Go(func() { byZone[i] = r.serverStatus(ctx, sr, z, rep) })
	}
	wg.Wait()
	for _, st := range byZone {
		rep.Sync = append(rep.Sync, st...)
	}
}

// checkSync is syncAll for a scheduled check, which runs after the pass's
// own changes had VerifyTimeout to reach every secondary: a secondary not
// serving the primary's serial, or serving other data than st at it
// (secondarydata.go; st nil: not compared), then fails the check (and so
// /readyz). It is logged when the set of such servers changes, not every
// check.
func (r *Reconciler) checkSync(ctx context.Context, st *desired.State, rep *verify.Report) {
	r.syncAll(ctx, rep)
	r.compareData(ctx, st, rep)
	r.settling(rep)
	off := rep.OutOfSync()
	r.renotify(ctx, off)
	key := make([]string, len(off))
	for i, s := range off {
		key[i] = fmt.Sprintf("%s %s %d/%d", s.Zone, s.Server, s.Serial, s.Want)
	}
	if !r.changed("sync", key) {
		return
	}
	for _, s := range off {
		r.Log.Warn("server not in sync", "zone", s.Zone, "server", s.Name, "status", s.String())
	}
	if len(off) == 0 && len(rep.Sync) > 0 {
		r.Log.Info("every secondary serves the primary's serial", "servers", len(rep.Sync))
	}
}

// settling leaves unjudged each secondary in rep behind the primary at a
// zone whose change is still being waited for (propwait.go), within
// [verify] timeout of the oldest change it has not been seen to serve, or
// while it serves the change before the one waited for: in mid-transfer
// a healthy secondary is behind, and failing the check (and /readyz) for
// it would flap at every change. Past that bound it is judged, however
// often the zone changes: the wait reports it lagging at that bound too.
// The check does not wait (it holds the lock every change waits for). One
// that does not answer at all is judged now.
func (r *Reconciler) settling(rep *verify.Report) {
	for i := range rep.Sync {
		s := &rep.Sync[i]
		if s.Role == verify.RoleSecondary && !s.InSync && s.Behind > 0 && r.excused(s.Zone, s.Server, s.Serial) {
			s.InSync, s.Reason = true, ""
			s.Note = fmt.Sprintf("serial %d propagating: within [verify] timeout of its change, judged when its wait ends", s.Want)
		}
	}
}

// renotify sends NOTIFY again to each secondary in off that answers an
// older serial than the primary's and takes NOTIFYs. The NOTIFY after a
// change is sent once: a secondary that missed it (down then, restarted
// since from its old copy) would otherwise wait for its SOA refresh,
// hours on a usual zone, and stay lagging until then. One that does not
// answer is not notified: it would only cost the NOTIFY's timeout.
func (r *Reconciler) renotify(ctx context.Context, off []verify.ServerStatus) {
	if r.Replication.Notifier == nil {
		return
	}
	byZone := map[string][]string{}
	var zones []string
	for _, st := range off {
		if st.Role != verify.RoleSecondary || st.Behind == 0 || !r.notifies(st.Zone, st.Server) {
			continue
		}
		if _, ok := byZone[st.Zone]; !ok {
			zones = append(zones, st.Zone)
		}
		byZone[st.Zone] = append(byZone[st.Zone], st.Server)
	}
	for _, z := range zones {
		for _, res := range r.Replication.Notifier.Notify(ctx, z, byZone[z]) {
			r.Log.Debug("NOTIFY sent again to a lagging secondary", "zone", z, "secondary", res.Server, "outcome", res.Outcome)
		}
	}
}

// notifies reports whether the secondary at addr serving zone takes
// dnssync's NOTIFYs.
func (r *Reconciler) notifies(zone, addr string) bool {
	for _, s := range r.secondariesOf(zone) {
		if s.Addr == addr {
			return s.Notify
		}
	}
	return false
}
