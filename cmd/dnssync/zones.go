package main

// `dnssync zones list|add|remove`: the managed zones, from [[zones]] and
// zones.d. Locally (the default) zones.d is read and written here through
// internal/zones (the same checks as the zones API), each write audited as
// kind "cli"; with --api the daemon's zones API does it.

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/zones"
)

func (c *cli) zonesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "zones",
		Short: "The managed zones: zones list, add, remove",
		Long: `The managed zones: those of the config's [[zones]] and those declared in
zones.d ([records] zones_dir), one YAML file per zone. ` + "`dnssync zones add`" + ` and
` + "`remove`" + ` write zones.d here, or (--api) through the daemon's zones API; the
daemon then makes the server serve the zone, or stop serving it.`,
		Example: `  dnssync zones list
  dnssync zones add staging.example.net --nameserver ns1.example.net
  dnssync zones remove staging.example.net`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: noFiles,
		RunE: c.action(func(_ context.Context, cmd *cobra.Command, args []string) int {
			if len(args) == 0 {
				return c.usageError(cmd, fmt.Errorf("want a subcommand: list, add or remove"))
			}
			return c.usageError(cmd, fmt.Errorf("unknown command %q (want list, add or remove)", args[0]))
		}),
	}
	cmd.AddCommand(c.zonesListCmd(), c.zonesAddCmd(), c.zonesRemoveCmd())
	return cmd
}

func (c *cli) zonesListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the managed zones and where each is declared",
		Long: `List every managed zone, from [[zones]] ("config") and zones.d (its file),
with its nameservers. An invalid zones.d file is reported on stderr. With
--api the daemon answers. --json prints what GET /api/v1/dns/zones answers.`,
		Example: `  dnssync zones list
  dnssync zones list --json | jq -r '.data[].name'`,
		Args:              positional("no arguments", 0, 0),
		ValidArgsFunction: noFiles,
	}
	f := c.recordFlags(cmd.Flags(), false)
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"success": true, "data": [...]}, as GET /api/v1/dns/zones answers`)
	cmd.RunE = c.action(func(ctx context.Context, cmd *cobra.Command, _ []string) int {
		if err := f.check(); err != nil {
			return c.usageError(cmd, err)
		}
		var zs []client.Zone
		api, err := f.client()
		if err == nil && api != nil {
			zs, err = api.Zones(ctx)
		} else if err == nil {
			zs, err = c.localZones()
		}
		if err != nil {
			return c.fail(err)
		}
		if asJSON {
			if zs == nil {
				zs = []client.Zone{}
			}
			enc := json.NewEncoder(c.stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(client.Response[any]{Success: true, Data: zs}); err != nil {
				return c.fail(err)
			}
			return exitOK
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ZONE\tNAMESERVERS\tREVERSE\tSOURCE")
		for _, z := range zs {
			fmt.Fprintf(tw, "%s\t%s\t%t\t%s\n", z.Name, strings.Join(z.Nameservers, ","), z.Reverse, z.Source)
		}
		if err := tw.Flush(); err != nil {
			return c.fail(err)
		}
		return exitOK
	})
	return cmd
}

// localZones lists the zones here, reporting zones.d's problems on stderr.
func (c *cli) localZones() ([]client.Zone, error) {
	cfg, err := config.Discover(c.config)
	if err != nil {
		return nil, err
	}
	set, err := zones.Load(cfg.Records.ZonesDir, cfg.Zones)
	if err != nil {
		return nil, err
	}
	for _, p := range set.Problems() {
		fmt.Fprintf(c.stderr, "invalid: %v\n", p)
	}
	return zoneEditor(cfg, nil).List()
}

func (c *cli) zonesAddCmd() *cobra.Command {
	var z client.Zone
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Declare a zone in zones.d",
		Long: `Declare the zone NAME in zones.d (NAME.yaml), with defaults as [[zones]]
has them for what is not given. A zone declared already (in [[zones]] or
zones.d) and the [catalog] zone are refused; with the rfc2136 backend, so is
a zone the server does not serve yet (the message says what to add there).
The daemon then serves it: with the zonefile backend it writes the zone file.`,
		Example: `  dnssync zones add staging.example.net --nameserver ns1.example.net --nameserver ns2.example.net
  dnssync zones add 2.0.192.in-addr.arpa --reverse
  dnssync zones add staging.example.net --api http://dns-host:8053 --token-file ~/.dnssync-token --wait`,
		Args:              positional("NAME", 1, 1),
		ValidArgsFunction: noFiles,
	}
	f := c.recordFlags(cmd.Flags(), true)
	cmd.Flags().StringSliceVar(&z.Nameservers, "nameserver", nil, "a nameserver of the zone (repeat for more; default ns1.NAME)")
	cmd.Flags().StringSliceVar(&z.NameserverAddresses, "nameserver-address", nil, "an address of the nameservers inside the zone (default 127.0.0.1 when one is)")
	cmd.Flags().StringVar(&z.Hostmaster, "hostmaster", "", "the SOA's mailbox (default hostmaster.NAME)")
	cmd.Flags().Func("negative-ttl", "the SOA's negative caching TTL, seconds (default 300)", func(s string) error {
		v, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return fmt.Errorf("want a number of seconds")
		}
		z.NegativeTTL = uint32(v)
		return nil
	})
	cmd.Flags().BoolVar(&z.Reverse, "reverse", false, "a reverse zone, filled with PTRs derived from the A and AAAA records")
	cmd.RunE = c.action(func(ctx context.Context, cmd *cobra.Command, args []string) int {
		if err := f.check(); err != nil {
			return c.usageError(cmd, err)
		}
		z.Name = args[0]
		api, err := f.client()
		if err != nil {
			return c.fail(err)
		}
		if api != nil {
			res, err := api.AddZone(ctx, z, *f.wait)
			if err != nil {
				return c.fail(err)
			}
			return c.printZoneChange("added", res, *f.wait)
		}
		return c.zoneLocal(ctx, "add-zone", z.Name, func(ctx context.Context, e *zones.Editor) (client.ZoneChange, error) {
			added, err := e.Add(ctx, z)
			return client.ZoneChange{Zone: added}, err
		})
	})
	return cmd
}

func (c *cli) zonesRemoveCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a zone's zones.d file",
		Long: `Remove the zones.d file declaring the zone NAME; the daemon then stops
serving it. A zone of the config's [[zones]] is refused (remove it there), and
so is a zone in which records.d declares records (the files are listed),
unless --force: those files then turn invalid until a zone holds their names.`,
		Example: `  dnssync zones remove staging.example.net
  dnssync zones remove staging.example.net --force --api http://dns-host:8053`,
		Args:              positional("NAME", 1, 1),
		ValidArgsFunction: noFiles,
	}
	f := c.recordFlags(cmd.Flags(), false)
	cmd.Flags().BoolVar(&force, "force", false, "remove it even though records.d declares records in it")
	cmd.RunE = c.action(func(ctx context.Context, cmd *cobra.Command, args []string) int {
		if err := f.check(); err != nil {
			return c.usageError(cmd, err)
		}
		api, err := f.client()
		if err != nil {
			return c.fail(err)
		}
		if api != nil {
			res, err := api.RemoveZone(ctx, args[0], force)
			if err != nil {
				return c.fail(err)
			}
			return c.printZoneChange("removed", res, false)
		}
		action := "remove-zone"
		if force {
			action = "remove-zone-forced"
		}
		return c.zoneLocal(ctx, action, args[0], func(ctx context.Context, e *zones.Editor) (client.ZoneChange, error) {
			removed, files, err := e.Remove(ctx, args[0], force)
			return client.ZoneChange{Zone: removed, RecordFiles: files}, err
		})
	})
	return cmd
}

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
