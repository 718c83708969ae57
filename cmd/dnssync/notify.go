package main

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"

	"github.com/dnssync/dnssync/internal/reconcile"
)

// notifier speaks sd_notify to systemd (Type=notify). Without
// NOTIFY_SOCKET every call is a no-op.
type notifier struct{ log *slog.Logger }

func (n notifier) send(state string) {
	if _, err := sd.SdNotify(false, state); err != nil {
		n.log.Debug("sd_notify failed", "err", err)
	}
}

func (n notifier) ready(status string)  { n.send("READY=1\nSTATUS=" + status) }
func (n notifier) status(status string) { n.send("STATUS=" + status) }
func (n notifier) stopping()            { n.send(sd.SdNotifyStopping) }

// alive pets the watchdog; extend > 0 also extends the start-up timeout
// (TimeoutStartSec) by that much from now (EXTEND_TIMEOUT_USEC): before
// READY=1 systemd's watchdog is not armed, the start timeout is.
func (n notifier) alive(extend time.Duration) {
	state := sd.SdNotifyWatchdog
	if extend > 0 {
		state += fmt.Sprintf("\nEXTEND_TIMEOUT_USEC=%d", extend.Microseconds())
	}
	n.send(state)
}

// reloading tells systemd a reload began; MONOTONIC_USEC lets systemd
// match it to the SIGHUP (Type=notify-reload semantics). Without a clock
// reading (0) the field is left out rather than sent wrong.
func (n notifier) reloading() {
	state := "RELOADING=1"
	if us := monotonicUsec(); us > 0 {
		state += fmt.Sprintf("\nMONOTONIC_USEC=%d", us)
	}
	n.send(state)
}

// statusLine summarises a pass for `systemctl status`.
func statusLine(res reconcile.Result) string {
	if res.Err != nil {
		return "error: " + res.Err.Error()
	}
	var failed []string
	changes, records := 0, 0
	for _, n := range res.State.Records {
		records += n
	}
	for _, z := range res.Zones {
		if z.Err != nil {
			failed = append(failed, z.Zone)
		}
		if z.Applied {
			changes += len(z.Plan.Changes)
		}
	}
	if len(failed) > 0 {
		return fmt.Sprintf("failing zones: %s (last error: %v)", strings.Join(failed, " "), res.Failed())
	}
	s := fmt.Sprintf("%d zones, %d records; last pass %s, %d changes", len(res.State.Zones), records, res.Duration.Round(time.Millisecond), changes)
	if n := len(res.State.Problems); n > 0 {
		s += fmt.Sprintf("; %d invalid record files", n)
	}
	return s
}
