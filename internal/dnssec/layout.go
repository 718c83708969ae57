package dnssec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// managed are the types dnssync makes when it signs; an unsigned zone must
// not hold them (DS, at a delegation, is the child's and may).
var managed = map[uint16]bool{
	dns.TypeRRSIG: true, dns.TypeNSEC: true, dns.TypeNSEC3: true, dns.TypeNSEC3PARAM: true,
	dns.TypeDNSKEY: true, dns.TypeCDS: true, dns.TypeCDNSKEY: true,
}

// kind is what signing does at a name.
type kind uint8

const (
	authoritative kind = iota // every RRset signed, in the NSEC chain
	delegation                // NS not signed, DS signed, in the NSEC chain
	occluded                  // below a delegation (glue): not signed, not in the chain
)

// isCut reports whether name (not the apex) holds an NS RRset in z.
func isCut(z rrset.Zone, apex, name string) bool {
	if name == apex {
		return false
	}
	_, ok := z[rrset.Key{Name: name, Type: dns.TypeNS}]
	return ok
}

// kindOf classifies name (inside the zone) by the delegations in z. It looks
// up each ancestor of name, so it costs the name's depth, not the zone's
// size.
func kindOf(z rrset.Zone, apex, name string) kind {
	for a := name; len(a) > len(apex); {
		i := strings.IndexByte(a, '.')
		if i < 0 || i == len(a)-1 {
			break
		}
		a = a[i+1:]
		if isCut(z, apex, a) {
			return occluded
		}
	}
	if isCut(z, apex, name) {
		return delegation
	}
	return authoritative
}

// signed reports whether the RRset of type t at a name of kind k gets RRSIGs.
func signed(k kind, t uint16) bool {
	switch k {
	case authoritative:
		return true
	case delegation:
		return t == dns.TypeDS || t == dns.TypeNSEC
	}
	return false
}

// checkUnsigned refuses an unsigned zone that holds records outside the
// zone or records only the signer makes, and returns its SOA.
func checkUnsigned(zone string, unsigned rrset.Zone) (*dns.SOA, error) {
	for k := range unsigned {
		if err := checkKey(zone, k); err != nil {
			return nil, err
		}
	}
	return soaOf(zone, unsigned)
}

// checkKey refuses an unsigned RRset outside the zone or of a type only the
// signer makes.
func checkKey(zone string, k rrset.Key) error {
	if managed[k.Type] {
		return fmt.Errorf("sign %s: the unsigned zone holds %s, which the signer makes", zone, k)
	}
	if !dns.IsSubDomain(zone, k.Name) {
		return fmt.Errorf("sign %s: %s is outside the zone", zone, k)
	}
	return nil
}

func soaOf(zone string, z rrset.Zone) (*dns.SOA, error) {
	set := z[rrset.Key{Name: zone, Type: dns.TypeSOA}]
	if set == nil || len(set.RRs) != 1 {
		return nil, fmt.Errorf("sign %s: the zone has no SOA", zone)
	}
	return set.RRs[0].(*dns.SOA), nil
}

// negativeTTL is the TTL of NSEC and NSEC3 records (RFC 9077): the lower
// of the SOA's TTL and its minimum field.
func negativeTTL(soa *dns.SOA) uint32 { return min(soa.Hdr.Ttl, soa.Minttl) }

// bitmap is the NSEC type bitmap of a name of kind k holding types: at a
// delegation only NS and DS; always RRSIG and NSEC (the NSEC is signed).
func bitmap(k kind, types []uint16) []uint16 {
	out := make([]uint16, 0, len(types)+2)
	for _, t := range types {
		if k == delegation && t != dns.TypeNS && t != dns.TypeDS {
			continue
		}
		out = append(out, t)
	}
	out = append(out, dns.TypeRRSIG, dns.TypeNSEC)
	slices.Sort(out)
	return slices.Compact(out)
}

// typesByName returns the data types at each name of z, sorted, skipping
// RRSIG and NSEC.
func typesByName(z rrset.Zone) map[string][]uint16 {
	out := make(map[string][]uint16, len(z))
	for k := range z {
		if k.Type == dns.TypeRRSIG || k.Type == dns.TypeNSEC {
			continue
		}
		out[k.Name] = append(out[k.Name], k.Type)
	}
	for _, ts := range out {
		slices.Sort(ts)
	}
	return out
}
