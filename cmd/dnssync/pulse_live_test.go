package main

import (
	"io"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dnssync/dnssync/internal/health"
)

// A pass longer than the liveness bound (twelve zones of 30 s each, where
// the bound is 2 minutes) keeps /healthz alive while it reports progress
// after each zone; a pass that stops progressing reads as stuck once the
// bound has passed, as before. Fake time. Not parallel: it sets the
// environment (no NOTIFY_SOCKET: systemd is not asked).
func TestProgressKeepsHealthzAliveThroughALongPass(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	synctest.Test(t, func(t *testing.T) {
		const bound, zone = 2 * time.Minute, 30 * time.Second
		tr := health.NewTracker()
		tr.SetStuckAfter(bound)
		p := newPulse(tr, notifier{log: slog.New(slog.NewTextHandler(io.Discard, nil))}, bound/4, bound)

		start := time.Now()
		pass := make(chan struct{})
		go func() { // the pass: one zone after another, each a transfer's 30 s
			defer close(pass)
			for range 12 {
				time.Sleep(zone)
				p.progress()
			}
		}()
		for time.Since(start) < 12*zone {
			time.Sleep(5 * time.Second) // a probe of /healthz every 5 s
			if l := tr.Liveness(); !l.Alive() {
				t.Fatalf("%v into a pass that progresses: %+v, want alive", time.Since(start), l)
			}
		}
		<-pass
		if d := time.Since(start); d <= bound {
			t.Fatalf("the pass took %v, want longer than the bound %v", d, bound)
		}

		// A pass that hangs sends nothing: stuck once the bound has passed.
		time.Sleep(bound + time.Second)
		if l := tr.Liveness(); l.Alive() {
			t.Fatalf("silent %v past the last progress: %+v, want stuck", bound+time.Second, l)
		}
	})
}
