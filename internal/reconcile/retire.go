package reconcile

import (
	"context"
	"errors"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/rrset"
)

// A retiring zone (zoneset.go) is planned with nothing desired. After the
// pass, one whose plan leaves nothing dnssync manages served in it leaves
// for good: its plan was empty, or was applied whole and verified.

// retireZones retires the retiring zones of res that the pass left
// serving nothing managed, and reports those whose deletion is held. It
// returns whether it retired any.
func (r *Reconciler) retireZones(ctx context.Context, res *Result, opts Options) (retired bool) {
	zs := &r.zoneSet
	for i := range res.Zones {
		zr := &res.Zones[i]
		if !zs.retiring[zr.Zone] {
			continue
		}
		log := r.Log.With("zone", zr.Zone)
		if r.changed("retiring held "+zr.Zone, zr.Refusal) && zr.Refusal != nil {
			log.Error("zone removed, but deleting the records dnssync serves in it is held by the safety rules: the zone stays served until `dnssync apply --force`, or declare the zone again",
				"held", len(zr.Refused.Changes), "err", zr.Refusal)
		}
		if !opts.Apply || !retirable(*zr) {
			continue
		}
		if rm, ok := r.Backend.(apply.ZoneRemover); ok {
			if err := rm.RemoveZone(ctx, zr.Zone); err != nil {
				if !errors.Is(err, context.Canceled) {
					log.Error("zone removed but its zone file is not; retried on the next pass", "err", err)
				}
				continue
			}
		} else {
			log.Warn("zone no longer managed by dnssync; the server still serves it: remove it there (BIND: its zone statement or `rndc delzone`; Knot: its `zone:` entry; CoreDNS: its dynupdate server block)")
		}
		r.forgetZone(ctx, zr.Zone)
		log.Info("zone retired")
		retired = true
	}
	return retired
}

// retirable: the pass left nothing dnssync manages served in the zone.
func retirable(zr ZoneResult) bool {
	if zr.Err != nil || zr.Refusal != nil || !zr.Refused.Empty() || len(zr.Plan.HeldDeletes) > 0 || len(zr.Mismatches) > 0 {
		return false
	}
	return zr.Plan.Empty() || zr.Applied
}

// forgetZone drops a retired zone from Zones and everything kept about it.
func (r *Reconciler) forgetZone(ctx context.Context, zone string) {
	zs := &r.zoneSet
	delete(zs.retiring, zone)
	delete(zs.params, zone)
	r.served.forget(zone)
	if r.holding[zone] != nil {
		r.setHold(zone, nil)
		r.clearHeld(ctx, r.Log.With("zone", zone), zone)
	}
	for k := range r.changedAt {
		if dns.IsSubDomain(zone, k.Name) {
			delete(r.changedAt, k)
		}
	}
	r.syncZones()
	r.unrecordZone(ctx, zone) // zonesrecord.go
}

// retiringBase is what a retiring zone keeps served whatever the backend
// says: its SOA and apex NS as served. A process that never knew the zone
// (`dnssync apply --force` after the daemon held its removal) has no SOA
// or NS for it from the backend, and deleting them is not retiring it.
func retiringBase(zone string, served rrset.Zone, base rrset.Zone) {
	for _, t := range []uint16{dns.TypeSOA, dns.TypeNS} {
		k := rrset.Key{Name: zone, Type: t}
		if s := served[k]; s != nil && base[k] == nil {
			base[k] = s
		}
	}
}
