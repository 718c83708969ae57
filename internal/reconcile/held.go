package reconcile

import (
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
)

// Whether a plan may take away what is served is decided by diff.Judge,
// every rule in one place. What the Reconciler adds is memory: a refusal
// must outlast the pass that made it (rule 4 in diff's safety.go: the
// creates applied while the deletions wait grow the zone, and 35 of 100
// refused must not become 35 of 120 allowed). So it keeps, per zone, the
// diff.Hold the last verdict asked it to keep, and hands it to the next
// pass's verdict. A forced pass that applied drops it.
//
// The memory is handed on across a config reload (KeepHeld), and kept in
// state_dir (HeldFile, heldsync.go): a process has only its own memory,
// and a daemon restarted after a crash, or a separate `dnssync apply`,
// would otherwise judge the plan afresh against the zone grown by the
// creates applied meanwhile, and let the held part through. Every process
// takes in what the file holds at the start of each pass, and an applying
// pass writes its zone's hold there before it applies anything.
//
// A hold is kept with the thresholds that made it and ends when they
// change (a reload or a restart with other [safety] values): changing them
// is a person's decision about what is safe.

// judge asks the safety rules about zone's plan p, with what records.d,
// the server and earlier passes say, and remembers the hold the verdict
// keeps.
func (r *Reconciler) judge(st *desired.State, served *observed.Zone, p diff.Plan, force bool) diff.Verdict {
	v := diff.Judge(p, r.facts(st, served, p.Zone, force))
	r.setHold(p.Zone, v.Hold)
	return v
}

// facts are what the safety rules look at for zone's plan besides the
// plan; judge remembers what they decide, Verify (stale.go) only reads it.
func (r *Reconciler) facts(st *desired.State, served *observed.Zone, zone string, force bool) diff.Facts {
	return diff.Facts{
		Observed:    served.Sets,
		Safety:      r.Safety,
		Force:       force,
		Unread:      len(st.Unread()) > 0,
		Unzoned:     st.UnzonedReasons(),
		NeverFilled: st.Files == 0 && !st.FilesSeen,
		Held:        r.holding[zone],
		HeldUnknown: r.heldErr,
	}
}

// setHold remembers h as zone's hold (nil: nothing held).
func (r *Reconciler) setHold(zone string, h *diff.Hold) {
	if h == nil {
		delete(r.holding, zone)
		return
	}
	if r.holding == nil {
		r.holding = map[string]*diff.Hold{}
	}
	r.holding[zone] = h
}

// KeepHeld hands what old holds on to r, built anew from a reloaded config
// to take its place, so that a SIGHUP does not release a refusal. Zones
// no longer managed are dropped. When the safety thresholds changed, the
// plans are judged afresh under the new ones: changing them is a person's
// decision about what is safe. old must no longer run passes.
func (r *Reconciler) KeepHeld(old *Reconciler) {
	if old == nil || old == r {
		return
	}
	old.mu.Lock()
	holds, safety, seen, oldFile := old.holding, old.Safety, old.heldSeen, old.Held
	old.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if safety != r.Safety {
		return
	}
	// The same held state file: what old last took from it is what r has
	// taken, and r's first pass takes in only what changed since.
	// (Another file: r's first pass takes in all of it.)
	if r.Held != nil && oldFile != nil && r.Held.Path() == oldFile.Path() {
		r.heldSeen = seen
	}
	for _, z := range r.Zones {
		if h := holds[z]; h != nil {
			r.setHold(z, h)
		}
	}
}
