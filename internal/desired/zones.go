package desired

import (
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// The managed zones can change at run time (zones.d, the zones API). The
// Store follows the set it is given; deciding whether a zone may go (not
// while records.d declares records in it, FilesIn) is the caller's.
//
// Records already held move to the most specific zone now containing them,
// in memory: no file is read again for that. Only files whose validity may
// depend on the set are read again on the next Scan: those invalid now (a
// name in no managed zone is one reason among others, and invalid files are
// few), and those whose last good content now has a name in no zone (they
// become invalid, keeping that content, which no zone publishes).

// SetZones replaces the managed zones (any form: "Example.com",
// "example.com.") and returns the zones, of the new set, whose desired
// content changed (sorted; a zone added is among them). Names that moved
// between zones count as changed in both: ChangedSince reports them in the
// zone they left and the zone they entered, in a new Generation. Files
// waiting for a zone apply on the next Scan, without being touched; files
// declaring names in a removed zone turn invalid on it. It waits for a
// running Scan or Reload to finish.
func (s *Store) SetZones(zones []string) []string {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()

	zs := newZoneSet(zones)
	if slices.Equal(zs.zones, s.v.zones.zones) {
		return nil
	}
	v := *s.v
	v.zones = zs
	s.v = &v // reads use s.v under loadMu only, so none is under way

	changed := make(map[string]bool)
	var added []string
	for _, z := range zs.zones {
		if s.ix.zones[z] == nil {
			s.ix.add(z)
			added = append(added, z)
			changed[z] = true
		}
	}
	for _, f := range s.files {
		if len(f.problems) > 0 {
			f.info, f.hasSum = nil, false // validate again on the next Scan
		}
		if !f.hasGood {
			continue
		}
		recs, moved, lost := rezone(f.good, zs, changed)
		if lost {
			f.info, f.hasSum = nil, false
		}
		if moved {
			s.ix.replace(f, recs)
		}
	}
	var removed []string
	for z := range s.ix.zones {
		if !zs.set[z] {
			s.ix.remove(z)
			removed = append(removed, z)
		}
	}
	// A new generation even when no name moved: the set of zones is part
	// of the merged view.
	s.changes.advance(s.ix.flush())
	slices.Sort(removed)
	s.log.Info("managed zones changed", "added", added, "removed", removed, "zones", len(zs.zones))

	out := make([]string, 0, len(changed))
	for z := range changed {
		if zs.set[z] {
			out = append(out, z)
		}
	}
	slices.Sort(out)
	return out
}

// rezone returns recs with each record in the most specific zone of zs
// (zone "" for none); moved says some record's zone changed, lost that
// some name is now in no zone. The zones records left or entered are added
// to changed. The file's records that stay are merged again all the same
// (index.replace works by file): ChangedSince may name them too, which is
// safe.
func rezone(recs []record, zs zoneSet, changed map[string]bool) (out []record, moved, lost bool) {
	out = recs
	for i, r := range recs {
		z := zs.zoneOf(r.rr.Header().Name)
		lost = lost || z == ""
		if z == r.zone {
			continue
		}
		changed[r.zone], changed[z] = true, true
		if !moved {
			out = slices.Clone(recs) // the index is updated from the old and the new
			moved = true
		}
		out[i].zone = z
	}
	return out, moved, lost
}

// FilesIn returns the record files (paths as joined from Options.Dir,
// sorted) whose last good content declares records in zone: those a
// removal of the zone would take out of service. A file invalid and never
// good is not among them: what it declares is unknown (State.Incomplete).
func (s *Store) FilesIn(zone string) []string {
	zone = dns.CanonicalName(strings.TrimSpace(zone))
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for path, f := range s.files {
		if slices.ContainsFunc(f.good, func(r record) bool { return r.zone == zone }) {
			out = append(out, path)
		}
	}
	slices.Sort(out)
	return out
}

// Zones returns the managed zones, canonical and sorted.
func (s *Store) Zones() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.v.zones.zones)
}
