package main

import (
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/health"
)

// notifySocket plays systemd's end of sd_notify: a datagram socket named
// by NOTIFY_SOCKET. next returns the next message sent to it.
func notifySocket(t *testing.T) (next func() string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return func() string {
		t.Helper()
		buf := make([]byte, 4096)
		if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no sd_notify message: %v", err)
		}
		return string(buf[:n])
	}
}

// During start-up (before READY=1) a pass's progress tells systemd the
// start goes on: WATCHDOG=1 with EXTEND_TIMEOUT_USEC of the liveness
// bound, so that a long first pass under a bounded TimeoutStartSec is not
// killed while it progresses, and at most once per beat however often
// the pass reports. After READY=1 it only pets the watchdog. Every sign
// of life beats the health tracker too. Not parallel: it sets the
// environment.
func TestPulseExtendsTheStartWhileThePassProgresses(t *testing.T) {
	next := notifySocket(t)
	tr := health.NewTracker()
	tr.SetStuckAfter(90 * time.Second)
	p := newPulse(tr, notifier{log: slog.New(slog.NewTextHandler(io.Discard, nil))}, time.Hour, 90*time.Second)

	p.progress() // the first zone of the first pass
	if got, want := next(), "WATCHDOG=1\nEXTEND_TIMEOUT_USEC=90000000"; got != want {
		t.Fatalf("first progress of the first pass sent %q, want %q", got, want)
	}
	before := tr.Liveness().LastHeartbeat
	for range 100 { // zones and checked RRsets: throttled, systemd hears none of them
		p.progress()
	}
	if l := tr.Liveness(); !l.LastHeartbeat.After(before) {
		t.Errorf("progress did not beat the tracker: last heartbeat %v, before %v", l.LastHeartbeat, before)
	}
	p.heartbeat() // the loop's own beat always reaches systemd
	if got, want := next(), "WATCHDOG=1\nEXTEND_TIMEOUT_USEC=90000000"; got != want {
		t.Fatalf("heartbeat during start-up sent %q, want %q (progress in between must have been throttled)", got, want)
	}

	p.started() // READY=1 was sent
	p.heartbeat()
	if got, want := next(), "WATCHDOG=1"; got != want {
		t.Fatalf("heartbeat after READY=1 sent %q, want %q", got, want)
	}
}
