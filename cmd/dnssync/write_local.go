package main

import (
	"context"
	"fmt"

	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/registry"
)

// writeLocal makes one write to records.d here, audits it as the API
// audits its own, and prints what became of it as the API would answer,
// then the file it went to.
//
// A write that could not be audited is not made: the audit file is opened
// first. A write made (or found unchanged) whose audit line could not be
// written stays in records.d (undoing it could fail too, and would need a
// trail of its own), and the command exits non-zero so that a script or a
// person notices the gap in the trail; the daemon applies the change as
// any other.
func (c *cli) writeLocal(ctx context.Context, op string, rec registry.Record,
	edit func(context.Context, *registry.Registry) (registry.Change, error)) int {
	l, err := openLocal(c.config)
	if err != nil {
		return c.fail(err)
	}
	var trail *audit.Log // nil without [audit] file
	if l.cfg.Audit.File != "" {
		if trail, err = audit.Open(l.cfg.Audit.File); err != nil {
			return c.fail(fmt.Errorf("%w; nothing written (every write to records.d is audited)", err))
		}
		defer trail.Close()
	}
	ch, err := edit(ctx, l.reg)
	res := registry.Result(rec, ch, l.cfg.Orchestrator.DNS.AutoRegister)
	result := res.Status
	if err != nil {
		result = err.Error()
	}
	user, uid := audit.CLIUser()
	auditErr := trail.Record(audit.Event{Kind: "cli", User: user, UID: &uid, Action: op,
		Name: rec.Name, Type: rec.Type, Value: rec.Value, Result: result})
	if err != nil {
		if auditErr != nil {
			c.fail(auditErr)
		}
		return c.fail(fmt.Errorf("%s %s: %w", op, rec.Name, err))
	}
	printWriteResult(c.stdout, pastTense(op), res, false)
	if path := l.reg.Path(rec.Name); ch.Changed && len(ch.After) == 0 {
		// The registry removes the API's file for a name once it holds
		// nothing.
		fmt.Fprintf(c.stdout, "  file: %s, removed (nothing left in it)\n", path)
	} else {
		fmt.Fprintf(c.stdout, "  file: %s\n", path)
	}
	if auditErr != nil {
		what := "written, but not audited"
		if !ch.Changed {
			what = "nothing changed, and not audited"
		}
		return c.fail(fmt.Errorf("%s %s: %s: %w", op, rec.Name, what, auditErr))
	}
	return exitOK
}
