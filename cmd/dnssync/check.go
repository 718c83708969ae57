package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/spf13/cobra"

	"github.com/dnssync/dnssync/internal/api"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/zones"
)

func (c *cli) validateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the config, zones.d and records.d, without touching DNS",
		Long: `Load the config and every file in zones.d and records.d with the daemon's own
checks, and print one line per problem on stderr, "file:line: message": an
invalid zone file, a zone declared twice or as the [catalog] zone, an
invalid records file. Nothing is
read from or written to DNS, so it runs anywhere: in CI, before a commit,
on a copy of records.d.`,
		Example: `  dnssync validate --config /etc/dnssync/config.toml
  dnssync validate --config ci.toml || exit 1`,
		Args:              positional("no arguments", 0, 0),
		ValidArgsFunction: noFiles,
		RunE: c.action(func(context.Context, *cobra.Command, []string) int {
			_, code := c.validate()
			return code
		}),
	}
}

// validate loads the config and checks zones.d, then records.d (against
// the zones zones.d makes); problems go to stderr.
func (c *cli) validate() (*config.Config, int) {
	cfg, err := config.Discover(c.config)
	if err != nil {
		return nil, c.fail(err)
	}
	set, _, err := managedZones(cfg)
	if err != nil {
		return nil, c.fail(err)
	}
	zoneProblems := printZoneProblems(c.stderr, set.Problems())
	problems, err := desired.Validate(desiredOptions(cfg))
	if err != nil {
		return nil, c.fail(err)
	}
	for _, p := range problems { // one line each, file:line: message
		fmt.Fprintln(c.stderr, p.Error())
	}
	if len(problems) > 0 || zoneProblems > 0 {
		return nil, exitError
	}
	fmt.Fprintf(c.stdout, "ok: config and %s are valid (config: %s)\n", cfg.Records.Dir, cfg.SourceName())
	return cfg, exitOK
}

// printZoneProblems lists zones.d's problems on w, one line each,
// "file:line: message" as records.d's, and returns how many.
func printZoneProblems(w io.Writer, problems []zones.Problem) int {
	for _, p := range problems {
		fmt.Fprintln(w, p.Error())
	}
	return len(problems)
}

func (c *cli) checkConfigCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check-config",
		Short: "Validate, and check the backend's files and directories (for ExecStartPre=)",
		Long: `Do what validate does, then wire the backend as the daemon would: read its
secret (the TSIG key) and state, prove that dnssync can write where it must
(create, fsync, rename and remove a file in zone_dir and state_dir, and, with
the API on, in records.d, taking its lock), read the API's token file as
the daemon will, open the [audit] file for appending, and bind api.listen
(a TCP address in use, by the running daemon, is a note). Then it opens a
TCP connection to each DNS server dnssync talks to (coredns_url,
backend.server, [verify] nameservers): one the kernel refuses (the unit's
IPAddressDeny=) fails, naming the IPAddressAllow= drop-in that allows it;
an unreachable server is a warning. Nothing is sent to DNS.

Meant for the unit's ExecStartPre=: a broken config fails the start, with its
reason in the journal, instead of the first change.`,
		Example: `  dnssync check-config --config /etc/dnssync/config.toml
  # in dnssync.service:
  #   ExecStartPre=/usr/local/bin/dnssync check-config --config /etc/dnssync/config.toml`,
		Args:              positional("no arguments", 0, 0),
		ValidArgsFunction: noFiles,
		RunE: c.action(func(ctx context.Context, _ *cobra.Command, _ []string) int {
			cfg, code := c.validate()
			if code != exitOK {
				return code
			}
			if err := checkWiring(cfg); err != nil {
				return c.fail(err)
			}
			if err := checkReach(ctx, cfg, (&net.Dialer{}).DialContext, c.stderr); err != nil {
				return c.fail(err)
			}
			return exitOK
		}),
	}
}

// checkWiring wires cfg as the daemon does and lets the backend check the
// files it writes; the API's token file is read as the daemon reads it,
// its mode checked too, and records.d, which the API writes, is written.
func checkWiring(cfg *config.Config) error {
	r, _, err := newReconciler(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	if c, ok := backendChecker(r); ok {
		if err := c.Check(); err != nil {
			return err
		}
	}
	if !cfg.API.Listen.IsZero() && cfg.API.TokenFile != "" {
		if _, err := api.ReadTokens(cfg.API.TokenFile); err != nil {
			return err
		}
	}
	return checkRecordsWritable(cfg)
}

// backendChecker is the backend's own check of the files it writes, if it
// has one.
func backendChecker(r *reconcile.Reconciler) (interface{ Check() error }, bool) {
	c, ok := r.Backend.(interface{ Check() error })
	return c, ok
}
