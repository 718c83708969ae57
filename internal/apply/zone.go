package apply

import (
	"fmt"
	"net/netip"

	"github.com/miekg/dns"
)

// Zone is what the zone file backend writes into a zone besides records.d:
// the SOA, the apex NS records, and the addresses of the nameservers
// inside the zone (BIND refuses a zone without them).
type Zone struct {
	Name string // canonical
	// Nameservers are the apex NS targets, canonical; the first is the
	// SOA's MNAME.
	Nameservers []string
	// NameserverAddresses become A or AAAA records of every nameserver
	// inside the zone.
	NameserverAddresses []netip.Addr
	Hostmaster          string // SOA RNAME, canonical
	Refresh             uint32
	Retry               uint32
	Expire              uint32
	NegativeTTL         uint32 // SOA MINIMUM
	// SOATTL is the TTL of the NS records and nameserver addresses, and of
	// the SOA unless NegativeTTL is shorter (see soaTTL).
	SOATTL uint32
	// Signing, when set, has the zone written signed (signed.go).
	Signing *Signing
}

// soaTTL is the SOA record's TTL: the smaller of SOATTL and NegativeTTL.
// A cache keeps a negative answer for the TTL of the SOA in it: RFC 2308
// takes min(TTL, MINIMUM), but CoreDNS's file and auto serve the SOA with
// its full TTL and CoreDNS's cache keeps the denial that long (v1.15.0).
// Rendering the smaller one makes both kinds of cache keep it for
// min(soa_ttl, negative_ttl), the time RFC 2308 defines and
// verify.NegativeTTL predicts.
func (z Zone) soaTTL() uint32 { return min(z.SOATTL, z.NegativeTTL) }

func (z Zone) check() error {
	if z.Name == "" || z.Name != dns.CanonicalName(z.Name) {
		return fmt.Errorf("zone %q: the name must be canonical", z.Name)
	}
	if len(z.Nameservers) == 0 {
		return fmt.Errorf("zone %s: no nameserver (the SOA needs one)", z.Name)
	}
	if z.Hostmaster == "" {
		return fmt.Errorf("zone %s: no hostmaster", z.Name)
	}
	for _, a := range z.NameserverAddresses {
		if !a.IsValid() {
			return fmt.Errorf("zone %s: a nameserver address is not set", z.Name)
		}
	}
	if z.Signing != nil {
		return z.Signing.check(z.Name)
	}
	return nil
}

// base is the zone's SOA (serial 0; the serial is chosen at write time),
// apex NS and the A/AAAA records of nameservers inside the zone.
func (z Zone) base() []dns.RR {
	hdr := func(name string, t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: z.SOATTL}
	}
	soaHdr := hdr(z.Name, dns.TypeSOA)
	soaHdr.Ttl = z.soaTTL()
	out := []dns.RR{&dns.SOA{
		Hdr: soaHdr, Ns: z.Nameservers[0], Mbox: z.Hostmaster,
		Refresh: z.Refresh, Retry: z.Retry, Expire: z.Expire, Minttl: z.NegativeTTL,
	}}
	for _, ns := range z.Nameservers {
		out = append(out, &dns.NS{Hdr: hdr(z.Name, dns.TypeNS), Ns: ns})
		if !dns.IsSubDomain(z.Name, ns) {
			continue
		}
		for _, ip := range z.NameserverAddresses {
			if ip.Is4() {
				out = append(out, &dns.A{Hdr: hdr(ns, dns.TypeA), A: ip.AsSlice()})
			} else {
				out = append(out, &dns.AAAA{Hdr: hdr(ns, dns.TypeAAAA), AAAA: ip.AsSlice()})
			}
		}
	}
	return out
}
