package reconcile

import (
	"context"
	"errors"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/desired"
)

// Two writers of one zone (two dnssync instances on an RFC 2136 primary)
// are fenced by the backend: an UPDATE planned against a zone that
// changed since fails with apply.ErrConcurrentWrite and applies nothing
// (apply/fence.go). That is no failure of the server and no reason to
// back off: the zone is transferred again at once and planned anew, so
// that what the other writer did is seen, and its records are left alone
// as any foreign records are (only what dnssync owns is deleted). A zone
// still contended after maxReplans fresh plans reports the error; the
// pass's retry takes it up again.

// maxReplans bounds the fresh plans of one zone in one pass.
const maxReplans = 3

// fencedZone is zone, planned again from a fresh transfer while another
// writer's change makes its plan stale.
func (r *Reconciler) fencedZone(ctx context.Context, st *desired.State, zone string, opts Options) (ZoneResult, *applied) {
	zr, a := r.zone(ctx, st, zone, opts)
	return r.replan(ctx, st, zone, opts, zr, a, 1)
}

// replan plans zone again while zr, its plan's outcome, is another
// writer's change, from attempt try on.
func (r *Reconciler) replan(ctx context.Context, st *desired.State, zone string, opts Options, zr ZoneResult, a *applied, try int) (ZoneResult, *applied) {
	for ; try <= maxReplans && errors.Is(zr.Err, apply.ErrConcurrentWrite) && ctx.Err() == nil; try++ {
		r.Log.Info("zone changed by another writer; planning again", "zone", zone, "attempt", try)
		// The cache holds the zone as planned against: stale. zone()
		// forgot it already; a transfer is what shows the other write.
		again := opts
		again.cached = false
		zr, a = r.zone(ctx, st, zone, again)
	}
	return zr, a
}
