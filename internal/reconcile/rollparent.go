package reconcile

import (
	"context"
	"fmt"

	"github.com/miekg/dns"
)

// parentDS asks the resolver at addr for zone's DS set (recursion desired,
// DNSSEC OK, over UDP and then TCP when truncated), and returns it with
// its TTL. The resolver vouches for the parent; a DS it does not serve is
// one the roll does not count on.
func parentDS(ctx context.Context, addr, zone string) ([]*dns.DS, uint32, error) {
	ctx, cancel := context.WithTimeout(ctx, rollSerialTimeout)
	defer cancel()
	m := new(dns.Msg)
	m.SetQuestion(zone, dns.TypeDS)
	m.RecursionDesired = true
	m.SetEdns0(1232, true)
	in, _, err := (&dns.Client{}).ExchangeContext(ctx, m, addr)
	if err == nil && in.Truncated {
		in, _, err = (&dns.Client{Net: "tcp"}).ExchangeContext(ctx, m, addr)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("ask %s for the DS of %s: %w", addr, zone, err)
	}
	if in.Rcode != dns.RcodeSuccess {
		return nil, 0, fmt.Errorf("ask %s for the DS of %s: %s", addr, zone, dns.RcodeToString[in.Rcode])
	}
	var (
		ds  []*dns.DS
		ttl uint32
	)
	for _, rr := range in.Answer {
		if d, ok := rr.(*dns.DS); ok && dns.CanonicalName(d.Hdr.Name) == zone {
			ds = append(ds, d)
			ttl = max(ttl, d.Hdr.Ttl)
		}
	}
	return ds, ttl, nil
}
