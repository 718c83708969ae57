// Command dnssync keeps what CoreDNS serves equal to a directory of YAML
// record files. See README.md, `dnssync --help` and dnssync(1).
//
// This package is wiring only: it builds the command line (cobra), reads
// the config, connects the packages and maps what they report to output
// and exit codes. What a pass does, what a write means and what the audit
// trail holds live in internal/.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes, as the README's table and dnssync(1) list them (exitCodes).
const (
	exitOK      = 0
	exitError   = 1
	exitPending = 2  // plan: changes pending or held; a write --wait: not served yet
	exitUsage   = 64 // the command line: unknown command or flag, wrong arguments (sysexits' EX_USAGE)
)

// exitCodes explain the codes, for the root command's help and the man page.
var exitCodes = []struct {
	code    int
	meaning string
}{
	{exitOK, "success: in sync, applied and verified, valid, written"},
	{exitError, "an error, or a problem found (invalid files, a zone that cannot be read, records not served)"},
	{exitPending, "plan: changes are pending or held; register, update, unregister --wait: written, not served yet"},
	{exitUsage, "the command line is wrong: unknown command or flag, a bad flag value, the wrong number of arguments"},
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run runs one command line and returns its exit code. Help and output
// go to stdout, errors to stderr as "dnssync: <what>: <why>".
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr}
	root := c.root()
	given := singleDashFlags(root, args)
	root.SetArgs(given)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil {
		// Commands report their own failures and return nil: an error
		// here is cobra's, about the command line.
		return c.usageError(cmd, asTyped(err, args, given))
	}
	return c.code
}
