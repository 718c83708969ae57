package reconcile

import (
	"context"
	"log/slog"
	"time"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/dnssec"
	"github.com/dnssync/dnssync/internal/observed"
)

// Key rollover (dnssec/roll.go). A roll advances by at most one step per
// scheduled pass that applies and checks, and only on evidence: the zone
// written at the stage before must be served by the primary and by every
// secondary of the zone (one that does not answer holds the roll: a
// secondary serving an older stage could break the chain), and the wait
// since it was first seen so must have passed. A step sets the keys'
// times, saves them with the roll (the daemon is the one writer of the
// key store; `dnssync dnssec roll` leaves a request that is taken here),
// and writes the zone again with only its serial changed, which signs it
// with the keys as they now are. The roll's state is saved before the
// write: a write that fails is made again at the next pass (Serial 0).
// Not while the zone's pass failed, its changes are held or it is
// retiring, as for a re-sign (resign.go); a held roll says so in its
// state, which `dnssync dnssec status` shows.
//
// Before a step is taken (rollgate.go) the zone must have validated at
// every server in this pass's DNSSEC check, every secondary must still
// serve the stage, and before the old key is removed no configured trust
// anchor may name it and the parent (parent_resolver, when set) must
// serve the new DS.

// rollSerialTimeout bounds asking the servers whether they serve a stage.
const rollSerialTimeout = 2 * time.Second

func (r *Reconciler) rollKeys(ctx context.Context, opts Options, res *Result) {
	r.rollKeysAt(ctx, opts, res, time.Now())
}

func (r *Reconciler) rollKeysAt(ctx context.Context, opts Options, res *Result, now time.Time) {
	b, ok := r.Backend.(apply.Roller)
	if !ok || !opts.Apply || !opts.Check {
		return
	}
	for i := range res.Zones {
		zr := &res.Zones[i]
		if ctx.Err() != nil {
			return
		}
		if zr.Err != nil || r.zoneSet.retiring[zr.Zone] {
			continue
		}
		sg := b.SigningOf(zr.Zone)
		if sg == nil || sg.Keys == nil {
			continue
		}
		if zr.Refusal != nil || r.holding[zr.Zone] != nil {
			r.rollHeld(sg.Keys, zr.Zone)
			continue
		}
		r.rollZone(ctx, b, sg, zr, opts, r.checkFailed(res.Check, zr.Zone), now)
	}
}

// rollZone takes the request waiting for zone, if any, and the roll's
// next step if it is due at now. hold, when not empty, is why no step may
// be taken in this pass (the zone's DNSSEC check failed).
func (r *Reconciler) rollZone(ctx context.Context, b apply.Roller, sg *apply.Signing, zr *ZoneResult, opts Options, hold string, now time.Time) {
	zone, ks := zr.Zone, sg.Keys
	log := r.Log.With("zone", zone)
	if pending, err := ks.Pending(zone); err != nil || !pending {
		if err != nil {
			log.Error("key roll: the zone's key state could not be read", "err", err)
		}
		return
	}
	keys, roll, err := ks.LoadRoll(zone)
	if err != nil {
		log.Error("key roll: the zone's keys could not be read", "err", err)
		return
	}
	req, err := r.takeRequest(log, ks, zone, hold)
	if err != nil {
		log.Warn("key roll: the request was not taken", "err", err)
	}
	if req != nil && req.Action == dnssec.RequestCancel {
		if why := r.cancelGate(zone, keys, roll); why != "" {
			log.Warn("key roll: the cancel was refused", "why", why)
			req = nil
		}
	}
	if req != nil {
		nk, nr, err := dnssec.ApplyRequest(zone, keys, roll, *req, sg.Policy, now)
		if err == nil {
			err = ks.SaveRoll(zone, nk, nr)
		}
		if err != nil {
			log.Warn("key roll: the request was refused", "action", req.Action, "err", err)
		} else {
			keys, roll = nk, nr
			log.Info("key roll: request taken", "action", req.Action)
			if roll == nil { // cancelled at publish: the new key leaves the zone now
				r.writeStage(ctx, log, b, zr, opts, keys, nil, nil, 0, false, ks)
				return
			}
		}
	}
	if roll == nil {
		return
	}
	served, gen, synced, err := r.observe(ctx, log, zone, true, false)
	if err != nil {
		log.Warn("key roll: the zone could not be read; the roll waits", "err", err)
		return
	}
	ttls := dnssec.TTLsOf(zone, served.Sets)
	dirty := roll.SeeTTLs(ttls) // the waits use the largest TTLs seen
	if roll.Serial != 0 && roll.Served.IsZero() && r.servedEverywhere(ctx, log, zone, roll.Serial, served.Serial) {
		roll.MarkServed(sg.Policy, ttls, now)
		dirty = true
		log.Info("key roll: the stage is served everywhere", "stage", roll.Stage, "serial", roll.Serial, "next_after", roll.NextAfter)
	}
	waiting := hold
	if waiting == "" && roll.Due(now) {
		dsTTL := roll.DSTTL
		waiting = r.rollGate(ctx, log, zone, keys, roll, sg.Policy, served.Serial, now)
		dirty = dirty || roll.DSTTL != dsTTL
	}
	if waiting != roll.Waiting {
		roll.Waiting, dirty = waiting, true
		if waiting != "" {
			log.Warn("key roll: the roll waits", "stage", roll.Stage, "why", waiting)
		}
	}
	if dirty {
		if err := ks.SaveRoll(zone, keys, roll); err != nil {
			log.Error("key roll: the roll could not be saved", "err", err)
			return
		}
	}
	if waiting == "" && roll.Due(now) {
		nk, nr, err := dnssec.Advance(keys, roll, now)
		if err == nil {
			err = ks.SaveRoll(zone, nk, nr)
		}
		if err != nil {
			log.Error("key roll: the next step could not be saved", "err", err)
			return
		}
		if nr == nil {
			log.Info("key roll: done", "kind", roll.Kind, "old", roll.Old, "new", roll.New)
			return
		}
		keys, roll = nk, nr
		log.Info("key roll: next step", "kind", roll.Kind, "stage", roll.Stage)
	}
	if roll.Serial != 0 {
		return
	}
	r.writeStage(ctx, log, b, zr, opts, keys, roll, served, gen, synced, ks)
}

// takeRequest claims the zone's request, but leaves a start waiting while
// hold says no step may be taken: a roll is not begun on a zone that does
// not validate (a cancel or the parent's DS is taken still).
func (r *Reconciler) takeRequest(log *slog.Logger, ks *dnssec.KeyStore, zone, hold string) (*dnssec.RollRequest, error) {
	if hold != "" {
		if req, err := ks.Request(zone); err == nil && req != nil && req.Action == dnssec.RequestStart {
			log.Warn("key roll: the request to start a roll waits", "why", hold)
			return nil, nil
		}
	}
	return ks.TakeRequest(zone)
}

// servedEverywhere reports whether the primary (which serves
// primarySerial) and every secondary of zone serve serial or later.
func (r *Reconciler) servedEverywhere(ctx context.Context, log *slog.Logger, zone string, serial, primarySerial uint32) bool {
	if int32(primarySerial-serial) < 0 {
		log.Debug("key roll: the primary does not serve the stage yet", "serial", serial, "served", primarySerial)
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, rollSerialTimeout)
	defer cancel()
	for _, s := range r.secondariesOf(zone) {
		got, err := s.Server.Serial(ctx, zone)
		if err != nil || int32(got-serial) < 0 {
			log.Info("key roll: a secondary does not serve the stage yet; the roll waits", "secondary", s.Name, "serial", serial, "served", got, "err", err)
			return false
		}
	}
	return true
}

// writeStage writes the zone signed with the keys of the roll's stage and
// records the serial it was written at.
func (r *Reconciler) writeStage(ctx context.Context, log *slog.Logger, b apply.Roller, zr *ZoneResult, opts Options,
	keys []*dnssec.Key, roll *dnssec.Roll, served *observed.Zone, gen uint64, synced bool, ks *dnssec.KeyStore) {
	zone := zr.Zone
	if served == nil {
		var err error
		if served, gen, synced, err = r.observe(ctx, log, zone, true, false); err != nil {
			log.Error("key roll: the zone could not be read to be written with its keys; written at the next change or re-sign", "err", err)
			return
		}
	}
	r.served.forget(zone)
	result, err := b.ApplyAbove(ctx, served, diff.Plan{Zone: zone}, floors(ctx, log, zone, r.secondariesOf(zone)))
	if r.changed("roll "+zone, err) && err != nil {
		log.Error("key roll: the zone could not be signed and written at the new stage; tried again at the next pass", "stage", roll.Stage, "err", err)
	}
	if err != nil {
		return
	}
	if roll != nil {
		roll.Serial = result.Serial
		if err := ks.SaveRoll(zone, keys, roll); err != nil {
			log.Error("key roll: the stage's serial could not be saved", "err", err)
			return
		}
		log.Info("key roll: the zone is written at the new stage", "stage", roll.Stage, "serial", result.Serial)
	} else {
		log.Info("key roll: the zone is written without the cancelled roll's key", "serial", result.Serial)
	}
	zr.Applied = true
	if result.Serial != 0 {
		zr.Serial = result.Serial
	}
	if !opts.Verify {
		return
	}
	w := ZoneResult{Zone: zone, Plan: diff.Plan{Zone: zone}, Applied: true, Serial: result.Serial}
	r.verify(ctx, log, &w)
	if len(w.Mismatches) > 0 {
		zr.Mismatches = append(zr.Mismatches, w.Mismatches...)
		return
	}
	r.remember(ctx, served, &w, synced, gen)
}
