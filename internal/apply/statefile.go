package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/flock"
)

// The state files in state_dir (serials.json, owned.json) are written by
// more than one process: the daemon, and `dnssync apply` run beside it.
// Each keeps its own copy, so each write takes a lock shared by every
// process, reads the file again, merges its own changes into it and writes
// the result whole. These are the two steps they share.

// stateLockTimeout bounds the wait for another process's write: it holds
// the lock for a read and an fsynced write of a small file.
const stateLockTimeout = 10 * time.Second

// lockState creates the state file's directory and takes the exclusive
// lock on lockName beside path. The state file itself cannot be the lock:
// it is replaced by rename, and a lock on the old file would not exclude a
// process that opens the new one. release ends the lock.
func lockState(path, lockName string) (release func(), err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	return flock.LockFile(context.Background(), filepath.Join(dir, lockName), true, stateLockTimeout)
}

// writeState replaces the state file at path with v as indented JSON and a
// final newline, atomically.
func writeState(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, filepath.Dir(path), append(b, '\n'), 0o644)
}
