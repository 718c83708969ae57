package desired

import (
	"fmt"
	"iter"
	"maps"
	"slices"

	"github.com/dnssync/dnssync/internal/rrset"
)

// Merging is incremental by owner name: records.d may hold 1,000,000
// records, and one file changing must not re-merge them all. The index
// keeps, per zone and name, each file's records there; a change marks the
// names it touches and the next State re-merges only those. A name is the
// unit because both kinds of conflict (TTLs within an RRset, CNAME beside
// other data) are decided within one name.

type nameKey struct{ zone, name string }

// location is where a record was declared.
type location struct {
	file string
	line int
}

func (l location) String() string { return fmt.Sprintf("%s:%d", l.file, l.line) }

type index struct {
	zones map[string]*zoneView
	// pending: the zones with names to merge at the next flush, so that a
	// flush looks at them alone: the reconciler asks ChangedSince (which
	// flushes) of every zone once per change, and with 10,000 zones a walk
	// of all of them per flush cost a second per change.
	pending map[*zoneView]struct{}
	merges  int // names merged so far; tests check that merging stays incremental
	looked  int // zones a flush looked at; tests check it stays with the zones changed
}

// zoneView is one zone's index and merged result, updated in place; State
// hands out snapshots of the sets (rrset.Sharded), so that what it hands
// out never changes.
type zoneView struct {
	zone string
	// names: every name some file declares, with that file's run; the
	// zero run when several files declare it, and multi has them. Nearly
	// every name is one file's: a map of 16-byte values, not a slice per
	// name, keeps the index small at a million names.
	names map[string]fileRun
	multi map[string]byFile
	// dirty: names to merge again at the next flush; nil when none.
	dirty map[string]struct{}
	// unmerged: nothing of the zone was merged yet (a cold start, a zone
	// just added), so every name is to be merged and there is nothing to
	// forget: names are not marked dirty one by one, which at a million
	// names cost a map as large as the index.
	unmerged bool

	// sets: the merged sets. A State shares them (Sharded.Snapshot); the
	// next change copies the shards it touches, so that no State ever
	// changes.
	sets    *rrset.Sharded
	records int // records in sets
	held    map[string]Conflict
	heldAt  map[string][]location // name -> where the conflicting records are
	// noPTR: the A/AAAA values opted out of derived PTRs (ptr.go); nil
	// while no record of the zone opts out, which is the common case.
	noPTR map[rrset.Key]map[string]bool
}

func newIndex(zones []string) *index {
	ix := &index{zones: make(map[string]*zoneView, len(zones)), pending: make(map[*zoneView]struct{})}
	for _, z := range zones {
		ix.add(z)
	}
	return ix
}

// add indexes zone, with nothing merged yet.
func (ix *index) add(zone string) {
	zv := newZoneView(zone)
	ix.zones[zone] = zv
	ix.pending[zv] = struct{}{}
}

// remove drops zone from the index.
func (ix *index) remove(zone string) {
	delete(ix.pending, ix.zones[zone])
	delete(ix.zones, zone)
}

func newZoneView(zone string) *zoneView {
	return &zoneView{
		zone:     zone,
		unmerged: true,
		names:    make(map[string]fileRun),
		multi:    make(map[string]byFile),
		sets:     rrset.NewSharded(0),
		held:     make(map[string]Conflict),
		heldAt:   make(map[string][]location),
	}
}

// runs returns every file's records at name; buf holds the one run of a
// name one file declares, so that reading it allocates nothing.
func (zv *zoneView) runs(name string, buf *[1]fileRun) byFile {
	r, ok := zv.names[name]
	switch {
	case !ok:
		return nil
	case r.f != nil:
		buf[0] = r
		return buf[:1]
	}
	return zv.multi[name]
}

func (zv *zoneView) setRuns(name string, b byFile) {
	switch len(b) {
	case 0:
		delete(zv.names, name)
		delete(zv.multi, name)
	case 1:
		zv.names[name] = b[0]
		delete(zv.multi, name)
	default:
		zv.names[name] = fileRun{}
		zv.multi[name] = slices.Clip(b)
	}
	if zv.unmerged {
		return
	}
	if zv.dirty == nil {
		zv.dirty = make(map[string]struct{})
	}
	zv.dirty[name] = struct{}{}
}

// toMerge is the names the next flush merges.
func (zv *zoneView) toMerge() iter.Seq[string] {
	if zv.unmerged {
		return maps.Keys(zv.names)
	}
	return maps.Keys(zv.dirty)
}

func (zv *zoneView) countToMerge() int {
	if zv.unmerged {
		return len(zv.names)
	}
	return len(zv.dirty)
}

// replace swaps f's good records for recs (f.good = recs, grouped by
// name) and returns the zones touched (old and new), marking the names for
// the next merge. Records in a zone not indexed (removed: zones.go) are
// kept in f.good but not indexed.
func (ix *index) replace(f *file, recs []record) map[string]bool {
	zones := make(map[string]bool)
	var buf [1]fileRun
	forRuns(f.good, func(zone, name string, _, _ int) {
		if zv := ix.zones[zone]; zv != nil {
			zv.setRuns(name, zv.runs(name, &buf).without(f.path))
			zones[zone] = true
			ix.pending[zv] = struct{}{}
		}
	})
	f.good = groupByName(recs)
	forRuns(f.good, func(zone, name string, off, n int) {
		if zv := ix.zones[zone]; zv != nil {
			zv.setRuns(name, zv.runs(name, &buf).with(runOf(f, off, n)))
			zones[zone] = true
			ix.pending[zv] = struct{}{}
		}
	})
	return zones
}

// reserve makes the name maps of zones with no names yet large enough for
// what results declare there: at a cold start of a million names, growing
// a map step by step costs as much as filling it.
func (ix *index) reserve(results []readResult) {
	count := make(map[*zoneView]int)
	for _, r := range results {
		forRuns(r.recs, func(zone, _ string, _, _ int) {
			if zv := ix.zones[zone]; zv != nil && len(zv.names) == 0 {
				count[zv]++
			}
		})
	}
	for zv, n := range count {
		if n > 64 {
			zv.names = make(map[string]fileRun, n)
		}
	}
}
