// Package health keeps the daemon's readiness: whether the first full pass
// has run, whether every zone is served as desired, and if not, why, as
// reasons whose kinds are a contract for monitoring (/readyz). Apart from
// that it keeps the loop's liveness (liveness.go, /healthz): an invalid
// file or an unreachable server makes dnssync degraded, never dead, and
// only a loop that stopped turning is.
//
// A pass for changed files covers only the zones those files touch, so the
// Tracker keeps what the latest pass of each zone said and lets a partial
// pass update only its own zones; a full pass replaces them all. What is
// not about one zone (records dir, invalid files, the scheduled check)
// comes from the latest pass that carries it.
//
// What a reconcile pass says about health (its reasons) is derived in
// internal/health/passhealth, which hands the Tracker a Pass: this package
// does not depend on the reconciler, so the API that serves /readyz does
// not either.
package health

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// The reason kinds. They are a contract (alerts match on them): add, never
// rename.
const (
	KindStarting           = "starting"            // no result observed yet
	KindRecordsUnreadable  = "records_unreadable"  // the records dir could not be read
	KindCoreDNSUnreachable = "coredns_unreachable" // a zone could not be transferred: no answer, a timeout
	KindTransferRefused    = "transfer_refused"    // the server serves the zone but refused to transfer it
	KindTSIGRefused        = "tsig_refused"        // the server rejected the TSIG key, or did not sign with it
	KindUpdateRefused      = "update_refused"      // the server refused an UPDATE (REFUSED, NOTAUTH, NOTZONE)
	KindApplyFailed        = "apply_failed"        // the backend failed to apply a plan
	KindUnsafePlanRefused  = "unsafe_plan_refused" // the safety check refused a plan
	KindDriftNotHealed     = "drift_not_healed"    // applied, but not served as planned
	KindInvalidFiles       = "invalid_files"       // some record files are invalid
	KindVerifyFailed       = "verify_failed"       // the scheduled check found failures
	KindInvalidZoneFiles   = "invalid_zone_files"  // some zones.d files are invalid, or conflict
	KindDNSSECInvalid      = "dnssec_invalid"      // a signed zone does not validate at a server, or its signatures expire within the margin
	// KindZoneFailed is a zone error from a stage this package does not
	// know: never let an error read as healthy.
	KindZoneFailed = "zone_failed"
)

// Reason is one cause of being unhealthy.
type Reason struct {
	Kind    string // one of the Kind constants
	Message string // for operators: may name files and quote errors
}

// The states of a Status, its summary for probes and people.
const (
	StateStarting = "starting" // the first full pass has not run yet
	StateOK       = "ok"       // ready and healthy: every zone served as desired
	StateDegraded = "degraded" // ready, with reasons
)

// Status is the daemon's readiness at one moment. The API sends it as
// client.Readiness.
type Status struct {
	State   string // StateStarting, StateOK or StateDegraded
	Healthy bool
	Ready   bool
	// Reasons says why it is not healthy, sorted by kind then message.
	Reasons         []Reason
	LastReconcile   time.Time // the end of the latest pass
	LastReconcileOK time.Time // the end of the latest pass that failed nowhere
	LastVerify      time.Time // the latest scheduled check
	LastVerifyOK    time.Time // the latest scheduled check that found no failure
}

// Tracker folds reconcile results into a Status. It is safe for concurrent
// use: the loop calls Observe, HTTP handlers call Status.
type Tracker struct {
	mu       sync.Mutex
	observed bool
	status   Status // Healthy and Reasons are derived in Observe, State in Status
	live     liveness

	zones   map[string][]Reason // the latest pass of each zone
	records *Reason             // the records dir could not be read
	files   *Reason             // invalid files, from the latest State
	zoneDir *Reason             // invalid zones.d files, from the latest pass that read them
	check   *Reason             // the latest scheduled check
	dnssec  *Reason             // the latest scheduled check's signed zones
}

// NewTracker returns a Tracker that has seen nothing: not ready, not
// healthy, reason "starting"; alive, as a process that just started is,
// for DefaultStuckAfter.
func NewTracker() *Tracker {
	t := &Tracker{zones: map[string][]Reason{}, live: liveness{stuckAfter: DefaultStuckAfter}}
	t.beat()
	return t
}

// Pass is what one pass says about health, in this package's terms
// (passhealth derives it from a reconcile result).
type Pass struct {
	Full bool      // a full pass: every zone, the records dir scanned
	End  time.Time // when it ended
	OK   bool      // records read, no zone failed, every change served
	// Unreadable is set when the records dir could not be read: nothing
	// was planned, and what the zones last said still stands.
	Unreadable *Reason
	// Zones holds what the pass says of each zone it covered.
	Zones map[string][]Reason
	// FilesRead: the pass read the records files; Files is then the
	// reason they give (invalid files), nil when they are all valid.
	FilesRead bool
	Files     *Reason
	// ZonesRead: the pass read the zones dir; ZoneFiles is then the reason
	// its files give (invalid, conflicting), nil when they are all good.
	ZonesRead bool
	ZoneFiles *Reason
	// Check is the scheduled check the pass ran, if any.
	Check *Check
}

// Check is what a scheduled check says about health.
type Check struct {
	Time   time.Time
	Failed *Reason // nil: every RRset served as desired (lagging caches aside)
	// DNSSEC: the signed zones that do not validate at a server; nil:
	// every one validates (or none is signed).
	DNSSEC *Reason
}

// Record takes in one pass.
func (t *Tracker) Record(p Pass) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.observed = true
	t.beat() // a pass that ended is a sign of life too
	st := &t.status

	if p.Full {
		st.Ready = true
	}
	st.LastReconcile = p.End
	if p.OK {
		st.LastReconcileOK = p.End
	}

	switch {
	case p.Unreadable != nil:
		t.records = p.Unreadable
	case p.Full:
		// Only a full pass scans the records dir; a pass for changed files
		// says nothing about it.
		t.records = nil
	}
	if p.Unreadable == nil {
		if p.Full {
			clear(t.zones)
		}
		for zone, rs := range p.Zones {
			t.zones[zone] = rs
		}
	}
	if p.FilesRead {
		t.files = p.Files
	}
	if p.ZonesRead {
		t.zoneDir = p.ZoneFiles
	}
	if p.Check != nil {
		st.LastVerify = p.Check.Time
		t.check, t.dnssec = p.Check.Failed, p.Check.DNSSEC
		if p.Check.Failed == nil && p.Check.DNSSEC == nil {
			st.LastVerifyOK = p.Check.Time
		}
	}

	st.Reasons = t.reasons()
	st.Healthy = len(st.Reasons) == 0
}

// Status returns the health now. The caller owns the returned value.
func (t *Tracker) Status() Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.observed {
		return Status{State: StateStarting, Reasons: []Reason{{Kind: KindStarting, Message: "no reconcile has run yet"}}}
	}
	st := t.status
	st.Reasons = slices.Clone(st.Reasons)
	switch {
	case !st.Ready:
		st.State = StateStarting
	case st.Healthy:
		st.State = StateOK
	default:
		st.State = StateDegraded
	}
	return st
}

// OK reports whether st is ready and healthy: /readyz's 200.
func (st Status) OK() bool { return st.State == StateOK }

func (t *Tracker) reasons() []Reason {
	var out []Reason
	for _, rs := range t.zones {
		out = append(out, rs...)
	}
	for _, r := range []*Reason{t.records, t.files, t.zoneDir, t.check, t.dnssec} {
		if r != nil {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Message, b.Message))
	})
	return slices.Compact(out)
}
