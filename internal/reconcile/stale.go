package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/verify"
)

// Stale sets in a check: every set a zone's plan deletes, and no pass has
// deleted yet, is served, dnssync's, and declared by no records file. The
// plan knows them: it compares a transfer of the zone with records.d,
// knowing the backend's own records (SOA, apex NS) and what the backend
// owns (rfc2136's owned.json). The check only reports them, saying what
// becomes of each. A scheduled check takes them from the pass it follows;
// Verify plans each zone itself, from one transfer, and changes nothing
// (no cache, no hold, no log line of the pass's).

// The notes of stale results: what becomes of the set.
const (
	staleNext   = "the next pass that applies deletes it: the daemon's, unless auto_register = false, or `dnssync apply`"
	staleRefuse = "held: the safety rules refuse deleting it; `dnssync apply --force` deletes it"
	staleUnread = "held: a records file was never read successfully, and may declare it"
	// staleBlocked: what the safety rules hold cannot be read, and no
	// pass applies anything until it can (diff.Facts.HeldUnknown).
	staleBlocked = "nothing is deleted until the changes held by the safety rules can be read: %v"
)

// OpenHeld is the held state at path for a check that changes nothing
// (Verify): read at each check, and a file that cannot be read leaves
// the check whole, making only the stale sets' fate unknown (their note
// says why). A Reconciler that applies takes LoadHeld instead, which
// refuses such a file at the start.
func OpenHeld(path string) *HeldFile { return &HeldFile{path: path} }

// addStale adds to rep the stale sets of the zones a pass planned: what
// they would delete and did not (a pass that only planned, or one whose
// apply failed), and what the safety rules hold.
func addStale(rep *verify.Report, zones []ZoneResult) {
	for _, z := range zones {
		if z.Stage != StageTransfer {
			rep.Add(staleOf(authority(*rep), z.Plan, z.Refused, z.Applied)...)
		}
	}
}

// staleIn plans zone against a fresh transfer, as a pass would, and
// returns its stale sets; a zone that cannot be read is one error result
// (its stale sets are unknown).
func (r *Reconciler) staleIn(ctx context.Context, st *desired.State, zone string, rep verify.Report) []verify.Result {
	served, err := r.Observed.Transfer(ctx, zone)
	if err != nil {
		res := unread(zone, fmt.Errorf("which records are stale is unknown: %w", err))
		res.Server = authority(rep)
		return []verify.Result{res}
	}
	p := diff.Compute(r.planInput(st, zone, served.Sets))
	v := diff.Judge(p, r.facts(st, served, zone, false))
	if r.heldErr != nil {
		// Which deletions the safety rules hold is unknown: every stale
		// set waits alike.
		note := fmt.Sprintf(staleBlocked, r.heldErr)
		return verify.Stale(authority(rep), slices.Concat(v.Safe.Changes, v.Held.Changes, v.Safe.HeldDeletes), note)
	}
	return staleOf(authority(rep), v.Safe, v.Held, false)
}

// staleOf is one zone's stale sets: what safe deletes (unless applied),
// what the safety rules hold in held, and the deletions safe holds while
// a records file is unread.
func staleOf(server string, safe, held diff.Plan, applied bool) []verify.Result {
	var out []verify.Result
	if !applied {
		out = append(out, verify.Stale(server, safe.Changes, staleNext)...)
	}
	out = append(out, verify.Stale(server, held.Changes, staleRefuse)...)
	note := staleUnread
	if len(safe.HeldUnzoned) > 0 {
		note = "held: " + strings.Join(safe.HeldUnzoned, "; ")
	}
	return append(out, verify.Stale(server, safe.HeldDeletes, note)...)
}

// authority is the authoritative server a check asked, the first of its
// servers: the zones are transferred from it.
func authority(rep verify.Report) string {
	if len(rep.Servers) > 0 {
		return rep.Servers[0]
	}
	return ""
}
