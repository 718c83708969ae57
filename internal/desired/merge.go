package desired

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// Merging is incremental by owner name: records.d may hold 100,000 records
// in one zone, and one file changing must not re-merge them all. The index
// keeps, per name, each file's records there; a change marks the names it
// touches and the next State re-merges only those. A name is the unit
// because both kinds of conflict (TTLs within an RRset, CNAME beside other
// data) are decided within one name.

type nameKey struct{ zone, name string }

// location is where a record was declared.
type location struct {
	file string
	line int
}

func (l location) String() string { return fmt.Sprintf("%s:%d", l.file, l.line) }

type index struct {
	byName map[nameKey]byFile // name -> each file's records there
	zones  map[string]*zoneView
	dirty  map[nameKey]struct{}
	merges int // names merged so far; tests check that merging stays incremental
}

// zoneView is the merged result for one zone, updated in place; State copies
// the maps so that what it hands out never changes.
type zoneView struct {
	sets    rrset.Zone
	records int // records in sets
	// setsShared: State handed sets out as it is; the next change to the
	// zone copies it first, so that no State ever changes. A zone of
	// 100,000 sets is then copied once per change, not once per State.
	setsShared bool
	held       map[string]Conflict
	heldAt     map[string][]location // name -> where the conflicting records are
	// noPTR: the A/AAAA values opted out of derived PTRs (ptr.go); nil
	// while no record of the zone opts out, which is the common case.
	noPTR map[rrset.Key]map[string]bool
}

func newIndex(zones []string) *index {
	ix := &index{
		byName: make(map[nameKey]byFile),
		zones:  make(map[string]*zoneView, len(zones)),
		dirty:  make(map[nameKey]struct{}),
	}
	for _, z := range zones {
		ix.zones[z] = newZoneView()
	}
	return ix
}

func newZoneView() *zoneView {
	return &zoneView{
		sets:   make(rrset.Zone),
		held:   make(map[string]Conflict),
		heldAt: make(map[string][]location),
	}
}

// replace swaps a file's contribution and returns the zones touched (old and
// new), marking the names for the next merge.
func (ix *index) replace(path string, old, recs []record) map[string]bool {
	zones := make(map[string]bool)
	for _, r := range old {
		if ix.zones[r.zone] == nil {
			continue // its zone was removed (zones.go): not indexed
		}
		k := nameKey{r.zone, r.rr.Header().Name}
		if m := ix.byName[k].without(path); len(m) == 0 {
			delete(ix.byName, k)
		} else {
			ix.byName[k] = m
		}
		ix.dirty[k] = struct{}{}
		zones[r.zone] = true
	}
	for i := 0; i < len(recs); {
		r := recs[i]
		k := nameKey{r.zone, r.rr.Header().Name}
		j := i + 1
		for j < len(recs) && recs[j].zone == k.zone && recs[j].rr.Header().Name == k.name {
			j++
		}
		// The records of one name, one after another in the file (the
		// common case), are indexed as a part of recs itself: at 100,000
		// names a copy of each was the index's largest cost. Capped, so
		// that a later append for the name copies rather than writes
		// into recs.
		run := recs[i:j:j]
		i = j
		if ix.zones[k.zone] == nil {
			continue
		}
		ix.byName[k] = ix.byName[k].with(path, run)
		ix.dirty[k] = struct{}{}
		zones[k.zone] = true
	}
	return zones
}

// flush re-merges the names changed since the last flush and returns how
// many (n) and which (zone -> names): nil when none, and nil too when
// they are more than the change log keeps (maxLogNames), since it would
// forget them at once: at a cold start of 100,000 names the map cost
// megabytes at the pass's peak for nothing.
func (ix *index) flush() (changed map[string]map[string]bool, n int) {
	n = len(ix.dirty)
	if n == 0 {
		return nil, 0
	}
	if n <= maxLogNames {
		changed = make(map[string]map[string]bool)
	}
	for k := range ix.dirty {
		zv := ix.zones[k.zone]
		if zv.setsShared {
			zv.sets, zv.setsShared = maps.Clone(zv.sets), false
		}
		// Forget the name's sets of every type a file may declare: cheaper
		// than remembering which types each of 100,000 names has.
		for _, t := range allowedTypes {
			key := rrset.Key{Name: k.name, Type: t}
			if old, ok := zv.sets[key]; ok {
				zv.records -= len(old.RRs)
				delete(zv.sets, key)
			}
		}
		if changed != nil {
			if changed[k.zone] == nil {
				changed[k.zone] = map[string]bool{}
			}
			changed[k.zone][k.name] = true
		}
		delete(zv.held, k.name)
		delete(zv.heldAt, k.name)
		zv.forgetNoPTR(k.name)

		sets, reason, at := mergeName(ix.byName[k])
		ix.merges++
		switch {
		case reason != "":
			zv.held[k.name] = Conflict{Zone: k.zone, Name: k.name, Reason: reason}
			zv.heldAt[k.name] = at
		case len(sets) > 0:
			for _, s := range sets {
				zv.sets[s.Key] = s
				zv.records += len(s.RRs)
			}
			zv.noteNoPTR(ix.byName[k])
		}
	}
	// A new map, not clear: clear keeps the table, and after a cold start
	// the table of 100,000 names would stay for the process's life.
	ix.dirty = make(map[nameKey]struct{})
	return changed, n
}

// mergeName merges every file's records at one name into RRsets, or explains
// why the name must be held, naming each file and line involved.
func mergeName(files byFile) (sets []*rrset.Set, reason string, at []location) {
	byType := make(map[uint16][]located)
	for _, f := range files {
		for _, r := range f.recs {
			t := r.rr.Header().Rrtype
			byType[t] = append(byType[t], located{r, location{f.path, r.line}})
		}
	}
	types := slices.Sorted(maps.Keys(byType))

	var reasons []string
	for _, t := range types {
		recs := byType[t]
		if ttls := distinct(recs, func(l located) string { return fmt.Sprint(l.rr.Header().Ttl) }); len(ttls) > 1 {
			reasons = append(reasons, fmt.Sprintf("%s records have different TTLs: %s", dns.TypeToString[t], describeGroups(ttls)))
			at = appendLocations(at, recs)
		}
		s := rrset.New(rrs(recs)...)
		if why := tooLarge(s); why != "" {
			reasons = append(reasons, fmt.Sprintf("%s; the files adding to it: %s", why, fromFiles(recs)))
			at = appendLocations(at, recs)
		}
		if t == dns.TypeCNAME && len(s.RRs) > 1 {
			targets := distinct(recs, func(l located) string { return rrset.Rdata(l.rr) })
			reasons = append(reasons, fmt.Sprintf("CNAME has %d different targets: %s", len(s.RRs), describeGroups(targets)))
			at = appendLocations(at, recs)
		}
		sets = append(sets, s)
	}
	if _, ok := byType[dns.TypeCNAME]; ok && len(types) > 1 {
		var all []located
		for _, t := range types {
			all = append(all, byType[t]...)
		}
		groups := distinct(all, func(l located) string { return dns.TypeToString[l.rr.Header().Rrtype] })
		reasons = append(reasons, fmt.Sprintf("CNAME beside other data: %s", describeGroups(groups)))
		at = appendLocations(at, all)
	}
	if len(reasons) > 0 {
		slices.SortFunc(at, func(a, b location) int {
			return cmp.Or(strings.Compare(a.file, b.file), cmp.Compare(a.line, b.line))
		})
		return nil, strings.Join(reasons, "; "), slices.Compact(at)
	}
	return sets, "", nil
}

type located struct {
	record
	at location
}

func rrs(recs []located) []dns.RR {
	out := make([]dns.RR, len(recs))
	for i, r := range recs {
		out[i] = r.rr
	}
	return out
}

// group is the records sharing one value of what is in conflict (a TTL, a
// target, a type), with the first line of each file declaring it.
type group struct {
	value string
	at    []location
}

func distinct(recs []located, value func(located) string) []group {
	var groups []group
	for _, r := range recs {
		v := value(r)
		i := slices.IndexFunc(groups, func(g group) bool { return g.value == v })
		if i < 0 {
			groups = append(groups, group{value: v})
			i = len(groups) - 1
		}
		g := &groups[i]
		if !slices.ContainsFunc(g.at, func(l location) bool { return l.file == r.at.file }) {
			g.at = append(g.at, r.at)
		}
	}
	return groups
}

// describeGroups renders e.g. "300 at a.yaml:3, c.yaml:9 vs 600 at b.yaml:2",
// bounded: a name that a thousand files declare must not make a reason (and
// the log line and health message quoting it) a thousand files long.
func describeGroups(groups []group) string {
	const maxGroups, maxAt = 5, 3
	parts := make([]string, 0, min(len(groups), maxGroups)+1)
	for _, g := range groups[:min(len(groups), maxGroups)] {
		locs := make([]string, 0, maxAt+1)
		for _, l := range g.at[:min(len(g.at), maxAt)] {
			locs = append(locs, l.String())
		}
		if more := len(g.at) - maxAt; more > 0 {
			locs = append(locs, fmt.Sprintf("and %d more", more))
		}
		parts = append(parts, g.value+" at "+strings.Join(locs, ", "))
	}
	if more := len(groups) - maxGroups; more > 0 {
		parts = append(parts, fmt.Sprintf("%d more", more))
	}
	return strings.Join(parts, " vs ")
}

func appendLocations(at []location, recs []located) []location {
	for _, r := range recs {
		at = append(at, r.at)
	}
	return at
}
