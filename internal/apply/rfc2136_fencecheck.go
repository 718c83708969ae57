package apply

import (
	"context"
	"fmt"

	"github.com/miekg/dns"
)

// A fence that can never hold. The SOA prerequisite of an UPDATE
// (fence.go) fails when another writer changed the zone since it was
// planned: the zone then serves a newer serial, and planning again from a
// fresh transfer is right. A server can also check prerequisites against
// another copy of the zone than the one it serves: BIND with
// inline-signing applies UPDATEs to an unsigned copy with a serial of its
// own and serves the signed one. There every fenced UPDATE fails, however
// often it is planned again. Told apart by asking the server's SOA right
// after the refusal: a zone still served at the very SOA the UPDATE was
// fenced on was not changed by anyone.

// fenceRefused is the error of an UPDATE m of zone the server answered
// NXRRSET (err, an ErrConcurrentWrite): err itself when the served SOA
// moved on, or one saying the server checks UPDATEs against another copy
// of the zone when it still serves the SOA m was fenced on.
func (b *RFC2136) fenceRefused(ctx context.Context, zone string, m *dns.Msg, err error) error {
	var fenced *dns.SOA
	for _, rr := range m.Answer { // an UPDATE's prerequisite section
		if soa, ok := rr.(*dns.SOA); ok {
			fenced = soa
		}
	}
	if fenced == nil {
		return err
	}
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(zone), dns.TypeSOA)
	c := &dns.Client{Net: "tcp", Timeout: b.timeout}
	resp, _, qerr := c.ExchangeContext(ctx, q, b.server)
	if qerr != nil || resp.Rcode != dns.RcodeSuccess {
		return err // unknown: as a concurrent write, planned again
	}
	for _, rr := range resp.Answer {
		if soa, ok := rr.(*dns.SOA); ok && soa.Serial == fenced.Serial {
			return fmt.Errorf("update %s at %s: %w: the server refused the UPDATE's SOA prerequisite (NXRRSET) yet serves that very SOA (serial %d): "+
				"it checks UPDATEs against another copy of the zone than the one it serves, and every fenced UPDATE will fail so; "+
				"BIND with inline-signing does this (its unsigned copy has a serial of its own): sign the dynamic zone in place (inline-signing no; see the README's DNSSEC section)",
				zone, b.server, ErrUpdateRefused, soa.Serial)
		}
	}
	return err
}
