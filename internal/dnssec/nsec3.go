package dnssec

import (
	"slices"
	"strings"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// NSEC3 as RFC 9276 recommends: SHA-1, no extra iterations, no salt, and
// no opt-out (every delegation has its NSEC3).
const (
	nsec3Iterations = 0
	nsec3Salt       = ""
)

// nsec3Param is the apex's NSEC3PARAM, with TTL 0 as BIND gives it: it is
// for the zone's servers, not for caches.
func nsec3Param(zone string) *rrset.Set {
	return rrset.New(&dns.NSEC3PARAM{
		Hdr:        dns.RR_Header{Name: zone, Rrtype: dns.TypeNSEC3PARAM, Class: dns.ClassINET},
		Hash:       dns.SHA1,
		Iterations: nsec3Iterations,
		Salt:       nsec3Salt,
	})
}

// addNSEC3 puts NSEC3PARAM and the NSEC3 chain into z: one NSEC3 for each
// name (canonical order, not occluded) and for each empty non-terminal
// above them (RFC 5155 section 7.1), in the order of their hashes.
func (s *signer) addNSEC3(z rrset.Zone, names []string, kinds map[string]kind, soa *dns.SOA) {
	param := nsec3Param(s.zone)
	z[param.Key] = param
	types := typesByName(z)
	all := make(map[string]bool, len(names))
	for _, n := range names {
		all[n] = true
	}
	for _, n := range names {
		for a := n; len(a) > len(s.zone); {
			i := strings.IndexByte(a, '.')
			a = a[i+1:]
			if all[a] {
				break // its ancestors are in already
			}
			all[a] = true // an empty non-terminal
		}
	}
	type entry struct{ hash, name string }
	chain := make([]entry, 0, len(all))
	for n := range all {
		chain = append(chain, entry{strings.ToLower(dns.HashName(n, dns.SHA1, nsec3Iterations, nsec3Salt)), n})
	}
	slices.SortFunc(chain, func(a, b entry) int { return strings.Compare(a.hash, b.hash) })
	ttl := negativeTTL(soa)
	for i, e := range chain {
		next := chain[(i+1)%len(chain)].hash
		rr := &dns.NSEC3{
			Hdr:        dns.RR_Header{Name: e.hash + "." + s.zone, Rrtype: dns.TypeNSEC3, Class: dns.ClassINET, Ttl: ttl},
			Hash:       dns.SHA1,
			Iterations: nsec3Iterations,
			SaltLength: 0,
			Salt:       nsec3Salt,
			HashLength: 20,
			NextDomain: next,
			TypeBitMap: nsec3Bitmap(kinds[e.name], types[e.name]),
		}
		set := rrset.New(rr)
		z[set.Key] = set
	}
}

// nsec3Bitmap is the types at a name, with RRSIG when any of them is
// signed; NSEC3 records are not at the name, so never NSEC or NSEC3. An
// empty non-terminal has none.
func nsec3Bitmap(k kind, types []uint16) []uint16 {
	out := make([]uint16, 0, len(types)+1)
	sig := false
	for _, t := range types {
		if k == delegation && t != dns.TypeNS && t != dns.TypeDS {
			continue
		}
		out = append(out, t)
		sig = sig || signed(k, t)
	}
	if sig {
		out = append(out, dns.TypeRRSIG)
		slices.Sort(out)
	}
	return out
}
