package reconcile

import (
	"maps"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/reverse"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/zones"
)

// Derived zones hold content no records file declares whole: the catalog
// zone lists the managed zones (RFC 9432), and a reverse zone holds, beside
// what records.d declares in it, the PTRs derived from every forward zone's
// A and AAAA sets (internal/reverse). That content is desired like any
// other: a pass plans it, a check verifies it, and a set of it served is
// never stale. It is laid over the Store's State at the start of each pass
// (state), as a new State: the Store's is shared with other readers.
//
// A derived zone's content changes when other zones change, which the
// Store's hint (ChangedSince) cannot know: planning one compares its whole
// desired content, never only the names the Store says changed (isDerived,
// zone.go), and a pass for changed files that plans a forward zone plans
// every reverse zone too (derivedZones; both in derivedplan.go). The comparison is with the zone as
// last seen where its serial still stands (cache.go): no transfer.

// catalogTTL is the TTL of the catalog's records. Consumers transfer the
// catalog rather than resolve it, so it matters little: the usual hour.
const catalogTTL = 3600

// Derivation says which zones hold derived content, and how.
type Derivation struct {
	Catalog    string   // the catalog zone; "" for none
	Members    []string // the catalog's member zones
	Reverse    []string // the reverse zones filled with derived PTRs
	Cap        int      // names published at one address (<= 0: reverse.DefaultCap)
	CatalogTTL uint32
}

// derivation is the Reconciler's Derivation: its catalog, whose members
// are the managed zones but the catalog itself, and its reverse zones; all
// canonical.
func (r *Reconciler) derivation() Derivation {
	d := Derivation{Cap: r.ReverseCap, CatalogTTL: catalogTTL}
	if r.Catalog != "" {
		d.Catalog = dns.CanonicalName(r.Catalog)
		for _, z := range r.Zones {
			if z = dns.CanonicalName(z); z != d.Catalog {
				d.Members = append(d.Members, z)
			}
		}
	}
	for _, z := range r.ReverseZones {
		d.Reverse = append(d.Reverse, dns.CanonicalName(z))
	}
	return d
}

// state is the Store's State with the derived zones' content laid over it.
// It notes which zones are derived, for this pass's planning, and warns
// (once per change, not every pass) about addresses shared by more names
// than the cap publishes. The derived content is kept for the generation
// it was derived from: at 100,000 addresses deriving costs a large part
// of a second, and scheduled passes and checks mostly find the desired
// state as it was. Passes call it under r.mu.
func (r *Reconciler) state() *desired.State {
	d := r.derivation()
	st := r.Store.State()
	m := &r.derived
	m.now = d.zones()
	if m.now == nil {
		m.zones, m.capped, m.clashes = nil, nil, nil
		return st
	}
	if m.zones == nil || m.gen != st.Generation || !d.equal(m.d) || m.keptVer != m.kept.ver {
		m.zones, m.capped = deriveZones(st, d, m.kept.keptSets(st))
		m.gen, m.d, m.keptVer = st.Generation, d, m.kept.ver
		m.clashes = nil
		if d.Catalog != "" {
			m.clashes = zones.CatalogClashes(d.Catalog, d.Members)
		}
	}
	if r.changed("catalog id clash", m.clashes) {
		// Never seen with 64-bit IDs; were it to happen, a zone would be
		// missing from every consumer with no other sign of it.
		for _, c := range m.clashes {
			r.Log.Warn("two zones share a catalog member ID: the second is left out of the catalog, and no catalog consumer serves it",
				"catalog", d.Catalog, "id", c.ID, "listed", c.Listed, "left_out", c.Dropped)
		}
	}
	if r.changed("reverse cap", m.capped) {
		for i, c := range m.capped {
			if i == maxCappedLines {
				r.Log.Warn("more reverse names over the cap: not logged one by one", "more", len(m.capped)-i, "total", len(m.capped))
				break
			}
			r.Log.Warn("more names share an address than the reverse cap publishes: the last in canonical order get no PTR",
				"zone", c.Zone, "name", c.Name, "names", c.Names, "dropped", c.Dropped, "cap", capOf(d.Cap))
		}
	}
	return overlay(st, m.zones)
}

// derivedMemo is the derived content as last derived, and the zones
// derived in the current pass's State.
type derivedMemo struct {
	now     map[string]bool
	gen     uint64
	d       Derivation
	zones   map[string]rrset.Zone // read-only: shared by the States made from it
	capped  []reverse.Capped
	clashes []zones.CatalogClash // catalog members left out (zones.CatalogClashes)
	kept    kept                 // the forward sets left served beyond the desired (derivedkeep.go)
	keptVer uint64               // kept's version zones was derived with
}

func (d Derivation) equal(o Derivation) bool {
	return d.Catalog == o.Catalog && d.Cap == o.Cap && d.CatalogTTL == o.CatalogTTL &&
		slices.Equal(d.Members, o.Members) && slices.Equal(d.Reverse, o.Reverse)
}

// maxCappedLines bounds the warnings about the cap logged one by one.
const maxCappedLines = 10

func capOf(n int) int {
	if n <= 0 {
		return reverse.DefaultCap
	}
	return n
}

// zones is the set of zones whose content is derived (canonical).
func (d Derivation) zones() map[string]bool {
	if d.Catalog == "" && len(d.Reverse) == 0 {
		return nil
	}
	out := make(map[string]bool, len(d.Reverse)+1)
	for _, z := range d.Reverse {
		out[z] = true
	}
	if d.Catalog != "" {
		out[d.Catalog] = true
	}
	return out
}

// derive returns st with the derived zones' content (deriveZones) in
// place of theirs, and the reverse names over the cap. st is not modified
// (it is shared): the result is a new State sharing st's other zones. With
// nothing to derive, it is st itself.
func derive(st *desired.State, d Derivation) (*desired.State, []reverse.Capped) {
	if d.zones() == nil {
		return st, nil
	}
	zs, capped := deriveZones(st, d, nil)
	return overlay(st, zs), capped
}

// deriveZones is the derived zones' content: the catalog's records
// (zones.CatalogRecords) in the catalog zone, in place of anything there;
// in each reverse zone, st's own sets (explicit PTRs, the CNAMEs of RFC
// 2317 delegation) and the PTRs derived from the A and AAAA sets of every
// other zone, where records.d declares no PTR or CNAME and holds no name
// in conflict. The kept sets (derivedkeep.go) stand in for the desired
// sets of their keys. It also returns the reverse names over the cap.
func deriveZones(st *desired.State, d Derivation, kept map[rrset.Key]*rrset.Set) (map[string]rrset.Zone, []reverse.Capped) {
	out := map[string]rrset.Zone{}
	var capped []reverse.Capped
	if len(d.Reverse) > 0 {
		var ptrs map[string]rrset.Zone
		ptrs, capped = reverse.Derive(d.Reverse, slices.Collect(maps.Keys(st.Zones)), forwardAddrs(st, d.zones(), kept), reverse.OptedOut(st.NoPTR), explicitIn(st, d.Reverse), d.Cap)
		for zone, sets := range ptrs {
			own := st.Zone(zone)
			z := make(rrset.Zone, own.Len()+len(sets))
			maps.Insert(z, own.All())
			maps.Copy(z, sets) // never at a name records.d declares (explicitIn)
			out[zone] = z
		}
	}
	if d.Catalog != "" {
		z := rrset.Zone{}
		for _, s := range zones.CatalogRecords(d.Catalog, d.Members, d.CatalogTTL) {
			z[s.Key] = s
		}
		out[d.Catalog] = z
	}
	return out, capped
}

// overlay is st with these zones in place of its own: a new State, st's
// maps copied, not changed.
func overlay(st *desired.State, derived map[string]rrset.Zone) *desired.State {
	out := *st
	out.Zones = make(map[string]rrset.Sets, len(st.Zones)+len(derived))
	out.Records = make(map[string]int, len(st.Records)+len(derived))
	maps.Copy(out.Zones, st.Zones)
	maps.Copy(out.Records, st.Records)
	for zone, z := range derived {
		out.Zones[zone] = z
		out.Records[zone] = z.Count()
	}
	return &out
}

// forwardAddrs is every A and AAAA set of st's zones but the derived ones,
// a kept set in place of the desired one of its key.
func forwardAddrs(st *desired.State, derived map[string]bool, kept map[rrset.Key]*rrset.Set) []*rrset.Set {
	var out []*rrset.Set
	for zone, sets := range st.Zones {
		if derived[zone] {
			continue
		}
		for k, s := range sets.All() {
			if (k.Type == dns.TypeA || k.Type == dns.TypeAAAA) && kept[k] == nil {
				out = append(out, s)
			}
		}
	}
	for _, s := range kept {
		out = append(out, s)
	}
	return out
}

// explicitIn reports where records.d has its say at a reverse name: a PTR
// or a CNAME declared there, or the name held in conflict (left as served).
// The name is looked up in its most specific reverse zone, where the Store
// and reverse.Derive both put it.
func explicitIn(st *desired.State, reverseZones []string) reverse.Explicit {
	zs := make(map[string]bool, len(reverseZones))
	for _, z := range reverseZones {
		zs[z] = true
	}
	return func(k rrset.Key) bool {
		zone := mostSpecific(zs, k.Name)
		sets := st.Zone(zone)
		if sets.Get(rrset.Key{Name: k.Name, Type: dns.TypePTR}) != nil || sets.Get(rrset.Key{Name: k.Name, Type: dns.TypeCNAME}) != nil {
			return true
		}
		_, held := st.Held[zone][k.Name]
		return held
	}
}

// mostSpecific is the longest label-aligned suffix of name in zs, or "".
func mostSpecific(zs map[string]bool, name string) string {
	for rest := name; rest != ""; {
		if zs[rest] {
			return rest
		}
		_, after, ok := strings.Cut(rest, ".")
		if !ok {
			break
		}
		rest = after
	}
	return ""
}
