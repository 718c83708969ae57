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
// is kept byte for byte.
//
// When a change alters what the incremental path does not handle (the
// keys or the SOA's TTLs, a delegation made or removed, NSEC3, a very large
// change, a zone not signed as p says), Resign signs the whole zone,
// still reusing every fresh signature of an unchanged set, and says so in
// Stats. Neither prev nor unsigned is modified.
//
// Resign copies prev and walks it: a caller that signs change after change
// keeps a Signed instead, whose Resign costs what the change touches.
func Resign(zone string, prev, unsigned rrset.Zone, changed []rrset.Key, keys []*Key, p Policy, now time.Time) (rrset.Zone, Stats, error) {
	z := NewSigned(zone, maps.Clone(prev))
	soaKey := rrset.Key{Name: zone, Type: dns.TypeSOA}
	changes := []Change{{Key: soaKey, New: unsigned[soaKey]}}
	for _, k := range changed {
		if k != soaKey {
			changes = append(changes, Change{Key: k, New: unsigned[k]})
		}
	}
	s, err := newSigner(zone, keys, p, now)
	if err != nil {
		return nil, Stats{}, err
	}
	for _, c := range changes {
		if err := checkKey(zone, c.Key); err != nil {
			return nil, Stats{}, err
		}
	}
	soa, err := soaOf(zone, unsigned)
	if err != nil {
		return nil, Stats{}, err
	}
	if reason := s.needsFull(z.Sets, changes, soa); reason != "" {
		err := z.full(s, reason, unsigned)
		return z.Sets, s.stats, err
	}
	if _, err := z.incremental(s, changes, unsigned[soaKey], soa); err != nil {
		return nil, Stats{}, err
	}
	return z.Sets, s.stats, nil
}

// maxIncremental is the most changed RRsets Resign handles one by one.
const maxIncremental = 1000

// needsFull says why changes to prev cannot be signed incrementally, or "".
func (s *signer) needsFull(prev rrset.Zone, changes []Change, soa *dns.SOA) string {
	if prev[rrset.Key{Name: s.zone, Type: dns.TypeDNSKEY}] == nil {
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
	if len(changes) > maxIncremental {
		return "a large change"
	}
	for _, c := range changes {
		if c.Key.Type == dns.TypeNS && c.Key.Name != s.zone && (prev[c.Key] == nil) != (c.New == nil) {
			return "a delegation was made or removed"
		}
	}
	return ""
}

// incremental applies changes to z in place and signs what they touched;
// it returns the keys it wrote. On error z is put back as it was.
func (z *Signed) incremental(s *signer, changes []Change, soaSet *rrset.Set, soa *dns.SOA) ([]rrset.Key, error) {
	u := undoLog{}
	s.prev, s.undo = z.Sets, u
	touched, err := z.signChange(s, u, changes, soaSet, soa)
	if err != nil {
		z.rollback(u)
		return nil, err
	}
	return touched, nil
}

func (z *Signed) signChange(s *signer, u undoLog, changes []Change, soaSet *rrset.Set, soa *dns.SOA) ([]rrset.Key, error) {
	soaKey := rrset.Key{Name: s.zone, Type: dns.TypeSOA}
	touched := map[string][]uint16{s.zone: {dns.TypeSOA}} // changed types by name
	z.put(u, soaKey, soaSet)
	for _, c := range changes {
		z.put(u, c.Key, c.New)
		if !slices.Contains(touched[c.Key.Name], c.Key.Type) {
			touched[c.Key.Name] = append(touched[c.Key.Name], c.Key.Type)
		}
	}
	sigs := newSigEdits()
	var added, removed []string
	rebuild := map[string]bool{} // names whose NSEC is made again
	for _, name := range slices.SortedFunc(maps.Keys(touched), rrset.CompareNames) {
		kd := kindOf(z.Sets, s.zone, name)
		prevNSEC := s.before(rrset.Key{Name: name, Type: dns.TypeNSEC})
		types := typesAt(z.Sets, name, prevNSEC, touched[name])
		switch {
		case kd == occluded:
			continue // glue: neither signed nor in the chain
		case len(types) == 0:
			if prevNSEC != nil {
				removed = append(removed, name)
			}
			sigs.dropName(name)
			continue
		case prevNSEC == nil:
			added = append(added, name)
		}
		rebuild[name] = true
		for _, t := range touched[name] {
			set := z.Sets[rrset.Key{Name: name, Type: t}]
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
	next := z.relink(added, removed)
	for name := range next {
		rebuild[name] = true
	}
	ttl := negativeTTL(soa)
	for _, name := range removed {
		z.put(u, rrset.Key{Name: name, Type: dns.TypeNSEC}, nil)
	}
	for name := range rebuild {
		nsecKey := rrset.Key{Name: name, Type: dns.TypeNSEC}
		prevNSEC := s.before(nsecKey)
		nextName, ok := next[name]
		if !ok {
			nextName = prevNSEC.RRs[0].(*dns.NSEC).NextDomain
		}
		kd := kindOf(z.Sets, s.zone, name)
		set := nsecSet(name, nextName, bitmap(kd, typesAt(z.Sets, name, prevNSEC, touched[name])), ttl)
		if set.Equal(prevNSEC) {
			set = prevNSEC // unchanged: kept as it was, not rendered again
		}
		z.put(u, nsecKey, set)
		rrs, err := s.sigs(set, s.before(rrset.Key{Name: name, Type: dns.TypeRRSIG}), false)
		if err != nil {
			return nil, err
		}
		sigs.put(name, dns.TypeNSEC, rrs)
	}
	if err := z.refresh(s, sigs); err != nil {
		return nil, err
	}
	sigs.apply(z.Sets, func(k rrset.Key, set *rrset.Set) { z.put(u, k, set) })
	z.index(sigs)
	return slices.Collect(maps.Keys(u)), nil
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
