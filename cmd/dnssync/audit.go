package main

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/verify"
)

// auditEvents are a pass's lines in the audit log: each change applied,
// with whether it was then served, and each plan refused, with how much of
// it is held. Values are bounded as in the logs (diff.ShowSet).
func auditEvents(res reconcile.Result) []audit.Event {
	var out []audit.Event
	for _, z := range res.Zones {
		if z.Refusal != nil && (errors.Is(z.Err, diff.ErrUnsafe) || z.Stage == reconcile.StageApply) {
			out = append(out, audit.Event{Kind: "refused", Zone: z.Zone,
				Result: fmt.Sprintf("%v; %d changes held", z.Refusal, len(z.Refused.Changes))})
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
				Action: c.Action.String(), Old: diff.ShowSet(c.Old), New: diff.ShowSet(c.New), Result: result})
		}
	}
	return out
}

// auditApply records in l (nil: no audit file) what `dnssync apply` did,
// as the daemon records its passes: a forced apply is the change that most
// needs a trail. The user who ran it is named. l is opened before the
// pass, so that an apply that could not be audited is not made.
func auditApply(l *audit.Log, res reconcile.Result) error {
	events := auditEvents(res)
	if l == nil || len(events) == 0 {
		return nil
	}
	name, uid := cliUser()
	for i := range events {
		events[i].User, events[i].UID = name, &uid
	}
	return l.Record(events...)
}

// cliUser is who runs this command, as the audit log names a CLI user:
// the user name, or the uid when it has none (a container's uid without
// a passwd entry).
func cliUser() (name string, uid int) {
	uid = os.Getuid()
	name = strconv.Itoa(uid)
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return name, uid
}

// refusals drops "refused" lines that repeat a zone's last one: a refused
// plan stays refused pass after pass until someone acts, and the trail
// needs it when it starts or changes, not once a minute. Only the loop
// uses it.
type refusals map[string]string

func (seen refusals) filter(res reconcile.Result, events []audit.Event) []audit.Event {
	for _, z := range res.Zones {
		if z.Refusal == nil {
			delete(seen, z.Zone)
		}
	}
	out := events[:0]
	for _, ev := range events {
		if ev.Kind == "refused" {
			if seen[ev.Zone] == ev.Result {
				continue
			}
			seen[ev.Zone] = ev.Result
		}
		out = append(out, ev)
	}
	return out
}
