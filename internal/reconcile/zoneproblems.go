package reconcile

import "github.com/dnssync/dnssync/internal/zones"

// ZoneProblems are the zones dir's problems (invalid files, conflicts, a
// file declaring the catalog) as the latest pass read them; none without
// a ZoneSource, or before the first pass. Like Zones, it is read between
// passes (OnPass, or after RunOnce), never during one.
func (r *Reconciler) ZoneProblems() []zones.Problem {
	return r.zoneSet.set.Problems()
}
