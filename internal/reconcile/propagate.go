package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/notify"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// Propagation: once the primary serves a change's new serial, each
// secondary of the zone is sent a NOTIFY (so that it transfers now, not at
// its refresh) and waited for, within the same VerifyTimeout, until it
// serves that serial too. Each server's outcome is on the ZoneResult
// (Servers): how long it took, or how far behind it stayed and why. A
// lagging secondary is reported, and does not make the change unapplied:
// the primary serves it.

// SerialReader reads the serial a server answers for a zone.
type SerialReader interface {
	Serial(ctx context.Context, zone string) (uint32, error)
}

// Notifier sends NOTIFYs for a zone to servers at once.
type Notifier interface {
	Notify(ctx context.Context, zone string, servers []string) []notify.Result
}

var _ Notifier = (*notify.Sender)(nil)

// Replication is the servers besides the primary: what propagation and
// Verify's per-server report need.
type Replication struct {
	Primary     string // the primary's host:port, for reports
	Secondaries []Secondary
	Resolvers   []Peer
	Notifier    Notifier // nil: no NOTIFY is sent
}

// Secondary is a server that transfers zones from the primary.
type Secondary struct {
	Name   string
	Addr   string   // host:port
	Zones  []string // canonical names of the zones it serves
	Notify bool     // dnssync sends it NOTIFYs
	Server SerialReader
	// Data transfers the zone from it, for a scheduled check's comparison
	// of its data (secondarydata.go); nil: not compared.
	Data verify.Streamer
}

// Peer is a resolver reported on per zone by Verify.
type Peer struct {
	Name string
	Addr string
}

// secondariesOf returns the secondaries serving zone.
func (r *Reconciler) secondariesOf(zone string) []Secondary {
	var out []Secondary
	for _, s := range r.Replication.Secondaries {
		if slices.Contains(s.Zones, zone) {
			out = append(out, s)
		}
	}
	return out
}

// propagationInterval is how often a secondary's serial is asked while
// waiting for it.
const propagationInterval = 50 * time.Millisecond

// propagate notifies zone's secondaries of serial, which the primary
// serves (the change was applied at appliedAt), and waits until ctx ends
// for each to serve it. It returns the primary's status and each
// secondary's, their times counted from appliedAt.
func (r *Reconciler) propagate(ctx context.Context, log *slog.Logger, zone string, serial uint32, appliedAt time.Time) []verify.ServerStatus {
	primary := r.Replication.Primary
	secs := r.secondariesOf(zone)
	out := []verify.ServerStatus{verify.SerialStatus(zone, primary, "", verify.RolePrimary, serial, serial, nil)}
	if len(secs) == 0 {
		return out
	}
	notified := map[string]notify.Result{}
	if r.Replication.Notifier != nil {
		var addrs []string
		for _, s := range secs {
			if s.Notify {
				addrs = append(addrs, s.Addr)
			}
		}
		if len(addrs) > 0 {
			for _, res := range r.Replication.Notifier.Notify(ctx, zone, addrs) {
				notified[res.Server] = res
				if res.Outcome != notify.Answered {
					log.Warn("NOTIFY not acknowledged", "secondary", res.Server, "outcome", res.Outcome, "err", res.Err)
				}
			}
		}
	}
	statuses := make([]verify.ServerStatus, len(secs))
	var wg sync.WaitGroup
	for i, s := range secs {
		wg.Go(func() {
			st := waitSerial(ctx, s, zone, serial)
			if !st.InSync {
				st.Waited = time.Since(appliedAt)
				if n, ok := notified[s.Addr]; ok && n.Outcome != notify.Answered && st.Reason == "" {
					st.Reason = "NOTIFY " + string(n.Outcome) + ": " + n.Err.Error()
				}
			} else {
				st.Took = time.Since(appliedAt)
			}
			statuses[i] = st
		})
	}
	wg.Wait()
	for _, st := range statuses {
		if st.InSync {
			log.Info("secondary serves the change", "secondary", st.Name, "serial", st.Serial, "took", st.Took.Round(time.Millisecond))
		} else {
			log.Warn("secondary lagging", "secondary", st.Name, "status", st.String())
		}
	}
	return append(out, statuses...)
}

// propagatedSerial is the serial zr's change reaches the secondaries
// with: the one the apply wrote, or, when the apply reports none (the
// rfc2136 backend: the server bumps the SOA itself when it takes an
// UPDATE, before it answers), the one the primary serves now. 0 when
// nothing was applied, the zone has no secondaries, or the primary's
// serial cannot be read.
func (r *Reconciler) propagatedSerial(ctx context.Context, zr *ZoneResult) uint32 {
	if zr.Serial != 0 || !zr.Applied || len(r.secondariesOf(zr.Zone)) == 0 {
		return zr.Serial
	}
	s, err := r.Verifier.Serial(ctx, zr.Zone)
	if err != nil {
		return 0
	}
	return s
}

// waitSerial asks s for zone's serial until it serves want or ctx ends,
// and judges the last answer. A query cut short by the end of the wait is
// no answer: the one before it stands, so that the report says which
// serial the secondary served, not that time ran out.
func waitSerial(ctx context.Context, s Secondary, zone string, want uint32) verify.ServerStatus {
	var last *verify.ServerStatus
	for {
		got, err := s.Server.Serial(ctx, zone)
		st := verify.SerialStatus(zone, s.Addr, s.Name, verify.RoleSecondary, got, want, err)
		if err != nil && last != nil && over(ctx) {
			return *last
		}
		last = &st
		if err == nil && serialAtLeast(got, want) || !sleep(ctx, propagationInterval) {
			return st
		}
	}
}

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
			statuses[i] = verify.SerialStatus(zone, s.Addr, s.Name, verify.RoleSecondary, got, want, serr)
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

// zoneOf is the managed zone name belongs to: the longest that contains
// it.
func (r *Reconciler) zoneOf(name string) string {
	best := ""
	for _, z := range r.Zones {
		if dns.IsSubDomain(z, name) && len(z) > len(best) {
			best = z
		}
	}
	return best
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

// over reports whether ctx is over; a query's timeout may come a moment
// before ctx says Done.
func over(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ctx.Err() != nil || ok && !time.Now().Before(d)
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
