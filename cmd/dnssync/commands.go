package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/dnssync/dnssync/internal/api"
	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/reconcile"
)

func cmdPlan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, cfgPath := flags("plan", stderr)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	res, code := once(ctx, *cfgPath, reconcile.Options{}, stdout, stderr)
	if code != exitOK {
		return code
	}
	if pending(res) {
		return exitPending
	}
	return exitOK
}

// pending reports whether the plan leaves anything undone: changes to
// apply, changes the safety check holds, deletions held while a records
// file is unread, desired records left alone because another writer owns
// them. Any of them is exit 2, never "in sync".
func pending(res reconcile.Result) bool {
	if res.Pending() || len(res.State.Incomplete) > 0 {
		return true
	}
	for _, z := range res.Zones {
		if !z.Plan.InSync() {
			return true
		}
	}
	return false
}

// stillBeingWritten reports whether a problem is only that a file was not
// read yet because a writer is at work on it, not that its content is
// invalid: its deletions are held and the plan says so (exit 2), but it is
// no error.
func stillBeingWritten(p desired.Problem) bool { return p.Writing }

func cmdApply(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, cfgPath := flags("apply", stderr)
	force := fs.Bool("force", false, "apply plans that the safety check refuses")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	_, code := once(ctx, *cfgPath, reconcile.Options{Apply: true, Force: *force, Verify: true}, stdout, stderr)
	return code
}

// once runs one pass and prints its plans (stdout) and problems (stderr).
func once(ctx context.Context, cfgPath string, opts reconcile.Options, stdout, stderr io.Writer) (reconcile.Result, int) {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "dnssync: %v\n", err)
		return reconcile.Result{}, exitError
	}
	log := newLogger(cfg.Log, stderr)
	if !opts.Apply {
		// Planning is quiet: the plan on stdout is the output.
		log = slog.New(slog.DiscardHandler)
	}
	r, _, err := newReconciler(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "dnssync: %v\n", err)
		return reconcile.Result{}, exitError
	}
	// An apply is audited as a CLI write is: one that cannot open the
	// audit file is not made, and one made whose lines cannot be written
	// says so and exits 1.
	var trail *audit.Log
	if opts.Apply && cfg.Audit.File != "" {
		if trail, err = audit.Open(cfg.Audit.File); err != nil {
			fmt.Fprintf(stderr, "dnssync: %v; nothing applied (every apply is audited)\n", err)
			return reconcile.Result{}, exitError
		}
		defer trail.Close()
	}
	res := r.RunOnce(ctx, opts)
	var auditErr error
	if opts.Apply {
		if auditErr = auditApply(trail, res); auditErr != nil {
			fmt.Fprintf(stderr, "dnssync: applied, but not audited: %v\n", auditErr)
		}
	}
	if res.Err != nil {
		fmt.Fprintf(stderr, "dnssync: %v\n", res.Err)
		return res, exitError
	}
	code := exitOK
	for _, p := range res.State.Problems {
		if stillBeingWritten(p) {
			fmt.Fprintf(stderr, "not read yet: %v\n", p)
			continue
		}
		fmt.Fprintf(stderr, "invalid: %v\n", p)
		if !opts.Apply {
			// A plan is what a CI job gates on: a broken file is an
			// error there, not a plan that looks in sync. (A pass that
			// applies keeps such a file's last good content in force,
			// as the daemon does.)
			code = exitError
		}
	}
	for _, f := range res.State.Incomplete {
		fmt.Fprintf(stderr, "deletions held: %s was never read successfully\n", f)
	}
	for _, z := range res.Zones {
		for _, c := range z.Held {
			fmt.Fprintf(stderr, "conflict: %s left as served: %s\n", c.Name, c.Reason)
		}
		if z.Err != nil {
			fmt.Fprintf(stderr, "dnssync: %v\n", z.Err)
			code = exitError
		} else if z.Refusal != nil && !z.Applied {
			fmt.Fprintf(stderr, "note: applying this plan would be refused: %v (the creates of new names would apply; the held changes wait for `dnssync apply --force`)\n", z.Refusal)
		}
		if z.Stage == reconcile.StageTransfer {
			// Nothing was observed: the zone's state is unknown, never
			// "in sync".
			diff.FormatUnknown(stdout, z.Zone, z.Err)
			continue
		}
		if z.Err != nil && z.Plan.InSync() && z.Refused.Empty() {
			// The pass failed before it could tell: not "in sync" either.
			fmt.Fprintf(stdout, "%s: unknown (%v)\n", z.Zone, z.Err)
			continue
		}
		z.Plan.FormatHeld(stdout, z.Refused)
		switch {
		case z.Applied && z.Serial != 0:
			fmt.Fprintf(stdout, "%s: applied (serial %d)\n", z.Zone, z.Serial)
		case z.Applied && !z.Plan.Empty():
			fmt.Fprintf(stdout, "%s: applied\n", z.Zone)
		}
	}
	if err := res.Failed(); err != nil && code == exitOK {
		fmt.Fprintf(stderr, "dnssync: %v\n", err)
		code = exitError
	}
	if auditErr != nil {
		code = exitError
	}
	return res, code
}

func cmdValidate(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs, cfgPath := flags("validate", stderr)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return exitError
	}
	problems, err := desired.Validate(desiredOptions(cfg))
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return exitError
	}
	for _, p := range problems { // on stderr, like every other command's problems
		fmt.Fprintln(stderr, p.Error())
	}
	if len(problems) > 0 {
		return exitError
	}
	fmt.Fprintf(stdout, "ok: config and %s are valid\n", cfg.Records.Dir)
	return exitOK
}

// cmdCheckConfig is validate plus wiring the backend (its secret, its state
// file) and proving it can write where it must (a zone file backend
// creates, fsyncs, renames and removes a file in zone_dir and state_dir),
// without touching DNS: fit for ExecStartPre=, so that a broken config
// fails the start with its reason in the journal.
func cmdCheckConfig(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if code := cmdValidate(ctx, args, stdout, stderr); code != exitOK {
		return code
	}
	fs, cfgPath := flags("check-config", stderr)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, err := config.Load(*cfgPath)
	var r *reconcile.Reconciler
	if err == nil {
		r, _, err = newReconciler(cfg, slog.New(slog.DiscardHandler))
	}
	if c, ok := backendChecker(r); err == nil && ok {
		err = c.Check()
	}
	if err == nil && cfg.API.Listen != "" && cfg.API.TokenFile != "" {
		_, err = api.ReadTokens(cfg.API.TokenFile) // as the daemon reads it: its mode too
	}
	if err != nil {
		fmt.Fprintf(stdout, "%v\n", err)
		return exitError
	}
	return exitOK
}

// backendChecker is the backend's own check of the files it writes, if it
// has one.
func backendChecker(r *reconcile.Reconciler) (interface{ Check() error }, bool) {
	if r == nil {
		return nil, false
	}
	c, ok := r.Backend.(interface{ Check() error })
	return c, ok
}
