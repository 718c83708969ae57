package desired

import (
	"sync"
	"time"
)

// writers are the record files that a writer has open, as the close-write
// watcher reports them (Linux): written to since the watcher started, and
// not closed since. Half of such a file is not worth reading, so the
// batcher holds its path back and Scan leaves it as it was. Both give up
// maxWriterHold after the first write: a writer that never closes must not
// hide its file for ever, and what it adds should not wait. But the path
// stays in the set until the writer closes it (or it is removed, or events
// are lost): a writer that truncated the file, wrote a third of it and
// paused past the hold would otherwise get the other two thirds deleted.
// Past the hold, content that would drop records of the file's last good
// content is not applied until the close (settle.go). A writer that opened
// the file before the watcher started is not known here; settling still
// covers it.
//
// The batcher's goroutine changes the set; Scan and Reload read it from
// another, hence the lock.
type writers struct {
	mu    sync.Mutex
	since map[string]time.Time // path -> first write not yet closed
}

// maxWriterHold bounds how long a path is held back for a writer that keeps
// it open.
const maxWriterHold = 10 * time.Second

// wrote notes a write to path; the hold runs from the first one.
func (w *writers) wrote(path string, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.since == nil {
		w.since = make(map[string]time.Time)
	}
	if _, ok := w.since[path]; !ok {
		w.since[path] = now
	}
}

// closed forgets path: its writer closed it, it went away, or the hold
// ran out.
func (w *writers) closed(path string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.since, path)
}

// reset forgets every path: the events that would close them were lost.
func (w *writers) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	clear(w.since)
}

// holds reports whether path is open for writing and its hold has not run
// out.
func (w *writers) holds(path string, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	since, ok := w.since[path]
	return ok && now.Sub(since) < maxWriterHold
}

// open reports whether path is open for writing, however long its hold
// ran: content it has now may be half of what the writer means.
func (w *writers) open(path string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.since[path]
	return ok
}
