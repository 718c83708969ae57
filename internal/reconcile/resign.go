package reconcile

import (
	"context"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/diff"
)

// Signatures that would expire. A zone that dnssync signs (the zonefile
// backend, `dnssec = true`) is signed again where it changes; a zone that
// does not change for a week must still be signed again before its
// signatures expire, or every validating resolver stops resolving it. So
// a scheduled pass that applies asks the backend, per signed zone not
// written in this pass, whether a served signature expires within the
// refresh window, and writes that zone again with only its serial
// changed (apply.Resigner): the write re-signs what is due, and
// propagates as any other. Not while the zone's pass failed or it is
// retiring. While the safety rules hold the zone's deletions it is: the
// write changes no record (what is held stays served as it is), and a
// hold can stand longer than the refresh window, waiting for a person;
// the signatures must not expire meanwhile.
func (r *Reconciler) resignDue(ctx context.Context, opts Options, res *Result) {
	b, ok := r.Backend.(apply.Resigner)
	if !ok || !opts.Apply || !opts.Check {
		return
	}
	for i := range res.Zones {
		zr := &res.Zones[i]
		zone := zr.Zone
		if ctx.Err() != nil {
			return
		}
		if !b.Signs(zone) || zr.Applied || zr.Err != nil && zr.Stage != StageUnsafe || r.zoneSet.retiring[zone] {
			continue
		}
		log := r.Log.With("zone", zone)
		served, gen, synced, err := r.observe(ctx, log, zone, true, false)
		if err != nil {
			log.Warn("the zone's signatures could not be checked for refresh: the zone could not be read", "err", err)
			continue
		}
		if !b.SignaturesDue(served) {
			continue
		}
		r.served.forget(zone)
		result, err := b.ApplyAbove(ctx, served, diff.Plan{Zone: zone}, floors(ctx, log, zone, r.secondariesOf(zone)))
		if r.changed("resign "+zone, err) && err != nil {
			log.Error("the zone's signatures are due for refresh, and the zone could not be signed and written again", "err", err)
		}
		if err != nil {
			continue
		}
		log.Info("signatures due for refresh: the zone is signed and written again", "serial", result.Serial)
		zr.Applied = true
		if result.Serial != 0 {
			zr.Serial = result.Serial
		}
		if !opts.Verify {
			continue
		}
		w := ZoneResult{Zone: zone, Plan: diff.Plan{Zone: zone}, Applied: true, Serial: result.Serial}
		r.verify(ctx, log, &w)
		if len(w.Mismatches) > 0 {
			zr.Mismatches = append(zr.Mismatches, w.Mismatches...)
			continue
		}
		r.remember(ctx, served, &w, synced, gen)
	}
}
