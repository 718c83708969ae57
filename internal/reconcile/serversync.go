package reconcile

import (
	"context"
	"fmt"
	"sync"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// Every server's state of each zone, at the check of every record and at
// scheduled checks: the primary's serial, each secondary's against it
// (and why one lags), each resolver's answers. propagate.go is the same
// question right after a change.

// serverStatus is each server's state of zone now: the primary's serial,
// each secondary's against it, and each resolver's answers in rep (the
// check of every record).
func (r *Reconciler) serverStatus(ctx context.Context, zone string, rep *verify.Report) []verify.ServerStatus {
	primary := r.Replication.Primary
	want, err := r.Verifier.Serial(ctx, zone)
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
			got, serr := s.Server.Serial(ctx, zone)
			st := verify.SerialStatus(zone, s.Addr, s.Name, verify.RoleSecondary, got, want, serr)
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
		out = append(out, rep.ResolverStatus(zone, p.Addr, p.Name, in))
	}
	return out
}

// syncAll adds to rep, per managed zone, every server's state of it (the
// check of every record: Verify). With neither secondaries nor resolvers
// configured it adds nothing: the records' results say all there is about
// the one server, and the report keeps the shape it always had.
func (r *Reconciler) syncAll(ctx context.Context, rep *verify.Report) {
	if r.Verifier == nil || len(r.Replication.Secondaries)+len(r.Replication.Resolvers) == 0 {
		return
	}
	for _, z := range r.Zones {
		rep.Sync = append(rep.Sync, r.serverStatus(ctx, z, rep)...)
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
