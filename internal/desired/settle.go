package desired

import (
	"os"
	"time"
)

// A file written in place (truncate, then write) is, for a while, half of
// itself: empty, or its first records only, or a value cut short that is
// still a valid value ("192.0.2.12" cut to "192.0.2.1"). Read at that
// moment it would delete records or change them, and then put them back a
// moment later: names answer NXDOMAIN in between. Writers should rename a
// finished file into place (README), but the daemon must be safe without
// that, so a file is read only once it has settled:
//
//   - Stable: its size, mtime and inode were unchanged for Options.Settle
//     (the watcher's debounce), or its mtime is already that old; and
//     nothing changed while it was read.
//   - Confirmed: content that would drop records of the file's last read
//     content, from the same inode (an in-place rewrite, not a rename), is
//     applied only after another Settle shows the same content again.
//
// Whether a writer still holds the file open cannot be told portably.
// Where inotify says so (Linux), Watch learns which files are open for
// writing: the watcher holds their paths back, and they are not read here
// either (writers.go), whatever asked. A file that is open, or does not
// settle within maxSettleRounds, is left as it was (its last good content
// stays in force; one never read is Incomplete) and read again on the
// next event or scan.
//
// Past maxWriterHold a file still open is read, since a writer that never
// closes must not hide its file for ever, but stability says nothing then
// (the writer may just be pausing), so content that would drop records of
// the file's last good content, from the same inode, is not applied: it is
// reported (msgStillOpen) and the last good content stays until the writer
// closes the file. Content that only adds records applies.

// maxSettleRounds bounds the Settle periods one Scan or Reload waits in
// all, so that one busy writer cannot stall every other change for long.
const maxSettleRounds = 10

// settledReads reads paths once each has settled. A path that does not
// settle, or that a writer has open, gets a result with unsettled set.
func (s *Store) settledReads(paths []string) []readResult {
	out := make([]readResult, len(paths))
	var idx []int
	now := time.Now()
	for i, p := range paths {
		if s.writing.holds(p, now) {
			out[i] = readResult{unsettled: true}
			continue
		}
		idx = append(idx, i)
	}
	if s.opts.Settle <= 0 {
		s.readInto(paths, out, idx)
		return out
	}
	deadline := time.Now().Add(maxSettleRounds * s.opts.Settle)
	pending := s.readStable(paths, out, idx, deadline)
	for round := 0; len(pending) > 0; round++ {
		// One confirming read is always allowed, however slow the
		// first read was: a busy machine must not turn every in-place
		// edit into "read it later".
		if round > 0 && time.Now().Add(s.opts.Settle).After(deadline) {
			for _, i := range pending {
				out[i] = readResult{unsettled: true}
			}
			break
		}
		first := make([]readResult, len(out))
		copy(first, out)
		s.sleep(s.opts.Settle)
		s.readStable(paths, out, pending, deadline)
		var next []int
		for _, i := range pending {
			if r := out[i]; r.err == nil && !r.unsettled && r.sum == first[i].sum && unchanged(r.info, first[i].info) {
				continue // the same content twice, a Settle apart: confirmed
			}
			next = append(next, i)
		}
		pending = s.losingRecords(paths, out, next)
	}
	return out
}

// readStable waits until the files at idx are stable, reads them into out,
// and returns the indexes whose content needs confirming.
func (s *Store) readStable(paths []string, out []readResult, idx []int, deadline time.Time) []int {
	var at []int
	for k, ok := range s.waitStable(paths, idx, deadline) {
		if !ok {
			out[idx[k]] = readResult{unsettled: true}
			continue
		}
		at = append(at, idx[k])
	}
	s.readInto(paths, out, at)
	return s.losingRecords(paths, out, at)
}

// readInto reads paths[idx] into out[idx].
func (s *Store) readInto(paths []string, out []readResult, idx []int) {
	some := make([]string, len(idx))
	for k, i := range idx {
		some[k] = paths[i]
	}
	for k, r := range s.readAll(some) {
		out[idx[k]] = r
	}
	s.markStillOpen(paths, out, idx)
}

// markStillOpen marks the reads among idx of files that a writer still has
// open (past the hold, or they would not have been read) whose valid
// content would drop records of the last good content of the same inode.
func (s *Store) markStillOpen(paths []string, out []readResult, idx []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, i := range idx {
		r, f := &out[i], s.files[paths[i]]
		if r.err != nil || r.unsettled || len(r.problems) > 0 || f == nil || !f.hasGood || f.seen == nil ||
			!os.SameFile(f.seen, r.info) || !s.writing.open(paths[i]) {
			continue
		}
		r.stillOpen = dropsRecords(f.good, r.recs)
	}
}

// waitStable waits until each of paths[idx] is stable and reports which
// became so before the deadline.
func (s *Store) waitStable(paths []string, idx []int, deadline time.Time) []bool {
	ok := make([]bool, len(idx))
	prev := make([]os.FileInfo, len(idx))
	for round := 0; ; round++ {
		waiting := false
		now := time.Now()
		for k, i := range idx {
			if ok[k] {
				continue
			}
			fi, err := os.Stat(paths[i])
			switch {
			case err != nil || !fi.Mode().IsRegular():
				ok[k] = true // not for waiting: the read reports it
			case prev[k] != nil && unchanged(prev[k], fi):
				ok[k] = true
			case prev[k] == nil && !fi.ModTime().After(now.Add(-s.opts.Settle)):
				ok[k] = true // untouched for a Settle already (a future mtime is not)
			default:
				prev[k] = fi
				waiting = true
			}
		}
		if !waiting || round > 0 && now.Add(s.opts.Settle).After(deadline) {
			return ok
		}
		s.sleep(s.opts.Settle)
	}
}

// losingRecords returns the indexes among idx whose newly read content
// would drop records that the same inode held when last read.
func (s *Store) losingRecords(paths []string, out []readResult, idx []int) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var lose []int
	for _, i := range idx {
		r, f := out[i], s.files[paths[i]]
		if r.err != nil || r.unsettled || r.stillOpen || len(r.problems) > 0 || f == nil || !f.hasGood || f.seen == nil ||
			!os.SameFile(f.seen, r.info) || (f.hasSum && r.sum == f.sum) {
			continue
		}
		if dropsRecords(f.good, r.recs) {
			lose = append(lose, i)
		}
	}
	return lose
}

// dropsRecords reports whether some record of old is not in recs.
func dropsRecords(old, recs []record) bool {
	have := make(map[string]bool, len(recs))
	for _, r := range recs {
		have[r.rr.String()] = true
	}
	for _, r := range old {
		if !have[r.rr.String()] {
			return true
		}
	}
	return false
}
