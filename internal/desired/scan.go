package desired

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"slices"
)

// Looking at records.d: a whole Scan, or a Reload of the paths the
// watcher named. Both read outside the state lock and apply what they
// read under it (load.go).

// Scan lists the dir, reads new files and files whose size, mtime or inode
// changed, drops deleted ones, and returns the zones whose desired content
// may have changed (sorted). A missing or unreadable dir, or one suddenly
// empty (ErrSuddenlyEmpty), is an error and changes nothing. Problems with
// single files are not errors: see State().Problems. A file still being
// written (open by its writer, as far as Watch knows, or not settled) is
// read later: it keeps its last good content, and one never read yet is
// Incomplete meanwhile.
//
// When a file that was invalid and never good is fixed or removed, every
// zone is returned: deletions the caller held because of it may now proceed.
func (s *Store) Scan() ([]string, error) {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	found, err := s.list()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	var gone []string
	for path := range s.files {
		if _, ok := found[path]; !ok {
			gone = append(gone, path)
		}
	}
	var todo []string
	for _, path := range slices.Sorted(maps.Keys(found)) {
		fi := found[path]
		if f := s.files[path]; f != nil && !f.racy && f.info != nil && fi != nil && unchanged(f.info, fi) {
			continue
		}
		todo = append(todo, path)
	}
	s.mu.Unlock()
	results := s.settledReads(todo)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ix.reserve(results)
	p := newPass()
	for i, r := range results {
		if s.load(todo[i], p, r) {
			gone = append(gone, todo[i])
		}
	}
	if err := s.drop(gone, found, p); err != nil {
		return nil, err // only when found is empty, so nothing was loaded either
	}
	s.scanned = true
	return p.result(s.ix), nil
}

// Reload re-reads exactly these paths (from the watcher), treating a missing
// path as deleted, and returns the zones of the files' old and new records
// (a file that stays invalid affects none). Paths outside the dir or not
// named like record files are ignored. A path that is there but is not a
// readable regular file is unreadable, not deleted. Deletions that would
// leave the store empty, or that come with an unreadable dir, are refused
// and logged: Scan reports them as errors. Files still being written are
// waited for, briefly (settle.go), or left for later while their writer
// has them open (writers.go). The dir's own path among paths (the
// watcher's queue overflowed: events were lost) makes it a full Scan.
func (s *Store) Reload(paths []string) []string {
	if slices.ContainsFunc(paths, func(p string) bool { return sameDir(p, s.opts.Dir) }) {
		zones, err := s.Scan()
		if err != nil {
			s.log.Warn("rescanning records dir after lost events", "err", err)
		}
		return zones
	}
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	var todo, gone []string
	seen := make(map[string]bool)
	for _, raw := range paths {
		path, ok := s.pathOf(raw)
		if !ok {
			s.log.Debug("ignoring path outside the records dir", "path", raw)
			continue
		}
		if seen[path] {
			continue
		}
		seen[path] = true
		// Lstat: a dangling link is there (its content is unknown), not gone.
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			gone = append(gone, path)
			continue
		}
		todo = append(todo, path)
	}
	results := s.settledReads(todo)
	s.mu.Lock()
	defer s.mu.Unlock()
	p := newPass()
	for i, r := range results {
		if s.load(todo[i], p, r) {
			gone = append(gone, todo[i])
		}
	}
	if err := s.drop(gone, nil, p); err != nil {
		s.log.Warn("not removing records of deleted files", "files", gone, "err", err)
	}
	return p.result(s.ix)
}

// pass collects what one Scan or Reload changed.
type pass struct {
	zones    map[string]bool
	resolved bool // a file that was invalid and never good got fixed or removed
}

func newPass() *pass { return &pass{zones: make(map[string]bool)} }

func (p *pass) result(ix *index) []string {
	if p.resolved {
		return slices.Sorted(maps.Keys(ix.zones))
	}
	return slices.Sorted(maps.Keys(p.zones))
}
