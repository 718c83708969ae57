package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/reconcile"
)

// once runs one pass (plan, or apply) and prints its plans (stdout) and
// problems (stderr).
func (c *cli) once(ctx context.Context, opts reconcile.Options) (reconcile.Result, int) {
	stdout, stderr := c.stdout, c.stderr
	cfg, err := config.Load(c.config)
	if err != nil {
		return reconcile.Result{}, c.fail(err)
	}
	log := newLogger(cfg.Log, stderr)
	if !opts.Apply {
		// Planning is quiet: the plan on stdout is the output.
		log = slog.New(slog.DiscardHandler)
	}
	r, _, err := newReconciler(cfg, log)
	if err != nil {
		return reconcile.Result{}, c.fail(err)
	}
	// An apply is audited as a CLI write is, naming the user: one that
	// cannot open the audit file is not made, and one made whose lines
	// cannot be written says so and exits 1.
	trail := &audit.Passes{}
	if opts.Apply && cfg.Audit.File != "" {
		if trail.Log, err = audit.Open(cfg.Audit.File); err != nil {
			return reconcile.Result{}, c.fail(fmt.Errorf("%w; nothing applied (every apply is audited)", err))
		}
		defer trail.Log.Close()
		name, uid := audit.CLIUser()
		trail.User, trail.UID = name, &uid
	}
	res := r.RunOnce(ctx, opts)
	auditErr := trail.Observe(res)
	if auditErr != nil {
		c.fail(fmt.Errorf("applied, but not audited: %w", auditErr))
	}
	if res.Err != nil {
		return res, c.fail(res.Err)
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
		for _, h := range z.Held {
			fmt.Fprintf(stderr, "conflict: %s left as served: %s\n", h.Name, h.Reason)
		}
		if z.Err != nil {
			code = c.fail(z.Err)
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
		code = c.fail(err)
	}
	if auditErr != nil {
		code = exitError
	}
	return res, code
}

// stillBeingWritten reports whether a problem is only that a file was not
// read yet because a writer is at work on it, not that its content is
// invalid: its deletions are held and the plan says so (exit 2), but it is
// no error.
func stillBeingWritten(p desired.Problem) bool { return p.Writing }
