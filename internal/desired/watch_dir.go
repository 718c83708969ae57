package desired

import (
	"errors"
	"os"
	"time"
)

// The records dir itself can go away: removed and created again by a
// deploy, renamed and replaced by a new one. The kernel's watch ends with
// the old dir, so the batcher tries, with backoff, to watch the path again,
// and once it can, offers every record file in it for reading: whatever
// happened meanwhile was not seen. Files of the old dir that are not in the
// new one are left to the next Scan (a dir that vanished and came back
// empty is not "delete everything").

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
	clear(b.writing)
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
	b.addAll()
	return true
}

var errNotDir = errors.New("not a directory")
