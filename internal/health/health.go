// Package health turns the stream of reconcile results into the daemon's
// readiness: whether the first full pass has run, whether every zone is
// served as desired, and if not, why, as reasons whose kinds are a
// contract for monitoring (/readyz). Apart from that it keeps the loop's
// liveness (liveness.go, /healthz): an invalid file or an unreachable
// server makes dnssync degraded, never dead, and only a loop that stopped
// turning is.
//
// A pass for changed files covers only the zones those files touch, so the
// Tracker keeps what the latest pass of each zone said and lets a partial
// result update only its own zones; a full pass replaces them all. What is
// not about one zone (records dir, invalid files, the scheduled check)
// comes from the latest result that carries it.
package health

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/dnssync/dnssync/internal/reconcile"
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
	// KindZoneFailed is a zone error from a stage this package does not
	// know: never let an error read as healthy.
	KindZoneFailed = "zone_failed"
)

// Reason is one cause of being unhealthy.
type Reason struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// The states of a Status, its summary for probes and people.
const (
	StateStarting = "starting" // the first full pass has not run yet
	StateOK       = "ok"       // ready and healthy: every zone served as desired
	StateDegraded = "degraded" // ready, with reasons
)

// Status is the daemon's readiness at one moment.
type Status struct {
	State   string `json:"status"` // StateStarting, StateOK or StateDegraded
	Healthy bool   `json:"healthy"`
	Ready   bool   `json:"ready"`
	// Reasons says why it is not healthy, sorted by kind then message.
	Reasons         []Reason  `json:"reasons,omitempty"`
	LastReconcile   time.Time `json:"last_reconcile,omitzero"`
	LastReconcileOK time.Time `json:"last_reconcile_ok,omitzero"`
	LastVerify      time.Time `json:"last_verify,omitzero"`
	LastVerifyOK    time.Time `json:"last_verify_ok,omitzero"`
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
	check   *Reason             // the latest scheduled check
}

// NewTracker returns a Tracker that has seen nothing: not ready, not
// healthy, reason "starting"; alive, as a process that just started is,
// for DefaultStuckAfter.
func NewTracker() *Tracker {
	t := &Tracker{zones: map[string][]Reason{}, live: liveness{stuckAfter: DefaultStuckAfter}}
	t.beat()
	return t
}

// Observe takes in the result of one pass.
func (t *Tracker) Observe(res reconcile.Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.observed = true
	t.beat() // a pass that ended is a sign of life too
	st := &t.status

	if res.Full {
		st.Ready = true
	}
	end := res.Start.Add(res.Duration)
	st.LastReconcile = end
	if res.Failed() == nil { // records read, no zone failed, every change served
		st.LastReconcileOK = end
	}

	switch {
	case res.Err != nil:
		// Nothing was planned: what the zones last said still stands.
		t.records = &Reason{Kind: KindRecordsUnreadable, Message: res.Err.Error()}
	case res.Full:
		// Only a full pass scans the records dir; a pass for changed files
		// says nothing about it.
		t.records = nil
	}
	if res.Err == nil {
		if res.Full {
			clear(t.zones)
		}
		for _, z := range res.Zones {
			t.zones[z.Zone] = zoneReasons(z)
		}
	}
	if res.State != nil {
		t.files = filesReason(res.State.Problems, res.State.Incomplete)
	}
	if res.Check != nil {
		st.LastVerify = res.Check.Time
		t.check = nil
		if res.Check.OK() {
			st.LastVerifyOK = res.Check.Time
		} else {
			t.check = checkReason(*res.Check)
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
	for _, r := range []*Reason{t.records, t.files, t.check} {
		if r != nil {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Message, b.Message))
	})
	return slices.Compact(out)
}
