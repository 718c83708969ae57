package dnssec

import (
	"maps"
	"slices"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// sigEdits collects the RRSIG changes of an incremental signing by name
// and covered type, to be applied to the zone at the end: a name's RRSIGs
// are one set in rrset, so replacing one type's signatures rebuilds it.
type sigEdits struct {
	byName map[string]map[uint16][]dns.RR // nil slice: no signatures for the type
	gone   map[string]bool                // names that lost all their data
}

func newSigEdits() *sigEdits {
	return &sigEdits{byName: map[string]map[uint16][]dns.RR{}, gone: map[string]bool{}}
}

func (e *sigEdits) put(name string, t uint16, sigs []dns.RR) {
	if e.byName[name] == nil {
		e.byName[name] = map[uint16][]dns.RR{}
	}
	e.byName[name][t] = sigs
}

func (e *sigEdits) drop(name string, t uint16) { e.put(name, t, nil) }

func (e *sigEdits) dropName(name string) { e.gone[name] = true }

func (e *sigEdits) has(name string, t uint16) bool {
	_, ok := e.byName[name][t]
	return ok || e.gone[name]
}

// apply rebuilds the RRSIG set of each edited name in z through put
// (nil: removed): the signatures of the types not edited are kept as they
// are.
func (e *sigEdits) apply(z rrset.Zone, put func(rrset.Key, *rrset.Set)) {
	for name := range e.gone {
		put(rrset.Key{Name: name, Type: dns.TypeRRSIG}, nil)
	}
	for name, types := range e.byName {
		if e.gone[name] {
			continue
		}
		key := rrset.Key{Name: name, Type: dns.TypeRRSIG}
		var all []dns.RR
		if old := z[key]; old != nil {
			for _, rr := range old.RRs {
				if _, edited := types[rr.(*dns.RRSIG).TypeCovered]; !edited {
					all = append(all, rr)
				}
			}
		}
		for _, t := range slices.Sorted(maps.Keys(types)) {
			all = append(all, types[t]...)
		}
		put(key, sigSet(all))
	}
}

// refreshWalk signs again every set in z whose signature is due (expiring
// within the refresh window) or made by a key that no longer signs it, and
// that the change did not sign already. It walks z once; it signs only
// what is due. Signed.refresh needs it only for a zone it has not walked.
func (s *signer) refreshWalk(z rrset.Zone, edits *sigEdits) error {
	type due struct {
		name string
		t    uint16
	}
	var todo []due
	for k, set := range z {
		if k.Type != dns.TypeRRSIG {
			continue
		}
		for _, rr := range set.RRs {
			sig := rr.(*dns.RRSIG)
			if (s.due(sig) || !s.signsWith(sig)) && !edits.has(k.Name, sig.TypeCovered) {
				todo = append(todo, due{k.Name, sig.TypeCovered})
				edits.drop(k.Name, sig.TypeCovered) // marks it; put below
			}
		}
	}
	for _, d := range todo {
		set := z[rrset.Key{Name: d.name, Type: d.t}]
		if set == nil {
			continue // a signature of nothing: dropped
		}
		sigs, err := s.sigs(set, nil, true)
		if err != nil {
			return err
		}
		edits.put(d.name, d.t, sigs)
	}
	return nil
}

// signsWith reports whether sig is by a key that signs its type now.
func (s *signer) signsWith(sig *dns.RRSIG) bool {
	for _, k := range s.keysFor(sig.TypeCovered) {
		if k.tag == sig.KeyTag && k.DNSKEY.Algorithm == sig.Algorithm {
			return true
		}
	}
	return false
}

// sameSigners reports whether the SOA and the DNSKEY RRset in z are
// signed by exactly the keys that sign them now: a key that became active
// or retired shows there, and then every set needs signing again.
func (s *signer) sameSigners(z rrset.Zone) bool {
	type signer struct {
		t   uint16
		tag uint16
	}
	var got, want []signer
	if set := z[rrset.Key{Name: s.zone, Type: dns.TypeRRSIG}]; set != nil {
		for _, rr := range set.RRs {
			if sig := rr.(*dns.RRSIG); sig.TypeCovered == dns.TypeSOA || sig.TypeCovered == dns.TypeDNSKEY {
				got = append(got, signer{sig.TypeCovered, sig.KeyTag})
			}
		}
	}
	for _, t := range []uint16{dns.TypeSOA, dns.TypeDNSKEY} {
		for _, k := range s.keysFor(t) {
			want = append(want, signer{t, k.tag})
		}
	}
	cmp := func(a, b signer) int { return int(a.t)<<16 + int(a.tag) - (int(b.t)<<16 + int(b.tag)) }
	slices.SortFunc(got, cmp)
	slices.SortFunc(want, cmp)
	return slices.Equal(got, want)
}
