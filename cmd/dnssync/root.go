package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Command groups in the top-level help.
const (
	groupSync    = "sync"
	groupRecords = "records"
	groupCheck   = "check"
)

// root builds the command tree for one run.
func (c *cli) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "dnssync",
		Short: "Keep what CoreDNS serves equal to a directory of YAML record files",
		Long:  rootDescription + "\n\nExit codes:\n" + exitCodeList(),
		Example: `  dnssync run --config /etc/dnssync/config.toml
  dnssync plan --config /etc/dnssync/config.toml
  dnssync register web-01.example.com 192.0.2.10`,
		Version:           version,
		ValidArgsFunction: cobra.NoFileCompletions,
		SilenceErrors:     true,
		SilenceUsage:      true,
		DisableAutoGenTag: true, // man pages stay the same from build to build
		// No command is a command-line error (64), with the usage on
		// stderr; help is what --help asks for. (An unknown command is
		// cobra's error, with its suggestions.)
		RunE: c.action(func(_ context.Context, cmd *cobra.Command, _ []string) int {
			cmd.SetOut(c.stderr)
			cmd.Usage()
			return exitUsage
		}),
	}
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	root.SetVersionTemplate("dnssync {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })
	root.PersistentFlags().StringVar(&c.config, "config", "", "config file (TOML) overriding the built-in defaults (default $DNSSYNC_CONFIG, else /etc/dnssync/config.toml if it exists)")
	root.MarkPersistentFlagFilename("config", "toml")

	root.AddGroup(
		&cobra.Group{ID: groupSync, Title: "Keeping DNS in sync:"},
		&cobra.Group{ID: groupRecords, Title: "Changing records (what an orchestrator calls):"},
		&cobra.Group{ID: groupCheck, Title: "Checking the setup:"},
	)
	for _, cmd := range []*cobra.Command{c.runCmd(), c.planCmd(), c.applyCmd(), c.verifyCmd()} {
		cmd.GroupID = groupSync
		root.AddCommand(cmd)
	}
	for _, cmd := range []*cobra.Command{c.registerCmd(), c.updateCmd(), c.unregisterCmd(), c.recordsCmd(), c.importCmd(), c.exportCmd(), c.zonesCmd()} {
		cmd.GroupID = groupRecords
		root.AddCommand(cmd)
	}
	for _, cmd := range []*cobra.Command{c.validateCmd(), c.checkConfigCmd(), c.dnssecCmd()} {
		cmd.GroupID = groupCheck
		root.AddCommand(cmd)
	}
	root.AddCommand(c.versionCmd(), c.genManCmd())
	c.strictHelp(root)
	return root
}

// strictHelp makes `dnssync help TOPIC` a command-line error (64) when
// TOPIC is no command, as `dnssync TOPIC` is; cobra's help command prints
// the usage and exits 0. Its completion is kept.
func (c *cli) strictHelp(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	for _, help := range root.Commands() {
		if help.Name() != "help" {
			continue
		}
		help.Run = nil
		help.Args = cobra.ArbitraryArgs
		help.RunE = c.action(func(_ context.Context, cmd *cobra.Command, args []string) int {
			topic, rest, err := cmd.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return c.usageError(cmd, fmt.Errorf("unknown help topic %q", strings.Join(args, " ")))
			}
			topic.InitDefaultHelpFlag()
			topic.InitDefaultVersionFlag()
			if err := topic.Help(); err != nil {
				return c.fail(err)
			}
			return exitOK
		})
	}
}

// rootDescription is what dnssync is, for the help and dnssync(1) (which
// lists the exit codes in a section of their own).
const rootDescription = `dnssync keeps what CoreDNS serves equal to records.d, a directory of small
YAML files, one per server. It computes the minimal change against what the
server serves now (read by zone transfer), applies it (zone files, or DNS
UPDATE), and checks that the answers are really served. ` + "`dnssync run`" + ` is the
daemon; the other commands make one pass, check, or change records.

Every command takes --config FILE (TOML). Without it, dnssync reads the file
$DNSSYNC_CONFIG names, else /etc/dnssync/config.toml when it exists, else
runs on the built-in defaults. Relative paths in a config file are relative
to the file's directory.`

// exitCodeList is the exit codes as the help lists them.
func exitCodeList() string {
	var b strings.Builder
	for _, e := range exitCodes {
		fmt.Fprintf(&b, "  %-3d %s\n", e.code, e.meaning)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (c *cli) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "version",
		Short:             "Print the version",
		Long:              "Print dnssync's version, as `dnssync --version` does: the release tag, or the commit it was built from.",
		Args:              positional("no arguments", 0, 0),
		ValidArgsFunction: noFiles,
		RunE: c.action(func(context.Context, *cobra.Command, []string) int {
			fmt.Fprintf(c.stdout, "dnssync %s\n", version)
			return exitOK
		}),
	}
}
