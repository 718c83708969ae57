package registry

// The lock every writer of the API's files takes: the daemon (for the HTTP
// API) and each CLI command alike. A mutex covers one process only; two
// `dnssync register` commands, or one beside the daemon, would each read a
// file, add a value and write it back, and the later rename would drop the
// other's value. flock(2) on a file in records.d covers them all: every
// writer can reach it (it writes records.d anyway), it needs no write
// permission on the lock file itself, and the kernel releases it when a
// process dies, so a killed command never leaves records.d locked.
//
// The wait is bounded (LockTimeout) and ends with the caller's context: an
// API request whose client went away, or a CLI command interrupted, stops
// waiting at once instead of holding a goroutine or a terminal.

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/dnssync/dnssync/internal/flock"
)

// LockName is the lock file in records.d. It is a dotfile, which the loader
// and the watcher ignore.
const LockName = ".dnssync.lock"

// defaultLockTimeout bounds the wait for another writer: an edit holds the
// lock for a read, a check and an fsynced write, milliseconds.
const defaultLockTimeout = 10 * time.Second

// ErrLocked is returned when another writer held the lock for the whole wait.
var ErrLocked = errors.New("records.d is locked by another writer")

// lock takes this process's turn (one edit at a time, handed over without
// polling) and then records.d's lock, within LockTimeout in all and while
// ctx lasts. It returns the release of both.
func (r *Registry) lock(ctx context.Context) (release func(), err error) {
	timeout := r.LockTimeout
	if timeout <= 0 {
		timeout = defaultLockTimeout
	}
	if err := context.Cause(ctx); err != nil { // the request is gone: no edit for it
		return nil, fmt.Errorf("waiting for records.d's lock: %w", err)
	}
	start := time.Now()
	r.once.Do(func() { r.turn = make(chan struct{}, 1) })
	wait := time.NewTimer(timeout)
	defer wait.Stop()
	select {
	case r.turn <- struct{}{}:
	case <-wait.C:
		return nil, fmt.Errorf("%w (another edit in this process held it for more than %s)", ErrLocked, timeout)
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for records.d's lock: %w", context.Cause(ctx))
	}
	unlock, err := lockDir(ctx, r.Options.Dir, timeout-time.Since(start))
	if err != nil {
		<-r.turn
		return nil, err
	}
	return func() { unlock(); <-r.turn }, nil
}

// lockDir takes the lock of dir and returns its release.
func lockDir(ctx context.Context, dir string, timeout time.Duration) (release func(), err error) {
	path := filepath.Join(dir, LockName)
	release, err = flock.LockFile(ctx, path, true, timeout)
	if errors.Is(err, flock.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s held for more than %s)", ErrLocked, path, timeout)
	}
	return release, err
}
