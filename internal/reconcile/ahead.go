package reconcile

import (
	"context"
	"log/slog"
	"slices"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/verify"
)

// A secondary ahead of the primary. Every write goes above the serials
// the secondaries serve (floor.go), but a write needs a change: after a
// primary restored from a backup of the same data, or a wipe whose first
// write a stopped secondary never saw, the secondary comes back serving a
// newer serial than the primary, ignores the primary, and would stay out
// of sync until records.d changed for some other reason. So when a
// scheduled check finds a reachable secondary ahead, the zone is written
// again with only its serial moved above it and above every reachable
// secondary's (an empty plan: apply.FloorApplier), and the change
// propagates as any other (NOTIFY, then a transfer). Only on scheduled
// checks of a pass that applies (never `plan` or a verify-only run), and
// not while the safety rules hold the zone's changes back: a write made
// then would carry the held state forward under a new serial as if it
// were settled. A serial that would have to jump half the serial space or
// more is never written: the backend refuses, and the error is logged.

// raiseAhead writes each zone of res again, serial only, whose check in
// rep found a secondary serving a newer serial (RFC 1982) than the
// primary, when opts make the pass a scheduled one that applies.
func (r *Reconciler) raiseAhead(ctx context.Context, opts Options, res *Result, rep *verify.Report) {
	b, ok := r.Backend.(apply.FloorApplier)
	if !ok || !opts.Apply || !opts.Check || ctx.Err() != nil {
		return
	}
	for _, zone := range aheadZones(rep.Sync) {
		i := slices.IndexFunc(res.Zones, func(z ZoneResult) bool { return z.Zone == zone })
		if i < 0 {
			continue
		}
		zr := &res.Zones[i]
		log := r.Log.With("zone", zone)
		if zr.Err != nil || zr.Refusal != nil || r.holding[zone] != nil || r.zoneSet.retiring[zone] {
			log.Debug("a secondary serves a newer serial than the primary; the zone is not written for it while its pass failed or its changes are held")
			continue
		}
		r.raise(ctx, log, b, zr, opts.Verify)
	}
}

// raise writes zr's zone again with only its serial moved above every
// reachable secondary's, if one still serves a newer serial than the
// primary, and verifies and propagates the write when wait is set.
func (r *Reconciler) raise(ctx context.Context, log *slog.Logger, b apply.FloorApplier, zr *ZoneResult, wait bool) {
	zone := zr.Zone
	fl := floors(ctx, log, zone, r.secondariesOf(zone))
	served, gen, synced, err := r.observe(ctx, log, zone, true, false)
	if err != nil {
		log.Warn("a secondary serves a newer serial than the primary; the primary's zone could not be read to write it above", "err", err)
		return
	}
	ahead := apply.Ahead(served.Serial, fl)
	if len(ahead) == 0 {
		return // it followed meanwhile, or no longer answers
	}
	r.served.forget(zone)
	result, err := b.ApplyAbove(ctx, served, diff.Plan{Zone: zone}, fl)
	if r.changed("ahead "+zone, err) && err != nil {
		log.Error("a secondary serves a newer serial than the primary, and the zone could not be written above it", "err", err)
	}
	if err != nil {
		return
	}
	for _, f := range ahead {
		log.Info("a secondary served a newer serial than the primary: the zone is written again with only its serial moved above it",
			"secondary", f.Server, "its_serial", f.Serial, "primary_serial", served.Serial, "serial", result.Serial)
	}
	zr.Applied, zr.Raised = true, zr.Raised+1
	if result.Serial != 0 {
		zr.Serial = result.Serial
	}
	if !wait {
		return
	}
	w := ZoneResult{Zone: zone, Plan: diff.Plan{Zone: zone}, Applied: true, Serial: result.Serial}
	r.verify(ctx, log, &w) // the primary serves it; NOTIFY and the secondaries' wait (propwait.go)
	if len(w.Mismatches) > 0 {
		zr.Mismatches = append(zr.Mismatches, w.Mismatches...)
		return
	}
	r.remember(ctx, served, &w, synced, gen)
}

// aheadZones are the zones, in the order sync holds them, at which a
// secondary answered a newer serial (RFC 1982) than the primary's.
func aheadZones(sync []verify.ServerStatus) []string {
	var out []string
	for _, s := range sync {
		if s.Role != verify.RoleSecondary || s.Serial == 0 || s.Want == 0 || int32(s.Serial-s.Want) <= 0 {
			continue
		}
		if !slices.Contains(out, s.Zone) {
			out = append(out, s.Zone)
		}
	}
	return out
}
