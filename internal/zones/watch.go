package zones

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch watches the zones dir and sends once per burst of changes to its
// zone files, debounced as records.d is (sent once debounce passes without
// a new event, but at most 10*debounce after the first). It says only
// "the zone set may have changed": the receiver runs a full pass, which
// reads the dir (Dir.Scan). The channel holds one signal; a burst while one
// is waiting adds nothing, as one pass covers them all. It is closed when
// ctx ends.
//
// A dir missing at start is not created (the installed layout makes it,
// and the zones API on its first add): its parent is watched for it to
// appear, and then it is. A dir removed later is waited for alike. Watch
// fails only when neither the dir nor its parent can be watched; the
// scheduled passes read the dir all the same.
func Watch(ctx context.Context, dir string, debounce time.Duration, log *slog.Logger) (<-chan struct{}, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("watch zones dir %s: not a directory", dir)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch zones dir %s: %w", dir, err)
	}
	// The parent tells when the dir appears, or goes; its other entries'
	// events are dropped below.
	parentErr := w.Add(filepath.Dir(dir))
	dirErr := w.Add(dir)
	if parentErr != nil && dirErr != nil {
		w.Close()
		return nil, fmt.Errorf("watch zones dir %s: %w", dir, dirErr)
	}
	if dirErr != nil {
		log.Info("zones dir not there yet; watching for it to appear", "dir", dir)
	}
	if debounce <= 0 {
		debounce = time.Millisecond
	}
	out := make(chan struct{}, 1)
	go (&zoneWatch{dir: dir, debounce: debounce, log: log, w: w}).run(ctx, out)
	return out, nil
}

// zoneWatch is one Watch's state, owned by its goroutine.
type zoneWatch struct {
	dir      string
	debounce time.Duration
	log      *slog.Logger
	w        *fsnotify.Watcher
}

func (z *zoneWatch) run(ctx context.Context, out chan<- struct{}) {
	defer close(out)
	defer z.w.Close()
	timer := time.NewTimer(0)
	if !timer.Stop() {
		<-timer.C
	}
	var first time.Time // of the burst; zero when none is pending
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-z.w.Events:
			if !ok {
				return
			}
			if !z.relevant(ev) {
				continue
			}
			now := time.Now()
			if first.IsZero() {
				first = now
			}
			timer.Reset(min(z.debounce, first.Add(10*z.debounce).Sub(now)))
		case err, ok := <-z.w.Errors:
			if !ok {
				return
			}
			// Dropped events (a queue overflow) may have been zone files:
			// a pass reads them all.
			z.log.Warn("zones dir watch reported an error; rescanning", "dir", z.dir, "err", err)
			if first.IsZero() {
				first = time.Now()
				timer.Reset(z.debounce)
			}
		case <-timer.C:
			first = time.Time{}
			select {
			case out <- struct{}{}:
			default: // one is waiting already; its pass reads this too
			}
		}
	}
}

// relevant reports whether ev may change the zone set: a zone file in the
// dir, or the dir itself appearing (then watched) or going.
func (z *zoneWatch) relevant(ev fsnotify.Event) bool {
	name := filepath.Clean(ev.Name)
	if ev.Op == fsnotify.Chmod {
		return false
	}
	if name == z.dir {
		if ev.Has(fsnotify.Create) {
			// Files written before the watch was added are read by the
			// pass this event brings.
			if err := z.w.Add(z.dir); err != nil {
				z.log.Warn("zones dir appeared but cannot be watched; the schedule reads it", "dir", z.dir, "err", err)
			} else {
				z.log.Info("zones dir appeared; watching it", "dir", z.dir)
			}
		} else if ev.Has(fsnotify.Rename) {
			_ = z.w.Remove(z.dir) // a renamed dir would be watched under its new name
		}
		return true
	}
	return filepath.Dir(name) == z.dir && isZoneFile(filepath.Base(name))
}
