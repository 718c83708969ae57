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

// Merging one name: what every file declares there, as RRsets, or the
// conflict that holds the name, explained.

// mergeName merges every file's records at one name into RRsets, or explains
// why the name must be held, naming each file and line involved.
func mergeName(files byFile) (sets []*rrset.Set, reason string, at []location) {
	byType := make(map[uint16][]located)
	for _, f := range files {
		for _, r := range f.recs() {
			t := r.rr.Header().Rrtype
			byType[t] = append(byType[t], located{r, location{f.path(), int(r.line)}})
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
