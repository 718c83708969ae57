// Package atomicfile is dnssync's one file writer: a reader (CoreDNS, a
// person, dnssync after a crash) sees the old content or the new, never a
// part, and the new content survives a power cut once Write returns. What
// dnssync writes to its state directory it reads back with ReadRegular
// (read.go): regular files only, never through a link or from a FIFO.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
)

// TempPattern is the name of every temporary file Write creates (the "*"
// becomes random digits). It starts with a dot and holds no "db." anywhere,
// so that neither the records loader (which skips dotfiles and *.tmp) nor
// CoreDNS's auto plugin (whose default regexp, db\.(.*), is unanchored and
// matched against the base name of every file under its directory, dotfiles
// and subdirectories included) can ever take it for content.
const TempPattern = tempPrefix + "*" + tempSuffix

const (
	tempPrefix = ".dnssync-"
	tempSuffix = ".tmp"
)

// IsTemp reports whether name (a base name) is one of Write's temporary
// files, e.g. one left behind by a process that was killed mid-write.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, tempPrefix) && strings.HasSuffix(name, tempSuffix) &&
		len(name) > len(tempPrefix)+len(tempSuffix)
}

// Write replaces path with data. The temporary file is created in tmpDir,
// which must be on the same filesystem as path (rename cannot cross
// filesystems): path's own directory is the one that always is.
func Write(path, tmpDir string, data []byte, perm os.FileMode) error {
	return WriteWith(path, tmpDir, perm, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// WriteWith is Write with the content written by fill, into the temporary
// file open for writing at offset 0: for content that is not one slice of
// bytes, such as a file patched from the one it replaces. An error from
// fill leaves path as it was.
func WriteWith(path, tmpDir string, perm os.FileMode, fill func(*os.File) error) (err error) {
	f, err := os.CreateTemp(tmpDir, TempPattern)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	if err = fill(f); err != nil {
		f.Close()
		return err
	}
	if err = f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// SyncDir makes a new name, a rename or a removal in dir durable.
//
// Syncs of one directory are shared (group commit): a sync that starts
// after a caller's change covers it, so the callers that arrive while one
// sync is under way wait and share the next, which one of them makes. A
// cold start writing 64 zone files at once syncs their directory a few
// times, not 64 times.
func SyncDir(dir string) error {
	ds := dirSyncOf(dir)
	ds.mu.Lock()
	r := ds.pending
	if r == nil {
		r = &syncRound{done: make(chan struct{})}
		ds.pending = r
	}
	r.callers++
	ds.mu.Unlock()

	ds.turn.Lock()
	defer ds.turn.Unlock()
	select {
	case <-r.done: // made by a caller of the same round
	default:
		ds.mu.Lock()
		if ds.pending == r {
			ds.pending = nil // every change it covers is made: no one joins it now
		}
		ds.mu.Unlock()
		ds.syncs.Add(1)
		r.err = syncDir(dir)
		close(r.done)
	}
	return r.err
}

// dirSync is one directory's shared syncs: pending is the round the next
// callers join, turn is held over a sync.
type dirSync struct {
	mu      sync.Mutex
	pending *syncRound
	turn    sync.Mutex
	syncs   atomic.Int64 // made (tests)
}

// syncRound is one sync and the callers it answers; err is set before
// done is closed.
type syncRound struct {
	done    chan struct{}
	err     error
	callers int // that joined it (tests)
}

var dirSyncs sync.Map // cleaned directory path -> *dirSync; a process syncs a few directories

func dirSyncOf(dir string) *dirSync {
	dir = filepath.Clean(dir)
	if ds, ok := dirSyncs.Load(dir); ok {
		return ds.(*dirSync)
	}
	ds, _ := dirSyncs.LoadOrStore(dir, &dirSync{})
	return ds.(*dirSync)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
