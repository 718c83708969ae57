package main

import (
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
