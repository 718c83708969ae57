package apply

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// zoneText is a zone as rendered, kept between writes: formatting 100,000
// records and sorting their names costs far more than the write itself, so
// a change re-renders only the sets it touches.
type zoneText struct {
	zone string
	// relative: owner names are written relative to the zone ($ORIGIN),
	// the TTL only where it is not the $TTL, and no class: 40% less text
	// for CoreDNS to read and for a change to copy (relative.go); else
	// every line is whole (Render).
	relative bool
	// ttl is the $TTL of a relative text (""; none): the most common TTL
	// when the text was made, left out of every line that has it.
	ttl    string
	serial uint32 // written with this text; 0 before the first write
	soa    *dns.SOA
	sets   []setText // canonical order, SOA not included
	size   int       // bytes of text in sets
	// file is the file last written from this text, as it was once
	// renamed in (zero: none), and edits counts the sets rendered or
	// removed since: the next write may copy the rest from that file
	// (patch.go).
	file  stateID
	edits int
}

type setText struct {
	key  rrset.Key
	text string // the set's lines
	// off is where text starts in the file last written, 0 if it is not
	// there as it is now (a header comes first: no set is ever at 0).
	off int64
}

func newZoneText(zone string, sets rrset.Zone, relative bool) *zoneText {
	t := &zoneText{zone: zone, relative: relative, sets: make([]setText, 0, len(sets))}
	var all []*rrset.Set
	for k, s := range sets {
		if t.isSOA(k) {
			t.setSOA(s)
			continue
		}
		t.sets = append(t.sets, setText{key: k})
		all = append(all, s)
	}
	if relative {
		t.ttl = mostCommonTTL(all)
	}
	for i, text := range t.renderAll(all) {
		t.sets[i].text = text
		t.size += len(text)
	}
	rrset.SortBy(t.sets, func(setText) byte { return 0 }, func(s setText) rrset.Key { return s.key })
	return t
}

// mostCommonTTL is the TTL most records of sets have (the lowest of those
// tied; nil sets are skipped), "" for none.
func mostCommonTTL(sets []*rrset.Set) string {
	ttls := map[uint32]int{}
	for _, s := range sets {
		if s != nil {
			for _, rr := range s.RRs {
				ttls[rr.Header().Ttl]++
			}
		}
	}
	best, n := uint32(0), 0
	for ttl, c := range ttls {
		if c > n || c == n && ttl < best {
			best, n = ttl, c
		}
	}
	if n == 0 {
		return ""
	}
	return strconv.FormatUint(uint64(best), 10)
}

// renderAll renders sets (nil: "") on every core: formatting is most of
// writing a zone of 1,000,000 records from scratch.
func (t *zoneText) renderAll(sets []*rrset.Set) []string {
	out := make([]string, len(sets))
	parts := runtime.GOMAXPROCS(0)
	if len(sets) < 4096 {
		parts = 1
	}
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(sets)/parts, (p+1)*len(sets)/parts
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				if sets[i] != nil {
					out[i] = t.render(sets[i])
				}
			}
		})
	}
	wg.Wait()
	return out
}

func (t *zoneText) isSOA(k rrset.Key) bool { return k.Type == dns.TypeSOA && k.Name == t.zone }

func (t *zoneText) setSOA(s *rrset.Set) {
	t.soa = nil
	if s != nil && len(s.RRs) == 1 {
		t.soa = s.RRs[0].(*dns.SOA)
	}
}

// set renders s at k; nil removes it.
func (t *zoneText) set(k rrset.Key, s *rrset.Set) {
	if t.isSOA(k) {
		t.setSOA(s)
		return
	}
	i, found := slices.BinarySearchFunc(t.sets, k, func(e setText, k rrset.Key) int { return e.key.Compare(k) })
	if found {
		t.size -= len(t.sets[i].text)
	}
	if found || s != nil {
		t.edits++
	}
	switch {
	case s == nil && found:
		t.sets = slices.Delete(t.sets, i, i+1)
	case s == nil:
	case found:
		t.sets[i] = setText{key: k, text: t.render(s)}
		t.size += len(t.sets[i].text)
	default:
		t.sets = slices.Insert(t.sets, i, setText{key: k, text: t.render(s)})
		t.size += len(t.sets[i].text)
	}
}

// render returns s's lines.
func (t *zoneText) render(s *rrset.Set) string {
	var b strings.Builder
	for _, rr := range s.RRs {
		t.line(&b, rr)
	}
	return b.String()
}

// line writes rr's line, with its owner relative to the zone if t is
// relative.
func (t *zoneText) line(b *strings.Builder, rr dns.RR) {
	if t.relative {
		writeRelative(b, rr.String(), t.zone, t.ttl)
	} else {
		b.WriteString(rr.String())
	}
	b.WriteByte('\n')
}

func (t *zoneText) apply(p diff.Plan) error {
	if t.relative && t.ttl == "" && len(t.sets) == 0 {
		// A zone written from nothing (a cold start): its $TTL is the
		// plan's, before any set is rendered.
		news := make([]*rrset.Set, 0, len(p.Changes))
		for _, c := range p.Changes {
			if !t.isSOA(c.Key) {
				news = append(news, c.New)
			}
		}
		t.ttl = mostCommonTTL(news)
	}
	if n := len(p.Changes); n > 64 && n > len(t.sets)/16 {
		t.merge(p.Changes)
	} else {
		for _, c := range p.Changes {
			t.set(c.Key, c.New)
		}
	}
	if t.soa == nil {
		return fmt.Errorf("zone %s has no SOA", t.zone)
	}
	return nil
}

// merge applies many changes (a zone written from scratch, or a large
// part of it changed) in one walk over the zone's sets: set by set, a
// binary search and an insert each, cost a second at 1,000,000.
func (t *zoneText) merge(changes []diff.Change) {
	cs := make([]diff.Change, 0, len(changes))
	for _, c := range changes {
		if t.isSOA(c.Key) {
			t.setSOA(c.New)
			continue
		}
		cs = append(cs, c)
	}
	byKey := func(c diff.Change) rrset.Key { return c.Key }
	// A plan is sorted by action first: a plan of one action is in key
	// order already.
	if !slices.IsSortedFunc(cs, func(a, b diff.Change) int { return a.Key.Compare(b.Key) }) {
		rrset.SortBy(cs, func(diff.Change) byte { return 0 }, byKey)
	}
	news := make([]*rrset.Set, len(cs))
	for i, c := range cs {
		news[i] = c.New
	}
	texts := t.renderAll(news)
	t.edits += len(cs)
	out := make([]setText, 0, len(t.sets)+len(cs))
	i := 0
	for j, c := range cs {
		for i < len(t.sets) && t.sets[i].key.Compare(c.Key) < 0 {
			out = append(out, t.sets[i])
			i++
		}
		if i < len(t.sets) && t.sets[i].key == c.Key {
			t.size -= len(t.sets[i].text)
			i++
		}
		if c.New != nil {
			out = append(out, setText{key: c.Key, text: texts[j]})
			t.size += len(texts[j])
		}
	}
	t.sets = append(out, t.sets[i:]...)
}

// write writes the zone with serial to w (Render; the backend's own
// writes go through writeFile, patch.go).
func (t *zoneText) write(w io.Writer, serial uint32) error {
	if t.soa == nil {
		return fmt.Errorf("zone %s has no SOA", t.zone)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	t.writeHead(bw, serial)
	for _, s := range t.sets {
		bw.WriteString(s.text)
	}
	return bw.Flush()
}

// writeHead writes what comes before the sets: a comment and the SOA with
// serial. It returns the bytes written.
func (t *zoneText) writeHead(w io.StringWriter, serial uint32) int {
	soa := *t.soa
	soa.Serial = serial
	var b strings.Builder
	b.WriteString("; zone " + t.zone + ", written by dnssync: edits here are put back; change records.d instead\n")
	if t.relative {
		b.WriteString("$ORIGIN " + t.zone + "\n")
		if t.ttl != "" {
			b.WriteString("$TTL " + t.ttl + "\n")
		}
	}
	t.line(&b, &soa)
	w.WriteString(b.String())
	return b.Len()
}
