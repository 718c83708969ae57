package main

// The local side of `dnssync zones add|remove`: zones.d changed here,
// audited, and the change printed.

import (
	"context"
	"fmt"
	"strings"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/zones"
)

// zoneLocal makes one change to zones.d here, audited as the API's are
// (audit.Writer, kind "cli"), and prints it. records.d is scanned with
// every managed zone, so that a removal sees the records in the zone.
func (c *cli) zoneLocal(ctx context.Context, action, name string,
	edit func(context.Context, *zones.Editor) (client.ZoneChange, error)) int {
	cfg, err := config.Discover(c.config)
	if err != nil {
		return c.fail(err)
	}
	set, err := zones.Load(cfg.Records.ZonesDir, cfg.Zones)
	if err != nil {
		return c.fail(err)
	}
	opts := desiredOptions(cfg)
	opts.Zones = set.Names()
	store := desired.NewStore(opts, nil)
	if _, err := store.Scan(); err != nil {
		return c.fail(err)
	}
	trail, err := audit.OpenWriter(cfg.Audit.File)
	if err != nil {
		return c.fail(err)
	}
	defer trail.Close()
	var (
		ch      client.ZoneChange
		editErr error
	)
	auditErr := trail.Do(audit.Write{Who: audit.CLI(), Action: action, Name: name}, func() audit.Outcome {
		ch, editErr = edit(ctx, zoneEditor(cfg, store))
		ch.Status = "accepted"
		if !cfg.Orchestrator.DNS.AutoRegister {
			ch.Status = "pending"
		}
		return audit.Outcome{Result: ch.Status, Changed: editErr == nil, Err: editErr}
	})
	if editErr != nil {
		if auditErr != nil {
			c.fail(auditErr)
		}
		return c.fail(fmt.Errorf("%s %s: %w", strings.ReplaceAll(action, "-", " "), name, editErr))
	}
	verb := "added"
	if action != "add-zone" {
		verb = "removed"
	}
	c.printZoneChange(verb, ch, false)
	if auditErr != nil {
		return c.fail(auditErr)
	}
	return exitOK
}

// printZoneChange prints what became of a change; with --wait, a zone not
// served yet exits exitPending.
func (c *cli) printZoneChange(verb string, ch client.ZoneChange, waited bool) int {
	fmt.Fprintf(c.stdout, "%s zone %s (%s): %s\n", verb, ch.Name, ch.Source, ch.Status)
	if len(ch.RecordFiles) > 0 {
		fmt.Fprintf(c.stdout, "  records.d files now in no zone (invalid): %s\n", strings.Join(ch.RecordFiles, ", "))
	}
	if ch.Message != "" {
		fmt.Fprintf(c.stdout, "  %s\n", ch.Message)
	}
	if waited && ch.Status != "verified" {
		return exitPending
	}
	return exitOK
}
