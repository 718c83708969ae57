package desired

import (
	"runtime"
	"sync"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// Flushing: re-merging the names changed since the last State, on every
// core, and putting the results into the zones' merged views.

// flushBatch is how many names one round of flush merges: enough to keep
// every core busy, few enough that the round's results stay small.
const flushBatch = 1 << 16

// dirtyName is a name to merge again, in its zone. fresh: nothing of the
// zone was merged before (unmerged), so there is nothing to compare or
// forget.
type dirtyName struct {
	zv    *zoneView
	name  string
	fresh bool
}

// flush re-merges the names changed since the last flush and returns how
// many merged to something else (n) and which (zone -> names): nil when
// none, and nil too when they are more than the change log keeps
// (maxLogNames), since it would forget them at once: at a cold start of
// 100,000 names the map cost megabytes at the pass's peak for nothing.
//
// A name merged again to what it merged to before is left alone and not
// counted: a file rewritten as it was, or one record changed in a file of
// many names, changes nothing else of the zone. The pass that asks
// ChangedSince then compares only the names that did change, and the
// zone's shards that a State shares are copied only where a name did.
//
// The merges themselves only read the index, so they run on every core
// (mergeAll), in rounds of flushBatch names; what they produce is put into
// the zones' sets here, by one goroutine.
func (ix *index) flush() (changed map[string]map[string]bool, n int) {
	toMerge, fresh := 0, 0
	for zv := range ix.pending {
		toMerge += zv.countToMerge()
		if zv.unmerged {
			fresh += zv.countToMerge()
		}
		ix.looked++
	}
	if toMerge == 0 {
		clear(ix.pending)
		return nil, 0
	}
	if fresh <= maxLogNames { // every fresh name is a change: more would not be kept
		changed = make(map[string]map[string]bool)
	}
	note := func(zone, name string) {
		if n++; n > maxLogNames {
			changed = nil
		}
		if changed == nil {
			return
		}
		if changed[zone] == nil {
			changed[zone] = make(map[string]bool)
		}
		changed[zone][name] = true
	}
	batch := make([]dirtyName, 0, min(toMerge, flushBatch))
	run := func() {
		merged := mergeAll(batch)
		for i, d := range batch {
			if !d.fresh && d.zv.same(d.name, &merged[i]) {
				if merged[i].reason != "" {
					d.zv.heldAt[d.name] = merged[i].at // the same hold; its records may have moved
				}
				continue
			}
			if !d.fresh {
				d.zv.forget(d.name)
			}
			d.zv.put(d.name, &merged[i])
			note(d.zv.zone, d.name)
		}
		ix.merges += len(batch)
		batch = batch[:0]
	}
	for zv := range ix.pending {
		count := zv.countToMerge()
		if count == 0 {
			continue
		}
		// A zone with nothing merged yet has nothing to forget, and its
		// shards are made for its final size rather than grown name by
		// name.
		fresh := zv.unmerged
		if fresh {
			zv.sets = rrset.NewSharded(count)
		}
		for name := range zv.toMerge() {
			if batch = append(batch, dirtyName{zv, name, fresh}); len(batch) == flushBatch {
				run()
			}
		}
		// nil, not clear: clear keeps the table, and a table of 100,000
		// names would stay for the process's life.
		zv.dirty, zv.unmerged = nil, false
	}
	run()
	clear(ix.pending)
	if n == 0 {
		return nil, 0
	}
	return changed, n
}

// same reports whether m is what name merged to before: the same sets and
// opt-outs of PTRs, or held for the same reason.
func (zv *zoneView) same(name string, m *merged) bool {
	c, held := zv.held[name]
	if m.reason != "" || held {
		return held && m.reason == c.Reason // a held name notes no opt-outs (put)
	}
	var buf [1]fileRun
	if (m.noPTR || zv.noPTR != nil) && !zv.sameNoPTR(name, zv.runs(name, &buf)) {
		return false
	}
	want := len(m.sets)
	if m.one != nil {
		want++
	}
	have := 0
	for _, t := range allowedTypes {
		if zv.sets.Get(rrset.Key{Name: name, Type: t}) != nil {
			have++
		}
	}
	if have != want || m.one != nil && !m.one.Equal(zv.sets.Get(m.one.Key)) {
		return false
	}
	for _, s := range m.sets {
		if !s.Equal(zv.sets.Get(s.Key)) {
			return false
		}
	}
	return true
}

// forget drops what name contributed to the zone's merged view, before the
// name is merged again.
func (zv *zoneView) forget(name string) {
	// Every type a file may declare: cheaper than remembering which
	// types each of 100,000 names has.
	for _, t := range allowedTypes {
		key := rrset.Key{Name: name, Type: t}
		if old := zv.sets.Get(key); old != nil {
			zv.records -= len(old.RRs)
			zv.sets.Delete(key)
		}
	}
	delete(zv.held, name)
	delete(zv.heldAt, name)
	zv.forgetNoPTR(name)
}

// put records name merged (forgotten before).
func (zv *zoneView) put(name string, m *merged) {
	if m.reason != "" {
		zv.held[name] = Conflict{Zone: zv.zone, Name: name, Reason: m.reason}
		zv.heldAt[name] = m.at
		return
	}
	if m.one != nil {
		zv.sets.Store(m.one.Key, m.one)
		zv.records += len(m.one.RRs)
	}
	for _, s := range m.sets {
		zv.sets.Store(s.Key, s)
		zv.records += len(s.RRs)
	}
	if m.noPTR {
		var buf [1]fileRun
		zv.noteNoPTR(zv.runs(name, &buf))
	}
}

// merged is one name merged: its sets (one, the common case, or sets), or
// the reason it is held. noPTR: some record there opts out of its PTR.
type merged struct {
	one    *rrset.Set
	sets   []*rrset.Set
	reason string
	at     []location
	noPTR  bool
}

// parallelMerges is the number of names below which merging them on one
// goroutine is cheaper than starting more.
const parallelMerges = 2048

// mergeAll merges the names of batch on every core. It only reads the
// index.
func mergeAll(batch []dirtyName) []merged {
	out := make([]merged, len(batch))
	work := func(lo, hi int) {
		var buf [1]fileRun
		for i := lo; i < hi; i++ {
			d := batch[i]
			out[i] = mergeFiles(d.zv.runs(d.name, &buf))
		}
	}
	workers := min(runtime.GOMAXPROCS(0), (len(batch)+parallelMerges-1)/parallelMerges)
	if workers <= 1 {
		work(0, len(batch))
		return out
	}
	var wg sync.WaitGroup
	chunk := (len(batch) + workers - 1) / workers
	for lo := 0; lo < len(batch); lo += chunk {
		wg.Go(func() { work(lo, min(lo+chunk, len(batch))) })
	}
	wg.Wait()
	return out
}

// oneSet is a set of one record and the array its RRs slice, allocated
// together: most names have one record, and a million names meant a
// million more objects to allocate and collect.
type oneSet struct {
	set rrset.Set
	rr  [1]dns.RR
}

// newOneSet is rrset.New(rr), in one allocation.
func newOneSet(rr dns.RR) *rrset.Set {
	rr = rrset.Canonical(rr)
	o := &oneSet{set: rrset.Set{Key: rrset.KeyOf(rr), TTL: rr.Header().Ttl}, rr: [1]dns.RR{rr}}
	o.set.RRs = o.rr[:]
	return &o.set
}

// mergeFiles is mergeName, with a short way for the common name: one type,
// one TTL, and not a CNAME of several values.
func mergeFiles(files byFile) merged {
	var m merged
	var first *record
	simple, count := true, 0
	for _, f := range files {
		recs := f.recs()
		for i := range recs {
			r := &recs[i]
			count++
			m.noPTR = m.noPTR || r.noPTR
			if first == nil {
				first = r
				continue
			}
			h, fh := r.rr.Header(), first.rr.Header()
			simple = simple && h.Rrtype == fh.Rrtype && h.Ttl == fh.Ttl
		}
	}
	if first == nil {
		return m
	}
	if simple && (first.rr.Header().Rrtype != dns.TypeCNAME || count == 1) {
		var s *rrset.Set
		if count == 1 {
			s = newOneSet(first.rr)
		} else {
			all := make([]dns.RR, 0, count)
			for _, f := range files {
				for _, r := range f.recs() {
					all = append(all, r.rr)
				}
			}
			s = rrset.New(all...)
		}
		if tooLarge(s) == "" {
			m.one = s
			return m
		}
	}
	m.sets, m.reason, m.at = mergeName(files)
	return m
}
