package diff

import (
	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// How the safety rules (safety.go) measure a plan and split it into the
// part that applies and the part that waits. What to hold is decided
// there; this is only the arithmetic.

// holdServed splits off every change to what is served: each delete and
// update, and each create at a name where such a change is held (a CNAME
// replaced by an A record is one change of its name, and half of it would
// serve both or neither). What is left creates RRsets at names the plan
// otherwise leaves as they are: it can take nothing away. Adoptions and
// foreign sets stay with safe: they change nothing served.
func (p Plan) holdServed() (safe, held Plan) {
	return p.hold(func(rrset.Key) bool { return true })
}

// holdKeys splits off the changes to what is served at the given keys, and
// the creates at their names, as holdServed does for every key.
func (p Plan) holdKeys(keys map[rrset.Key]bool) (safe, held Plan) {
	return p.hold(func(k rrset.Key) bool { return keys[k] })
}

// hold splits off each change to a served set whose key is held, and each
// create at a name where such a change is held.
func (p Plan) hold(isHeld func(rrset.Key) bool) (safe, held Plan) {
	safe = Plan{Zone: p.Zone, Adopt: p.Adopt, Foreign: p.Foreign, Conflicts: p.Conflicts, HeldDeletes: p.HeldDeletes, HeldUnzoned: p.HeldUnzoned}
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

// holdDeletes moves every deletion to HeldDeletes: shown, never applied.
// Changes stays in its order, and so (a subsequence of it) does
// HeldDeletes.
func (p Plan) holdDeletes() Plan {
	out := p
	out.Changes = nil
	out.HeldDeletes = append([]Change(nil), p.HeldDeletes...)
	for _, c := range p.Changes {
		if c.Action == Delete {
			out.HeldDeletes = append(out.HeldDeletes, c)
		} else {
			out.Changes = append(out.Changes, c)
		}
	}
	return out
}

// changedKeys counts the served sets held changes touch (not the creates
// held beside them).
func changedKeys(held Plan) int {
	n := 0
	for _, c := range held.Changes {
		if c.Old != nil {
			n++
		}
	}
	return n
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

// counted: the SOA, the apex NS and, in a signed zone, the records the
// signer makes are no share of what records.d controls (signed, a zone
// holds about three records for each of its own: counting them would let
// three times the allowed share be deleted). The signer's types are
// apply.SignerType's (apply imports diff, not the other way round).
func counted(zone string, k rrset.Key) bool {
	switch k.Type {
	case dns.TypeSOA, dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeDNSKEY, dns.TypeCDS, dns.TypeCDNSKEY,
		typeBINDSigningState:
		return false
	}
	return !(k.Type == dns.TypeNS && k.Name == zone)
}

// typeBINDSigningState is the private type BIND keeps its signing state
// in, in a zone it signs (sig-signing-type, 65534 by default).
const typeBINDSigningState = 65534
