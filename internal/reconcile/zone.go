package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// zone plans and applies one zone. When the change is to be verified, it
// returns what verifying needs; the caller verifies.
func (r *Reconciler) zone(ctx context.Context, st *desired.State, zone string, opts Options) (ZoneResult, *applied) {
	log := r.Log.With("zone", zone)
	st = r.current(st, zone) // a derived zone: as the forward zones planned before it keep (derivedkeep.go)
	zr := ZoneResult{Zone: zone, Plan: diff.Plan{Zone: zone}}
	for _, c := range st.Held[zone] {
		zr.Held = append(zr.Held, c)
	}
	slices.SortFunc(zr.Held, func(a, b desired.Conflict) int { return rrset.CompareNames(a.Name, b.Name) })
	r.logHeld(log, zone, zr.Held)

	baseline := r.driftBaseline(zone) // before this pass forgets the zone
	// Observed ahead, when the pass does (passpipe.go).
	served, since, synced, err := r.observed(ctx, log, zone, opts)
	// Whatever happens below, the zone as seen is known again only if the
	// pass ends well, under this pass's generation.
	r.served.forget(zone)
	if err != nil {
		zr.Err, zr.Stage = err, StageTransfer
		return zr, nil
	}
	var only map[string]bool
	if synced && !r.isDerived(zone) { // served is what the last pass left in sync: compare what changed since (a derived zone: all of it)
		// Asked of the Store, not taken from the State: other readers of
		// the State (Verify, a listing) must not make this pass miss a name.
		// Not known any more: compare every name.
		if names, ok := r.Store.ChangedSince(zone, since); ok {
			only = names
		}
	}
	in := r.planInput(st, zone, served.Sets)
	in.Only = only
	plan := diff.Compute(in)
	r.logForeign(log, zone, plan.Foreign)
	v := r.judge(st, served, plan, opts.Force)
	r.noteForward(zone, served.Sets, st.Held[zone], v) // what its PTRs derive from (derivedkeep.go)
	zr.Plan, zr.Refused, zr.Refusal = v.Safe, v.Held, v.Refusal
	zr.Drift = r.drift(zone, baseline, zr.Plan)
	if v.Blocked != nil {
		// What other passes held is unknown: nothing is applied, and a
		// plan shown could be missing its held part.
		zr.Err, zr.Stage = v.Blocked, StageApply
		return zr, nil
	}
	// In sync: the next pass for changed files need only compare what
	// changed since. Not while anything is held back.
	z := zoneState{served: served, synced: len(st.Incomplete) == 0 && zr.Refused.Empty(), gen: st.Generation,
		release: v.Release && opts.Apply, log: log}
	if !opts.Apply {
		r.served.put(zone, served, z.synced && zr.Plan.Empty(), z.gen)
		return zr, nil
	}
	return r.applyZone(ctx, &zr, z, opts)
}

// planInput is what zone's plan compares: records.d's sets, the
// backend's own records and what it owns, the names in conflict (left as
// served), and what is served. Every plan of a zone is made from it: a
// pass's, and Verify's search for stale sets.
func (r *Reconciler) planInput(st *desired.State, zone string, served rrset.Zone) diff.Input {
	base := rrset.Zone{}
	for _, rr := range r.Backend.Base(zone) {
		base.Put(rr)
	}
	if r.zoneSet.retiring[zone] {
		retiringBase(zone, served, base)
	}
	held := make(map[string]bool, len(st.Held[zone]))
	for _, c := range st.Held[zone] {
		held[c.Name] = true
	}
	return diff.Input{Zone: zone, Desired: st.Zones[zone], Base: base, Observed: served, Held: held, Managed: r.Backend.Managed(zone)}
}

// zoneState is what applying a judged plan needs besides the plan.
type zoneState struct {
	served  *observed.Zone
	synced  bool   // the plan leaves the zone serving all that is desired
	gen     uint64 // the desired state's generation it was planned with
	release bool   // a forced plan: once applied, the zone holds nothing
	log     *slog.Logger
}

// applyZone applies zr.Plan: the hold is recorded first, then the backend
// applies, in the background when the pass writes zones in parallel
// (opts.writes: the pass finishes it, finishApply). When the change is to
// be verified, it returns what verifying needs.
func (r *Reconciler) applyZone(ctx context.Context, zr *ZoneResult, z zoneState, opts Options) (ZoneResult, *applied) {
	zone, log := zr.Zone, z.log
	// Logged when it changes, not every pass: health and the audit log
	// keep saying it while it stands.
	if r.changed("refused "+zone, zr.Refusal) && zr.Refusal != nil {
		log.Error("plan refused: its changes to served records are held until `dnssync apply --force`; creates of new names apply", "err", zr.Refusal,
			"held", len(zr.Refused.Changes), "applying", len(zr.Plan.Changes))
	}
	// The hold is on disk before anything it was judged with is applied.
	if !z.release {
		err := r.saveHeld(ctx, zone)
		if r.changed("held state "+zone, err) && err != nil {
			log.Error("changes held by the safety rules not recorded; nothing applied", "err", err)
		}
		if err != nil {
			zr.Err, zr.Stage = fmt.Errorf("zone %s: nothing applied: %w", zone, err), StageApply
			return *zr, nil
		}
	}
	if zr.Plan.Empty() && len(zr.Plan.Adopt) == 0 {
		r.served.put(zone, z.served, z.synced, z.gen)
		r.release(ctx, log, zone, z.release)
		zr.holdErr()
		return *zr, nil
	}
	if opts.writes != nil {
		r.startWrite(ctx, opts.writes, *zr, z)
		return *zr, nil
	}
	result, err := r.backendApply(ctx, log, z.served, zr.Plan)
	return r.finishApply(ctx, zr, z, opts.Verify, result, err)
}

// finishApply is the end of applyZone once the backend applied (or
// failed to).
func (r *Reconciler) finishApply(ctx context.Context, zr *ZoneResult, z zoneState, verify bool, result apply.Result, err error) (ZoneResult, *applied) {
	zone, log := zr.Zone, z.log
	if err != nil {
		// A forced plan whose apply fails keeps the zone's hold.
		zr.Err, zr.Stage = fmt.Errorf("apply %s: %w", zone, err), StageApply
		if !errors.Is(err, apply.ErrConcurrentWrite) { // planned again (replan.go)
			log.Error("apply failed", "err", err)
		}
		return *zr, nil
	}
	r.release(ctx, log, zone, z.release)
	zr.Applied, zr.Serial = true, result.Serial
	logDrift(log, zr)
	zr.holdErr()
	if r.TrackChanges {
		r.noteChanges(zr.Plan, z.served, time.Now())
	}
	if len(zr.Plan.Adopt) > 0 {
		log.Info("adopted records already served as desired", "rrsets", len(zr.Plan.Adopt))
	}
	if zr.Plan.Empty() {
		r.served.put(zone, z.served, z.synced, z.gen)
		return *zr, nil
	}
	if !verify {
		return *zr, nil
	}
	return *zr, &applied{served: z.served, synced: z.synced, gen: z.gen, log: log}
}

// release ends zone's hold once a forced plan is applied (or nothing was
// left to apply), in memory and in the held state file.
func (r *Reconciler) release(ctx context.Context, log *slog.Logger, zone string, forced bool) {
	if forced {
		r.setHold(zone, nil)
		r.clearHeld(ctx, log, zone)
	}
}

// holdErr makes a held change the zone's error once the rest is applied:
// the pass did not do all it was asked, and health, exit codes and the
// audit log say so until `apply --force` or a fixed records.d.
func (zr *ZoneResult) holdErr() {
	if zr.Refusal != nil && zr.Err == nil {
		zr.Err, zr.Stage = zr.Refusal, StageUnsafe
	}
}

// noteChanges records when the plan's RRsets changed, and how long a cache
// may keep what it held before: the old set's TTL, or, for a set that did
// not exist, the negative TTL of the zone's SOA as it was served (what a
// cache got in the denial). A set changed again before an earlier change's
// window ran out keeps the later end of the two: a cache may still hold
// the first old answer.
func (r *Reconciler) noteChanges(p diff.Plan, served *observed.Zone, now time.Time) {
	if r.changedAt == nil {
		r.changedAt = map[rrset.Key]verify.Change{}
	}
	for _, c := range p.Changes {
		if c.New == nil { // only desired sets are checked: forget it
			delete(r.changedAt, c.Key)
			continue
		}
		until := now.Add(cachedFor(c.Old, served, p.Zone))
		if prev, ok := r.changedAt[c.Key]; ok && prev.At.Add(prev.Cached).After(until) {
			until = prev.At.Add(prev.Cached)
		}
		r.changedAt[c.Key] = verify.Change{At: now, Cached: until.Sub(now)}
	}
}

// cachedFor is how long a cache may keep what it got for a set before a
// change: old's TTL, or when there was no set, the zone's negative TTL
// (the SOA's as served; with no SOA known, the cache's floor).
func cachedFor(old *rrset.Set, served *observed.Zone, zone string) time.Duration {
	if old != nil {
		return time.Duration(old.TTL) * time.Second
	}
	if served != nil {
		if soa := served.Sets[rrset.Key{Name: dns.CanonicalName(zone), Type: dns.TypeSOA}]; soa != nil && len(soa.RRs) > 0 {
			if s, ok := soa.RRs[0].(*dns.SOA); ok {
				return verify.NegativeTTL(s)
			}
		}
	}
	return verify.CacheFloor
}
