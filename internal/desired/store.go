package desired

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
)

// Store holds each record file's last good content and the merged view. Its
// methods are safe for concurrent use.
type Store struct {
	// loadMu: one Scan or Reload at a time. It is held while files settle
	// (settle.go), mu only while the result is applied, so that readers of
	// the state never wait for a writer's file.
	loadMu sync.Mutex
	mu     sync.Mutex
	opts   Options
	v      *validator
	log    *slog.Logger
	files  map[string]*file // by path as joined from Options.Dir
	ix     *index
	// changes: the generations of the merged view (generation.go)
	changes changeLog
	reads   int // files read so far; tests check that unchanged files are not re-read
	// filesSeen: some record file was counted since the Store started.
	filesSeen bool
	// acceptEmpty: the next Scan or Reload that would empty the store
	// does (AcceptEmpty).
	acceptEmpty bool

	// racyWindow: a file modified this recently before it was read is read
	// again on the next Scan even if its stat looks unchanged, because an
	// in-place rewrite of the same size within one timestamp tick would
	// otherwise go unnoticed (git's "racy clean" problem).
	racyWindow time.Duration
	sleep      func(time.Duration) // time.Sleep; tests write files meanwhile

	// writing: files a writer has open, as Watch learns (writers.go);
	// they are not read until closed.
	writing *writers
}

// file is what the Store knows about one record file.
type file struct {
	info     os.FileInfo       // stat of what was last read; nil forces a re-read
	seen     os.FileInfo       // stat of the last content read (not reset by errors)
	racy     bool              // modified just before the last read: read again
	sum      [sha256.Size]byte // of the content last parsed, valid when hasSum
	hasSum   bool
	good     []record // last good content, valid when hasGood
	hasGood  bool
	problems []Problem // why the current content is invalid; nil when valid
}

// NewStore returns an empty Store; call Scan to fill it.
func NewStore(opts Options, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v := newValidator(opts)
	return &Store{
		opts:  opts,
		v:     v,
		log:   log.With("component", "desired"),
		files: make(map[string]*file),
		ix:    newIndex(v.zones.zones),

		racyWindow: 2 * time.Second,
		sleep:      time.Sleep,
		writing:    &writers{},
	}
}

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
	p := newPass()
	for i, r := range results {
		if s.load(todo[i], p, r) {
			gone = append(gone, todo[i])
		}
	}
	if err := s.drop(gone, found, p); err != nil {
		return nil, err // only when found is empty, so nothing was loaded either
	}
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

// State builds the merged view, re-merging only names changed since the
// last call. It has no other effect: any number of callers may read it.
// Names re-merged start a new Generation (see ChangedSince).
func (s *Store) State() *State {
	s.mu.Lock()
	defer s.mu.Unlock()
	if changed := s.ix.flush(); changed != nil {
		s.changes.advance(changed)
	}
	st := &State{
		Generation: s.changes.gen,
		Zones:      make(map[string]rrset.Zone, len(s.ix.zones)),
		Held:       make(map[string]map[string]Conflict, len(s.ix.zones)),
		Files:      len(s.files),
		FilesSeen:  s.filesSeen,
		Records:    make(map[string]int, len(s.ix.zones)),
	}
	for z, zv := range s.ix.zones {
		st.Zones[z] = maps.Clone(zv.sets)
		st.Held[z] = maps.Clone(zv.held)
		st.Records[z] = zv.records
	}
	for _, path := range slices.Sorted(maps.Keys(s.files)) {
		f := s.files[path]
		st.Problems = append(st.Problems, f.problems...)
		if len(f.problems) > 0 && !f.hasGood {
			st.Incomplete = append(st.Incomplete, path)
		}
	}
	slices.SortStableFunc(st.Problems, func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	return st
}

// load applies one file's read. It reports whether the file turned out to
// be gone.
func (s *Store) load(path string, p *pass, r readResult) (gone bool) {
	if errors.Is(r.err, fs.ErrNotExist) {
		return true
	}
	f := s.files[path]
	if r.unsettled || errors.Is(r.err, errMoved) {
		// Still being written: keep what we have, look again next time.
		// A file not read before is there all the same: without an
		// entry it would count as absent, and what it serves as deleted.
		// With a problem it is Incomplete, which holds deletions.
		if f == nil {
			f = &file{problems: []Problem{{File: path, Msg: msgNotReadYet, Writing: true}}}
			s.files[path] = f
			s.filesSeen = true
			s.log.Info("record file still being written; holding deletions until it is read", "file", path)
		}
		f.info = nil
		s.log.Debug("record file still changing; reading it later", "file", path)
		return false
	}
	s.reads++
	if f == nil {
		f = &file{}
		s.files[path] = f
		s.filesSeen = true
	}
	if r.stillOpen {
		// f has good content (markStillOpen). Read it again on every
		// Scan, and afresh once the writer closes it: the same bytes
		// then mean what they say.
		f.info, f.hasSum = nil, false
		problems := []Problem{{File: path, Msg: msgStillOpen, Writing: true}}
		if !slices.Equal(problems, f.problems) {
			s.logRejected(path, f, problems)
		}
		f.problems = problems
		return false
	}
	f.info = r.info
	f.racy = r.info != nil && r.info.ModTime().After(r.at.Add(-s.racyWindow))
	if err := r.err; err != nil {
		if !errors.Is(err, errTooLarge) {
			// Retry on every scan: a permission fix does not change
			// mtime, and a FIFO or a link's target has no stat of its own.
			f.info = nil
		}
		f.hasSum = false
		msg := "cannot read: " + err.Error()
		if isPolicy(err) {
			msg = err.Error()
		}
		problems := []Problem{{File: path, Msg: msg}}
		if !slices.Equal(problems, f.problems) { // log once per change, not per retry
			s.logRejected(path, f, problems)
		}
		f.problems = problems
		return false
	}
	f.seen = r.info
	// Same bytes, same result: skip the rest (a touch, a racy re-read, a
	// watcher event for a write we already saw).
	if f.hasSum && r.sum == f.sum {
		return false
	}
	f.sum, f.hasSum = r.sum, true
	s.apply(path, f, r.recs, r.problems, p)
	return false
}

// apply records a file's newly read content: valid content replaces the last
// good one; invalid content only replaces the problems.
func (s *Store) apply(path string, f *file, recs []record, problems []Problem, p *pass) {
	if len(problems) > 0 {
		s.logRejected(path, f, problems)
		f.problems = problems
		return
	}
	if len(f.problems) > 0 {
		if f.problems[0].Msg != msgNotReadYet {
			s.log.Info("record file valid again", "file", path)
		}
		p.resolved = p.resolved || !f.hasGood
	}
	f.problems = nil
	if f.hasGood && sameRecords(f.good, recs, true) {
		return
	}
	zones := s.ix.replace(path, f.good, recs)
	if !f.hasGood || !sameRecords(f.good, recs, false) { // not just moved lines
		for z := range zones {
			p.zones[z] = true
		}
	}
	f.good, f.hasGood = recs, true
	s.log.Debug("record file loaded", "file", path, "records", len(recs))
}

func (s *Store) logRejected(path string, f *file, problems []Problem) {
	s.log.Warn("record file rejected", "file", path, "problems", len(problems),
		"reason", summarize(problems), "kept_last_good", f.hasGood)
}

// drop removes deleted files, unless that would empty the store or the dir
// itself is unreadable: both look the same as mass deletion from here.
// found is the dir listing, or nil to list it now.
func (s *Store) drop(gone []string, found map[string]os.FileInfo, p *pass) error {
	// AcceptEmpty is for the very next look at the dir only.
	accept := s.acceptEmpty
	s.acceptEmpty = false
	if len(gone) == 0 {
		return nil
	}
	if found == nil {
		var err error
		if found, err = s.list(); err != nil {
			return err
		}
	}
	// All files vanishing at once is a failed mount or a bad deploy far
	// more often than an intent; the last file removed on its own (the last
	// server deleted) is honoured.
	if len(found) == 0 && len(gone) > 1 && !s.opts.AllowEmpty {
		if !accept {
			return fmt.Errorf("scan records dir %s: %d record files vanished at once: %w", s.opts.Dir, len(gone), ErrSuddenlyEmpty)
		}
		s.log.Warn("records dir emptied: accepting it, as told", "files", len(gone))
	}
	for _, path := range gone {
		f := s.files[path]
		if f == nil {
			continue
		}
		if f.hasGood {
			for z := range s.ix.replace(path, f.good, nil) {
				p.zones[z] = true
			}
		} else if len(f.problems) > 0 {
			p.resolved = true
		}
		delete(s.files, path)
		s.log.Info("record file removed", "file", path)
	}
	return nil
}

// AcceptEmpty lets the next Scan or Reload that finds every record file
// gone at once empty the store, once: the caller knows it is intended (the
// reconciler, once the server no longer serves what the files declared:
// `apply --force` accepted the deletion). It does not outlast that one
// emptying: the dir filled and emptied again is refused again.
func (s *Store) AcceptEmpty() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acceptEmpty = true
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

func unchanged(a, b os.FileInfo) bool {
	return a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) && os.SameFile(a, b)
}

// sameRecords compares two contents of one file; withLines also compares
// where each record was declared.
func sameRecords(a, b []record, withLines bool) bool {
	return slices.EqualFunc(a, b, func(x, y record) bool {
		return x.zone == y.zone && x.rr.String() == y.rr.String() && (!withLines || x.line == y.line)
	})
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func summarize(problems []Problem) string {
	const max = 5
	msgs := make([]string, 0, max+1)
	for i, p := range problems {
		if i == max {
			msgs = append(msgs, fmt.Sprintf("and %d more", len(problems)-max))
			break
		}
		msgs = append(msgs, p.Error())
	}
	return strings.Join(msgs, "; ")
}
