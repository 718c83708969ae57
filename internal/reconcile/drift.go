package reconcile

// Drift: a change on the DNS server that records.d did not make (a hand
// edit of the zone file, an UPDATE from another client). A pass puts it
// back like any other difference; this file tells the two apart, so that
// logs, the audit trail and metrics can say "drift corrected" rather than
// "change applied".
//
// The rule: a pass that left a zone in sync remembers the desired state's
// generation it was planned with (the served cache, cache.go). The next
// pass's plan for that zone changes some RRsets; a change at a name that
// records.d has not changed since that generation (Store.ChangedSince) can
// only be the server's doing: drift. Without such a pass to compare with
// (the daemon just started or reloaded its config, the zone's last pass
// failed or left changes pending) nothing is called drift: the difference
// may be records.d's own.

import (
	"log/slog"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// driftBaseline is what a zone's pass knows, before it starts, of the
// last pass that left the zone in sync.
type driftBaseline struct {
	gen uint64 // the desired state's generation that pass planned with
	ok  bool   // there was one
}

// driftBaseline is taken before the pass forgets the zone's cache entry.
func (r *Reconciler) driftBaseline(zone string) driftBaseline {
	e, ok := r.served.zones[zone]
	return driftBaseline{gen: e.gen, ok: ok && e.synced}
}

// drift returns the keys of plan's changes that put back drift.
func (r *Reconciler) drift(zone string, b driftBaseline, plan diff.Plan) []rrset.Key {
	if !b.ok || plan.Empty() {
		return nil
	}
	changed, ok := r.Store.ChangedSince(zone, b.gen)
	if !ok { // the Store no longer knows what records.d changed
		return nil
	}
	return drifted(plan.Changes, changed)
}

// drifted is the rule: the changes at names records.d did not change
// (changed holds the canonical names it did change since the zone was last
// in sync).
func drifted(changes []diff.Change, changed map[string]bool) []rrset.Key {
	var out []rrset.Key
	for _, c := range changes {
		if !changed[c.Key.Name] {
			out = append(out, c.Key)
		}
	}
	return out
}

// logDrift logs each drift the applied plan put back, with what the server
// served and what records.d wants. A warning: someone or something changes
// the server behind dnssync's back, and will likely do it again. A zone
// file replaced by hand can differ in every record: the lines are capped
// as every kind's are (kindLines), with a count line for the rest.
func logDrift(log *slog.Logger, zr *ZoneResult) {
	lines := newKindLines(log)
	for _, c := range zr.DriftChanges() {
		lines.add(slog.LevelWarn, "drift corrected", "action", c.Action.String(), "name", c.Key.Name, "type", dns.TypeToString[c.Key.Type],
			"served", diff.ShowSet(c.Old), "desired", diff.ShowSet(c.New))
	}
	lines.more()
}

// DriftChanges returns the changes of the plan that put back drift, in
// the plan's order.
func (zr ZoneResult) DriftChanges() []diff.Change {
	if len(zr.Drift) == 0 {
		return nil
	}
	drift := make(map[rrset.Key]bool, len(zr.Drift))
	for _, k := range zr.Drift {
		drift[k] = true
	}
	var out []diff.Change
	for _, c := range zr.Plan.Changes {
		if drift[c.Key] {
			out = append(out, c)
		}
	}
	return out
}
