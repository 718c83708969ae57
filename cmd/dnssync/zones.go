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
	"github.com/dnssync/dnssync/internal/config"
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
  dnssync zones add lab.example.net --nameserver ns1.lab.example.net --nameserver-address 192.0.2.53 --refresh 900 --soa-ttl 300
  dnssync zones add staging.example.net --api http://dns-host:8053 --token-file ~/.dnssync-token --wait`,
		Args:              positional("NAME", 1, 1),
		ValidArgsFunction: noFiles,
	}
	f := c.recordFlags(cmd.Flags(), true)
	cmd.Flags().StringSliceVar(&z.Nameservers, "nameserver", nil, "a nameserver of the zone (repeat for more; default ns1.NAME)")
	cmd.Flags().StringSliceVar(&z.NameserverAddresses, "nameserver-address", nil, "an address of the nameservers inside the zone (repeat for more; default 127.0.0.1 when one is)")
	cmd.Flags().StringVar(&z.Hostmaster, "hostmaster", "", "the SOA's mailbox (default hostmaster.NAME)")
	// The SOA's timers, as a zones.d file's keys (config.ZoneSpec).
	for _, t := range []struct {
		name, usage string
		v           *uint32
	}{
		{"refresh", "the SOA's refresh, seconds (default 3600)", &z.Refresh},
		{"retry", "the SOA's retry, seconds (default 600)", &z.Retry},
		{"expire", "the SOA's expire, seconds (default 604800)", &z.Expire},
		{"negative-ttl", "the SOA's negative caching TTL, seconds (default 300)", &z.NegativeTTL},
		{"soa-ttl", "the TTL of the SOA record itself, seconds (default 3600)", &z.SOATTL},
	} {
		cmd.Flags().Func(t.name, t.usage, secondsFlag(t.v))
	}
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

// secondsFlag parses a flag's value, a number of seconds, into v.
func secondsFlag(v *uint32) func(string) error {
	return func(s string) error {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return fmt.Errorf("want a number of seconds")
		}
		*v = uint32(n)
		return nil
	}
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
