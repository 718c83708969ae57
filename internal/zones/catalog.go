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
// name is listed and the other left out: a member node holds one PTR.
func CatalogRecords(catalog string, members []string, ttl uint32) []*rrset.Set {
	cat := dns.CanonicalName(catalog)
	hdr := func(name string, t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
	}
	out := []*rrset.Set{rrset.New(&dns.TXT{Hdr: hdr("version."+cat, dns.TypeTXT), Txt: []string{"2"}})}
	names := make([]string, 0, len(members))
	for _, m := range members {
		names = append(names, dns.CanonicalName(m))
	}
	slices.Sort(names)
	seen := map[string]bool{}
	for _, m := range slices.Compact(names) {
		owner := CatalogID(m) + ".zones." + cat
		if m == cat || seen[owner] {
			continue
		}
		seen[owner] = true
		out = append(out, rrset.New(&dns.PTR{Hdr: hdr(owner, dns.TypePTR), Ptr: m}))
	}
	slices.SortFunc(out, func(a, b *rrset.Set) int { return a.Key.Compare(b.Key) })
	return out
}

// CatalogZone is the catalog zone as a managed zone, for the backend to
// render its SOA and apex NS: the one nameserver "invalid." (RFC 9432
// 4.1; outside the zone, so no address), default SOA timers. Its error is
// the config's for a name that is not a zone name.
func CatalogZone(name string) (config.Zone, error) {
	return config.BuildZone(config.ZoneSpec{Name: name, Nameservers: []string{"invalid."}})
}
