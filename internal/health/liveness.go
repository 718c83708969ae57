package health

import "time"

// Liveness answers what systemd's watchdog and a load balancer's liveness
// probe ask: is the process's loop still turning? Not whether DNS is as
// desired (that is the Status, /readyz): restarting dnssync because a
// record file is invalid or CoreDNS is down would fix nothing, and would
// drop what the safety rules hold in memory. The loop beats between
// passes (reconcile.Loop's heartbeat), and a pass beats as it progresses
// (reconcile.Options.Progress: each zone, every few RRsets checked), so
// that a long pass, which is busy, is alive; a loop or pass that has not
// beaten for longer than the bound (a deadlock, a hung syscall) is stuck.
//
// Times are time.Now's, whose monotonic reading makes the age immune to
// the wall clock being set (an NTP step must not read as a stuck loop).

// DefaultStuckAfter is the bound without a systemd watchdog: each step of a
// pass is bounded (a zone's transfer by 30 s, a query by [verify] timeout)
// and beats when done, so a loop silent this long is not busy, it is stuck.
const DefaultStuckAfter = 2 * time.Minute

// The states of a Liveness.
const (
	LiveAlive = "alive"
	LiveStuck = "stuck"
)

// Liveness is /healthz's answer (the API sends it as client.Liveness). It
// names no file, zone or error, so anyone may read it.
type Liveness struct {
	State         string // LiveAlive or LiveStuck
	LastHeartbeat time.Time
	// StuckAfter is the bound, in seconds: a heartbeat older than this is
	// a stuck loop.
	StuckAfter float64
}

// Alive reports whether l is /healthz's 200.
func (l Liveness) Alive() bool { return l.State == LiveAlive }

type liveness struct {
	last       time.Time
	stuckAfter time.Duration
}

// beat records a sign of life; t.mu is held.
func (t *Tracker) beat() { t.live.last = time.Now() }

// Beat records that the loop is alive now. The loop calls it between
// passes and a pass as it progresses, from the goroutines doing the work:
// a goroutine of its own, on a timer, would beat on while the loop hung.
func (t *Tracker) Beat() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.beat()
}

// SetStuckAfter sets the bound past which a silent loop is stuck. The
// daemon sets systemd's WatchdogSec when there is one, so that /healthz
// and the watchdog agree. d <= 0 is DefaultStuckAfter.
func (t *Tracker) SetStuckAfter(d time.Duration) {
	if d <= 0 {
		d = DefaultStuckAfter
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.live.stuckAfter = d
}

// Liveness returns whether the loop has beaten within the bound.
func (t *Tracker) Liveness() Liveness {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := Liveness{State: LiveAlive, LastHeartbeat: t.live.last, StuckAfter: t.live.stuckAfter.Seconds()}
	if time.Since(t.live.last) > t.live.stuckAfter {
		l.State = LiveStuck
	}
	return l
}
