// Package passaudit is the audit trail's observer of reconcile passes,
// beside health and metrics: the daemon's loop and `dnssync apply` hand it
// each pass's result, and it writes the lines that pass owes the trail
// (internal/audit's Log). It decides nothing and changes nothing but the
// file.
//
// It lives apart from internal/audit so that the trail itself (the file,
// its lock, the API's and the CLI's writes) does not depend on reconcile:
// the API records its writes through audit without pulling in the
// reconciler, the backends and the transfers.
package passaudit

import (
	"errors"
	"fmt"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// Observer writes a pass's lines to Log: each change applied, with whether
// it was then served ("drift" for a change that put back what the server
// got from elsewhere than records.d, see reconcile.ZoneResult.Drift), and
// each plan the safety rules refused, with how much of it is held.
//
// A plan refused pass after pass stays refused until someone acts, and the
// trail needs it when it starts or changes, not once a minute: a refusal
// that repeats the zone's last one is written once. One Observer per loop
// (its memory of refusals is the loop's).
type Observer struct {
	Log *audit.Log // nil: no audit file, nothing written
	// User and UID name who ran a CLI command (`dnssync apply`, see
	// audit.CLIUser); empty for the daemon's own passes.
	User string
	UID  *int

	refused map[string]string // zone -> its last refusal line
	cli     bool              // OpenCLI's: its error says what was applied
}

// OpenCLI is the observer of a CLI command's pass (`dnssync apply`),
// audited as the CLI's writes to records.d are (audit.Writer): its lines
// name the user; with an [audit] file (path) that cannot be opened the
// error says that nothing is applied, and the caller applies nothing; a
// pass whose lines cannot be written says "applied, but not audited".
func OpenCLI(path string) (*Observer, error) {
	name, uid := audit.CLIUser()
	p := &Observer{User: name, UID: &uid, cli: true}
	if path == "" {
		return p, nil
	}
	l, err := audit.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w; nothing applied (every apply is audited)", err)
	}
	p.Log = l
	return p, nil
}

// Close closes the observer's Log.
func (p *Observer) Close() error { return p.Log.Close() }

// Observe writes res's lines. Its error names the lines not written (see
// audit.Log.Record): the daemon logs it; `dnssync apply` exits non-zero with it.
func (p *Observer) Observe(res reconcile.Result) error {
	if p.Log == nil {
		// No trail: make no lines. A cold start's plan of 100,000 changes
		// made 150 MB of them, the largest allocation of the pass, for
		// no one. The refusals remembered are only to write them once.
		return nil
	}
	events := p.fresh(res, passEvents(res))
	if len(events) == 0 {
		return nil
	}
	for i := range events {
		events[i].User, events[i].UID = p.User, p.UID
	}
	err := p.Log.Record(events...)
	if err != nil && p.cli {
		err = fmt.Errorf("applied, but not audited: %w", err)
	}
	if err != nil {
		// Not written, so not yet told: the next pass tries again.
		for _, ev := range events {
			if ev.Kind == "refused" {
				delete(p.refused, ev.Zone)
			}
		}
	}
	return err
}

// passEvents are res's lines. Values are bounded as in the logs
// (diff.ShowSet).
func passEvents(res reconcile.Result) []audit.Event {
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
		drift := make(map[rrset.Key]bool, len(z.Drift))
		for _, k := range z.Drift {
			drift[k] = true
		}
		for _, c := range z.Plan.Changes {
			kind := "change"
			if drift[c.Key] { // put back: the server was changed elsewhere than in records.d
				kind = "drift"
			}
			out = append(out, audit.Event{Kind: kind, Zone: z.Zone, Name: c.Key.Name, Type: dns.TypeToString[c.Key.Type],
				Action: c.Action.String(), Old: diff.ShowSet(c.Old), New: diff.ShowSet(c.New), Result: result})
		}
	}
	return out
}

// fresh drops the "refused" lines that repeat their zone's last one, and
// forgets the refusal of a zone whose plan is no longer refused, so that
// its return is written again.
func (p *Observer) fresh(res reconcile.Result, events []audit.Event) []audit.Event {
	if p.refused == nil {
		p.refused = map[string]string{}
	}
	for _, z := range res.Zones {
		if z.Refusal == nil {
			delete(p.refused, z.Zone)
		}
	}
	out := events[:0]
	for _, ev := range events {
		if ev.Kind == "refused" {
			if p.refused[ev.Zone] == ev.Result {
				continue
			}
			p.refused[ev.Zone] = ev.Result
		}
		out = append(out, ev)
	}
	return out
}
