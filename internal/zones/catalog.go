package zones

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/rrset"
)

// The catalog zone (RFC 9432, version 2) lists the member zones for
// secondaries that consume it (BIND, Knot, CoreDNS): "version" TXT "2" and
// one PTR per member at "<id>.zones". Its SOA and apex NS are a zone's
// like any other (CatalogZone), rendered by the backend.

// catalogIDBytes: 8 bytes (64 bits) of hash make a collision among even a
// million members about one chance in 36 million; the label stays short.
const catalogIDBytes = 8

// CatalogID is the member zone's unique ID in the catalog: the lower-case
// hex of the first 8 bytes of the SHA-256 of the zone's canonical name in
// wire form (RFC 1035 labels, lower case, with the root label). It depends
// on the name alone, so it is the same across restarts and hosts with no
// state kept, and a zone removed and added again gets its old ID (RFC 9432
// allows that: a consumer sees the same member).
func CatalogID(zone string) string {
	name := dns.CanonicalName(zone)
	buf := make([]byte, 256)
	n, err := dns.PackDomainName(name, buf, 0, nil, false)
	if err != nil { // not a domain name: managed zones never get here
		buf, n = []byte(name), len(name)
	}
	sum := sha256.Sum256(buf[:n])
	return hex.EncodeToString(sum[:catalogIDBytes])
}

// CatalogRecords is the catalog's content besides its SOA and apex NS:
// version.<catalog> TXT "2" and <CatalogID(m)>.zones.<catalog> PTR m for
// each member (made canonical; duplicates and the catalog itself
// skipped), sorted. Should two members' IDs ever collide, the first by
// name is listed and the other left out (a member node holds one PTR);
// CatalogClashes names them, for the caller to warn.
func CatalogRecords(catalog string, members []string, ttl uint32) []*rrset.Set {
	cat := dns.CanonicalName(catalog)
	hdr := func(name string, t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
	}
	out := []*rrset.Set{rrset.New(&dns.TXT{Hdr: hdr("version."+cat, dns.TypeTXT), Txt: []string{"2"}})}
	listed, _ := catalogMembers(cat, members, CatalogID)
	for _, m := range listed {
		out = append(out, rrset.New(&dns.PTR{Hdr: hdr(m.owner, dns.TypePTR), Ptr: m.zone}))
	}
	slices.SortFunc(out, func(a, b *rrset.Set) int { return a.Key.Compare(b.Key) })
	return out
}

// CatalogClash is two member zones with the same catalog ID: Listed is in
// the catalog, Dropped is not, and so no catalog consumer serves it.
type CatalogClash struct {
	ID, Listed, Dropped string
}

// CatalogClashes lists the members CatalogRecords leaves out because
// their ID is another member's (sorted by the dropped zone). With 64-bit
// IDs it is all but always empty; when it is not, a zone is missing from
// every consumer, which is worth a warning naming both.
func CatalogClashes(catalog string, members []string) []CatalogClash {
	_, clashes := catalogMembers(dns.CanonicalName(catalog), members, CatalogID)
	return clashes
}

// catalogMember is one listed member: its zone and its node in the catalog.
type catalogMember struct{ zone, owner string }

// catalogMembers is the members as listed in catalog cat (canonical): made
// canonical, sorted, duplicates and cat skipped, the first by name kept
// where IDs (id; CatalogID but in tests) collide, and the others reported.
func catalogMembers(cat string, members []string, id func(string) string) ([]catalogMember, []CatalogClash) {
	names := make([]string, 0, len(members))
	for _, m := range members {
		names = append(names, dns.CanonicalName(m))
	}
	slices.Sort(names)
	byOwner := map[string]string{}
	var listed []catalogMember
	var clashes []CatalogClash
	for _, m := range slices.Compact(names) {
		if m == cat {
			continue
		}
		mid := id(m)
		owner := mid + ".zones." + cat
		if first, ok := byOwner[owner]; ok {
			clashes = append(clashes, CatalogClash{ID: mid, Listed: first, Dropped: m})
			continue
		}
		byOwner[owner] = m
		listed = append(listed, catalogMember{zone: m, owner: owner})
	}
	return listed, clashes
}

// CatalogZone is the catalog zone as a managed zone, for the backend to
// render its SOA and apex NS: the one nameserver "invalid." (RFC 9432
// 4.1; outside the zone, so no address), default SOA timers. Its error is
// the config's for a name that is not a zone name.
func CatalogZone(name string) (config.Zone, error) {
	return config.BuildZone(config.ZoneSpec{Name: name, Nameservers: []string{"invalid."}})
}
