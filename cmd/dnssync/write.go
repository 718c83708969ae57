package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/registry"
)

// recordTypes are the types the registry writes, for --type's completion.
var recordTypes = []string{"A", "AAAA", "CNAME", "TXT", "SRV", "MX", "CAA", "PTR", "NS"}

func (c *cli) registerCmd() *cobra.Command {
	return c.writeCmd("register", "Add a record: a value to NAME's records of its type",
		`Add VALUE to the records of NAME of its type (several values make a round
robin). The type is A or AAAA, picked from an address; pass --type for any
other. Locally (the default) the record is written to records.d, to the API's
own file for NAME, under the lock every writer holds; the daemon then applies
it. With --api the daemon's HTTP API writes it.

A name and type that a person's file declares are refused: change that file.`,
		`  dnssync register web-01.example.com 192.0.2.10
  dnssync register _dmarc.example.com "v=DMARC1; p=none" --type TXT --ttl 3600
  dnssync register web-02.example.com 2001:db8::2 --api http://dns-host:8053 --token-file ~/.dnssync-token --wait`)
}

func (c *cli) updateCmd() *cobra.Command {
	return c.writeCmd("update", "Replace NAME's records of a type with one value",
		`Replace every record of NAME of VALUE's type with VALUE: the RRset becomes
that one value. The TTL stays what it was unless --ttl is given. Locally or
through --api, as register.`,
		`  dnssync update web-01.example.com 192.0.2.11
  dnssync update www.example.com web-02.example.com --type CNAME --ttl 60`)
}

// writeCmd is register (add a value to the RRset) and update (replace the
// RRset with the value).
func (c *cli) writeCmd(op, short, long, example string) *cobra.Command {
	var typ string
	var ttl *uint32
	cmd := &cobra.Command{
		Use:               op + " NAME VALUE",
		Short:             short,
		Long:              long,
		Example:           example,
		Args:              positional("NAME VALUE", 2, 2),
		ValidArgsFunction: noFiles,
	}
	f := c.recordFlags(cmd.Flags(), true)
	cmd.Flags().StringVar(&typ, "type", "", "record type: "+strings.Join(recordTypes, ", ")+" (default: A or AAAA, from the address)")
	cmd.Flags().Func("ttl", "TTL in seconds (default: [orchestrator.dns] ttl; update keeps the current one)", func(s string) error {
		v, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return errors.New("want a number of seconds")
		}
		t := uint32(v)
		ttl = &t
		return nil
	})
	cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions(recordTypes, cobra.ShellCompDirectiveNoFileComp))
	cmd.RunE = c.action(func(ctx context.Context, cmd *cobra.Command, args []string) int {
		if err := f.check(); err != nil {
			return c.usageError(cmd, err)
		}
		name, value := args[0], args[1]
		t := strings.ToUpper(strings.TrimSpace(typ))
		if t == "" {
			var err error
			if t, err = addrType(value); err != nil {
				return c.usageError(cmd, err)
			}
		}
		rec := registry.Record{Name: name, Type: t, Value: value, TTL: ttl}
		edit := func(ctx context.Context, reg *registry.Registry) (registry.Change, error) {
			if op == "register" {
				return reg.Register(ctx, rec)
			}
			return reg.Update(ctx, rec)
		}
		call := func(ctx context.Context, api *client.Client) (client.WriteResult, error) {
			req := client.WriteRequest{Name: name, RecordType: t, Value: value, TTL: ttl}
			if op == "register" {
				return api.Register(ctx, req, *f.wait)
			}
			return api.Update(ctx, req, *f.wait)
		}
		return c.write(ctx, f, op, rec, edit, call)
	})
	return cmd
}

func (c *cli) unregisterCmd() *cobra.Command {
	var typ string
	cmd := &cobra.Command{
		Use:   "unregister NAME",
		Short: "Remove NAME's records (of one type, with --type)",
		Long: `Remove the records of NAME that the API's file holds: every type, or only
--type's. The API's file for NAME goes once it holds nothing. Locally or
through --api, as register. Records a person's file declares are refused:
change that file.`,
		Example: `  dnssync unregister web-01.example.com
  dnssync unregister web-01.example.com --type AAAA
  dnssync unregister web-01.example.com --api http://dns-host:8053 --token-file ~/.dnssync-token`,
		Args:              positional("NAME", 1, 1),
		ValidArgsFunction: noFiles,
	}
	f := c.recordFlags(cmd.Flags(), true)
	cmd.Flags().StringVar(&typ, "type", "", "remove only this type's records (default: every type)")
	cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions(recordTypes, cobra.ShellCompDirectiveNoFileComp))
	cmd.RunE = c.action(func(ctx context.Context, cmd *cobra.Command, args []string) int {
		if err := f.check(); err != nil {
			return c.usageError(cmd, err)
		}
		rec := registry.Record{Name: args[0], Type: strings.ToUpper(strings.TrimSpace(typ))}
		edit := func(ctx context.Context, reg *registry.Registry) (registry.Change, error) {
			return reg.Unregister(ctx, rec.Name, rec.Type)
		}
		call := func(ctx context.Context, api *client.Client) (client.WriteResult, error) {
			res, err := api.Unregister(ctx, rec.Name, rec.Type, *f.wait)
			if err == nil && res.Name == "" {
				res.Name, res.RecordType = registry.DisplayName(rec.Name), rec.Type
			}
			return res, err
		}
		return c.write(ctx, f, "unregister", rec, edit, call)
	})
	return cmd
}

// write makes one write, through the API (--api) or here, and prints what
// became of it in the API's words.
func (c *cli) write(ctx context.Context, f *recordFlags, op string, rec registry.Record,
	edit func(context.Context, *registry.Registry) (registry.Change, error),
	call func(context.Context, *client.Client) (client.WriteResult, error)) int {
	api, err := f.client()
	if err != nil {
		return c.fail(err)
	}
	if api != nil {
		res, err := call(ctx, api)
		if err != nil {
			return c.fail(err)
		}
		return printWriteResult(c.stdout, pastTense(op), res, *f.wait)
	}
	return c.writeLocal(ctx, op, rec, edit)
}

func pastTense(op string) string {
	if op == "update" {
		return "updated"
	}
	return op + "ed"
}

// addrType picks A or AAAA for an address value.
func addrType(value string) (string, error) {
	a, err := netip.ParseAddr(value)
	switch {
	case err != nil:
		return "", fmt.Errorf("%q is not an IP address: pass --type (e.g. --type CNAME)", value)
	case a.Is4() || a.Is4In6():
		return "A", nil // a mapped address is refused with advice by the A check
	default:
		return "AAAA", nil
	}
}

// printWriteResult prints what became of a write, the API's answer or a
// local one worded alike (registry.Result). With --wait, a change not yet
// served exits exitPending.
func printWriteResult(w io.Writer, verb string, res client.WriteResult, waited bool) int {
	what := strings.TrimSpace(strings.Join([]string{res.Name, res.RecordType, res.Value}, " "))
	if res.TTL != 0 {
		what += fmt.Sprintf(" (ttl %d)", res.TTL)
	}
	if res.Status == "unchanged" {
		fmt.Fprintf(w, "unchanged: %s\n", what)
	} else {
		fmt.Fprintf(w, "%s %s: %s\n", verb, what, res.Status)
	}
	if res.Message != "" {
		fmt.Fprintf(w, "  %s\n", res.Message)
	}
	if waited && (res.Status == "accepted" || res.Status == "pending") {
		return exitPending
	}
	return exitOK
}
