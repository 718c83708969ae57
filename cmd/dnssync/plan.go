package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/dnssync/dnssync/internal/reconcile"
)

func (c *cli) planCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Print the changes a pass would make, and what is held; change nothing",
		Long: `Read records.d and what the server serves now (by zone transfer), and print
per zone the changes a pass would make: + create, ~ update, - delete. It also
shows what is held: changes the safety rules refuse, deletions held while a
records file was never read, desired records left alone because another
writer owns them, or names records.d declares in ways that disagree (!).
Each create and update names the records.d files that declare it. The last
line counts it all: "Plan: 1 to create, 0 to update, 0 to delete." (and what
is held, left alone or unknown), or "No changes. records.d and the served
zones agree." Nothing is changed.

A zone whose server cannot be read is "unknown", never "in sync". Invalid
records files are listed on stderr (file:line: message).

--json prints the same plan as JSON on stdout, and nothing else (problems
stay on stderr): per zone its status, changes (old and new TTL and values,
source files, whether held), conflicts and the safety verdict, and a
summary. The README documents the shape (format_version 1).

Exit 0: in sync. Exit 2: changes pending or held. Exit 1: an error (a zone
unknown, or invalid files): fit for a CI job that gates a change to records.d.`,
		Example: `  dnssync plan --config /etc/dnssync/config.toml
  dnssync plan; [ $? -eq 2 ] && echo "changes pending"
  dnssync plan --json | jq '.data.summary'`,
		Args:              positional("no arguments", 0, 0),
		ValidArgsFunction: noFiles,
		RunE: c.action(func(ctx context.Context, _ *cobra.Command, _ []string) int {
			out := outPlanText
			if asJSON {
				out = outPlanJSON
			}
			res, code := c.once(ctx, reconcile.Options{}, out)
			if code != exitOK {
				return code
			}
			if res.Pending() {
				return exitPending
			}
			return exitOK
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON (the shape the README documents)")
	return cmd
}

func (c *cli) applyCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "apply [--force]",
		Short: "Make one pass now: apply the plan, verify it is served, exit",
		Long: `Make one pass now, as the daemon does on a change: plan, apply what the
safety rules allow, and wait (bounded) until each change is served. Useful
with auto_register = false, where the daemon only plans.

A plan the safety rules refuse (mass deletions or updates, a records dir that
emptied) is held; --force applies it. The creates of new names apply either
way. Every apply is written to the [audit] file, naming the user; an apply
that cannot open that file applies nothing.`,
		Example: `  dnssync apply --config /etc/dnssync/config.toml
  dnssync plan && dnssync apply
  dnssync apply --force   # after reading the plan: apply what was refused`,
		Args:              positional("no arguments", 0, 0),
		ValidArgsFunction: noFiles,
		RunE: c.action(func(ctx context.Context, _ *cobra.Command, _ []string) int {
			_, code := c.once(ctx, reconcile.Options{Apply: true, Force: force, Verify: true}, outText)
			return code
		}),
	}
	cmd.Flags().BoolVar(&force, "force", false, "apply plans that the safety check refuses")
	return cmd
}
