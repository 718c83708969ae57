package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/dnssec"
)

// The dnssec commands read a signed zone's keys as the daemon keeps them
// (state_dir/keys) and never write them: keys are made and rolled by the
// daemon alone; `dnssec roll` only leaves it a request (dnssec_roll.go).
// Nothing private is ever printed.

func (c *cli) dnssecCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dnssec",
		Short: "Signed zones: dnssec ds, status, roll",
		Long: `The signing keys of the zones dnssync signs (dnssec = true, zonefile
backend): ` + "`dnssync dnssec ds`" + ` prints the DS records to give to the
parent, ` + "`dnssync dnssec status`" + ` the zone's keys and key roll,
` + "`dnssync dnssec roll`" + ` asks the daemon to roll a key. They read the keys
the daemon keeps in state_dir/keys and never change them; run them as the
user the daemon runs as (the key directory is readable by it alone).`,
		Example: `  dnssync dnssec ds example.com
  dnssync dnssec status example.com
  dnssync dnssec roll example.com`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: noFiles,
		RunE: c.action(func(_ context.Context, cmd *cobra.Command, args []string) int {
			if len(args) == 0 {
				return c.usageError(cmd, fmt.Errorf("want a subcommand: ds, status or roll"))
			}
			return c.usageError(cmd, fmt.Errorf("unknown command %q (want ds, status or roll)", args[0]))
		}),
	}
	cmd.AddCommand(c.dnssecDSCmd(), c.dnssecStatusCmd(), c.dnssecRollCmd())
	return cmd
}

func (c *cli) dnssecDSCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ds ZONE [--json]",
		Short: "Print the DS records (SHA-256) to give to the zone's parent",
		Long: `Print the DS records of ZONE's active key-signing keys (the combined key,
or the KSK of a split), digest SHA-256, one per line as a zone file writes
them, ready to give to the parent (registrar or parent zone). They equal
the CDS records dnssync publishes at the apex. The TTL is the zone's SOA
TTL, as its DNSKEY records have; the parent may set its own.

ZONE must be signed (dnssec = true) and have keys: the daemon makes them
on its first write of the zone; this command never does. --json prints
{"success": true, "data": [...]} with each record's fields.`,
		Example: `  dnssync dnssec ds example.com
  dnssync dnssec ds example.com --json | jq -r '.data[].record'`,
		Args:              positional("ZONE", 1, 1),
		ValidArgsFunction: noFiles,
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"success": true, "data": [...]}, one entry per DS record`)
	cmd.RunE = c.action(func(_ context.Context, cmd *cobra.Command, args []string) int {
		zone, err := zoneArg(args[0])
		if err != nil {
			return c.usageError(cmd, err)
		}
		return c.dnssecDS(zone, asJSON, time.Now())
	})
	return cmd
}

func (c *cli) dnssecStatusCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status ZONE [--json]",
		Short: "Show a signed zone's keys and the key roll in progress",
		Long: `Show ZONE's signing keys: each key's tag, role (csk: combined; ksk and
zsk: a split), algorithm, state now (created, published, active, retired,
removed) and times, and the key roll in progress (dnssync dnssec roll):
its stage, what the keys do at it, the serial it was written at, when the
next step may be taken at the earliest and what it waits for. A signed
zone the daemon has not written yet has no keys. ZONE must be signed
(dnssec = true). --json prints {"success": true, "data": {...}}; "roll"
is null when no roll is in progress.`,
		Example: `  dnssync dnssec status example.com
  dnssync dnssec status example.com --json | jq '.data.keys'`,
		Args:              positional("ZONE", 1, 1),
		ValidArgsFunction: noFiles,
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"success": true, "data": {...}}: the zone's keys and roll`)
	cmd.RunE = c.action(func(_ context.Context, cmd *cobra.Command, args []string) int {
		zone, err := zoneArg(args[0])
		if err != nil {
			return c.usageError(cmd, err)
		}
		return c.dnssecStatus(zone, asJSON, time.Now())
	})
	return cmd
}

func (c *cli) dnssecDS(zone string, asJSON bool, now time.Time) int {
	sz, err := c.signedZone("dnssec ds", zone)
	if err != nil {
		return c.fail(err)
	}
	if len(sz.keys) == 0 {
		return c.fail(fmt.Errorf("dnssec ds %s: no keys yet: the daemon makes them on its first write of the zone", sz.display))
	}
	ds, err := dnssec.DS(sz.name, sz.keys, sz.ttl, now)
	if err != nil {
		return c.fail(fmt.Errorf("dnssec ds %s: %w", sz.display, err))
	}
	if asJSON {
		out := make([]client.DSRecord, len(ds))
		for i, d := range ds {
			out[i] = client.DSRecord{Zone: sz.display, KeyTag: d.KeyTag, Algorithm: d.Algorithm, DigestType: d.DigestType, Digest: strings.ToUpper(d.Digest), Record: d.String()}
		}
		return c.printJSON(out)
	}
	for _, d := range ds {
		if _, err := fmt.Fprintln(c.stdout, d.String()); err != nil {
			return c.fail(fmt.Errorf("dnssec ds %s: %w", sz.display, err))
		}
	}
	return exitOK
}

func (c *cli) dnssecStatus(zone string, asJSON bool, now time.Time) int {
	sz, err := c.signedZone("dnssec status", zone)
	if err != nil {
		return c.fail(err)
	}
	st := client.DNSSECStatus{Zone: sz.display, Keys: make([]client.DNSSECKey, len(sz.keys)),
		Roll: rollStatus(sz.roll, sz.display, sz.policy, now), RollRequested: requestText(sz.request)}
	for i, k := range sz.keys {
		st.Keys[i] = keyStatus(k, now)
	}
	if asJSON {
		return c.printJSON(st)
	}
	if err := printDNSSECStatus(c.stdout, st, sz.dir); err != nil {
		return c.fail(fmt.Errorf("dnssec status %s: %w", sz.display, err))
	}
	return exitOK
}
