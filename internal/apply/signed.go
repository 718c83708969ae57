package apply

import (
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/dnssec"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Signed zones. A zone with Signing set is written signed (pre-signed: the
// DNSKEY, RRSIG, NSEC, CDS and CDNSKEY records are in the zone file, and
// travel by AXFR to every secondary). The records the signer makes are
// its own: the reconciler never plans them (Managed says they are not
// dnssync's to change, and records.d cannot declare them), and the backend
// drops any change to them from a plan. Each write signs only what the
// plan changed (dnssec.Resign) against the zone as signed before: the one
// this backend wrote last while it is still what is served, else the zone
// served (after a restart, the transfer of the file written before).

// Signing is how a zone is signed.
type Signing struct {
	Policy dnssec.Policy
	// Keys keeps the zone's keys (state_dir/keys); they are made on first
	// use.
	Keys *dnssec.KeyStore
}

func (s *Signing) check(zone string) error {
	if s.Keys == nil || s.Keys.Dir == "" {
		return fmt.Errorf("zone %s: signed, but no key directory", zone)
	}
	if err := s.Policy.Validate(); err != nil {
		return fmt.Errorf("zone %s: %w", zone, err)
	}
	return nil
}

// SignerType reports whether records of type t are made by the signer,
// never planned: DNSKEY, RRSIG, NSEC, NSEC3, NSEC3PARAM, CDS, CDNSKEY, and
// the private type BIND keeps its signing state in (TypeBINDSigningState),
// which a transfer of a zone BIND signs carries. diff's counted keeps the
// same list.
func SignerType(t uint16) bool {
	switch t {
	case dns.TypeDNSKEY, dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeCDS, dns.TypeCDNSKEY, TypeBINDSigningState:
		return true
	}
	return false
}

// TypeBINDSigningState is the private type BIND records its signing
// state in (named.conf sig-signing-type, 65534 by default): one record
// per key and signing operation, at the apex of a zone it signs.
const TypeBINDSigningState = 65534

// notSignerType is Managed's answer for a signed zone.
func notSignerType(k rrset.Key) bool { return !SignerType(k.Type) }

// signedZone is a zone as last signed and written. Its sets are changed
// in place by the next write's signing: the backend drops it before it
// writes and keeps it again only once the write succeeded, so a failed
// write leaves none (the next write starts from the zone served).
type signedZone struct {
	serial uint32
	sets   *dnssec.Signed
}

// signing returns the zone's signing, nil for an unsigned zone.
func (b *ZoneFile) signing(zone string) *Signing {
	b.zonesMu.RLock()
	defer b.zonesMu.RUnlock()
	return b.zones[zone].Signing
}

// signedText signs served+p with serial and returns the text to write,
// with the signed zone to keep once written. When what this backend wrote
// last is what is served, its signed zone and text are changed in place:
// only the sets the signing touched are rendered again, and the work does
// not grow with the zone (ApplyAbove drops the kept zone before it writes
// and keeps it again once written; a Resign that fails leaves it as it
// was). Else the served zone is copied and signed (in full if it is not
// signed yet).
//
// kept and keptText are the zone and its text as last written (nil if
// none), taken out of the backend's keeping for this write.
func (b *ZoneFile) signedText(sg *Signing, served *observed.Zone, p diff.Plan, serial uint32, kept *signedZone, keptText *zoneText) (*zoneText, *dnssec.Signed, error) {
	zone := p.Zone
	var (
		sz *dnssec.Signed
		t  *zoneText
	)
	if kept != nil && kept.serial == served.Serial {
		sz = kept.sets
		if kt := keptText; kt != nil && kt.serial == served.Serial {
			t = kt
		}
	}
	if sz == nil {
		sets := make(rrset.Zone, len(served.Sets))
		for k, s := range served.Sets {
			if k.Type != TypeBINDSigningState {
				sets[k] = s
			}
		}
		sz = dnssec.NewSigned(zone, sets)
	}
	var changes []dnssec.Change
	for _, c := range p.Changes {
		if SignerType(c.Key.Type) {
			continue // the signer's own: never planned, but never written either
		}
		changes = append(changes, dnssec.Change{Key: c.Key, New: c.New})
	}
	soaKey := rrset.Key{Name: zone, Type: dns.TypeSOA}
	soaSet := sz.Sets[soaKey]
	for _, c := range changes {
		if c.Key == soaKey {
			soaSet = c.New
		}
	}
	if soaSet == nil || len(soaSet.RRs) != 1 {
		return nil, nil, fmt.Errorf("zone %s has no SOA", zone)
	}
	soa := *soaSet.RRs[0].(*dns.SOA)
	soa.Serial = serial
	changes = append(changes, dnssec.Change{Key: soaKey, New: rrset.New(&soa)})
	now := b.now()
	keys, err := b.zoneKeys(sg, zone, sz.Sets[rrset.Key{Name: zone, Type: dns.TypeDNSKEY}], now) // signedkeys.go
	if err != nil {
		return nil, nil, err
	}
	if len(keys) == 0 {
		return nil, nil, errors.New("no dnssec keys")
	}
	touched, stats, err := sz.Resign(changes, keys, sg.Policy, now)
	if err != nil {
		return nil, nil, err
	}
	b.log.Debug("zone signed", "zone", zone, "signed", stats.Signed, "reused", stats.Reused, "full", stats.Full, "reason", stats.Reason)
	if t == nil || stats.Full {
		return newZoneText(zone, sz.Sets, true), sz, nil
	}
	for _, k := range touched {
		t.set(k, sz.Sets[k])
	}
	return t, sz, nil
}

// SignaturesDue reports whether zone is signed and a signature in served
// (or in what was last written, while that is what is served) expires
// within the refresh window: a serial-only write then signs them again.
// For what was last written the signed zone's index answers, without a
// walk of its signatures.
func (b *ZoneFile) SignaturesDue(served *observed.Zone) bool {
	sg := b.signing(served.Name)
	if sg == nil {
		return false
	}
	now := b.now()
	b.mu.Lock()
	if kept := b.signed[served.Name]; kept != nil && kept.serial == served.Serial {
		defer b.mu.Unlock()
		return kept.sets.Due(sg.Policy, now)
	}
	b.mu.Unlock()
	sets := served.Sets
	if sets[rrset.Key{Name: served.Name, Type: dns.TypeDNSKEY}] == nil {
		return true // served unsigned: sign it
	}
	due := now.Add(sg.Policy.Refresh)
	for k, s := range sets {
		if k.Type != dns.TypeRRSIG {
			continue
		}
		for _, rr := range s.RRs {
			if sig := rr.(*dns.RRSIG); !expiresAfter(sig, due) {
				return true
			}
		}
	}
	return false
}

// expiresAfter reports whether sig is still valid at t (RFC 4034's serial
// arithmetic on the 32-bit expiration, as the signer reads it).
func expiresAfter(sig *dns.RRSIG, t time.Time) bool {
	return int32(sig.Expiration-uint32(t.Unix())) > 0
}

// Resigner is a backend that signs zones itself: a scheduled pass asks it
// whether a zone's signatures are due and, if so, writes the zone again
// with only its serial changed (ApplyAbove with an empty plan), which
// signs them again.
type Resigner interface {
	FloorApplier
	// Signs reports whether zone is written signed.
	Signs(zone string) bool
	// SignaturesDue reports whether the served zone needs signing again.
	SignaturesDue(served *observed.Zone) bool
}

var _ Resigner = (*ZoneFile)(nil)

// Signs reports whether zone is written signed.
func (b *ZoneFile) Signs(zone string) bool { return b.signing(zone) != nil }
