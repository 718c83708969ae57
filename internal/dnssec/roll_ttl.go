package dnssec

import (
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// The TTLs a key roll waits out. A stage is safe to leave once nothing a
// resolver may have cached from the stage before can meet what the next
// stage serves: its waits are the TTLs served, the largest seen since the
// roll started (a TTL lowered during the roll, or just before it, leaves
// caches holding what was served with the larger one).

// ZoneTTLs are the TTLs a roll waits out: the DNSKEY RRset's (how long a
// resolver may hold the set without a new key) and the zone's largest (how
// long it may hold a signature made by a retired key).
type ZoneTTLs struct {
	DNSKEY, Max time.Duration
}

// TTLsOf reads the TTLs of a signed zone.
func TTLsOf(zone string, z rrset.Zone) ZoneTTLs {
	var t ZoneTTLs
	for k, set := range z {
		d := time.Duration(set.TTL) * time.Second
		t.Max = max(t.Max, d)
		if k.Name == zone && k.Type == dns.TypeDNSKEY {
			t.DNSKEY = d
		}
	}
	if t.DNSKEY == 0 {
		t.DNSKEY = t.Max // not signed yet: the largest bounds it
	}
	return t
}

// SeeTTLs raises the roll's largest TTLs to those of t, and reports
// whether they changed.
func (r *Roll) SeeTTLs(t ZoneTTLs) bool {
	d, m := uint32(t.DNSKEY/time.Second), uint32(t.Max/time.Second)
	if d <= r.DNSKEYTTL && m <= r.MaxTTL {
		return false
	}
	r.DNSKEYTTL, r.MaxTTL = max(r.DNSKEYTTL, d), max(r.MaxTTL, m)
	return true
}

// ttls are the largest TTLs seen since the roll started, and t's.
func (r *Roll) ttls(t ZoneTTLs) ZoneTTLs {
	return ZoneTTLs{
		DNSKEY: max(t.DNSKEY, time.Duration(r.DNSKEYTTL)*time.Second),
		Max:    max(t.Max, time.Duration(r.MaxTTL)*time.Second),
	}
}
