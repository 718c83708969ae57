//go:build linux

package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// The daemon's "first pass done": dnssync sends READY=1 (sd_notify, the
// systemd protocol) once its first full pass has applied and verified
// every zone, with a STATUS line that says how it went. The bench plays
// systemd's part: a datagram socket named by NOTIFY_SOCKET, so that "cold
// until verified" is measured from the outside, as for "served", without
// the API or the log.

// readyMsg is the first READY=1 the daemon sent.
type readyMsg struct {
	at     time.Time // when the bench received it
	status string    // its STATUS= line
}

// readyWatch receives one daemon's sd_notify datagrams.
type readyWatch struct {
	path  string
	conn  *net.UnixConn
	ready chan readyMsg // the first READY=1; buffered, sent once
	// passes counts the STATUS= lines received (one at the end of every
	// pass, the first with READY=1); last is the latest.
	passes atomic.Int64
	last   atomic.Pointer[string]
}

var notifySockets atomic.Int64

// listenReady binds a notify socket in dir (a new name each time: a
// scenario may start dnssync twice in one dir).
func listenReady(dir string) (*readyWatch, error) {
	path := filepath.Join(dir, fmt.Sprintf("notify-%d.sock", notifySockets.Add(1)))
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("notify socket for dnssync: %w", err)
	}
	w := &readyWatch{path: path, conn: conn, ready: make(chan readyMsg, 1)}
	go w.read()
	return w, nil
}

// env is the child's NOTIFY_SOCKET.
func (w *readyWatch) env() string { return "NOTIFY_SOCKET=" + w.path }

func (w *readyWatch) read() {
	buf := make([]byte, 64<<10)
	sent := false
	for {
		n, err := w.conn.Read(buf)
		if err != nil {
			return // closed
		}
		at := time.Now()
		ready, status := parseNotify(string(buf[:n]))
		if strings.Contains(string(buf[:n]), "STATUS=") {
			w.last.Store(&status)
			w.passes.Add(1)
		}
		if sent {
			continue
		}
		if ready {
			w.ready <- readyMsg{at: at, status: status}
			sent = true
		}
	}
}

// parseNotify reads one sd_notify datagram: newline-separated KEY=VALUE.
func parseNotify(msg string) (ready bool, status string) {
	for _, line := range strings.Split(msg, "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "READY":
			ready = v == "1"
		case "STATUS":
			status = v
		}
	}
	return ready, status
}

// wait returns the first READY=1, failing when the deadline passes or a
// watched process exits first.
func (w *readyWatch) wait(ctx context.Context, what string, deadline time.Duration, watch ...*proc) (readyMsg, error) {
	timer := time.NewTimer(deadline)
	defer timer.Stop()
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case m := <-w.ready:
			w.ready <- m // a later wait sees it too
			return m, nil
		case <-ctx.Done():
			return readyMsg{}, fmt.Errorf("%s: %w", what, ctx.Err())
		case <-timer.C:
			return readyMsg{}, fmt.Errorf("%s: no READY=1 from dnssync within %v", what, deadline)
		case <-poll.C:
			for _, p := range watch {
				if ok, err := p.exited(); ok {
					return readyMsg{}, fmt.Errorf("%s: %s exited (%v) before READY=1; its output:\n%s", what, p.name, err, p.logTail())
				}
			}
		}
	}
}

// checkFirstPass is nil when the first pass's STATUS says every zone of
// the zones wanted was applied and verified: dnssync's statusLine is
// "N zones, M records; ..." then, and names the failing zones otherwise.
func checkFirstPass(status string, zones int) error {
	if !strings.HasPrefix(status, fmt.Sprintf("%d zones, ", zones)) {
		return fmt.Errorf("first pass not verified in full (want %d zones): STATUS=%s", zones, status)
	}
	return nil
}

func (w *readyWatch) close() {
	w.conn.Close()
	os.Remove(w.path)
}
