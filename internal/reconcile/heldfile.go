package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/flock"
	"github.com/dnssync/dnssync/internal/rrset"
)

// HeldFile keeps what the safety rules hold in the state dir (held.json),
// so that a hold outlives the process that made it: a daemon killed and
// started again, and a `dnssync apply` run beside it or after it, hold
// the same served sets (see held.go).
//
// More than one process writes it, as it does serials.json: each change
// takes a lock shared by every process (heldLockName, flock), reads the
// file again and replaces only its zone's entry, and only when this
// process last saw that entry as it still is. The file is replaced by
// rename (internal/atomicfile), so a reader without the lock sees a whole
// file, old or new.
type HeldFile struct {
	path string
	id   fileID               // of the file as last read or written (zero: none)
	last map[string]heldEntry // its content then, by zone; never modified in place
}

// heldEntry is one zone's hold: the served sets held, and the thresholds
// that held them. A hold made under other thresholds is not kept: changing
// them is a person's decision about what is safe.
type heldEntry struct {
	safety diff.Safety
	keys   map[rrset.Key]bool
}

func (e heldEntry) equal(o heldEntry) bool {
	return e.safety == o.safety && maps.Equal(e.keys, o.keys)
}

// HeldFileName is the state file's name in the state dir.
const HeldFileName = "held.json"

// heldLockName is the lock file beside the state file: the state file is
// replaced by rename, and a lock on the old one would exclude nobody.
const heldLockName = ".held.lock"

// heldLockTimeout bounds the wait for another process's change: it holds
// the lock for a read and an fsynced write of a small file.
const heldLockTimeout = 10 * time.Second

// errHeldMoved: another process changed a zone's entry since this one
// last read it; this process's verdict on that zone is stale.
var errHeldMoved = errors.New("another dnssync changed the changes held in this zone meanwhile; nothing applied now, the next pass judges the plan again")

// LoadHeld reads the held state at path; a missing file means nothing is
// held. A file that cannot be read or is not one dnssync wrote is an
// error: taking it for "nothing held" could release deletions the safety
// rules refused.
func LoadHeld(path string) (*HeldFile, error) {
	f := &HeldFile{path: path}
	if _, err := f.current(); err != nil {
		return nil, err
	}
	return f, nil
}

// Path is the state file.
func (f *HeldFile) Path() string { return f.path }

// current is the file's content, read again only when the file was
// replaced since it was last read or written.
func (f *HeldFile) current() (map[string]heldEntry, error) {
	var st unix.Stat_t
	err := unix.Stat(f.path, &st)
	if errors.Is(err, unix.ENOENT) {
		f.id, f.last = fileID{}, map[string]heldEntry{}
		return f.last, nil
	}
	if err == nil && f.last != nil && idOf(&st) == f.id {
		return f.last, nil
	}
	return f.read()
}

// read reads the file whatever its identity.
func (f *HeldFile) read() (map[string]heldEntry, error) {
	id, zones, err := readHeld(f.path)
	if err != nil {
		return nil, err
	}
	f.id, f.last = id, zones
	return zones, nil
}

// update changes the file under the lock: change gets the file's content
// as it is now and returns what it should be (change must not modify its
// argument). The file is written only when that differs. It returns the
// file's content afterwards, also when change refuses (with its error).
func (f *HeldFile) update(ctx context.Context, change func(map[string]heldEntry) (map[string]heldEntry, error)) (map[string]heldEntry, error) {
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("held state: state dir: %w", err)
	}
	release, err := flock.LockFile(ctx, filepath.Join(dir, heldLockName), true, heldLockTimeout)
	if err != nil {
		return nil, fmt.Errorf("held state: %w", err)
	}
	defer release()
	onDisk, err := f.read()
	if err != nil {
		return nil, err
	}
	next, err := change(onDisk)
	if err != nil {
		return onDisk, err
	}
	if maps.EqualFunc(next, onDisk, heldEntry.equal) {
		return onDisk, nil
	}
	if err := writeHeld(f.path, next); err != nil {
		return nil, err
	}
	// Stat under the lock: no other writer can have replaced it since.
	var st unix.Stat_t
	if err := unix.Stat(f.path, &st); err != nil {
		return nil, fmt.Errorf("held state: %w", err)
	}
	f.id, f.last = idOf(&st), next
	return next, nil
}

// fileID tells a file replaced by rename from the one before it.
type fileID struct {
	dev, ino, size, mtime, ctime int64
}

func idOf(st *unix.Stat_t) fileID {
	return fileID{dev: int64(st.Dev), ino: int64(st.Ino), size: st.Size, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}
}
