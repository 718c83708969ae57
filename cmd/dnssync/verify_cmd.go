package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
)

// verifyCmd is the command line of `dnssync verify`; verify.go does it.
func (c *cli) verifyCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify [NAME]",
		Short: "Check now that the records are served as records.d declares",
		Long: `Ask the servers now for every RRset records.d declares and compare: the
authoritative server, then [verify] nameservers. Each RRset not served as
declared is named, with what is wanted and what is served. Without NAME it
also transfers each zone and names every record dnssync manages that is
still served though no records file declares it any more (STALE, status
"stale" in --json), saying what deletes it: the next pass that applies, or
` + "`dnssync apply --force`" + ` when the safety rules hold the deletion. With NAME, only
NAME's records, asked of the authoritative server, [verify] nameservers
and [[resolvers]], here or by the daemon (--api; the daemon's config
names the servers): an invalid name, or one records.d does not declare, is refused in
the API's words. Per resolver it says "served", or "will serve by T" (LAG)
when the resolver still answers from its cache: T is now plus the TTL its
cached answer carries (for a cached NXDOMAIN, its SOA's), when the cache
asks again. A resolver answering otherwise with no TTL left fails.
Without NAME, resolvers are judged alike (LAG lines). The daemon makes the
same check on its [verify] schedule, and also bounds a LAG by the old
record's TTL since it changed the record.
It changes nothing, and needs none of the state a write needs (serials,
held changes); with the rfc2136 backend it signs its zone transfers with
the TSIG secret when it can read it.

Exit 0 when every record is served as declared and none is stale, 1
otherwise.`,
		Example: `  dnssync verify --config /etc/dnssync/config.toml
  dnssync verify web-01.example.com
  dnssync verify web-01.example.com --api http://dns-host:8053 --token-file ~/.dnssync-token --json`,
		Args:              positional("[NAME]", 0, 1),
		ValidArgsFunction: noFiles,
	}
	f := c.recordFlags(cmd.Flags(), false)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.RunE = c.action(func(ctx context.Context, cmd *cobra.Command, args []string) int {
		if err := f.check(); err != nil {
			return c.usageError(cmd, err)
		}
		if len(args) == 0 && *f.api != "" {
			return c.usageError(cmd, errors.New("--api needs a NAME (checking every record runs here, on the DNS host)"))
		}
		return cmdVerify(ctx, f, args, &asJSON, c.stdout, c.stderr)
	})
	return cmd
}
