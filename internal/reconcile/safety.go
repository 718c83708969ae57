package reconcile

import (
	"fmt"
	"strings"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// A refusal must outlast the pass that made it. The safety rules measure a
// plan against the zone as served now, and while they hold a plan's
// deletions and updates its creates still apply: the next pass measures the
// same held changes against a zone grown by those creates, and 35 deletions
// of 100 records (refused) become 35 of 120 (allowed) without anyone
// having said so. So the Reconciler remembers, per zone, the keys of the
// served sets it holds, and a later pass keeps holding every change still
// planned at such a key, whatever the percentage. A key leaves the memory
// when records.d no longer asks to change it (its file came back, or was
// fixed), and the zone's memory is dropped by a forced pass that applied.
//
// Keys, not the planned new sets: a held deletion that turns into an
// update (the file came back with other data) still changes what a refused
// plan wanted to change, and waits for the same person.
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

// holding is what a zone's refusal holds.
type holding struct {
	keys    map[rrset.Key]bool // the served sets held
	refusal error              // why, as first said
}

// split holds back what the safety rules refuse of p: it deletes or
// updates too much of the zone, now or on an earlier pass (see keepHeld),
// or it deletes anything while records.d is empty and has been so all
// along (a wrong records dir, an unmounted volume). Creates of new names
// still apply either way.
//
// Only the share rules are remembered. The empty-dir rule needs no memory:
// while it holds, nothing is desired, so nothing is created to grow the
// zone, and it ends by design when a record file appears.
func (r *Reconciler) split(st *desired.State, served *observed.Zone, p diff.Plan) (safe, held diff.Plan, refusal error) {
	safe, held, refusal = p.Split(served.Sets, r.Safety)
	if safe, held, refusal = r.keepHeld(p, safe, held, refusal); refusal != nil {
		return safe, held, refusal
	}
	if n := p.Removed(); st.Files == 0 && !st.FilesSeen && n > 0 {
		safe, held = p.HoldServed()
		return safe, held, fmt.Errorf("%w: zone %s: the records dir is empty and has had no record file since dnssync started (is records.dir right?); refusing to delete %d records (run `dnssync apply --force` if this is intended)",
			diff.ErrUnsafe, p.Zone, n)
	}
	return p, diff.Plan{Zone: p.Zone}, nil
}

// keepHeld adds to what the rules refuse now what they refused before and
// p still plans, then remembers what is held for the next pass.
//
// When the rules refuse p now, they hold every change to what is served,
// which takes in all that was held before. When they allow it, the
// changes at keys held before still wait, with the refusal that held them
// (said again word for word while they are all still planned, so that the
// log and the audit trail, which report a refusal when it changes, do not
// repeat it); the rest applies.
func (r *Reconciler) keepHeld(p, safe, held diff.Plan, refusal error) (diff.Plan, diff.Plan, error) {
	before := r.holding[p.Zone]
	if refusal == nil && before != nil {
		if safe, held = p.HoldKeys(before.keys); !held.Empty() {
			refusal = before.refusal
			// A hold taken from the held state file comes without its
			// refusal: it is said anew, as one records.d took part of.
			if n := changedKeys(held); n < len(before.keys) || refusal == nil {
				refusal = stillHeld(held, n)
			}
		}
	}
	keys := make(map[rrset.Key]bool, len(held.Changes))
	for _, c := range held.Changes {
		if c.Old != nil {
			keys[c.Key] = true
		}
	}
	if len(keys) == 0 {
		delete(r.holding, p.Zone)
		return safe, held, refusal
	}
	if r.holding == nil {
		r.holding = map[string]*holding{}
	}
	r.holding[p.Zone] = &holding{keys: keys, refusal: refusal}
	return safe, held, refusal
}

// changedKeys counts the served sets held changes touch (not the creates
// held beside them).
func changedKeys(held diff.Plan) int {
	n := 0
	for _, c := range held.Changes {
		if c.Old != nil {
			n++
		}
	}
	return n
}

// stillHeld says why part of a refused plan still waits, once records.d
// has taken back some of it.
func stillHeld(held diff.Plan, n int) error {
	var what []string
	if d := held.Deleted(); d > 0 {
		what = append(what, fmt.Sprintf("deleting %d records", d))
	}
	if u := held.Updated(); u > 0 {
		what = append(what, fmt.Sprintf("replacing %d", u))
	}
	detail := ""
	if len(what) > 0 {
		detail = " (" + strings.Join(what, ", ") + ")"
	}
	return fmt.Errorf("%w: zone %s: %d changes to served RRsets%s, refused by the safety rules on an earlier pass, are still planned and stay held whatever the zone's size now; check records.d, or run `dnssync apply --force` if this is intended",
		diff.ErrUnsafe, held.Zone, n, detail)
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
			if r.holding == nil {
				r.holding = map[string]*holding{}
			}
			r.holding[z] = h
		}
	}
}
