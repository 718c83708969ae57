package zoneio

// An import adds to records.d; it does not start it afresh. A set that a
// file declares already (the API's api-*.yaml, a person's file) must not
// be declared a second time: the API could not remove its own name any
// more (another file would declare it too), and a second declaration with
// another TTL is a conflict the loader holds. And no file may be written
// that the loader, merging it with the rest, would hold in conflict (a
// CNAME beside other data at one name): each file reading back alone is
// not enough.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/rrset"
)

// declaredAlready compares s with what records.d declares at its key:
// skip says it is declared as served (nothing to write), conflict that it
// is declared otherwise. Both are "" when records.d does not declare it.
func declaredAlready(existing *desired.Store, s *rrset.Set) (skip, conflict string) {
	if existing == nil {
		return "", ""
	}
	var rrs []dns.RR
	var files []string
	sameTTL := true
	for _, d := range existing.DeclaredAt(s.Key.Name) {
		if rrset.KeyOf(d.RR) != s.Key {
			continue
		}
		rrs = append(rrs, d.RR)
		sameTTL = sameTTL && d.RR.Header().Ttl == s.TTL
		if !slices.Contains(files, d.File) {
			files = append(files, d.File)
		}
	}
	if len(rrs) == 0 {
		return "", ""
	}
	got := rrset.New(rrs...)
	where := strings.Join(files, ", ")
	if sameTTL && sameSet(got, s) {
		return "already declared by " + where, ""
	}
	return "", fmt.Sprintf("records.d declares it otherwise (%s in %s) than the zone serves it (%s): settle which is right in that file, or import without it", got, where, s)
}

// sameSet: got declares s, its TXT strings perhaps split elsewhere (the
// note of declare says so; the text is the same).
func sameSet(got, s *rrset.Set) bool {
	return got.Equal(s) || s.Type == dns.TypeTXT && got.Key == s.Key && got.TTL == s.TTL &&
		slices.Equal(rrset.Texts(got), rrset.Texts(s))
}

// withoutHeld leaves out of groups the names the loader would hold in
// conflict once the files rendered from them are read beside records.d,
// and returns those sets as unsupported, with the loader's reason.
func (res *Result) withoutHeld(groups map[string][]entry, o Options) ([]Skip, error) {
	files := map[string][]byte{}
	for name, entries := range byFile(groups) {
		data, err := marshal(nil, entries)
		if err != nil {
			return nil, fmt.Errorf("import %s: render %s: %w", res.Zone, name, err)
		}
		files[name] = data
	}
	held, problems := desired.HeldWith(o.Records, o.Existing, files)
	if len(problems) > 0 {
		return nil, fmt.Errorf("import %s: %v: this is a bug in dnssync", res.Zone, problems[0])
	}
	var out []Skip
	for g, entries := range groups {
		kept := entries[:0]
		for _, e := range entries {
			c, ok := held[e.key.Name]
			if !ok {
				kept = append(kept, e)
				continue
			}
			out = append(out, Skip{Key: e.key, Records: len(e.values),
				Reason: "the loader would hold this name as a conflict, with the rest of records.d, and `dnssync plan` would fail: " + c.Reason})
			res.Sets--
			res.Records -= len(e.values)
		}
		groups[g] = kept
		if len(kept) == 0 {
			delete(groups, g)
		}
	}
	slices.SortFunc(out, func(a, b Skip) int { return a.Key.Compare(b.Key) })
	return out, nil
}

// byFile gathers the groups' entries by the file that holds them (two
// groups may share a file name), each file's entries sorted.
func byFile(groups map[string][]entry) map[string][]entry {
	out := map[string][]entry{}
	for g, entries := range groups {
		name := FileName(g)
		out[name] = append(out[name], entries...)
	}
	for _, entries := range out {
		slices.SortFunc(entries, func(a, b entry) int { return a.key.Compare(b.key) })
	}
	return out
}
