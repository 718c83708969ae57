package diff

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dnssync/dnssync/internal/rrset"
)

// Deletion safety: every rule that decides whether dnssync may take away
// what a server serves lives in this file, and nowhere else. Callers bring
// the facts (what is served, what records.d looked like, what an earlier
// pass held) and do what the verdict says; they decide nothing themselves.
// Everything here is pure: no I/O, no clock.
//
// The rules, in the order Judge applies them:
//
//  1. Unread files: while some record file was never read (invalid, or a
//     writer still at work), what it declares is unknown; every deletion
//     is held (Plan.HeldDeletes: shown, never applied). Not even --force
//     lifts this: nobody knows what the file would keep. A file read, but
//     with every name in no managed zone when the process first looked,
//     holds them too (it may be a typo in a served name), with its reason
//     (Plan.HeldUnzoned); --force lifts that one: its content is known.
//  2. --force: a person said the plan is intended. Nothing else holds it
//     back, and once it is applied the zone's earlier hold ends.
//  3. Share: a plan that deletes more than MaxDeletePercent, or updates
//     more than MaxUpdatePercent, of the records served in a zone of at
//     least MinRecords (SOA and apex NS not counted) is refused: a bulk
//     delete or rewrite is far more often a broken records.d than an
//     intent. Its changes to what is served wait; creates at untouched
//     names still apply, so a new server can always be registered.
//  4. Held before: what was refused on an earlier pass stays refused while
//     records.d still asks for it, whatever the share now. The creates
//     applied meanwhile grow the zone, and 35 deletions of 100 records
//     (refused) must not become 35 of 120 (allowed) without anyone having
//     said so. The caller keeps the Hold between passes (and across
//     processes); a key leaves it when records.d no longer asks to change it.
//  5. Never filled: a records dir that is empty and has had no record file
//     since dnssync started deletes nothing (a wrong records.dir, an
//     unmounted volume). Not remembered: while it holds, nothing is
//     desired, so nothing is created to grow the zone.
//  6. Held state unknown: when what earlier passes held cannot be read,
//     nothing is applied (unless forced): the plan could be missing its
//     held part.
//  7. Vanished at once: every record file gone in one look is a failed
//     mount or a bad deploy far more often than an intent; the records
//     loader keeps the previous content (VanishedAtOnce). The last file
//     removed on its own (the last server deleted) is honoured.
//  8. Emptied dir applied: once no zone serves any of the records the
//     vanished files declared (`apply --force`, another process, deleted
//     them), believing the empty dir deletes nothing, and the loader is
//     told to accept it, once (EmptiedApplied).
//
// Three guards sit before these rules, where the facts are, because they
// decide what a fact is, not whether to delete: the records loader does
// not take a file's new content while a writer is rewriting it in place
// (internal/desired settle.go: content that drops records waits until the
// file is settled), takes a missing or unreadable records dir as an error
// that changes nothing rather than as "no records" (desired scan.go), and
// the reconciler writes a zone the server does not serve at
// all from records.d alone only after it has seen it unserved twice
// (reconcile unserved.go).

// ErrUnsafe marks a plan refused by the safety rules; callers branch on it
// to report rather than retry.
var ErrUnsafe = errors.New("unsafe plan")

// Safety bounds how much of a zone one plan may delete, and how much it
// may change in place. They are apart, as in octoDNS: readdressing a fleet
// is a routine change, deleting most of a zone rarely is.
type Safety struct {
	MaxDeletePercent float64 // refuse deleting more than this share of the zone's records
	MaxUpdatePercent float64 // refuse updating more than this share of them
	MinRecords       int     // only for zones holding at least this many
}

// Facts are what the rules look at for one zone's plan, besides the plan.
type Facts struct {
	Observed rrset.Zone // the zone as served now
	Safety   Safety
	Force    bool // `apply --force`: the plan is intended (rule 2)
	// Unread: some record file was never read (rule 1).
	Unread bool
	// Unzoned: why files read, but waiting for a zone since the process
	// started, hold deletions (rule 1, unless forced); nil when none do.
	Unzoned []string
	// NeverFilled: the records dir is empty and has had no record file
	// since the process started (rule 5).
	NeverFilled bool
	// Held is what an earlier pass refused and still holds (rule 4); nil
	// when nothing is.
	Held *Hold
	// HeldUnknown is why what earlier passes held cannot be known (rule 6).
	HeldUnknown error
}

// Hold is a zone's refusal as kept between passes: the keys of the served
// sets held, and why (nil: said anew when next needed). Keys, not the
// planned new sets: a held deletion that turns into an update (the file
// came back with other data) still changes what a refused plan wanted to
// change, and waits for the same person. Never modified once made.
type Hold struct {
	Keys    map[rrset.Key]bool
	Refusal error
}

// Verdict is what the rules decide about one zone's plan.
type Verdict struct {
	Safe    Plan  // may be applied now
	Held    Plan  // waits for `apply --force` or a fixed records.d
	Refusal error // why Held waits (wraps ErrUnsafe); nil when nothing does
	// Hold is what the caller keeps for the next pass's Facts.Held: nil
	// when nothing needs remembering.
	Hold *Hold
	// Release: a forced plan. Once Safe is applied the zone holds nothing
	// any more; until then (a forced apply that fails) Hold stands.
	Release bool
	// Blocked: nothing may be applied in the zone (rule 6).
	Blocked error
}

// Judge applies the rules to p, planned for the zone served as
// f.Observed.
func Judge(p Plan, f Facts) Verdict {
	if f.Unread {
		p = p.holdDeletes()
	} else if len(f.Unzoned) > 0 && !f.Force {
		p = p.holdDeletes()
		if len(p.HeldDeletes) > 0 {
			p.HeldUnzoned = f.Unzoned
		}
	}
	if f.Force {
		return Verdict{Safe: p, Held: Plan{Zone: p.Zone}, Hold: f.Held, Release: true}
	}
	v := Verdict{Held: Plan{Zone: p.Zone}}
	v.Refusal = p.check(f.Observed, f.Safety)
	if v.Refusal != nil {
		v.Safe, v.Held = p.holdServed()
	} else {
		v.Safe = p
	}
	if v.Refusal == nil && f.Held != nil {
		// Held before: the changes at keys refused earlier still wait, with
		// the refusal that held them, said again word for word while they
		// are all still planned (so that the log and the audit trail, which
		// report a refusal when it changes, do not repeat it).
		if v.Safe, v.Held = p.holdKeys(f.Held.Keys); !v.Held.Empty() {
			v.Refusal = f.Held.Refusal
			if n := changedKeys(v.Held); n < len(f.Held.Keys) || v.Refusal == nil {
				v.Refusal = stillHeld(v.Held, n)
			}
		}
	}
	v.Hold = holdOf(v.Held, v.Refusal)
	if n := p.Removed(); v.Refusal == nil && f.NeverFilled && n > 0 {
		v.Safe, v.Held = p.holdServed()
		v.Refusal = fmt.Errorf("%w: zone %s: the records dir is empty and has had no record file since dnssync started (is records.dir right?); refusing to delete %d records (run `dnssync apply --force` if this is intended)",
			ErrUnsafe, p.Zone, n)
	}
	if f.HeldUnknown != nil {
		v.Blocked = fmt.Errorf("zone %s: nothing applied: %w", p.Zone, f.HeldUnknown)
	}
	return v
}

// check is the share rule (3): why it refuses the plan, or nil.
func (p Plan) check(observed rrset.Zone, s Safety) error {
	deleted, updated := p.Deleted(), p.Updated()
	// A zone smaller than MinRecords is never refused, so a plan within the
	// allowed shares of MinRecords is safe whatever the zone's size: no
	// need to count 100,000 records for a one-record change.
	if float64(deleted) <= s.MaxDeletePercent/100*float64(s.MinRecords) &&
		float64(updated) <= s.MaxUpdatePercent/100*float64(s.MinRecords) {
		return nil
	}
	total := 0
	for k, set := range observed {
		if counted(p.Zone, k) {
			total += len(set.RRs)
		}
	}
	if total < s.MinRecords || total == 0 {
		return nil
	}
	var what []string
	for _, c := range []struct {
		verb, key string
		n         int
		max       float64
	}{
		{"deletes", "max_delete_percent", deleted, s.MaxDeletePercent},
		{"updates", "max_update_percent", updated, s.MaxUpdatePercent},
	} {
		if pct := 100 * float64(c.n) / float64(total); pct > c.max {
			what = append(what, fmt.Sprintf("%s %d of %d records (%.0f%%), more than the %.0f%% allowed (%s)", c.verb, c.n, total, pct, c.max, c.key))
		}
	}
	if len(what) == 0 {
		return nil
	}
	return fmt.Errorf("%w: zone %s: plan %s; check records.d, or run `dnssync apply --force` if this is intended",
		ErrUnsafe, p.Zone, strings.Join(what, " and "))
}

// holdOf is the Hold that remembers held's changes to served sets, or nil.
func holdOf(held Plan, refusal error) *Hold {
	keys := make(map[rrset.Key]bool, len(held.Changes))
	for _, c := range held.Changes {
		if c.Old != nil {
			keys[c.Key] = true
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return &Hold{Keys: keys, Refusal: refusal}
}

// stillHeld says why part of a refused plan still waits, once records.d
// has taken back some of it (or the refusal was not kept: a hold read from
// another process's record).
func stillHeld(held Plan, n int) error {
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
		ErrUnsafe, held.Zone, n, detail)
}

// VanishedAtOnce is rule 7: whether a look at the records dir that finds
// left record files, and gone files missing since the last look, must not
// be believed. The loader keeps the previous content instead, unless the
// caller accepted this emptying (after EmptiedApplied said so).
func VanishedAtOnce(left, gone int) bool {
	return left == 0 && gone > 1
}

// EmptiedApplied is rule 8 for one zone: whether served holds none of the
// sets declared by the record files that vanished (the backend's own base
// records aside, which it serves whatever records.d says). Every managed
// zone must say so, and be readable, before the empty dir is believed.
func EmptiedApplied(declared rrset.Sets, served, base rrset.Zone) bool {
	for k := range declared.All() {
		if _, ok := served[k]; ok {
			if _, own := base[k]; !own {
				return false
			}
		}
	}
	return true
}
