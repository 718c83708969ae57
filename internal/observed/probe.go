package observed

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// SOAAnswer is what a server answered to a query for a zone's SOA: the
// plain question "do you serve this zone?", asked when a transfer fails,
// because a refused transfer alone cannot tell a zone not served from a
// served zone that the server will not transfer.
type SOAAnswer struct {
	Rcode         int
	Authoritative bool // the AA bit
	SOA           bool // the answer holds the zone's own SOA
}

// Served: the server answers for the zone as its authority.
func (a SOAAnswer) Served() bool {
	return a.Rcode == dns.RcodeSuccess && a.Authoritative && a.SOA
}

// NotServed: the server says it has no such zone. REFUSED and NOTAUTH are
// how servers decline a zone they do not serve; SERVFAIL is what CoreDNS
// answers for a zone it knows of but has not loaded.
func (a SOAAnswer) NotServed() bool {
	switch a.Rcode {
	case dns.RcodeRefused, dns.RcodeNotAuth, dns.RcodeServerFailure:
		return true
	}
	return false
}

func (a SOAAnswer) String() string {
	parts := []string{rcodeName(a.Rcode)}
	if a.Authoritative {
		parts = append(parts, "authoritative")
	} else {
		parts = append(parts, "not authoritative")
	}
	if a.SOA {
		parts = append(parts, "with the SOA")
	} else {
		parts = append(parts, "without the SOA")
	}
	return strings.Join(parts, ", ")
}

// Probe asks the server for zone's SOA, over TCP like the transfers (on a
// connection kept open between queries, probeconns.go), and reports what
// it answered. The query is not signed: it asks what any
// client is told, and a TSIG problem must not read as "not served".
func (c *Client) Probe(ctx context.Context, zone string) (SOAAnswer, error) {
	zone = dns.CanonicalName(zone)
	timeout := c.ProbeTimeout
	if timeout <= 0 {
		timeout = c.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	q := new(dns.Msg)
	q.SetQuestion(zone, dns.TypeSOA)
	q.RecursionDesired = false
	resp, err := c.probes.exchange(ctx, c.Addr, q, timeout)
	if err != nil {
		return SOAAnswer{}, fmt.Errorf("soa %s from %s: %w", zone, c.Addr, ctxErr(ctx, err))
	}
	a := SOAAnswer{Rcode: resp.Rcode, Authoritative: resp.Authoritative}
	for _, rr := range resp.Answer {
		if soa, ok := rr.(*dns.SOA); ok && dns.CanonicalName(soa.Hdr.Name) == zone {
			a.SOA = true
		}
	}
	return a, nil
}
