package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// genManCmd writes the man pages (`make man`): one per command, from the
// commands' own help, so that the two never disagree. Hidden: it is for
// the build, not for operators.
func (c *cli) genManCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "gen-man DIR",
		Short:  "Write the man pages into DIR",
		Hidden: true,
		Args:   positional("DIR", 1, 1),
		RunE: c.action(func(_ context.Context, cmd *cobra.Command, args []string) int {
			if err := genMan(cmd.Root(), args[0]); err != nil {
				return c.fail(fmt.Errorf("write man pages into %s: %w", args[0], err))
			}
			return exitOK
		}),
	}
}

// genMan writes dir/dnssync.1, dir/dnssync-plan.1, ...; dnssync.1 ends
// with the exit codes.
func genMan(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root.Long = rootDescription // the exit codes get their own section
	header := &doc.GenManHeader{Title: "DNSSYNC", Section: "1", Source: "dnssync " + version, Manual: "dnssync manual"}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, "dnssync.1"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	fmt.Fprintln(f, ".SH EXIT STATUS")
	for _, e := range exitCodes {
		fmt.Fprintf(f, ".TP\n.B %d\n%s\n", e.code, e.meaning)
	}
	return f.Close()
}
