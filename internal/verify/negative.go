package verify

import (
	"time"

	"github.com/miekg/dns"
)

// CacheFloor is the shortest time CoreDNS's cache keeps any answer, a
// denial included, unless its `denial` MINTTL says otherwise (v1.15.0
// default): a negative TTL below it is kept this long anyway.
const CacheFloor = 5 * time.Second

// NegativeTTL is how long a caching resolver may keep answering NXDOMAIN
// (or NODATA) for a name of the zone whose SOA this is, counted from the
// moment it asked: the longest a newly registered name can stay invisible
// through a cache.
//
// RFC 2308 makes the negative caching time the smaller of the SOA
// record's TTL and its MINIMUM field, and expects the server to put that
// in the negative answer's authority section. CoreDNS's file and auto
// plugins do not: they serve the SOA with its full record TTL, and
// CoreDNS's cache keeps the denial for that TTL (measured on v1.15.0; only
// the cache's own cap, 1800 s by default, bounds it). So the number a real
// cache uses is the SOA record's TTL as served, which is never less than
// what an RFC 2308 cache uses: that is the bound, raised to CacheFloor. The
// zone file backend renders the SOA's TTL as min(soa_ttl, negative_ttl),
// so for its zones both kinds of cache use the same number.
func NegativeTTL(soa *dns.SOA) time.Duration {
	return max(time.Duration(soa.Hdr.Ttl)*time.Second, CacheFloor)
}
