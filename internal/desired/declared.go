package desired

import (
	"cmp"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// Declared is one record as a file declares it (its last good content, for
// a file now invalid).
type Declared struct {
	File string
	Line int
	RR   dns.RR // canonical, TTL set
}

// DeclaredAt returns the records the files declare at name, sorted by type,
// file and line: who owns what at one name, for writers that must not
// overwrite a person's file.
func (s *Store) DeclaredAt(name string) []Declared {
	name = dns.CanonicalName(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Declared
	if zv := s.ix.zones[s.v.zones.zoneOf(name)]; zv != nil {
		var buf [1]fileRun
		out = appendDeclared(out, zv.runs(name, &buf))
	}
	sortDeclared(out)
	return out
}

// AllDeclared returns every declared record, sorted by name (canonical
// order), type, file and line.
func (s *Store) AllDeclared() []Declared {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Declared
	for _, zv := range s.ix.zones {
		var buf [1]fileRun
		for name := range zv.names {
			out = appendDeclared(out, zv.runs(name, &buf))
		}
	}
	sortDeclared(out)
	return out
}

func appendDeclared(out []Declared, files byFile) []Declared {
	for _, f := range files {
		for _, r := range f.recs() {
			out = append(out, Declared{File: f.path(), Line: int(r.line), RR: r.rr})
		}
	}
	return out
}

func sortDeclared(d []Declared) {
	slices.SortFunc(d, func(a, b Declared) int {
		ka, kb := rrset.KeyOf(a.RR), rrset.KeyOf(b.RR)
		return cmp.Or(ka.Compare(kb), strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			strings.Compare(rrset.Rdata(a.RR), rrset.Rdata(b.RR)))
	})
}

// ParseFile checks data as the record file path would be checked, without
// the Store: for writers that must never put a bad file in place. It returns
// the file's records, or its problems.
func ParseFile(opts Options, path string, data []byte) ([]dns.RR, []Problem) {
	recs, problems := parseFile(path, data, newValidator(opts))
	if len(problems) > 0 {
		return nil, problems
	}
	out := make([]dns.RR, len(recs))
	for i, r := range recs {
		out[i] = r.rr
	}
	return out, nil
}
