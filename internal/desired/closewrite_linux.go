//go:build linux

package desired

import (
	"bytes"
	"encoding/binary"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// fsnotify v1.10.1 keeps inotify's IN_CLOSE_WRITE to itself (the option
// that turns it on is unexported), so a second, small inotify instance
// reports for the records dir that a file was written (IN_MODIFY) and that
// a writer closed it (IN_CLOSE_WRITE). Both come from one queue, so their
// order is the kernel's: a close is never seen before the write it ends.

type closeWatcher struct {
	fd   int
	file *os.File
	// wd is the dir's watch, -1 for none. Events of an earlier watch (a
	// dir since removed or renamed) may still be queued: they name files
	// of that dir, not of the one watched now, and are dropped.
	wd     atomic.Int32
	events chan writeEvent
	done   chan struct{}
	once   sync.Once
}

func newCloseWatcher() (*closeWatcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, err
	}
	// A non-blocking fd in an os.File is read through the runtime's
	// poller, so close() ends a pending Read.
	c := &closeWatcher{fd: fd, file: os.NewFile(uintptr(fd), "inotify"),
		events: make(chan writeEvent), done: make(chan struct{})}
	c.wd.Store(-1)
	go c.read()
	return c, nil
}

// add watches dir, replacing the previous watch.
func (c *closeWatcher) add(dir string) error {
	c.remove()
	wd, err := unix.InotifyAddWatch(c.fd, dir, unix.IN_MODIFY|unix.IN_CLOSE_WRITE|unix.IN_ONLYDIR)
	if err != nil {
		return err
	}
	c.wd.Store(int32(wd))
	return nil
}

func (c *closeWatcher) remove() {
	if wd := c.wd.Swap(-1); wd >= 0 {
		unix.InotifyRmWatch(c.fd, uint32(wd)) // gone already when the dir was removed
	}
}

func (c *closeWatcher) close() {
	c.once.Do(func() {
		close(c.done)
		c.file.Close()
	})
}

func (c *closeWatcher) read() {
	buf := make([]byte, 64*1024)
	for {
		n, err := c.file.Read(buf)
		if err != nil {
			return // closed
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			wd := int32(binary.NativeEndian.Uint32(buf[off:]))
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			size := int(binary.NativeEndian.Uint32(buf[off+12:]))
			name := string(bytes.TrimRight(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+size], "\x00"))
			off += unix.SizeofInotifyEvent + size
			var ev writeEvent
			switch {
			case mask&unix.IN_Q_OVERFLOW != 0:
				ev.overflow = true
			case wd != c.wd.Load():
				continue // an earlier watch's
			case name == "":
				continue // about the dir itself (IN_IGNORED): fsnotify reports that
			case mask&unix.IN_CLOSE_WRITE != 0:
				ev = writeEvent{name: name, closed: true}
			case mask&unix.IN_MODIFY != 0:
				ev = writeEvent{name: name}
			default:
				continue
			}
			select {
			case c.events <- ev:
			case <-c.done:
				return
			}
		}
	}
}
