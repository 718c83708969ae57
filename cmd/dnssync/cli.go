package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// cli is one command line's run: where output goes, the flags every
// command shares, and the exit code the command chose.
type cli struct {
	stdout, stderr io.Writer
	config         string // --config
	code           int
}

// action adapts a command's body to cobra. A body prints its own output
// and problems and returns its exit code; a RunE error would be taken for
// a command-line error (see run).
func (c *cli) action(body func(ctx context.Context, cmd *cobra.Command, args []string) int) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c.code = body(cmd.Context(), cmd, args)
		return nil
	}
}

// usageError reports a command line dnssync cannot take, for cmd: one
// line in the error style, then where the help is. Exit 64.
func (c *cli) usageError(cmd *cobra.Command, err error) int {
	what := "dnssync"
	if cmd != nil && cmd.HasParent() {
		what += ": " + strings.TrimPrefix(cmd.CommandPath(), "dnssync ")
	}
	help := "dnssync --help"
	if cmd != nil {
		help = cmd.CommandPath() + " --help"
	}
	writeError(c.stderr, fmt.Sprintf("%s: %v\nRun '%s' for usage.\n", what, strings.TrimSpace(err.Error()), help))
	return exitUsage
}

// fail reports a command's failure in the error style; err says what was
// being done and why. Exit 1. Under systemd each line carries the
// journal's error priority (writeError).
func (c *cli) fail(err error) int { return fail(c.stderr, err) }

func fail(stderr io.Writer, err error) int {
	writeError(stderr, fmt.Sprintf("dnssync: %v\n", err))
	return exitError
}

// positional checks the number of positional arguments, naming them as
// the command's usage line does.
func positional(names string, least, most int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= least && len(args) <= most {
			return nil
		}
		switch {
		case most == 0:
			return fmt.Errorf("unexpected argument %q: %s takes none", args[0], cmd.Name())
		case len(args) > most:
			return fmt.Errorf("unexpected argument %q: want %s", args[most], names)
		default:
			return fmt.Errorf("want %s, got %d argument(s)", names, len(args))
		}
	}
}

// noFiles completes nothing: the arguments are names and values, never
// local files.
func noFiles(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// singleDashFlags rewrites "-config FILE" and "-force" to their double-dash
// spelling. Before cobra, dnssync parsed flags with Go's flag package,
// which takes either; pflag would read "-config" as the shorthands -c -o
// -n..., and scripts and unit files written for the old parser must keep
// working. Only names that are long flags of some command are rewritten,
// never after "--" or where a flag's value is expected.
func singleDashFlags(root *cobra.Command, args []string) []string {
	takesValue := map[string]bool{"help": false, "version": false}
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		visit := func(f *pflag.Flag) { takesValue[f.Name] = f.NoOptDefVal == "" }
		cmd.Flags().VisitAll(visit)
		cmd.PersistentFlags().VisitAll(visit)
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if !strings.HasPrefix(a, "-") {
			out = append(out, a)
			continue
		}
		name, _, inline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		value, known := takesValue[name]
		if known && !strings.HasPrefix(a, "--") && len(name) > 1 {
			a = "-" + a
		}
		out = append(out, a)
		if known && value && !inline && strings.HasPrefix(a, "--") && i+1 < len(args) {
			i++
			out = append(out, args[i]) // the flag's value, whatever it looks like
		}
	}
	return out
}

// asTyped names the unknown flag of err as it was typed: singleDashFlags
// gave cobra "--json" for "-json" (a flag of some other command), and
// pflag names what it was given, a spelling the person never wrote. typed
// and given are the arguments before and after the rewrite, one for one;
// pflag stops at the first unknown flag, so the first argument that spells
// it is the one.
func asTyped(err error, typed, given []string) error {
	var unknown *pflag.NotExistError
	if !errors.As(err, &unknown) || !strings.HasPrefix(err.Error(), "unknown flag: --") {
		return err
	}
	long := "--" + unknown.GetSpecifiedName()
	for i, a := range given {
		if a == "--" {
			break
		}
		if a == long || strings.HasPrefix(a, long+"=") {
			if typed[i] == a {
				return err
			}
			name, _, _ := strings.Cut(typed[i], "=")
			return fmt.Errorf("unknown flag: %s", name)
		}
	}
	return err
}
