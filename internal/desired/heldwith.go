package desired

import (
	"maps"
	"path/filepath"
	"slices"
)

// HeldWith answers, for a writer about to add whole files to records.d
// (`dnssync import`), which names the loader would hold in conflict once
// they are read beside what existing declares now: the loader's own merge
// (mergeName) over both, run without writing anything. Only the names the
// added files declare are merged and returned (name -> conflict): a name
// held already, which they do not touch, is not theirs to answer for.
//
// added maps a base name in opts.Dir to its content; a file that is not
// valid alone is returned as problems and adds nothing. existing may be
// nil: records.d declares nothing.
func HeldWith(opts Options, existing *Store, added map[string][]byte) (map[string]Conflict, []Problem) {
	v := newValidator(opts)
	touched := map[nameKey]byFile{}
	var problems []Problem
	for _, base := range slices.Sorted(maps.Keys(added)) {
		path := filepath.Join(opts.Dir, base)
		recs, ps := parseFile(path, added[base], v)
		if len(ps) > 0 {
			problems = append(problems, ps...)
			continue
		}
		f := &file{path: path, good: groupByName(recs)}
		forRuns(f.good, func(zone, name string, off, n int) {
			k := nameKey{zone, name}
			if _, ok := touched[k]; !ok {
				touched[k] = existing.declaredIn(k)
			}
			touched[k] = touched[k].with(runOf(f, off, n))
		})
	}
	held := map[string]Conflict{}
	for k, files := range touched {
		if _, reason, _ := mergeName(files); reason != "" {
			held[k.name] = Conflict{Zone: k.zone, Name: k.name, Reason: reason}
		}
	}
	return held, problems
}

// declaredIn returns a copy of every file's records at k (nil store:
// none), for a merge that must not change the store's own index.
func (s *Store) declaredIn(k nameKey) byFile {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	zv := s.ix.zones[k.zone]
	if zv == nil {
		return nil
	}
	var out byFile
	var buf [1]fileRun
	for _, r := range zv.runs(k.name, &buf) {
		recs := slices.Clone(r.recs())
		out = append(out, runOf(&file{path: r.path(), good: recs}, 0, len(recs)))
	}
	return out
}
