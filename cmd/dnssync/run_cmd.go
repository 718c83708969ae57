package main

import (
	"context"

	"github.com/spf13/cobra"
)

// runCmd is the command line of the daemon; run.go is the daemon.
func (c *cli) runCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run the daemon: watch records.d and keep CoreDNS in sync",
		Long: `Run as the daemon (the systemd service): watch records.d, reconcile the zones
whose files changed, make a full pass on the [verify] schedule and put drift
back, and serve the API, /healthz (liveness), /readyz (readiness) and
/metrics on [api] listen.

With auto_register = false it plans and reports but applies nothing (see
apply). SIGHUP loads the config again (a bad one is refused and the running one
kept) and reopens the audit file; SIGTERM or SIGINT stops it (exit 0). Under
systemd (Type=notify) it reports READY=1 after the first pass, and pets the
watchdog while its loop lives.`,
		Example: `  dnssync run --config /etc/dnssync/config.toml
  systemctl reload dnssync   # SIGHUP: load the config again`,
		Args:              positional("no arguments", 0, 0),
		ValidArgsFunction: noFiles,
		RunE: c.action(func(ctx context.Context, _ *cobra.Command, _ []string) int {
			return cmdRun(ctx, &c.config, c.stderr)
		}),
	}
}
