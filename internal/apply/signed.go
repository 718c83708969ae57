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

// signedZone is a zone as last signed and written.
type signedZone struct {
	serial uint32
	sets   rrset.Zone
}

// signing returns the zone's signing, nil for an unsigned zone.
func (b *ZoneFile) signing(zone string) *Signing {
	b.zonesMu.RLock()
	defer b.zonesMu.RUnlock()
	return b.zones[zone].Signing
}

// signedText signs served+p with serial and returns the text to write,
// with the signed sets to keep once written. t, when not nil, is the text
// of prev (what was last written): only the sets that differ are
// rendered again.
func (b *ZoneFile) signedText(sg *Signing, served *observed.Zone, p diff.Plan, serial uint32) (*zoneText, rrset.Zone, error) {
	zone := p.Zone
	prev, t := served.Sets, (*zoneText)(nil)
	if kept := b.signed[zone]; kept != nil && kept.serial == served.Serial {
		prev = kept.sets
		if kt := b.texts[zone]; kt != nil && kt.serial == served.Serial {
			t = kt
		}
	}
	unsigned := make(rrset.Zone, len(prev))
	for k, s := range prev {
		if !SignerType(k.Type) {
			unsigned[k] = s
		}
	}
	var changed []rrset.Key
	for _, c := range p.Changes {
		if SignerType(c.Key.Type) {
			continue // the signer's own: never planned, but never written either
		}
		changed = append(changed, c.Key)
		if c.New != nil {
			unsigned[c.Key] = c.New
		} else {
			delete(unsigned, c.Key)
		}
	}
	soaKey := rrset.Key{Name: zone, Type: dns.TypeSOA}
	soaSet := unsigned[soaKey]
	if soaSet == nil || len(soaSet.RRs) != 1 {
		return nil, nil, fmt.Errorf("zone %s has no SOA", zone)
	}
	soa := *soaSet.RRs[0].(*dns.SOA)
	soa.Serial = serial
	unsigned[soaKey] = rrset.New(&soa)
	if prev[rrset.Key{Name: zone, Type: dns.TypeDNSKEY}] == nil {
		prev = nil // not signed before: sign whole
	}
	now := b.now()
	keys, err := sg.Keys.Ensure(zone, sg.Policy, now)
	if err != nil {
		return nil, nil, err
	}
	if len(keys) == 0 {
		return nil, nil, errors.New("no dnssec keys")
	}
	out, stats, err := dnssec.Resign(zone, prev, unsigned, changed, keys, sg.Policy, now)
	if err != nil {
		return nil, nil, err
	}
	b.log.Debug("zone signed", "zone", zone, "signed", stats.Signed, "reused", stats.Reused, "full", stats.Full, "reason", stats.Reason)
	if t == nil {
		return newZoneText(zone, out), out, nil
	}
	// Resign keeps every set it did not touch as the same pointer: what
	// differs is what it touched, so only that is rendered again.
	for k, s := range out {
		if prev[k] != s {
			t.set(k, s)
		}
	}
	for k := range prev {
		if out[k] == nil {
			t.set(k, nil)
		}
	}
	return t, out, nil
}

// SignaturesDue reports whether zone is signed and a signature in served
// (or in what was last written, while that is what is served) expires
// within the refresh window: a serial-only write then signs them again.
func (b *ZoneFile) SignaturesDue(served *observed.Zone) bool {
	sg := b.signing(served.Name)
	if sg == nil {
		return false
	}
	b.mu.Lock()
	sets := served.Sets
	if kept := b.signed[served.Name]; kept != nil && kept.serial == served.Serial {
		sets = kept.sets
	}
	b.mu.Unlock()
	if sets[rrset.Key{Name: served.Name, Type: dns.TypeDNSKEY}] == nil {
		return true // served unsigned: sign it
	}
	due := b.now().Add(sg.Policy.Refresh)
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
