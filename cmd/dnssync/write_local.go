package main

import (
	"context"
	"fmt"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/registry"
)

// writeLocal makes one write to records.d here, audited by the rule the
// API's writes follow (audit.Writer), and prints what became of it as the
// API would answer (registry.Result), then the file it went to. A write
// whose audit line was not written stays made, and the command exits 1.
func (c *cli) writeLocal(ctx context.Context, op string, rec registry.Record,
	edit func(context.Context, *registry.Registry) (registry.Change, error)) int {
	l, err := openLocal(c.config)
	if err != nil {
		return c.fail(err)
	}
	trail, err := audit.OpenWriter(l.cfg.Audit.File)
	if err != nil {
		return c.fail(err)
	}
	defer trail.Close()
	var (
		ch       registry.Change
		res      client.WriteResult
		writeErr error
	)
	asked := audit.Write{Who: audit.CLI(), Action: op, Name: rec.Name, Type: rec.Type, Value: rec.Value}
	auditErr := trail.Do(asked, func() audit.Outcome {
		ch, writeErr = edit(ctx, l.reg)
		res = registry.Result(rec, ch, l.cfg.Orchestrator.DNS.AutoRegister)
		return audit.Outcome{Result: res.Status, Changed: ch.Changed, Err: writeErr}
	})
	if writeErr != nil {
		if auditErr != nil {
			c.fail(auditErr)
		}
		return c.fail(fmt.Errorf("%s %s: %w", op, rec.Name, writeErr))
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
		return c.fail(auditErr)
	}
	return exitOK
}
