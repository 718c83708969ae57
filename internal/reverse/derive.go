package reverse

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// DefaultCap is how many names Derive publishes at one address when the
// caller gives no cap: enough for a host's aliases, and a bound on the
// answer (ten PTRs of long names still fit a 1,232-byte UDP answer).
const DefaultCap = 10

// Capped is a reverse name more forward names share than the cap allows.
type Capped struct {
	Zone, Name string // the reverse zone and name, canonical
	Names      int    // forward names sharing the address
	Dropped    int    // of them, left out (the last in canonical order)
}

// OptOut reports whether the record of this A or AAAA key with this value
// (rrset.Rdata) opted out of its PTR (`ptr: false`).
type OptOut func(key rrset.Key, value string) bool

// Explicit reports whether records.d declares the PTR at this key (Type is
// always dns.TypePTR) itself. A caller should also answer true where
// records.d declares anything a PTR may not sit beside (a CNAME of RFC 2317
// classless delegation), or where such a name is held in conflict.
type Explicit func(key rrset.Key) bool

// target is one forward name at one address.
type target struct {
	name string
	ttl  uint32
}

// Derive returns the PTR RRsets derived from forward for each reverse zone
// (canonical; every zone given is present, possibly empty), in the shape of
// desired.State.Zones, and the reverse names over the cap (sorted by name).
// managed lists every managed zone, reverse or not (nil: only reverseZones
// count): an address whose most specific managed zone is not a reverse
// zone gets no PTR. Sets in forward other than A and AAAA are ignored;
// optOut and explicit may be nil; limit <= 0 means DefaultCap. The rules
// are the package's (doc.go).
func Derive(reverseZones, managed []string, forward []*rrset.Set, optOut OptOut, explicit Explicit, limit int) (map[string]rrset.Zone, []Capped) {
	if limit <= 0 {
		limit = DefaultCap
	}
	zs := newZoneSet(reverseZones)
	out := make(map[string]rrset.Zone, len(zs))
	for z := range zs {
		out[z] = make(rrset.Zone)
	}
	if len(zs) == 0 {
		return out, nil
	}
	// owner finds the zone that answers for a reverse name: the most
	// specific managed one. A zone managed apart under a reverse zone (a
	// /24 with reverse: false below a reverse /16) is authoritative for
	// its names, so a PTR derived into the parent under its apex would be
	// served by no one.
	owner := zs
	if len(managed) > 0 {
		owner = newZoneSet(managed)
		for z := range zs {
			owner[z] = true
		}
	}
	byName := make(map[string][]target, len(forward)) // mostly one address a set
	for _, s := range forward {
		if s == nil || s.Type != dns.TypeA && s.Type != dns.TypeAAAA || isWildcard(s.Name) {
			continue
		}
		var values []string // formatted only when some record may opt out
		if optOut != nil {
			values = s.Values()
		}
		for i, rr := range s.RRs {
			if values != nil && optOut(s.Key, values[i]) {
				continue
			}
			addr, ok := addrOf(rr)
			if !ok {
				continue // not an address: desired never hands one over
			}
			name := reverseName(addr)
			if !zs[owner.zoneOf(name)] {
				continue // under no reverse zone, or under a zone managed apart
			}
			byName[name] = append(byName[name], target{name: s.Name, ttl: s.TTL})
		}
	}

	var capped []Capped
	for name, targets := range byName {
		if explicit != nil && explicit(rrset.Key{Name: name, Type: dns.TypePTR}) {
			continue
		}
		zone := zs.zoneOf(name)
		slices.SortFunc(targets, func(a, b target) int {
			return cmp.Or(rrset.CompareNames(a.name, b.name), cmp.Compare(a.ttl, b.ttl))
		})
		targets = slices.CompactFunc(targets, func(a, b target) bool { return a.name == b.name })
		if len(targets) > limit {
			capped = append(capped, Capped{Zone: zone, Name: name, Names: len(targets), Dropped: len(targets) - limit})
			targets = targets[:limit]
		}
		ttl := targets[0].ttl
		for _, t := range targets[1:] {
			ttl = min(ttl, t.ttl)
		}
		rrs := make([]dns.RR, len(targets))
		for i, t := range targets {
			rrs[i] = &dns.PTR{
				Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: ttl},
				Ptr: t.name,
			}
		}
		ptrs := rrset.New(rrs...)
		out[zone][ptrs.Key] = ptrs
	}
	slices.SortFunc(capped, func(a, b Capped) int { return rrset.CompareNames(a.Name, b.Name) })
	return out, capped
}

// OptedOut adapts desired.State.NoPTR (zone -> key -> values) to an
// OptOut. A key belongs to one zone, and few zones have opt-outs at all, so
// looking in each is cheap.
func OptedOut(noPTR map[string]map[rrset.Key]map[string]bool) OptOut {
	if len(noPTR) == 0 {
		return nil
	}
	return func(k rrset.Key, v string) bool {
		for _, keys := range noPTR {
			if keys[k][v] {
				return true
			}
		}
		return false
	}
}

// addrOf is an A or AAAA record's address, read without formatting it.
// An AAAA's address stays IPv6 even when IPv4-mapped (::ffff:a.b.c.d):
// `dig -x` of that address asks ip6.arpa, so its PTR belongs there.
func addrOf(rr dns.RR) (netip.Addr, bool) {
	var ip []byte
	switch r := rr.(type) {
	case *dns.A:
		ip = r.A.To4()
	case *dns.AAAA:
		ip = r.AAAA.To16()
	}
	return netip.AddrFromSlice(ip)
}
