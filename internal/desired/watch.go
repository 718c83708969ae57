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

// Watch watches dir (not recursively) and sends batches of changed record
// file paths (dir joined with the name), sorted. Events are collected until
// debounce passes without a new one, but for at most 10*debounce after the
// first, so a burst of writes is one batch and a steady trickle still gets
// through. Writers' temp-then-rename shows up as the final name. The channel
// is closed when ctx ends. A dir missing at start is an error.
//
// Watch only says which paths to look at; Store.Reload decides what they
// mean, and a periodic Store.Scan covers anything the kernel dropped.
func Watch(ctx context.Context, dir string, debounce time.Duration, log *slog.Logger) (<-chan []string, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "desired")
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
	if debounce <= 0 {
		debounce = time.Millisecond
	}
	out := make(chan []string)
	b := &batcher{dir: dir, debounce: debounce, log: log, pending: make(map[string]bool), ready: make(map[string]bool)}
	go b.run(ctx, w, out)
	return out, nil
}

type batcher struct {
	dir      string
	debounce time.Duration
	log      *slog.Logger
	pending  map[string]bool // paths whose quiet period is still running
	first    time.Time       // first event of the pending batch
	ready    map[string]bool // paths waiting for the receiver
}

func (b *batcher) run(ctx context.Context, w *fsnotify.Watcher, out chan<- []string) {
	defer close(out)
	defer w.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var fire <-chan time.Time
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
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if b.event(ev) {
				timer.Reset(b.wait(time.Now()))
				fire = timer.C
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			b.error(err)
			if len(b.pending) > 0 {
				timer.Reset(b.wait(time.Now()))
				fire = timer.C
			}
		case <-fire:
			fire = nil
			for p := range b.pending {
				b.ready[p] = true
			}
			clear(b.pending)
		}
	}
}

// event adds a record file's path to the pending batch and reports whether
// it did.
func (b *batcher) event(ev fsnotify.Event) bool {
	if filepath.Clean(ev.Name) == filepath.Clean(b.dir) {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			b.log.Error("records dir removed or renamed; watching stopped until restart", "dir", b.dir)
		}
		return false
	}
	name := filepath.Base(ev.Name)
	if !isRecordFile(name) {
		return false
	}
	b.add(filepath.Join(b.dir, name))
	return true
}

func (b *batcher) add(path string) {
	if len(b.pending) == 0 {
		b.first = time.Now()
	}
	b.pending[path] = true
}

// wait is how long to let the pending batch grow: another quiet period, but
// not past 10 quiet periods from its first event.
func (b *batcher) wait(now time.Time) time.Duration {
	return max(0, min(b.debounce, b.first.Add(10*b.debounce).Sub(now)))
}

func (b *batcher) error(err error) {
	if !errors.Is(err, fsnotify.ErrEventOverflow) {
		b.log.Warn("watching records dir", "dir", b.dir, "err", err)
		return
	}
	// Events were lost: offer every file for re-reading. Deletions among
	// the lost events are left to the next Scan.
	b.log.Warn("watch events lost; re-reading every record file", "dir", b.dir)
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		b.log.Warn("listing records dir after lost events", "dir", b.dir, "err", err)
		return
	}
	for _, e := range entries {
		if isRecordFile(e.Name()) {
			b.add(filepath.Join(b.dir, e.Name()))
		}
	}
}
