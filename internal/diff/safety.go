package diff

import (
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// ErrUnsafe marks a plan refused by the safety check; callers branch on it
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

// Check returns why the safety rules refuse the plan, or nil. A plan may
// delete at most s.MaxDeletePercent and update at most s.MaxUpdatePercent
// of the records served in the zone, SOA and apex NS not counted: a bulk
// delete or rewrite is far more often a broken records.d than an intent.
func (p Plan) Check(observed rrset.Zone, s Safety) error {
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

// Split divides the plan by the safety rules. When they allow it, safe is
// the plan and held is empty. When they refuse it, refusal says why, held
// is what HoldServed holds and safe the rest: the creates of new names and
// types still apply, so that a new server can always be registered while a
// suspicious change waits for a person.
func (p Plan) Split(observed rrset.Zone, s Safety) (safe, held Plan, refusal error) {
	if refusal = p.Check(observed, s); refusal == nil {
		return p, Plan{Zone: p.Zone}, nil
	}
	safe, held = p.HoldServed()
	return safe, held, refusal
}

// HoldServed splits off every change to what is served: each delete and
// update, and each create at a name where such a change is held (a CNAME
// replaced by an A record is one change of its name, and half of it would
// serve both or neither). What is left creates RRsets at names the plan
// otherwise leaves as they are: it can take nothing away. Adoptions and
// foreign sets stay with safe: they change nothing served.
func (p Plan) HoldServed() (safe, held Plan) {
	return p.hold(func(rrset.Key) bool { return true })
}

// HoldKeys splits off the changes to what is served at the given keys, and
// the creates at their names, as HoldServed does for every key: a part of
// the plan refused earlier stays held whatever the rest of the plan, and
// however the zone has grown since.
func (p Plan) HoldKeys(keys map[rrset.Key]bool) (safe, held Plan) {
	return p.hold(func(k rrset.Key) bool { return keys[k] })
}

// hold splits off each change to a served set whose key is held, and each
// create at a name where such a change is held.
func (p Plan) hold(isHeld func(rrset.Key) bool) (safe, held Plan) {
	safe = Plan{Zone: p.Zone, Adopt: p.Adopt, Foreign: p.Foreign, HeldDeletes: p.HeldDeletes}
	held = Plan{Zone: p.Zone}
	touched := map[string]bool{}
	for _, c := range p.Changes {
		if c.Old != nil && isHeld(c.Key) {
			touched[c.Key.Name] = true
		}
	}
	for _, c := range p.Changes {
		if c.Old != nil && isHeld(c.Key) || c.Old == nil && touched[c.Key.Name] {
			held.Changes = append(held.Changes, c)
		} else {
			safe.Changes = append(safe.Changes, c)
		}
	}
	return safe, held
}

// Deleted counts the records of the RRsets the plan deletes (SOA and apex
// NS not counted).
func (p Plan) Deleted() int {
	n := 0
	for _, c := range p.Changes {
		if c.Action == Delete && counted(p.Zone, c.Key) {
			n += len(c.Old.RRs)
		}
	}
	return n
}

// Updated counts the served records the plan's updates replace or drop:
// the values a set loses. The name stays served, so these are updates,
// not deletions. A TTL-only change and values only added replace no
// served data, and are not counted: raising the default TTL must not
// read as rewriting the zone.
func (p Plan) Updated() int {
	n := 0
	for _, c := range p.Changes {
		if c.Action == Update && counted(p.Zone, c.Key) {
			n += dropped(c)
		}
	}
	return n
}

// Removed counts the records the plan takes away: whole deleted sets and
// values dropped from updated ones (SOA and apex NS not counted).
func (p Plan) Removed() int { return p.Deleted() + p.Updated() }

// dropped counts the values of c.Old that c.New lacks (all, for a delete).
func dropped(c Change) int {
	keep := map[string]bool{}
	for _, v := range c.New.Values() {
		keep[v] = true
	}
	n := 0
	for _, v := range c.Old.Values() {
		if !keep[v] {
			n++
		}
	}
	return n
}

func counted(zone string, k rrset.Key) bool {
	return k.Type != dns.TypeSOA && !(k.Type == dns.TypeNS && k.Name == zone)
}
