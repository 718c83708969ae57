package registry

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dnssync/dnssync/internal/desired"
)

// Writers with nothing in common but records.d (as two processes are: a
// CLI command and the daemon) lose no value when they add to one name at
// the same time.
func TestWritersShareTheLock(t *testing.T) {
	_, store, dir := newRegistry(t)
	opts := desired.Options{Dir: dir, Zones: []string{"example.com"}, DefaultTTL: 300}
	const writers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		r := &Registry{Options: opts, Declared: store} // a mutex of its own, as in another process
		for i := 0; i < each; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := r.Register(t.Context(), Record{Name: "pool.example.com", Type: "A", Value: fmt.Sprintf("192.0.2.%d", 1+w*each+i)}); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	rescan(t, store)
	var got []string
	for _, d := range store.DeclaredAt("pool.example.com") {
		got = append(got, ToRecord(d).Value)
	}
	if len(got) != writers*each {
		slices.Sort(got)
		t.Fatalf("%d of %d values in records.d: %v", len(got), writers*each, got)
	}
}

// A writer that holds the lock too long makes the next edit fail with
// ErrLocked after the wait, not hang, and not write.
func TestLockTimeout(t *testing.T) {
	r, _, dir := newRegistry(t)
	release, err := lockDir(t.Context(), dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r.LockTimeout = 50 * time.Millisecond
	start := time.Now()
	_, err = r.Register(t.Context(), Record{Name: "a.example.com", Type: "A", Value: "192.0.2.1"})
	if !errors.Is(err, ErrLocked) || time.Since(start) > 5*time.Second {
		t.Fatalf("register while locked: %v after %s", err, time.Since(start))
	}
	release()
	if _, err := r.Register(t.Context(), Record{Name: "a.example.com", Type: "A", Value: "192.0.2.1"}); err != nil {
		t.Fatalf("register once released: %v", err)
	}
}

// An edit waiting for the lock stops when its context ends (the API's
// client went away, the CLI was interrupted), long before LockTimeout, and
// writes nothing; so does one queued behind another edit in this process.
func TestLockWaitEndsWithContext(t *testing.T) {
	r, _, dir := newRegistry(t)
	release, err := lockDir(t.Context(), dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	r.LockTimeout = time.Hour
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	errs := make(chan error, 2)
	for i := range 2 { // the second waits for this process's turn
		go func() {
			_, err := r.Register(ctx, Record{Name: fmt.Sprintf("a%d.example.com", i), Type: "A", Value: "192.0.2.1"})
			errs <- err
		}()
	}
	deadline := time.After(10 * time.Second)
	for range 2 {
		select {
		case err := <-errs:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("register with an ended context: %v", err)
			}
		case <-deadline:
			t.Fatal("register still waiting for the lock 10s after its context ended")
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "api-*")); len(left) != 0 {
		t.Errorf("written although the lock was never taken: %v", left)
	}
}

// A FIFO planted as records.d's lock file makes an edit fail at once,
// naming it, instead of blocking in open() (for as long as no one writes
// to the FIFO, and deaf to the context).
func TestLockFileFIFORefused(t *testing.T) {
	r, _, dir := newRegistry(t)
	lock := filepath.Join(dir, LockName)
	if err := unix.Mkfifo(lock, 0o666); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := r.Register(t.Context(), Record{Name: "a.example.com", Type: "A", Value: "192.0.2.1"})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), lock) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("register with a FIFO as the lock: %v", err)
		}
	case <-time.After(5 * time.Second):
		if fd, err := unix.Open(lock, unix.O_WRONLY|unix.O_NONBLOCK, 0); err == nil {
			unix.Close(fd)
		}
		<-done
		t.Fatal("register blocked for 5s opening a FIFO as the lock")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "api-*")); len(left) != 0 {
		t.Errorf("written without the lock: %v", left)
	}
}
