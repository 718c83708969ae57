package reconcile

import (
	"maps"
	"slices"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/zones"
)

// The managed zones are data (zones.d beside [[zones]]): each pass, Verify
// and Changed first take in the set as it is now (refreshZones).
//
// A zone added joins everything at once: the Store (files that waited for
// it apply), the backend (its SOA and NS), the secondaries that serve every
// zone, and the pass, which plans it in full.
//
// A zone removed leaves in two steps, so that a zone file deleted with
// many records still served is held like a records dir emptied: while the
// zone still serves records dnssync manages, it stays in Zones as
// retiring, planned with nothing desired, and the safety rules judge that
// deletion as any other (held past the thresholds until `apply --force`).
// Once a pass leaves nothing managed in it (retire.go), it leaves: its
// zone file goes (zone file backend), and the Store, the secondaries and
// the catalog forget it. A zones.d file made invalid keeps its last good
// zone (zones.Dir): that is no removal.

// ZoneSource is the managed zone set as it changes at run time;
// *zones.Dir is one. Scan returns the set and whether it changed since the
// last Scan.
type ZoneSource interface {
	Scan() (zones.Set, bool, error)
}

// ZoneStore is a Store that follows a changing zone set (desired.Store):
// SetZones returns the zones whose desired content changed.
type ZoneStore interface {
	SetZones(zones []string) []string
}

var _ ZoneSource = (*zones.Dir)(nil)

// zoneSet is what the Reconciler knows of the zone set between passes.
type zoneSet struct {
	init     bool
	set      zones.Set
	managed  []string               // the set's names and the catalog, sorted
	params   map[string]config.Zone // of every zone in Zones, retiring ones too
	retiring map[string]bool
}

// refreshZones takes in the zone set as the ZoneSource has it now and
// returns the zones a pass must plan besides those it would: the zones
// whose desired content changed with the set, and the retiring ones; and
// whether the set changed. With no ZoneSource, Zones is static and nothing
// changes.
func (r *Reconciler) refreshZones() (touched []string, changed bool) {
	if r.ZoneSource == nil {
		return nil, false
	}
	zs := &r.zoneSet
	set, changed, err := r.ZoneSource.Scan()
	if r.changed("zones dir", err) && err != nil {
		r.Log.Error("zones dir cannot be read; the zones as last read stay managed", "err", err)
	}
	if err != nil && !zs.init {
		return nil, false // never read: the zones as wired stay, none retires
	}
	var recorded map[string]config.Zone
	if !zs.init {
		// The zones managed before this Reconciler (zonesrecord.go).
		recorded, err = r.recordedZones()
		if r.changed("zone set state", err) && err != nil {
			r.Log.Error("the zones dnssync managed cannot be read; the zones as wired stay managed, none retires", "err", err)
		}
		if err != nil {
			return nil, false
		}
	}
	changed = changed || !zs.init
	if changed {
		r.logZoneProblems(set)
		touched = r.takeZones(set, recorded)
	}
	r.retireHeld()
	for z := range zs.retiring {
		if !slices.Contains(touched, z) {
			touched = append(touched, z)
		}
	}
	slices.Sort(touched)
	return touched, changed
}

// takeZones makes set the managed zones. The first take compares set with
// the zones as wired and those recorded in the state file (zonesrecord.go).
func (r *Reconciler) takeZones(set zones.Set, recorded map[string]config.Zone) []string {
	zs := &r.zoneSet
	before := zs.managed
	if !zs.init {
		before = slices.Clone(r.Zones) // as wired: the config's
		zs.params = maps.Clone(recorded)
		for z := range recorded {
			if !slices.Contains(before, z) {
				before = append(before, z)
			}
		}
	}
	params := map[string]config.Zone{}
	for _, z := range set.Zones() {
		params[z.Name] = z
	}
	if !zs.init && len(set.Problems()) > 0 {
		// An invalid zones file keeps its last good zone, and a process
		// new to it knows that zone only as recorded: every recorded zone
		// no file declares stays until the problems are fixed.
		for z, p := range recorded {
			if _, ok := params[z]; !ok {
				params[z] = p
				r.Log.Warn("zone managed before and declared by no zones file now; kept while a zones file is invalid", "zone", z)
			}
		}
	}
	if r.Catalog != "" {
		if cz, err := zones.CatalogZone(r.Catalog); err == nil {
			params[cz.Name] = cz
		} else if r.changed("catalog", err) {
			r.Log.Error("catalog zone not managed", "err", err)
		}
	}
	var managed []string
	for n := range params {
		managed = append(managed, n)
	}
	slices.Sort(managed)
	if zs.retiring == nil {
		zs.retiring = map[string]bool{}
	}
	for _, z := range before {
		if _, ok := params[z]; !ok {
			if !zs.retiring[z] {
				r.Log.Warn("zone removed; it is retired once it serves no record dnssync manages", "zone", z)
				// Compared in full, never from the cache: the Store names
				// none of a removed zone's names as changed, and a pass
				// comparing only those would see nothing to delete and
				// retire the zone with its records, unheld.
				r.served.forget(z)
			}
			zs.retiring[z] = true
		}
	}
	var added []string
	for _, z := range managed {
		if zs.retiring[z] {
			delete(zs.retiring, z) // declared again before it left
		}
		if !slices.Contains(before, z) {
			added = append(added, z)
		}
	}
	// A retiring zone keeps its SOA and NS until it leaves.
	for z := range zs.retiring {
		if p, ok := zs.params[z]; ok {
			params[z] = p
		}
	}
	zs.init, zs.set, zs.managed, zs.params = true, set, managed, params
	r.ReverseZones = nil
	for _, z := range set.Reverse() {
		r.ReverseZones = append(r.ReverseZones, z.Name)
	}
	if len(added) > 0 {
		r.Log.Info("zones added", "zones", added)
	}
	r.syncZones()
	var touched []string
	if s, ok := r.Store.(ZoneStore); ok {
		touched = s.SetZones(managed)
	}
	for _, z := range added {
		if !slices.Contains(touched, z) {
			touched = append(touched, z)
		}
	}
	return touched
}

// syncZones makes Zones, the backend's zones and the all-zones
// secondaries' follow the managed and retiring zones.
func (r *Reconciler) syncZones() {
	zs := &r.zoneSet
	all := slices.Clone(zs.managed)
	for z := range zs.retiring {
		if !slices.Contains(all, z) {
			all = append(all, z)
		}
	}
	slices.Sort(all)
	r.Zones = all
	if s, ok := r.Backend.(apply.ZoneSetter); ok && r.ApplyZones != nil {
		var params []config.Zone
		for _, z := range all {
			if p, ok := zs.params[z]; ok {
				params = append(params, p)
			}
		}
		err := s.SetZones(r.ApplyZones(params))
		if r.changed("backend zones", err) && err != nil {
			r.Log.Error("the backend did not take the zones; it writes them as before", "err", err)
		}
	}
	for i, s := range r.Replication.Secondaries {
		if s.AllZones {
			r.Replication.Secondaries[i].Zones = slices.Clone(all)
		}
	}
}

// logZoneProblems logs each zones.d problem of a set new to this
// Reconciler (once per change, not per pass).
func (r *Reconciler) logZoneProblems(set zones.Set) {
	for _, p := range set.Problems() {
		r.Log.Error("zones file not taken as it is; the zone it declared, if any, stays as last read", "problem", p.Error())
	}
}

// retireHeld makes retiring the zones the held state file holds deletions
// in that are no longer managed: a zone removed while its records were
// held, seen by a process that never knew it (`dnssync apply --force`
// after the daemon held the removal, or a daemon restarted).
func (r *Reconciler) retireHeld() {
	if r.Held == nil {
		return
	}
	cur, err := r.Held.current()
	if err != nil {
		return // syncHeld reports it, and the pass applies nothing
	}
	zs, added := &r.zoneSet, false
	for z, e := range cur {
		if len(e.keys) > 0 && !slices.Contains(zs.managed, z) && !zs.retiring[z] {
			zs.retiring[z], added = true, true
		}
	}
	if added {
		r.syncZones()
	}
}
