package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/registry"
)

// recordsCmd is `records list`. Its flags belong to `records` itself, so
// that `records --json list` keeps working as it did.
func (c *cli) recordsCmd() *cobra.Command {
	var asJSON bool
	records := &cobra.Command{
		Use:   "records",
		Short: "The records records.d declares: records list",
		Long: `The records records.d declares, from every file, a person's or the API's:
` + "`dnssync records list`" + ` lists them, here or (--api) as the daemon sees them.`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: noFiles,
		RunE: c.action(func(_ context.Context, cmd *cobra.Command, args []string) int {
			if len(args) == 0 {
				return c.usageError(cmd, fmt.Errorf("want a subcommand: list"))
			}
			return c.usageError(cmd, fmt.Errorf("unknown command %q (want list)", args[0]))
		}),
	}
	f := c.recordFlags(records.PersistentFlags(), false)
	records.PersistentFlags().BoolVar(&asJSON, "json", false, `print {"success": true, "data": [...]}, as GET /api/v1/dns/records answers`)
	records.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the records records.d declares",
		Long: `List the records records.d declares, one line per value: name, type, TTL,
value and the file that declares it (api-*.yaml: written through the API or
the CLI). Locally the files are read here; an invalid file is reported on
stderr, and its last good content, if any, is listed. With --api the daemon
answers. --json prints what GET /api/v1/dns/records answers.`,
		Example: `  dnssync records list
  dnssync records list --json | jq -r '.data[].name'
  dnssync records list --api http://dns-host:8053 --token-file ~/.dnssync-token`,
		Args:              positional("no arguments", 0, 0),
		ValidArgsFunction: noFiles,
		RunE: c.action(func(ctx context.Context, cmd *cobra.Command, _ []string) int {
			if err := f.check(); err != nil {
				return c.usageError(cmd, err)
			}
			recs, code := c.listRecords(ctx, f)
			if code != exitOK {
				return code
			}
			return c.printRecords(recs, asJSON)
		}),
	})
	return records
}

// listRecords asks the daemon (--api) or reads records.d here.
func (c *cli) listRecords(ctx context.Context, f *recordFlags) ([]client.Record, int) {
	api, err := f.client()
	if err != nil {
		return nil, c.fail(err)
	}
	if api != nil {
		recs, err := api.ListRecords(ctx, client.ListFilter{})
		if err != nil {
			return nil, c.fail(err)
		}
		return recs, exitOK
	}
	l, err := openLocal(c.config)
	if err != nil {
		return nil, c.fail(err)
	}
	for _, p := range l.store.State().Problems {
		fmt.Fprintf(c.stderr, "invalid: %v (its last good content, if any, is listed)\n", p)
	}
	decl := l.store.AllDeclared()
	recs := make([]client.Record, len(decl))
	for i, d := range decl {
		recs[i] = registry.ToRecord(d)
	}
	return recs, exitOK
}

// printRecords prints a table, or the API's JSON envelope.
func (c *cli) printRecords(recs []client.Record, asJSON bool) int {
	if asJSON {
		if recs == nil {
			recs = []client.Record{}
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		// Data as any, as the daemon answers: an empty list is still
		// "data": [] (omitempty drops an empty typed slice).
		if err := enc.Encode(client.Response[any]{Success: true, Data: recs}); err != nil {
			return c.fail(err)
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tTTL\tVALUE\tSOURCE")
	for _, r := range recs {
		src := r.Source
		if src == "" {
			src = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", r.Name, r.RecordType, r.TTL, r.Value, src)
	}
	if err := tw.Flush(); err != nil {
		return c.fail(err)
	}
	return exitOK
}
