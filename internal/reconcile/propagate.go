package reconcile

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/notify"
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
	// OnSecondary, when set, is told each secondary's outcome of a
	// change's wait as soon as it is known (metrics): in sync once it
	// serves the serial (Took: from the change applied), or lagging once
	// [verify] timeout has passed since the oldest change it has not been
	// seen to serve (Waited), even while newer changes keep superseding
	// the wait (propwait.go). Called from the wait's goroutines, possibly
	// several at once and while a pass runs: it must not call back into
	// the Reconciler.
	OnSecondary func(verify.ServerStatus)
	// OnPropagated, when set, is told each change's propagation once its
	// whole wait ends (tests), under the same rules as OnSecondary. A wait
	// superseded by a newer change of its zone, or cut short by shutdown,
	// is not reported here (its secondaries' outcomes already known were,
	// to OnSecondary).
	OnPropagated func(Propagation)
}

// Propagation is the outcome of one change's wait for the secondaries.
type Propagation struct {
	Zone   string
	Serial uint32 // the serial the primary serves the change at
	// Servers is each server's state of Zone when the wait ended: the
	// primary's, then each secondary's (in sync, with how long it took
	// from the change applied; or lagging, by how much and why).
	Servers []verify.ServerStatus
}

// Secondary is a server that transfers zones from the primary.
type Secondary struct {
	Name  string
	Addr  string   // host:port
	Zones []string // canonical names of the zones it serves
	// AllZones: it serves every managed zone, those added at run time too
	// (its config entry lists none): Zones follows the zone set.
	AllZones bool
	Notify   bool // dnssync sends it NOTIFYs
	Server   SerialReader
	// Data transfers the zone from it, for a scheduled check's comparison
	// of its data (secondarydata.go); nil: not compared.
	Data verify.Streamer
	// catalog: secondariesOf returned it for the catalog zone, whose SOA
	// a consumer may refuse (catalogcheck.go).
	catalog bool
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
			s.catalog = r.isCatalog(zone)
			out = append(out, s)
		}
	}
	return out
}

// propagationInterval is how often a secondary's serial is asked while
// waiting for it.
const propagationInterval = 50 * time.Millisecond

// propagate notifies zone's secondaries of serial, which the primary
// serves (the change was applied at appliedAt), waits until ctx ends for
// each to serve it, and returns each server's status (waitSecondaries).
func (r *Reconciler) propagate(ctx context.Context, log *slog.Logger, zone string, serial uint32, appliedAt time.Time) []verify.ServerStatus {
	return waitSecondaries(ctx, log, r.Replication.Notifier, r.Replication.Primary, r.secondariesOf(zone), zone, serial, appliedAt)
}

// waitSecondaries notifies zone's secondaries secs of serial, which primary
// serves (the change was applied at appliedAt), and waits until ctx ends
// for each to serve it. It returns the primary's status and each
// secondary's, their times counted from appliedAt. Each secondary is
// notified and then polled in a goroutine of its own: a dead one costs
// its own NOTIFY's timeout, never another's time to serve the change.
// It reads nothing of r (the background wait, propwait.go, is built on
// the same propagateTo).
func waitSecondaries(ctx context.Context, log *slog.Logger, n Notifier, primary string, secs []Secondary, zone string, serial uint32, appliedAt time.Time) []verify.ServerStatus {
	out := []verify.ServerStatus{verify.SerialStatus(zone, primary, "", verify.RolePrimary, serial, serial, nil)}
	statuses := make([]verify.ServerStatus, len(secs))
	var wg sync.WaitGroup
	for i, s := range secs {
		wg.Go(func() {
			sent, res := notifyOne(ctx, n, s, zone)
			if sent && res.Outcome != notify.Answered {
				log.Warn("NOTIFY not acknowledged", "secondary", res.Server, "outcome", res.Outcome, "err", res.Err)
			}
			statuses[i] = judgeWait(waitSerial(ctx, s, zone, serial), s, serial, appliedAt, appliedAt, sent, res)
		})
	}
	wg.Wait()
	return append(out, statuses...)
}

// notifyOne sends s a NOTIFY of zone when it takes them; sent says
// whether one was sent.
func notifyOne(ctx context.Context, n Notifier, s Secondary, zone string) (sent bool, res notify.Result) {
	if n == nil || !s.Notify {
		return false, notify.Result{}
	}
	if r := n.Notify(ctx, zone, []string{s.Addr}); len(r) == 1 {
		return true, r[0]
	}
	return false, notify.Result{}
}

// judgeWait completes st, s's last answer of a wait for serial: in sync,
// with the time since the change was applied (appliedAt); or lagging since
// behindSince (the oldest change it has not been seen to serve), with the
// reason when one is known.
func judgeWait(st verify.ServerStatus, s Secondary, serial uint32, appliedAt, behindSince time.Time, sent bool, notified notify.Result) verify.ServerStatus {
	if st.InSync {
		st.Took = time.Since(appliedAt)
		return st
	}
	st.Waited = time.Since(behindSince)
	switch {
	case st.Reason != "":
	case sent && notified.Outcome != notify.Answered:
		st.Reason = "NOTIFY " + string(notified.Outcome) + ": " + notified.Err.Error()
	case st.Behind > 0 && (sent || !s.Notify):
		st.Reason = verify.NotTransferredReason(serial, st.Waited, sent)
	}
	return st
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
		if s.catalog && catalogUnasked(&st, err) { // a consumer refusing the catalog (catalogcheck.go)
			return st
		}
		if err != nil && last != nil && over(ctx) {
			return *last
		}
		last = &st
		if err == nil && serialAtLeast(got, want) || !sleep(ctx, propagationInterval) {
			return st
		}
	}
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

// over reports whether ctx is over; a query's timeout may come a moment
// before ctx says Done.
func over(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ctx.Err() != nil || ok && !time.Now().Before(d)
}
