package zones

import (
	"fmt"
	"maps"
	"reflect"
	"slices"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/config"
)

// Source says where a zone is declared.
type Source struct {
	// File is the zones.d file, as joined from the dir; "" for [[zones]].
	File string
	// Line is that of the file's "zone:" key.
	Line int
	// Entry is the [[zones]] entry (0-based) when File is "".
	Entry int
}

// String is "config [[zones]] #N" (1-based) or "FILE:LINE".
func (s Source) String() string {
	if s.File == "" {
		return fmt.Sprintf("config [[zones]] #%d", s.Entry+1)
	}
	return fmt.Sprintf("%s:%d", s.File, s.Line)
}

// Problem is something wrong with one zones.d file: its zone, if any, is
// not taken from the file's current content.
type Problem struct {
	File string // as joined from the dir
	Line int    // 1-based; 0 when not about one line
	Msg  string
}

// Error is "FILE:LINE: MSG", or "FILE: MSG" when Line is 0.
func (p Problem) Error() string {
	if p.Line == 0 {
		return fmt.Sprintf("%s: %s", p.File, p.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
}

// Set is the merged zone set. The zero Set is empty. A Set is never
// modified once built, so it may be shared.
type Set struct {
	zones    map[string]config.Zone // by canonical name
	sources  map[string]Source
	problems []Problem
}

// Names returns the zones' canonical names, sorted.
func (s Set) Names() []string { return slices.Sorted(maps.Keys(s.zones)) }

// Zone returns the zone named name (any case, trailing dot optional).
func (s Set) Zone(name string) (config.Zone, bool) {
	z, ok := s.zones[dns.CanonicalName(name)]
	return z, ok
}

// Source returns where the zone named name is declared.
func (s Set) Source(name string) (Source, bool) {
	src, ok := s.sources[dns.CanonicalName(name)]
	return src, ok
}

// Zones returns every zone, sorted by name.
func (s Set) Zones() []config.Zone {
	out := make([]config.Zone, 0, len(s.zones))
	for _, n := range s.Names() {
		out = append(out, s.zones[n])
	}
	return out
}

// Reverse returns the reverse zones (reverse: true), sorted by name.
func (s Set) Reverse() []config.Zone {
	var out []config.Zone
	for _, z := range s.Zones() {
		if z.Reverse {
			out = append(out, z)
		}
	}
	return out
}

// Problems returns the files' problems, by file and line.
func (s Set) Problems() []Problem { return slices.Clone(s.problems) }

// Equal reports whether s and o hold the same zones from the same sources
// with the same problems.
func (s Set) Equal(o Set) bool {
	return len(s.zones) == len(o.zones) && len(s.problems) == len(o.problems) &&
		(len(s.zones) == 0 || reflect.DeepEqual(s.zones, o.zones) && reflect.DeepEqual(s.sources, o.sources)) &&
		(len(s.problems) == 0 || reflect.DeepEqual(s.problems, o.problems))
}

// declared is one file's zone.
type declared struct {
	zone   config.Zone
	source Source
}

// merge builds the Set: the config's zones first, then the files' in path
// order (files must be sorted by source file), with the conflicts'
// problems added to problems.
func merge(fromConfig []config.Zone, files []declared, problems []Problem) Set {
	s := Set{zones: make(map[string]config.Zone), sources: make(map[string]Source)}
	for i, z := range fromConfig {
		if _, dup := s.zones[z.Name]; dup {
			continue // config.Load refuses this already
		}
		s.zones[z.Name] = z
		s.sources[z.Name] = Source{Entry: i}
	}
	for _, d := range files {
		first, dup := s.sources[d.zone.Name]
		switch {
		case !dup:
			s.zones[d.zone.Name] = d.zone
			s.sources[d.zone.Name] = d.source
		case first.File == "":
			problems = append(problems, Problem{File: d.source.File, Line: d.source.Line,
				Msg: fmt.Sprintf("zone %s is declared in %s too; the config's is used and this file ignored (remove one of them)", d.zone.Name, first)})
		default:
			problems = append(problems,
				Problem{File: d.source.File, Line: d.source.Line,
					Msg: fmt.Sprintf("zone %s is declared in %s too; that file (first by name) is used and this one ignored (remove one of them)", d.zone.Name, first)},
				Problem{File: first.File, Line: first.Line,
					Msg: fmt.Sprintf("zone %s is declared in %s too; this file (first by name) is used (remove one of them)", d.zone.Name, d.source)})
		}
	}
	s.problems = sortProblems(problems)
	return s
}

// sortProblems sorts problems by file and line, stably.
func sortProblems(problems []Problem) []Problem {
	slices.SortStableFunc(problems, func(a, b Problem) int {
		if a.File != b.File {
			if a.File < b.File {
				return -1
			}
			return 1
		}
		return a.Line - b.Line
	})
	return problems
}
