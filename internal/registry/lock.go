package registry

// The lock every writer of the API's files takes: the daemon (for the HTTP
// API) and each CLI command alike. A mutex covers one process only; two
// `dnssync register` commands, or one beside the daemon, would each read a
// file, add a value and write it back, and the later rename would drop the
// other's value. flock(2) on a file in records.d covers them all: every
// writer can reach it (it writes records.d anyway), it needs no write
// permission on the lock file itself, and the kernel releases it when a
// process dies, so a killed command never leaves records.d locked.

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// LockName is the lock file in records.d. It is a dotfile, which the loader
// and the watcher ignore.
const LockName = ".dnssync.lock"

// defaultLockTimeout bounds the wait for another writer: an edit holds the
// lock for a read, a check and an fsynced write, milliseconds.
const defaultLockTimeout = 10 * time.Second

// ErrLocked is returned when another writer held the lock for the whole wait.
var ErrLocked = errors.New("records.d is locked by another writer")

// lockDir takes the lock of dir and returns its release.
func lockDir(dir string, timeout time.Duration) (release func(), err error) {
	path := filepath.Join(dir, LockName)
	// Read-only is enough for flock; O_NOFOLLOW keeps a symlink planted
	// here from creating or locking a file elsewhere.
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// Whoever made it, every writer must be able to open it: a umask
	// (the unit's 0027) must not lock a CLI user out. It holds nothing.
	_ = unix.Fchmod(fd, 0o644)
	deadline := time.Now().Add(timeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 20*time.Millisecond) {
		err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { unix.Close(fd) }, nil // closing the last descriptor unlocks
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			unix.Close(fd)
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			unix.Close(fd)
			return nil, fmt.Errorf("%w (%s held for more than %s)", ErrLocked, path, timeout)
		}
		time.Sleep(wait)
	}
}
