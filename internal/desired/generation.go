package desired

import "maps"

// The merged view advances by generations: each State that finds names
// merged to something else since the one before starts a new one. A caller that planned
// against one generation asks ChangedSince for what changed after it, so
// that reading a State (a check, a list, a plan) never takes the hint away
// from the pass that needs it.
//
// The Store keeps a bounded log of the names each generation changed: a
// one-file change touches a few names, while a change of many thousands is
// as cheap to compare in full, and remembering it at 100,000 records would
// cost memory for nothing. Past the bound, ChangedSince says it does not
// know, and the caller compares everything.
const (
	maxLogGenerations = 256
	maxLogNames       = 10_000
)

// genChange is the names one generation changed, zone -> names.
type genChange struct {
	gen   uint64
	names map[string]map[string]bool
	count int
}

// changeLog is the recent generations' changes, oldest first. ChangedSince
// knows what changed after any generation from floor on.
type changeLog struct {
	gen     uint64 // the current generation
	floor   uint64
	entries []genChange
	names   int // in entries
}

// advance starts a new generation of n changed names, these (nil when
// n is past maxLogNames: they would not be kept).
func (l *changeLog) advance(changed map[string]map[string]bool, n int) {
	l.gen++
	l.entries = append(l.entries, genChange{gen: l.gen, names: changed, count: n})
	l.names += n
	for len(l.entries) > 0 && (len(l.entries) > maxLogGenerations || l.names > maxLogNames) {
		l.floor = l.entries[0].gen
		l.names -= l.entries[0].count
		l.entries[0] = genChange{}
		l.entries = l.entries[1:]
	}
}

// since returns zone's names changed after generation gen; ok is false
// when the log no longer reaches back that far (or gen is from the future).
func (l *changeLog) since(zone string, gen uint64) (names map[string]bool, ok bool) {
	if gen < l.floor || gen > l.gen {
		return nil, false
	}
	names = map[string]bool{}
	for _, e := range l.entries {
		if e.gen > gen {
			maps.Copy(names, e.names[zone])
		}
	}
	return names, true
}

// ChangedSince returns the names of zone whose desired sets, holds or
// opt-outs of PTRs may have changed after the State of generation gen, up to the latest State
// (possibly later than one the caller holds, and including files loaded
// since: a superset is safe to compare). ok is false when the Store no longer knows: compare every name.
func (s *Store) ChangedSince(zone string, gen uint64) (names map[string]bool, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Names loaded but not merged yet (a Scan no State followed) count:
	// merging them now is what the next State would do.
	if changed, n := s.ix.flush(); n > 0 {
		s.changes.advance(changed, n)
	}
	return s.changes.since(zone, gen)
}
