package main

import (
	"sync"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"

	"github.com/dnssync/dnssync/internal/health"
)

// maxHeartbeat is the longest time between the loop's heartbeats: often
// enough that /healthz's last_heartbeat reads as now to a person.
const maxHeartbeat = 10 * time.Second

// liveness is how often the loop beats (pets systemd's watchdog and tells
// the health tracker it lives) and the bound past which a silent loop is
// stuck (/healthz 503). Under a systemd watchdog the bound is WatchdogSec:
// /healthz says stuck when systemd is about to restart the service, not
// before or after. Otherwise it is health.DefaultStuckAfter. The loop beats
// four times within the bound, so that one late tick is no failure.
func liveness() (every, bound time.Duration) {
	bound = health.DefaultStuckAfter
	if d, err := sd.SdWatchdogEnabled(false); err == nil && d > 0 {
		bound = d
	}
	return min(bound/4, maxHeartbeat), bound
}

// pulse carries the daemon's signs of life to those who listen: the health
// tracker (/healthz) and systemd (WATCHDOG=1; before READY=1,
// EXTEND_TIMEOUT_USEC). They come from the loop between passes (its
// heartbeat) and from inside a pass (its progress: each zone, every few
// RRsets checked), so that a pass longer than the bound, which is busy,
// is not taken for a stuck loop and restarted; a pass that makes no
// progress (a deadlock, a hung syscall) sends nothing and reads as stuck.
// It lives across config reloads.
type pulse struct {
	tracker *health.Tracker
	notify  notifier
	every   time.Duration // progress reaches systemd at most once per every
	bound   time.Duration // the liveness bound: how long a start may go silent

	mu    sync.Mutex
	sent  time.Time // when systemd last heard from the pulse
	ready bool      // READY=1 was sent: start-up is over
}

func newPulse(tracker *health.Tracker, n notifier, every, bound time.Duration) *pulse {
	return &pulse{tracker: tracker, notify: n, every: every, bound: bound}
}

// heartbeat is the loop's own beat, between passes.
func (p *pulse) heartbeat() {
	p.tracker.Beat()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.send()
}

// progress is a pass's sign of life; it may come from several goroutines,
// often (a zone, a few RRsets), and reaches systemd at most once per every.
func (p *pulse) progress() {
	p.tracker.Beat()
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.sent) >= p.every {
		p.send()
	}
}

// started notes that READY=1 is sent: from now on systemd's watchdog, not
// its start timeout, watches the daemon.
func (p *pulse) started() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ready = true
}

// send pets the watchdog and, during start-up, extends systemd's start
// timeout (TimeoutStartSec) by the liveness bound: a first pass that
// progresses may take as long as it needs, one silent for the bound fails
// the start. p.mu is held, so that messages go out in order.
func (p *pulse) send() {
	p.sent = time.Now()
	var extend time.Duration
	if !p.ready {
		extend = p.bound
	}
	p.notify.alive(extend)
}
