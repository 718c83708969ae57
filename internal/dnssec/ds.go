package dnssec

import (
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// DS returns the DS records (SHA-256) the parent should publish for zone:
// one for each key-signing key (KSK or CSK) that is active at now, with
// TTL ttl. Keys of other zones are refused.
func DS(zone string, keys []*Key, ttl uint32, now time.Time) ([]*dns.DS, error) {
	var out []*dns.DS
	for _, k := range keys {
		if k == nil || k.DNSKEY == nil {
			return nil, fmt.Errorf("ds of %s: a key has no DNSKEY", zone)
		}
		if dns.CanonicalName(k.DNSKEY.Hdr.Name) != zone {
			return nil, fmt.Errorf("ds of %s: key %s belongs to %s", zone, k, k.DNSKEY.Hdr.Name)
		}
		if !k.Role.signsKeys() || !k.IsActive(now) {
			continue
		}
		ds := k.DNSKEY.ToDS(dns.SHA256)
		if ds == nil {
			return nil, fmt.Errorf("ds of %s: key %s has no digest", zone, k)
		}
		ds.Hdr = dns.RR_Header{Name: zone, Rrtype: dns.TypeDS, Class: dns.ClassINET, Ttl: ttl}
		out = append(out, ds)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("ds of %s: no active key-signing key", zone)
	}
	return out, nil
}
