// Command dnssync keeps what CoreDNS serves equal to a directory of YAML
// record files. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes. Plan uses exitPending to say "changes are waiting".
const (
	exitOK      = 0
	exitError   = 1
	exitPending = 2
	exitUsage   = 64
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type command struct {
	name, usage string
	run         func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{"run", "watch records.d and keep CoreDNS in sync (the daemon)", cmdRun},
	{"plan", "print the changes a pass would make; exit 0 in sync, 2 pending, 1 error", cmdPlan},
	{"apply", "make one pass now and exit ([--force] applies refused plans)", cmdApply},
	{"register", "register NAME VALUE [--type T] [--ttl N]: add a record (A or AAAA picked from the address)", cmdRegister},
	{"update", "update NAME VALUE [--type T] [--ttl N]: replace NAME's records of that type", cmdUpdate},
	{"unregister", "unregister NAME [--type T]: remove NAME's records (of that type)", cmdUnregister},
	{"records", "records list [--json]: the records records.d declares", cmdRecords},
	{"verify", "verify [NAME] [--json]: check now that records are served as desired; exit 0 when all are", cmdVerify},
	{"validate", "check the config and records.d without touching DNS", cmdValidate},
	{"check-config", "check the config, records.d and the backend's files (for ExecStartPre=)", cmdCheckConfig},
	{"version", "print the version", cmdVersion},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "dnssync: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: dnssync COMMAND [--config FILE] [flags]")
	fmt.Fprintln(w)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.usage)
	}
}

// flags returns a FlagSet with the flags every command shares.
func flags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("dnssync "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := fs.String("config", "", "config file (TOML) overriding the built-in defaults")
	return fs, cfg
}

// parse parses args, mapping -h and bad flags to exit codes.
func parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, false
	}
	return 0, true
}

func cmdVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dnssync version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	fmt.Fprintf(stdout, "dnssync %s\n", version)
	return exitOK
}
