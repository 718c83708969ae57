package dnssec

import (
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// Stats says what a signing did: how many RRSIGs were made (Signed), how
// many of the sets looked at kept their signatures from the zone as served
// (Reused; the incremental path looks only at what a change touched and
// keeps all others unseen), and whether Resign signed the whole zone
// (Full) and why (Reason).
type Stats struct {
	Signed, Reused int
	Full           bool
	Reason         string
}

// signingKey is an active key with its tag worked out once (computing a
// tag packs the key).
type signingKey struct {
	*Key
	tag uint16
}

// signer makes the RRSIGs of one zone at one time.
type signer struct {
	zone       string
	p          Policy
	now        time.Time
	zoneKeys   []signingKey // active keys that sign the zone's RRsets
	keySigners []signingKey // published key-signing keys: they sign DNSKEY, CDS and CDNSKEY
	dsKeys     []*Key       // active key-signing keys: CDS and CDNSKEY name them
	published  []*Key
	prev       rrset.Zone // the zone as served: its fresh signatures are reused; may be nil
	// undo, during an incremental signing that changes prev in place,
	// holds the sets prev had before it (see before).
	undo  undoLog
	chain []string // the NSEC owners full put in the chain, canonical order
	// now and now + refresh as RRSIG times, worked out once for due.
	nowSerial, horizon uint32
	stats              Stats
}

func newSigner(zone string, keys []*Key, p Policy, now time.Time) (*signer, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if zone != dns.CanonicalName(zone) {
		return nil, fmt.Errorf("sign %s: the zone name is not canonical", zone)
	}
	s := &signer{zone: zone, p: p, now: now, nowSerial: uint32(now.Unix()), horizon: uint32(now.Add(p.Refresh).Unix())}
	for _, k := range keys {
		if k == nil || k.DNSKEY == nil || k.Signer == nil || !k.Role.valid() {
			return nil, fmt.Errorf("sign %s: a key has no DNSKEY, private key or role", zone)
		}
		if dns.CanonicalName(k.DNSKEY.Hdr.Name) != zone {
			return nil, fmt.Errorf("sign %s: key %s belongs to %s", zone, k, k.DNSKEY.Hdr.Name)
		}
		if !k.IsPublished(now) {
			continue
		}
		s.published = append(s.published, k)
		sk := signingKey{k, k.Tag()}
		// Every published key-signing key signs the DNSKEY RRset, not only
		// the active one: during a roll the parent's DS (or a resolver's
		// cached copy of it) may name the incoming key or the outgoing
		// one, and the chain must hold from either (RFC 6781 4.1.2,
		// double-KSK). Active says which one the parent is told about.
		if k.Role.signsKeys() {
			s.keySigners = append(s.keySigners, sk)
		}
		if !k.IsActive(now) {
			continue
		}
		if k.Role.signsZone() {
			s.zoneKeys = append(s.zoneKeys, sk)
		}
		if k.Role.signsKeys() {
			s.dsKeys = append(s.dsKeys, k)
		}
	}
	if len(s.zoneKeys) == 0 || len(s.dsKeys) == 0 {
		return nil, fmt.Errorf("sign %s: no active key to sign the zone's data and its DNSKEY RRset with", zone)
	}
	return s, nil
}

// keysFor is the keys whose signatures set must carry.
func (s *signer) keysFor(t uint16) []signingKey {
	switch t {
	case dns.TypeDNSKEY, dns.TypeCDS, dns.TypeCDNSKEY:
		return s.keySigners
	}
	return s.zoneKeys
}

// sigs returns the RRSIGs of set (see makeSigs) and counts them.
func (s *signer) sigs(set *rrset.Set, prevSigs *rrset.Set, fresh bool) ([]dns.RR, error) {
	rrs, reused, err := s.makeSigs(set, prevSigs, fresh)
	s.count(len(rrs), reused)
	return rrs, err
}

func (s *signer) count(n int, reused bool) {
	if reused {
		s.stats.Reused += n
	} else {
		s.stats.Signed += n
	}
}

// makeSigs returns the RRSIGs of set: those over the same set in s.prev
// when every signing key has one there that is not due for refresh
// (unless fresh is asked for; reused reports it), else new ones. It
// changes nothing in s, so that several goroutines may call it.
func (s *signer) makeSigs(set *rrset.Set, prevSigs *rrset.Set, fresh bool) (sigs []dns.RR, reused bool, err error) {
	keys := s.keysFor(set.Type)
	if !fresh && prevSigs != nil && set.Equal(s.before(set.Key)) {
		if kept := s.reusable(set.Type, keys, prevSigs); kept != nil {
			return kept, true, nil
		}
	}
	out := make([]dns.RR, 0, len(keys))
	inception := s.now.Add(-s.p.Backdate)
	expiration := s.now.Add(s.p.Validity - jitter(set.Key, s.p.jitterSpan()))
	for _, k := range keys {
		sig := &dns.RRSIG{
			Hdr:        dns.RR_Header{Name: set.Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: set.TTL},
			OrigTtl:    set.TTL,
			Algorithm:  k.DNSKEY.Algorithm,
			KeyTag:     k.tag,
			SignerName: s.zone,
			Inception:  uint32(inception.Unix()),
			Expiration: uint32(expiration.Unix()),
		}
		if err := sig.Sign(k.Signer, set.RRs); err != nil {
			return nil, false, fmt.Errorf("sign %s with key %d: %w", set.Key, k.tag, err)
		}
		out = append(out, sig)
	}
	return out, false, nil
}

// before is the set at k in the zone as it was before this signing.
func (s *signer) before(k rrset.Key) *rrset.Set {
	if set, ok := s.undo[k]; ok {
		return set
	}
	return s.prev[k]
}

// reusable returns one signature per key over type t from prevSigs, or nil
// when a key has none that is valid now and not due for refresh.
func (s *signer) reusable(t uint16, keys []signingKey, prevSigs *rrset.Set) []dns.RR {
	out := make([]dns.RR, 0, len(keys))
	for _, k := range keys {
		var found dns.RR
		for _, rr := range prevSigs.RRs {
			sig, ok := rr.(*dns.RRSIG)
			if ok && sig.TypeCovered == t && sig.KeyTag == k.tag && sig.Algorithm == k.DNSKEY.Algorithm && !s.due(sig) {
				found = rr
				break
			}
		}
		if found == nil {
			return nil
		}
		out = append(out, found)
	}
	return out
}

// due reports whether sig must be made again: not yet valid, or expiring
// within the refresh window.
// The times are compared in serial number arithmetic (RFC 4034 section
// 3.1.5), as ValidityPeriod does, without its divisions: the refresh walk
// does this for every signature of the zone.
func (s *signer) due(sig *dns.RRSIG) bool {
	return int32(s.nowSerial-sig.Inception) < 0 || int32(sig.Expiration-s.horizon) < 0
}

// jitter brings a set's expiration forward by up to span, the same amount
// every time for the same set (so signing is reproducible), differently
// for different sets (so they do not all fall due at once).
func jitter(k rrset.Key, span time.Duration) time.Duration {
	secs := int64(span / time.Second)
	if secs <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(k.Name))
	h.Write([]byte{byte(k.Type >> 8), byte(k.Type)})
	return time.Duration(h.Sum64()%uint64(secs)) * time.Second
}

// sigSet builds the RRSIG set of one name. Its TTL (one per set in
// rrset) is the lowest of the signatures': a resolver caps an RRSIG's TTL
// at the covered set's original TTL anyway (RFC 4035 section 5.3.3).
func sigSet(sigs []dns.RR) *rrset.Set {
	if len(sigs) == 0 {
		return nil
	}
	low := slices.MinFunc(sigs, func(a, b dns.RR) int { return int(a.Header().Ttl) - int(b.Header().Ttl) })
	s := rrset.New(low)
	for _, rr := range sigs {
		s.Add(rr)
	}
	return s
}
