package desired

import (
	"errors"
	"os"
	"path/filepath"
	"time"
)

// The records dir itself can go away: removed and created again by a
// deploy, renamed and replaced by a new one. The kernel's watch ends with
// the old dir, so the batcher tries, with backoff, to watch the path again,
// and once it can, offers each record file in it for reading, one path at
// a time: whatever happened meanwhile was not seen. What the old dir's
// events said and was not yet sent (its files removed one by one, say) is
// dropped with it, and the dir's own path is not offered (that would be a
// full rescan): files of the old dir that are not in the new one, or not
// yet, are left to the next scheduled Scan. A deploy that puts the files
// back one by one must not lose the records of those still to come, and a
// dir that came back empty is not "delete everything".

const (
	rewatchFirst = 50 * time.Millisecond
	rewatchMax   = 2 * time.Second
)

// dirLost notes that the dir's watch is gone.
func (b *batcher) dirLost() {
	if b.lost {
		return
	}
	b.lost = true
	b.backoff = rewatchFirst
	b.log.Warn("records dir removed or renamed; watching for it to come back", "dir", b.dir)
	b.w.Remove(b.dir) // a renamed dir is still watched under its new name; a removed one is not
	if b.cw != nil {
		b.cw.remove()
	}
	b.writing.reset()
	clear(b.pending)
	clear(b.ready)
}

// rewatch tries to watch the dir again and reports whether it did.
func (b *batcher) rewatch() bool {
	fi, err := os.Stat(b.dir)
	if err == nil && fi.IsDir() {
		err = b.w.Add(b.dir)
	} else if err == nil {
		err = errNotDir
	}
	if err != nil {
		b.backoff = min(2*b.backoff, rewatchMax)
		return false
	}
	if b.cw != nil {
		if err := b.cw.add(b.dir); err != nil {
			b.log.Debug("writers closing files no longer reported", "dir", b.dir, "err", err)
		}
	}
	b.lost = false
	b.log.Info("records dir is back; watching it again", "dir", b.dir)
	b.addListed()
	return true
}

// addListed offers each record file in the dir (listed after the watch
// was added, so that a file created in between is in one or the other).
func (b *batcher) addListed() {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		// Gone again (the next event says so) or unreadable: the
		// scheduled Scan reports it.
		b.log.Warn("listing records dir after it came back", "dir", b.dir, "err", err)
		return
	}
	for _, e := range entries {
		if isRecordFile(e.Name()) {
			b.add(filepath.Join(b.dir, e.Name()))
		}
	}
}

var errNotDir = errors.New("not a directory")
