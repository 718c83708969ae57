package dnssec

import (
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// Signed is a signed zone kept between changes, which Resign changes in
// place: a change then costs what it touches, not a copy or a walk of the
// zone. Beside the sets it keeps what would otherwise take a walk: the
// NSEC owner names in canonical order (a change's neighbours in the chain
// by binary search) and an index of the signatures by expiration (what is
// due for refresh without looking at every RRSIG).
//
// A Signed is not safe for concurrent use. Its owner must not read Sets
// as a snapshot across a Resign: the map is the same one, changed.
type Signed struct {
	zone string
	// Sets is the signed zone. Resign replaces sets, never changes one:
	// a *rrset.Set taken from it stays as it was.
	Sets rrset.Zone

	names   []string   // NSEC owners, canonical order; nil: not built yet
	expiry  expiryHeap // every signature's expiration; stale entries skipped
	maxIncp uint32     // the latest inception in the zone (not yet valid if after now)
	// checked: every signature in Sets has been looked at against the keys
	// by a walk (or made by Resign since), so the index alone says what
	// is due. A zone read from outside is walked once first.
	checked bool
}

// NewSigned keeps sets (not copied: the Signed owns them from now on) as
// the signed zone, or as the zone to sign whole if it is not signed.
func NewSigned(zone string, sets rrset.Zone) *Signed {
	if sets == nil {
		sets = rrset.Zone{}
	}
	return &Signed{zone: zone, Sets: sets}
}

// Change is one RRset of the unsigned zone made new (New nil: removed).
type Change struct {
	Key rrset.Key
	New *rrset.Set
}

// Resign applies changes (the unsigned sets that differ, the SOA among
// them when it changed) to the zone and signs what they touched, as the
// function Resign does, in place. It returns the keys of the sets it
// wrote, for a caller that keeps a rendering of the zone; after a full
// signing (Stats.Full) every set may differ and it returns nil. On error
// the zone is left as it was.
func (z *Signed) Resign(changes []Change, keys []*Key, p Policy, now time.Time) ([]rrset.Key, Stats, error) {
	s, err := newSigner(z.zone, keys, p, now)
	if err != nil {
		return nil, Stats{}, err
	}
	for _, c := range changes {
		if err := checkKey(z.zone, c.Key); err != nil {
			return nil, Stats{}, err
		}
	}
	soaKey := rrset.Key{Name: z.zone, Type: dns.TypeSOA}
	soaSet := z.Sets[soaKey]
	for _, c := range changes {
		if c.Key == soaKey {
			soaSet = c.New
		}
	}
	soa, err := soaOf(z.zone, rrset.Zone{soaKey: soaSet})
	if err != nil {
		return nil, Stats{}, err
	}
	if reason := s.needsFull(z.Sets, changes, soa); reason != "" {
		return nil, s.stats, z.full(s, reason, z.unsigned(changes))
	}
	touched, err := z.incremental(s, changes, soaSet, soa)
	if err != nil {
		return nil, Stats{}, err
	}
	return touched, s.stats, nil
}

// full signs unsigned whole, reusing the fresh signatures in z, and keeps
// the result.
func (z *Signed) full(s *signer, reason string, unsigned rrset.Zone) error {
	if z.Sets[rrset.Key{Name: z.zone, Type: dns.TypeDNSKEY}] != nil {
		s.prev = z.Sets
	}
	out, err := s.full(unsigned)
	s.stats.Full, s.stats.Reason = true, reason
	if err != nil {
		return err
	}
	z.Sets, z.names = out, nil
	if !s.p.NSEC3 {
		z.names = s.chain
	}
	z.reindex()
	z.checked = true
	return nil
}

// unsigned is the zone's data with changes applied: a new map.
func (z *Signed) unsigned(changes []Change) rrset.Zone {
	out := make(rrset.Zone, len(z.Sets))
	for k, set := range z.Sets {
		if !managed[k.Type] {
			out[k] = set
		}
	}
	for _, c := range changes {
		if c.New != nil {
			out[c.Key] = c.New
		} else {
			delete(out, c.Key)
		}
	}
	return out
}

// undoLog keeps the sets an incremental signing replaced, to read the
// zone as it was (signatures to reuse, the old chain) and to put it back
// on error.
type undoLog map[rrset.Key]*rrset.Set // nil value: the key was absent

// put sets k to set (nil removes it), keeping the first value replaced.
func (z *Signed) put(u undoLog, k rrset.Key, set *rrset.Set) {
	if _, ok := u[k]; !ok {
		u[k] = z.Sets[k]
	}
	if set != nil {
		z.Sets[k] = set
	} else {
		delete(z.Sets, k)
	}
}

// rollback puts back what u replaced and drops the indexes, which the
// next Resign builds again.
func (z *Signed) rollback(u undoLog) {
	for k, set := range u {
		if set != nil {
			z.Sets[k] = set
		} else {
			delete(z.Sets, k)
		}
	}
	z.names, z.expiry, z.checked = nil, nil, false
}
