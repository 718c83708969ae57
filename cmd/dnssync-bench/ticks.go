//go:build linux

package main

import (
	"bytes"
	"context"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// tickWatch sees CoreDNS's reload ticks for one zone file: on each tick
// the zone's reload goroutine opens the file to read its serial, which
// inotify reports as IN_OPEN of that name in the directory. Nothing else
// opens it while the harness waits for a tick (dnssync reads it only in a
// pass, and a pass has settled by then).
type tickWatch struct {
	f     *os.File
	ticks chan time.Time
}

// watchTicks watches dir for opens of the file name.
func watchTicks(dir, name string) (*tickWatch, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, err
	}
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_OPEN); err != nil {
		unix.Close(fd)
		return nil, err
	}
	w := &tickWatch{f: os.NewFile(uintptr(fd), "inotify"), ticks: make(chan time.Time, 1)}
	go w.read(name)
	return w, nil
}

func (w *tickWatch) read(name string) {
	buf := make([]byte, 64*1024)
	for {
		n, err := w.f.Read(buf)
		if err != nil {
			return
		}
		now := time.Now()
		for _, got := range inotifyNames(buf[:n]) {
			if got != name {
				continue
			}
			select { // keep only the latest
			case <-w.ticks:
			default:
			}
			w.ticks <- now
		}
	}
}

// inotifyNames are the names of the events in buf.
func inotifyNames(buf []byte) []string {
	var out []string
	for len(buf) >= unix.SizeofInotifyEvent {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[0]))
		end := unix.SizeofInotifyEvent + int(ev.Len)
		if end > len(buf) {
			break
		}
		name := buf[unix.SizeofInotifyEvent:end]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		out = append(out, string(name))
		buf = buf[end:]
	}
	return out
}

// next waits up to max for the next tick after now and returns its time.
func (w *tickWatch) next(ctx context.Context, max time.Duration) (time.Time, bool) {
	select { // a tick seen before now is stale
	case <-w.ticks:
	default:
	}
	select {
	case t := <-w.ticks:
		return t, true
	case <-ctx.Done():
	case <-time.After(max):
	}
	return time.Time{}, false
}

func (w *tickWatch) close() { w.f.Close() }
