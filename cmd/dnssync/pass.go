package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/dnssync/dnssync/internal/audit/passaudit"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/reconcile"
)

// output is how once prints the pass's plans on stdout.
type output int

const (
	outText     output = iota // per zone, as the pass applied it (apply)
	outPlanText               // per zone, then the plan's last line (plan)
	outPlanJSON               // the plan as JSON, and nothing else (plan --json)
)

// once runs one pass (plan, or apply) and prints its plans (stdout, as out
// says) and problems (stderr).
func (c *cli) once(ctx context.Context, opts reconcile.Options, out output) (reconcile.Result, int) {
	stderr := c.stderr
	cfg, err := config.Discover(c.config)
	if err != nil {
		return reconcile.Result{}, c.fail(err)
	}
	log := newLogger(cfg.Log, stderr)
	if !opts.Apply {
		// Planning is quiet: the plan on stdout is the output.
		log = slog.New(slog.DiscardHandler)
	}
	r, store, err := newReconciler(cfg, log)
	if err != nil {
		return reconcile.Result{}, c.fail(err)
	}
	// An apply is audited as a CLI write is (passaudit.OpenCLI); a plan
	// writes no lines.
	trail := &passaudit.Observer{}
	if opts.Apply {
		if trail, err = passaudit.OpenCLI(cfg.Audit.File); err != nil {
			return reconcile.Result{}, c.fail(err)
		}
		defer trail.Close()
	}
	res := r.RunOnce(ctx, opts)
	// The secondaries' wait outlives the pass (reconcile/propwait.go): an
	// apply sees it out, so that its NOTIFYs are sent and each
	// secondary's outcome is logged before it exits.
	r.WaitPropagated(ctx)
	auditErr := trail.Observe(res)
	if auditErr != nil {
		c.fail(auditErr)
	}
	if res.Err != nil {
		return res, c.fail(res.Err)
	}
	code := c.problems(res, opts.Apply, opts.Force)
	if printZoneProblems(c.stderr, r.ZoneProblems()) > 0 && !opts.Apply {
		code = exitError // as an invalid records file: a plan gates on it
	}
	if err := res.Failed(); err != nil && code == exitOK {
		code = c.fail(err)
	}
	if auditErr != nil {
		code = exitError
	}
	src := declaredIn(store)
	switch out {
	case outPlanJSON:
		if err := printPlanJSON(c.stdout, planJSON(res, src, code == exitOK && !res.Pending())); err != nil {
			code = c.fail(err)
		}
	default:
		printPlans(c.stdout, res, src, out == outPlanText)
	}
	return res, code
}

// problems prints on stderr what the pass found wrong besides its plans
// (invalid files, conflicts, errors, a refusal) and returns the exit code
// they make.
func (c *cli) problems(res reconcile.Result, applying, force bool) int {
	code := exitOK
	if printProblems(c.stderr, res.State.Problems) > 0 && !applying {
		// A plan is what a CI job gates on: a broken file is an error
		// there, not a plan that looks in sync. (A pass that applies
		// keeps such a file's last good content in force, as the daemon
		// does.)
		code = exitError
	}
	for _, f := range res.State.Unread() {
		fmt.Fprintf(c.stderr, "deletions held: %s was never read successfully\n", f)
	}
	for _, why := range res.State.UnzonedReasons() {
		if applying && force { // --force lifts this hold: the file's content is known
			fmt.Fprintf(c.stderr, "deletions not held (--force): %s\n", why)
			continue
		}
		fmt.Fprintf(c.stderr, "deletions held: %s\n", why)
	}
	for _, z := range res.Zones {
		for _, h := range z.Held {
			fmt.Fprintf(c.stderr, "conflict: %s left as served: %s\n", h.Name, h.Reason)
		}
		if z.Err != nil {
			code = c.fail(z.Err)
		} else if z.Refusal != nil && !z.Applied {
			fmt.Fprintf(c.stderr, "note: applying this plan would be refused: %v (the creates of new names would apply; the held changes wait for `dnssync apply --force`)\n", z.Refusal)
		}
	}
	return code
}

// printProblems lists records.d's problems on w and returns how many are
// invalid files. An invalid file is "file:line: message", the line
// validate prints; a file only not read yet (a writer is at work on it) is
// no error, and says so: "note: file: still being written; not read yet".
func printProblems(w io.Writer, problems []desired.Problem) (invalid int) {
	for _, p := range problems {
		if stillBeingWritten(p) {
			fmt.Fprintf(w, "note: %v\n", p)
			continue
		}
		fmt.Fprintln(w, p.Error())
		invalid++
	}
	return invalid
}

// printPlans prints each zone's plan, with the files that declare each
// change; as a plan, it ends with the line that counts them.
func printPlans(w io.Writer, res reconcile.Result, src diff.Sources, asPlan bool) {
	for _, z := range res.Zones {
		if zoneUnknown(z) {
			if z.Stage == reconcile.StageTransfer {
				// Nothing was observed: the zone's state is unknown, never
				// "in sync".
				diff.FormatUnknown(w, z.Zone, z.Err)
			} else {
				// The pass failed before it could tell: not "in sync" either.
				fmt.Fprintf(w, "%s: unknown (%v)\n", z.Zone, z.Err)
			}
			continue
		}
		z.Plan.FormatSources(w, z.Refused, src)
		switch {
		case z.Applied && z.Serial != 0:
			fmt.Fprintf(w, "%s: applied (serial %d)\n", z.Zone, z.Serial)
		case z.Applied && !z.Plan.Empty():
			fmt.Fprintf(w, "%s: applied\n", z.Zone)
		}
	}
	if asPlan {
		tally(res).Format(w)
	}
}

// zoneUnknown reports whether z's plan is unknown: the zone could not be
// read, or the pass failed before it could tell (an empty plan with an
// error must not read as "in sync").
func zoneUnknown(z reconcile.ZoneResult) bool {
	return z.Stage == reconcile.StageTransfer || z.Err != nil && z.Plan.InSync() && z.Refused.Empty()
}

// tally counts the pass's plans: the text plan's last line and the JSON
// plan's summary.
func tally(res reconcile.Result) diff.Tally {
	var t diff.Tally
	for _, z := range res.Zones {
		if zoneUnknown(z) {
			t.Unknown++
			continue
		}
		t.Add(z.Plan, z.Refused)
	}
	invalid := map[string]bool{}
	for _, p := range res.State.Problems {
		if !stillBeingWritten(p) {
			invalid[p.File] = true
		}
	}
	t.Invalid = len(invalid)
	t.Unread = len(res.State.Unread())
	return t
}

// stillBeingWritten reports whether a problem is only that a file was not
// read yet because a writer is at work on it, not that its content is
// invalid: its deletions are held and the plan says so (exit 2), but it is
// no error.
func stillBeingWritten(p desired.Problem) bool { return p.Writing }
