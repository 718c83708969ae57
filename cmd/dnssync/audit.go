package main

import (
	"errors"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/verify"
)

// auditEvents are a pass's lines in the audit log: each change applied,
// with whether it was then served, and each plan refused.
func auditEvents(res reconcile.Result) []audit.Event {
	var out []audit.Event
	for _, z := range res.Zones {
		if errors.Is(z.Err, diff.ErrUnsafe) {
			out = append(out, audit.Event{Kind: "refused", Zone: z.Zone, Result: z.Err.Error()})
		}
		if !z.Applied {
			continue
		}
		result := "ok"
		if len(z.Mismatches) > 0 {
			result = "not served as planned: " + verify.Summary(z.Mismatches)
		}
		for _, c := range z.Plan.Changes {
			out = append(out, audit.Event{Kind: "change", Zone: z.Zone, Name: c.Key.Name, Type: dns.TypeToString[c.Key.Type],
				Action: c.Action.String(), Old: c.Old.String(), New: c.New.String(), Result: result})
		}
	}
	return out
}
