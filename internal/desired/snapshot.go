package desired

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/dnssync/dnssync/internal/rrset"
)

// State builds the merged view, re-merging only names changed since the
// last call. It has no other effect: any number of callers may read it.
// Names merged to something else start a new Generation (see
// ChangedSince).
func (s *Store) State() *State {
	s.mu.Lock()
	defer s.mu.Unlock()
	if changed, n := s.ix.flush(); n > 0 {
		s.changes.advance(changed, n)
	}
	st := &State{
		Generation: s.changes.gen,
		Zones:      make(map[string]rrset.Sets, len(s.ix.zones)),
		Held:       make(map[string]map[string]Conflict, len(s.ix.zones)),
		Files:      len(s.files),
		FilesSeen:  s.filesSeen,
		Records:    make(map[string]int, len(s.ix.zones)),
	}
	for z, zv := range s.ix.zones {
		st.Zones[z] = zv.sets.Snapshot() // a change copies only the shards it touches
		// A zone with no held name is left out (it reads as none): no
		// empty copy per zone.
		if len(zv.held) > 0 {
			st.Held[z] = maps.Clone(zv.held)
		}
		st.Records[z] = zv.records
		if zv.noPTR != nil {
			if st.NoPTR == nil {
				st.NoPTR = make(map[string]map[rrset.Key]map[string]bool)
			}
			st.NoPTR[z] = maps.Clone(zv.noPTR)
		}
	}
	// Only files with problems add to the lists: sorting every path on
	// each pass cost milliseconds at 10,000 files.
	var bad []string
	for path, f := range s.files {
		if len(f.problems) > 0 {
			bad = append(bad, path)
		}
	}
	slices.Sort(bad)
	for _, path := range bad {
		f := s.files[path]
		st.Problems = append(st.Problems, f.problems...)
		if len(f.problems) == 0 || f.hasGood || f.waiting != nil && !f.atStart {
			continue
		}
		st.Incomplete = append(st.Incomplete, path)
		if f.waiting != nil {
			st.Unzoned = append(st.Unzoned, Unzoned{File: path, Names: f.waiting})
		}
	}
	slices.SortStableFunc(st.Problems, func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	return st
}
