package desired

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// Taking in what was read of one file: its last good content, its
// problems, and the zones it touches.

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
			f = &file{path: path, problems: []Problem{{File: path, Msg: msgNotReadYet, Writing: true}}, atStart: !s.scanned}
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
		f = &file{path: path, atStart: !s.scanned}
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
		f.problems, f.waiting = problems, nil
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
		f.problems, f.waiting = problems, nil
		return false
	}
	f.seen = r.info
	// Same bytes, same result: skip the rest (a touch, a racy re-read, a
	// watcher event for a write we already saw).
	if f.hasSum && r.sum == f.sum {
		return false
	}
	f.sum, f.hasSum = r.sum, true
	s.apply(path, f, r, p)
	return false
}

// apply records a file's newly read content: valid content replaces the last
// good one; invalid content only replaces the problems.
func (s *Store) apply(path string, f *file, r readResult, p *pass) {
	recs, problems := r.recs, r.problems
	if len(problems) > 0 {
		s.logRejected(path, f, problems)
		// A file never good that turns out to wait only for its zone is
		// no longer unknown: the deletions it held may go (as when it is
		// fixed or removed), unless it was there at the start (atStart).
		p.resolved = p.resolved || r.waiting != nil && f.waiting == nil && !f.hasGood && !f.atStart && len(f.problems) > 0
		f.problems, f.waiting = problems, r.waiting
		return
	}
	f.waiting = nil
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
	moved := f.hasGood && sameRecords(f.good, recs, false) // only lines moved
	zones := s.ix.replace(f, recs)
	if !moved {
		for z := range zones {
			p.zones[z] = true
		}
	}
	f.hasGood = true
	s.log.Debug("record file loaded", "file", path, "records", len(recs))
}

func (s *Store) logRejected(path string, f *file, problems []Problem) {
	s.log.Warn("record file rejected", "file", path, "problems", len(problems),
		"reason", summarize(problems), "kept_last_good", f.hasGood)
}

// sameRecords compares two contents of one file; withLines also compares
// where each record was declared.
func sameRecords(a, b []record, withLines bool) bool {
	return slices.EqualFunc(a, b, func(x, y record) bool {
		return x.zone == y.zone && x.noPTR == y.noPTR && x.rr.String() == y.rr.String() && (!withLines || x.line == y.line)
	})
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
