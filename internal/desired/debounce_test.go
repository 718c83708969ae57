package desired

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fsnotify/fsnotify"
)

// The batcher's timing, on synctest's fake clock: events come from the
// test instead of the kernel, so that the debounce, its cap and the
// batching while the receiver is busy are asserted exactly, at no cost in
// real time. (The watch tests with real inotify check the wiring.)

const testDir = "/records.d" // never touched: no dir events are sent

// nopWatcher stands in for the kernel's watch, which these tests bypass.
type nopWatcher struct{}

func (nopWatcher) Add(string) error    { return nil }
func (nopWatcher) Remove(string) error { return nil }
func (nopWatcher) Close() error        { return nil }

// runBatcher runs a batcher fed by the returned channel until the test ends.
func runBatcher(t *testing.T, debounce time.Duration) (chan<- fsnotify.Event, <-chan []string) {
	return runBatcherWriting(t, debounce, &writers{})
}

// runBatcherWriting is runBatcher with the writers the batcher holds
// paths back for.
func runBatcherWriting(t *testing.T, debounce time.Duration, w *writers) (chan<- fsnotify.Event, <-chan []string) {
	events := make(chan fsnotify.Event)
	b := newBatcher(testDir, debounce, slog.New(slog.DiscardHandler), nopWatcher{}, events, make(chan error), w)
	out := make(chan []string)
	ctx, cancel := context.WithCancel(t.Context())
	go b.run(ctx, out)
	t.Cleanup(func() {
		cancel()
		for range out { // until run returns and closes it
		}
	})
	return events, out
}

func write(name string) fsnotify.Event {
	return fsnotify.Event{Name: filepath.Join(testDir, name), Op: fsnotify.Write}
}

func paths(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(testDir, n)
	}
	return out
}

// next returns the next batch, failing if none comes within d.
func next(t *testing.T, out <-chan []string, d time.Duration) []string {
	t.Helper()
	select {
	case b := <-out:
		return b
	case <-time.After(d):
		t.Fatalf("no batch within %v", d)
		return nil
	}
}

// noMore fails if a batch comes within d.
func noMore(t *testing.T, out <-chan []string, d time.Duration) {
	t.Helper()
	time.Sleep(d)
	synctest.Wait()
	select {
	case b := <-out:
		t.Errorf("unexpected batch %q", b)
	default:
	}
}

// A burst is one batch, sent one quiet period after its last event.
func TestDebounceBurstIsOneBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 100 * time.Millisecond
		events, out := runBatcher(t, d)
		for range 5 {
			events <- write("web.yaml")
			time.Sleep(d / 2)
		}
		events <- write("db.yml")
		events <- write("notes.txt") // not a record file
		last := time.Now()
		got := next(t, out, 20*d)
		if waited := time.Since(last); waited != d {
			t.Errorf("batch %v after the last event, want %v", waited, d)
		}
		if want := paths("db.yml", "web.yaml"); !slices.Equal(got, want) {
			t.Errorf("batch = %q, want %q", got, want)
		}
		noMore(t, out, 10*d)
	})
}

// A steady trickle is sent after ten quiet periods, not postponed for ever.
func TestDebounceTrickleIsCapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 100 * time.Millisecond
		events, out := runBatcher(t, d)
		stop, stopped := make(chan struct{}), make(chan struct{})
		first := time.Now()
		go func() {
			defer close(stopped)
			for {
				select {
				case events <- write("web.yaml"):
				case <-stop:
					return
				}
				select {
				case <-time.After(d / 2):
				case <-stop:
					return
				}
			}
		}()
		got := next(t, out, 20*d)
		close(stop)
		<-stopped
		if waited := time.Since(first); waited != 10*d {
			t.Errorf("batch %v after the first event, want %v (the cap)", waited, 10*d)
		}
		if want := paths("web.yaml"); !slices.Equal(got, want) {
			t.Errorf("batch = %q, want %q", got, want)
		}
	})
}

// While the receiver is busy (a pass running), events are still taken in
// and what is ready grows: the next batch holds all of it.
func TestDebounceWhileReceiverBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 100 * time.Millisecond
		events, out := runBatcher(t, d)
		events <- write("a.yaml")
		time.Sleep(2 * d) // a.yaml is ready; nobody receives
		events <- write("b.yaml")
		time.Sleep(2 * d)
		if got, want := next(t, out, 20*d), paths("a.yaml", "b.yaml"); !slices.Equal(got, want) {
			t.Errorf("batch = %q, want %q", got, want)
		}
		noMore(t, out, 10*d)
	})
}

// A debounce of 0 sends a file renamed in as soon as its event is in: no
// quiet period at all (it was 1 ms, most of a change's own cost on
// rfc2136). A file written in place still gets a millisecond of quiet.
func TestDebounceZeroSendsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, tc := range []struct {
			op   fsnotify.Op
			wait time.Duration
		}{
			{fsnotify.Create, 0},
			{fsnotify.Write, time.Millisecond},
		} {
			events, out := runBatcher(t, 0)
			events <- fsnotify.Event{Name: filepath.Join(testDir, "web.yaml"), Op: tc.op}
			sent := time.Now()
			got := next(t, out, time.Second)
			if waited := time.Since(sent); waited != tc.wait {
				t.Errorf("%v: batch %v after the event, want %v", tc.op, waited, tc.wait)
			}
			if want := paths("web.yaml"); !slices.Equal(got, want) {
				t.Errorf("%v: batch = %q, want %q", tc.op, got, want)
			}
		}
	})
}

// With a debounce of 0, a path whose writer is still at work is looked at
// again every millisecond, not in a busy loop (on synctest's clock a busy
// loop never lets time pass, and the test would hang), and is sent once
// its writer closes it.
func TestDebounceZeroWaitsForWriter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &writers{}
		events, out := runBatcherWriting(t, 0, w)
		path := filepath.Join(testDir, "web.yaml")
		w.wrote(path, time.Now())
		events <- write("web.yaml")
		noMore(t, out, 50*time.Millisecond)
		w.closed(path)
		closed := time.Now()
		if got, want := next(t, out, time.Second), paths("web.yaml"); !slices.Equal(got, want) {
			t.Errorf("batch = %q, want %q", got, want)
		}
		if waited := time.Since(closed); waited > time.Millisecond {
			t.Errorf("batch %v after the writer closed, want within a millisecond", waited)
		}
	})
}
