package dnssec

import (
	"maps"
	"slices"
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// Resign returns the zone signed after a change: prev is the zone as
// signed and served before, unsigned the whole new unsigned zone, changed
// the keys of the RRsets that differ between the two (as diff computes
// them). Only the changed RRsets, the SOA, the NSEC records of changed
// names and of their neighbours in the chain, and the signatures due for
// refresh (expiring within p.Refresh) are signed again; every other RRSIG
// is kept byte for byte. The signing work is proportional to the change;
// what is left in proportion to the zone, and signs nothing, is one copy
// of the map (prev is not modified), one walk over the signatures (the
// refresh check) and one over the NSEC owner names (a change's place in
// the chain): about a tenth of a second at 100,000 records, where signing
// them all takes seconds (BenchmarkResignOneChange, BenchmarkSignFull).
//
// When a change alters what the incremental path does not handle (the
// keys or the SOA's TTLs, a delegation made or removed, NSEC3, a very large
// change, a zone not signed as p says), Resign signs the whole zone,
// still reusing every fresh signature of an unchanged set, and says so in
// Stats. Neither prev nor unsigned is modified.
func Resign(zone string, prev, unsigned rrset.Zone, changed []rrset.Key, keys []*Key, p Policy, now time.Time) (rrset.Zone, Stats, error) {
	s, err := newSigner(zone, keys, p, now)
	if err != nil {
		return nil, Stats{}, err
	}
	s.prev = prev
	for _, k := range changed {
		if err := checkKey(zone, k); err != nil {
			return nil, Stats{}, err
		}
	}
	soa, err := soaOf(zone, unsigned)
	if err != nil {
		return nil, Stats{}, err
	}
	if reason := s.needsFull(prev, unsigned, changed, soa); reason != "" {
		out, err := s.full(unsigned)
		s.stats.Full, s.stats.Reason = true, reason
		return out, s.stats, err
	}
	out, err := s.incremental(prev, unsigned, changed, soa)
	return out, s.stats, err
}

// maxIncremental is the most changed RRsets Resign handles one by one.
const maxIncremental = 1000

// needsFull says why the change cannot be signed incrementally, or "".
func (s *signer) needsFull(prev, unsigned rrset.Zone, changed []rrset.Key, soa *dns.SOA) string {
	if prev == nil {
		return "no signed zone before"
	}
	if s.p.NSEC3 {
		return "NSEC3 zones are signed whole"
	}
	if prev[rrset.Key{Name: s.zone, Type: dns.TypeNSEC}] == nil || prev[rrset.Key{Name: s.zone, Type: dns.TypeNSEC3PARAM}] != nil {
		return "the zone served is not signed with NSEC"
	}
	prevSOA, err := soaOf(s.zone, prev)
	if err != nil || prevSOA.Hdr.Ttl != soa.Hdr.Ttl || prevSOA.Minttl != soa.Minttl {
		return "the SOA's TTL or minimum changed"
	}
	for _, set := range s.apexSets(soa) {
		if !set.Equal(prev[set.Key]) {
			return "the keys changed"
		}
	}
	if !s.sameSigners(prev) {
		return "the signing keys changed"
	}
	if len(changed) > maxIncremental {
		return "a large change"
	}
	for _, k := range changed {
		if k.Type == dns.TypeNS && k.Name != s.zone && (prev[k] == nil) != (unsigned[k] == nil) {
			return "a delegation was made or removed"
		}
	}
	return ""
}

// incremental applies the change to a copy of prev and signs what it
// touched.
func (s *signer) incremental(prev, unsigned rrset.Zone, changed []rrset.Key, soa *dns.SOA) (rrset.Zone, error) {
	out := maps.Clone(prev)
	soaKey := rrset.Key{Name: s.zone, Type: dns.TypeSOA}
	touched := map[string][]uint16{s.zone: {dns.TypeSOA}} // changed types by name
	out[soaKey] = unsigned[soaKey]
	for _, k := range changed {
		if set := unsigned[k]; set != nil {
			out[k] = set
		} else {
			delete(out, k)
		}
		if !slices.Contains(touched[k.Name], k.Type) {
			touched[k.Name] = append(touched[k.Name], k.Type)
		}
	}
	sigs := newSigEdits()
	var added []string
	removed := map[string]bool{}
	rebuild := map[string]bool{} // names whose NSEC is made again
	for _, name := range slices.SortedFunc(maps.Keys(touched), rrset.CompareNames) {
		kd := kindOf(out, s.zone, name)
		prevNSEC := prev[rrset.Key{Name: name, Type: dns.TypeNSEC}]
		types := typesAt(out, name, prevNSEC, touched[name])
		switch {
		case kd == occluded:
			continue // glue: neither signed nor in the chain
		case len(types) == 0:
			if prevNSEC != nil {
				removed[name] = true
			}
			sigs.dropName(name)
			continue
		case prevNSEC == nil:
			added = append(added, name)
		}
		rebuild[name] = true
		for _, t := range touched[name] {
			set := out[rrset.Key{Name: name, Type: t}]
			if set == nil || !signed(kd, t) {
				sigs.drop(name, t)
				continue
			}
			rrs, err := s.sigs(set, nil, true)
			if err != nil {
				return nil, err
			}
			sigs.put(name, t, rrs)
		}
	}
	next := relink(out, s.zone, added, removed)
	for name := range next {
		rebuild[name] = true
	}
	ttl := negativeTTL(soa)
	for name := range removed {
		delete(out, rrset.Key{Name: name, Type: dns.TypeNSEC})
	}
	for name := range rebuild {
		nsecKey := rrset.Key{Name: name, Type: dns.TypeNSEC}
		nextName, ok := next[name]
		if !ok {
			nextName = prev[nsecKey].RRs[0].(*dns.NSEC).NextDomain
		}
		kd := kindOf(out, s.zone, name)
		set := nsecSet(name, nextName, bitmap(kd, typesAt(out, name, prev[nsecKey], touched[name])), ttl)
		out[nsecKey] = set
		rrs, err := s.sigs(set, prev[rrset.Key{Name: name, Type: dns.TypeRRSIG}], false)
		if err != nil {
			return nil, err
		}
		sigs.put(name, dns.TypeNSEC, rrs)
	}
	if err := s.refresh(out, sigs); err != nil {
		return nil, err
	}
	sigs.apply(out)
	return out, nil
}

// typesAt is the data types at name in z, found by looking up the types
// its previous NSEC listed and the types that changed: a lookup per type,
// not a walk of the zone.
func typesAt(z rrset.Zone, name string, prevNSEC *rrset.Set, changedTypes []uint16) []uint16 {
	candidates := slices.Clone(changedTypes)
	if prevNSEC != nil {
		candidates = append(candidates, prevNSEC.RRs[0].(*dns.NSEC).TypeBitMap...)
	}
	var out []uint16
	for _, t := range candidates {
		if t == dns.TypeRRSIG || t == dns.TypeNSEC {
			continue
		}
		if _, ok := z[rrset.Key{Name: name, Type: t}]; ok {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
