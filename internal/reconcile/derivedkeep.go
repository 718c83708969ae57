package reconcile

import (
	"slices"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// PTRs follow the forward records as served, not only as desired. A
// forward A or AAAA set that a forward zone's plan leaves served though
// records.d no longer has it so — its name held in conflict (left as
// served), or its deletion or change held by the safety rules — keeps
// deriving the PTRs of the addresses it serves. Otherwise the reverse
// zone, judged on its own count, would delete the PTRs of records still
// served: a held mass removal would lose its reverse names, or a name in
// conflict its PTR.
//
// What a forward zone keeps is known once its plan is judged, so a pass
// plans the forward zones before the derived ones (forwardFirst), and a
// derived zone planned after a forward zone's kept sets changed is planned
// from a State derived again (current). Between passes the kept sets stay:
// a pass for changed files that plans only a reverse zone derives it from
// what the forward zones kept when last planned.

// kept is what the forward zones keep served, and its version.
type kept struct {
	sets map[string][]*rrset.Set // forward zone -> A and AAAA sets, by key
	ver  uint64                  // grows each time sets changes
}

// noteForward records the A and AAAA sets zone's judged plan leaves served
// beyond the desired ones: at names held in conflict, the sets served
// there; of changes held back, the sets as served (Old). A blocked plan
// applies nothing and changes nothing known: the sets kept stay.
func (r *Reconciler) noteForward(zone string, served rrset.Zone, held map[string]desired.Conflict, v diff.Verdict) {
	if r.isDerived(zone) || v.Blocked != nil {
		return
	}
	var out []*rrset.Set
	for name := range held {
		for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
			if s := served[rrset.Key{Name: name, Type: t}]; s != nil {
				out = append(out, s)
			}
		}
	}
	for _, changes := range [][]diff.Change{v.Held.Changes, v.Safe.HeldDeletes} {
		for _, c := range changes {
			if c.Old != nil && (c.Key.Type == dns.TypeA || c.Key.Type == dns.TypeAAAA) {
				out = append(out, c.Old)
			}
		}
	}
	slices.SortFunc(out, func(a, b *rrset.Set) int { return a.Key.Compare(b.Key) })
	out = slices.CompactFunc(out, func(a, b *rrset.Set) bool { return a.Key == b.Key })
	k := &r.derived.kept
	if slices.EqualFunc(out, k.sets[zone], (*rrset.Set).Equal) {
		return
	}
	if k.sets == nil {
		k.sets = map[string][]*rrset.Set{}
	}
	if len(out) == 0 {
		delete(k.sets, zone)
	} else {
		k.sets[zone] = out
	}
	k.ver++
}

// keptSets is every managed forward zone's kept sets: in place of the
// desired set of the same key when deriving.
func (k kept) keptSets(st *desired.State) map[rrset.Key]*rrset.Set {
	if len(k.sets) == 0 {
		return nil
	}
	out := map[rrset.Key]*rrset.Set{}
	for zone, sets := range k.sets {
		if _, managed := st.Zones[zone]; !managed {
			continue // a zone gone: it keeps nothing
		}
		for _, s := range sets {
			out[s.Key] = s
		}
	}
	return out
}

// current is st, or, for a derived zone whose content a forward zone's
// kept sets changed since st was derived, the State derived again.
func (r *Reconciler) current(st *desired.State, zone string) *desired.State {
	if r.isDerived(zone) && r.derived.keptVer != r.derived.kept.ver {
		return r.state()
	}
	return st
}

// forwardFirst is zones with the derived ones last, each part in its
// order: a derived zone's content depends on what the forward zones keep.
func (r *Reconciler) forwardFirst(zones []string) []string {
	if len(r.derived.now) == 0 {
		return zones
	}
	out := make([]string, 0, len(zones))
	for _, z := range zones {
		if !r.isDerived(z) {
			out = append(out, z)
		}
	}
	for _, z := range zones {
		if r.isDerived(z) {
			out = append(out, z)
		}
	}
	return out
}
