package main

import (
	"testing"
	"time"
)

// The liveness bound is systemd's WatchdogSec when it set one (so that
// /healthz says stuck when systemd is about to restart the service), else
// two minutes; the loop beats four times within it, at least every 10 s.
// Not parallel: it sets the environment.
func TestLivenessFollowsTheWatchdog(t *testing.T) {
	for _, c := range []struct {
		usec         string
		every, bound time.Duration
	}{
		{"", 10 * time.Second, 2 * time.Minute},
		{"300000", 75 * time.Millisecond, 300 * time.Millisecond},
		{"120000000", 10 * time.Second, 2 * time.Minute},
		{"20000000", 5 * time.Second, 20 * time.Second},
	} {
		t.Setenv("WATCHDOG_USEC", c.usec)
		t.Setenv("WATCHDOG_PID", "")
		if every, bound := liveness(); every != c.every || bound != c.bound {
			t.Errorf("WATCHDOG_USEC=%q: every %v, bound %v; want %v, %v", c.usec, every, bound, c.every, c.bound)
		}
	}
}
