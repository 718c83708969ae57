package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/zoneio"
)

func (c *cli) exportCmd() *cobra.Command {
	var serial uint32
	cmd := &cobra.Command{
		Use:   "export ZONE [--serial N]",
		Short: "Print a zone as dnssync would serve it, as an RFC 1035 zone file",
		Long: `Print ZONE as dnssync would serve it, as an RFC 1035 zone file on stdout:
the records records.d declares, with the SOA, the apex NS and the
nameservers' addresses the config's [[zones]] makes (what the zonefile
backend writes), every name fully qualified and every record with its TTL.
BIND's named-checkzone takes it. Nothing is read from or written to DNS.

The SOA serial is --serial, or today's YYYYMMDD00. Invalid records files,
files not read yet and conflicting names make the zone as dnssync would
serve it unknown: they are listed on stderr (as plan lists them), nothing
is printed on stdout, and the exit code is 1.`,
		Example: `  dnssync export example.com > example.com.zone
  dnssync export example.com --serial 2026010101 | named-checkzone example.com /dev/stdin`,
		Args:              positional("ZONE", 1, 1),
		ValidArgsFunction: noFiles,
	}
	cmd.Flags().Uint32Var(&serial, "serial", 0, "the SOA serial (default: today's YYYYMMDD00)")
	cmd.RunE = c.action(func(_ context.Context, cmd *cobra.Command, args []string) int {
		zone, err := zoneArg(args[0])
		if err != nil {
			return c.usageError(cmd, err)
		}
		return c.exportZone(zone, serial)
	})
	return cmd
}

func (c *cli) exportZone(zone string, serial uint32) int {
	cfg, err := config.Discover(c.config)
	if err != nil {
		return c.fail(err)
	}
	if err := managedZone(cfg, zone); err != nil {
		return c.fail(err)
	}
	st, err := desired.LoadDir(desiredOptions(cfg), slog.New(slog.DiscardHandler))
	if err != nil {
		return c.fail(err)
	}
	if !c.exportable(st, zone) {
		return c.fail(fmt.Errorf("export %s: records.d does not say the whole zone (problems above); nothing printed", zone))
	}
	base, err := zoneBase(cfg, zone)
	if err != nil {
		return c.fail(err)
	}
	if serial == 0 {
		serial, _ = apply.NextSerial(time.Now()) // no known serial: never an error
	}
	var b bytes.Buffer
	if err := zoneio.Export(&b, zone, st.Zone(zone), base, serial); err != nil {
		return c.fail(err)
	}
	if _, err := c.stdout.Write(b.Bytes()); err != nil {
		return c.fail(fmt.Errorf("export %s: %w", zone, err))
	}
	return exitOK
}

// exportable reports, on stderr as plan does, what keeps the state read
// from being the zone as dnssync would serve it: invalid files (whose
// last good content a one-shot command never had), files not read yet,
// and names held in conflict (served as they are, which export cannot
// know).
func (c *cli) exportable(st *desired.State, zone string) bool {
	printProblems(c.stderr, st.Problems)
	ok := len(st.Problems) == 0
	held := slices.Collect(maps.Values(st.Held[zone]))
	slices.SortFunc(held, func(a, b desired.Conflict) int { return rrset.CompareNames(a.Name, b.Name) })
	for _, h := range held {
		fmt.Fprintf(c.stderr, "conflict: %s: %s\n", h.Name, h.Reason)
		ok = false
	}
	return ok
}
