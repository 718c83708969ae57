package desired

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch watches the Store's dir (not recursively) and sends batches of
// changed record file paths (the dir joined with the name), sorted. Events
// are collected until debounce passes without a new one, but for at most
// 10*debounce after the first, so a burst of writes is one batch and a
// steady trickle still gets through. Writers' temp-then-rename shows up as
// the final name. A debounce of 0 sends a file renamed or created in at
// once; one written in place is still given a millisecond of quiet. The
// channel is closed when ctx ends. A dir missing at start is an error; a
// dir removed later is watched again once it is back (watch_dir.go).
//
// Where the kernel says when a writer closes a file (Linux), a path being
// written in place is held back until its writer closes it (for at most
// maxWriterHold): a half-written file is not worth reading. The Store's
// Scans and Reloads leave such a file alone too (writers.go). Call Watch
// once per Store.
//
// Watch only says which paths to look at; Store.Reload decides what they
// mean, and a periodic Store.Scan covers anything the kernel dropped.
func (s *Store) Watch(ctx context.Context, debounce time.Duration, log *slog.Logger) (<-chan []string, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "desired")
	dir := s.opts.Dir
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("watch records dir: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("watch records dir %s: not a directory", dir)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch records dir %s: %w", dir, err)
	}
	if err := w.Add(dir); err != nil {
		w.Close()
		return nil, fmt.Errorf("watch records dir %s: %w", dir, err)
	}
	b := newBatcher(dir, debounce, log, w, w.Events, w.Errors, s.writing)
	if cw, err := newCloseWatcher(); err != nil {
		log.Debug("writers closing files are not reported here; relying on stability alone", "err", err)
	} else if err := cw.add(dir); err != nil {
		cw.close()
		log.Debug("writers closing files are not reported here; relying on stability alone", "err", err)
	} else {
		b.cw = cw
	}
	out := make(chan []string)
	go b.run(ctx, out)
	return out, nil
}

// writeEvent is one report of closeWatcher.
type writeEvent struct {
	name     string // base name
	closed   bool   // a writer closed the file; else it wrote to it
	overflow bool   // the kernel dropped events
}

// dirWatcher is what the batcher needs of an fsnotify.Watcher besides its
// channels: tests drive the batcher's timing with events of their own.
type dirWatcher interface {
	Add(name string) error
	Remove(name string) error
	Close() error
}

var _ dirWatcher = (*fsnotify.Watcher)(nil)

// newBatcher batches the events of w (events and errs are its channels)
// for dir. A debounce of 0 or less waits for no quiet (waitAfter).
func newBatcher(dir string, debounce time.Duration, log *slog.Logger, w dirWatcher,
	events <-chan fsnotify.Event, errs <-chan error, writing *writers) *batcher {
	return &batcher{dir: dir, debounce: max(debounce, 0), log: log, w: w, events: events, errs: errs,
		pending: make(map[string]bool), ready: make(map[string]bool), writing: writing}
}

type batcher struct {
	dir      string
	debounce time.Duration
	log      *slog.Logger
	w        dirWatcher
	events   <-chan fsnotify.Event // w's
	errs     <-chan error          // w's
	cw       *closeWatcher         // nil where closing is not reported
	pending  map[string]bool       // paths whose quiet period is still running
	first    time.Time             // first event of the pending batch
	ready    map[string]bool       // paths waiting for the receiver
	writing  *writers              // paths written to and not yet closed; shared with the Store
	lost     bool                  // the dir's watch is gone: it was removed or renamed
	backoff  time.Duration         // before the next try to watch it again
}

func (b *batcher) run(ctx context.Context, out chan<- []string) {
	defer close(out)
	defer b.w.Close()
	var writes <-chan writeEvent
	if b.cw != nil {
		defer b.cw.close()
		writes = b.cw.events
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var fire, retry <-chan time.Time
	arm := func(d time.Duration) {
		timer.Reset(d)
		fire = timer.C
	}
	for {
		// Keep collecting while the receiver is busy: a slow reconcile
		// must not make the kernel queue overflow.
		var send chan<- []string
		var batch []string
		if len(b.ready) > 0 {
			send, batch = out, slices.Sorted(maps.Keys(b.ready))
		}
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case send <- batch:
			clear(b.ready)
		case ev, ok := <-b.events:
			if !ok {
				return
			}
			if b.event(ev) {
				arm(b.waitAfter(ev.Has(fsnotify.Write), time.Now()))
			}
			if b.lost && retry == nil {
				retry = time.After(b.backoff)
			}
		case err, ok := <-b.errs:
			if !ok {
				return
			}
			b.error(err)
			if len(b.pending) > 0 {
				arm(b.wait(time.Now()))
			}
		case ev := <-writes:
			if b.written(ev) {
				arm(b.waitAfter(!ev.closed, time.Now()))
			}
		case <-retry:
			retry = nil
			if !b.rewatch() {
				retry = time.After(b.backoff)
			} else if len(b.pending) > 0 {
				arm(b.wait(time.Now()))
			}
		case <-fire:
			fire = nil
			if b.flush(time.Now()) {
				arm(b.relook()) // look again for writers still at work
			}
		}
	}
}

// event adds a record file's path to the pending batch and reports whether
// it did.
func (b *batcher) event(ev fsnotify.Event) bool {
	if filepath.Clean(ev.Name) == filepath.Clean(b.dir) {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			b.dirLost()
		}
		return false
	}
	name := filepath.Base(ev.Name)
	if !isRecordFile(name) || b.lost { // late news of the old dir
		return false
	}
	path := filepath.Join(b.dir, name)
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		b.writing.closed(path) // whoever writes it now writes elsewhere
	}
	b.add(path)
	return true
}

// written notes a write or a writer's close and reports whether a path was
// added to the pending batch.
func (b *batcher) written(ev writeEvent) bool {
	if ev.overflow {
		b.log.Warn("write events lost; re-reading every record file", "dir", b.dir)
		b.writing.reset()
		b.addAll()
		return len(b.pending) > 0
	}
	if !isRecordFile(ev.name) || b.lost {
		return false
	}
	path := filepath.Join(b.dir, ev.name)
	if ev.closed {
		b.writing.closed(path)
	} else {
		b.writing.wrote(path, time.Now())
	}
	b.add(path)
	return true
}

func (b *batcher) add(path string) {
	if len(b.pending) == 0 {
		b.first = time.Now()
	}
	b.pending[path] = true
}

// flush moves the pending paths to the ready batch, except those whose
// writer has them open (and not for too long), and reports whether any
// are left pending.
func (b *batcher) flush(now time.Time) bool {
	for p := range b.pending {
		if b.writing.holds(p, now) {
			continue
		}
		// Closed, or the hold ran out. In the latter case the writer
		// stays in the set: the Store reads the file, but content that
		// would drop records waits for the close (settle.go).
		delete(b.pending, p)
		b.ready[p] = true
	}
	if len(b.pending) > 0 {
		b.first = now
		return true
	}
	return false
}

// wait is how long to let the pending batch grow: another quiet period, but
// not past 10 quiet periods from its first event. A debounce of 0 sends at
// once what the kernel reported so far: a rename into records.d is one
// event, and waiting even a millisecond for more was most of a change's
// own cost on the rfc2136 backend.
func (b *batcher) wait(now time.Time) time.Duration {
	return max(0, min(b.debounce, b.first.Add(10*b.debounce).Sub(now)))
}

// waitAfter is wait after an event; inPlace: the event is a write to the
// file itself. A file renamed or created in is whole and goes at once at a
// debounce of 0; one written in place still gets a millisecond of quiet,
// so that its writer's next write is seen before it is read.
func (b *batcher) waitAfter(inPlace bool, now time.Time) time.Duration {
	if inPlace && b.debounce == 0 {
		return b.relook()
	}
	return b.wait(now)
}

// relook is how soon to look again at paths whose writer is still at work:
// the debounce, but never a busy loop.
func (b *batcher) relook() time.Duration {
	return max(b.debounce, time.Millisecond)
}

func (b *batcher) error(err error) {
	if !errors.Is(err, fsnotify.ErrEventOverflow) {
		b.log.Warn("watching records dir", "dir", b.dir, "err", err)
		return
	}
	// Events were lost, deletions among them: rescan the whole dir.
	b.log.Warn("watch events lost; re-reading every record file", "dir", b.dir)
	b.addAll()
}

// addAll asks for a full rescan: the dir's own path in a batch means
// "events were lost, look at everything" (Store.Reload then scans the dir,
// so files deleted while events were lost go too, not only changed ones).
// It is for a queue that overflowed only: a dir that came back is read
// file by file (watch_dir.go).
func (b *batcher) addAll() {
	b.add(b.dir)
}
