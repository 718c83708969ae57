package verify

import (
	"context"
	"fmt"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// Resolver asks one server.
type Resolver struct {
	Addr    string        // host:port
	Timeout time.Duration // per query
	// Recurse sets RD: for resolvers that clients use, which answer from
	// cache or by recursion; their answers are judged as a cache's.
	Recurse bool
}

// Query returns the RRset the server answers for name and type, nil when it
// answers that there is none (NXDOMAIN or no data). A delegation's NS set is
// read from the referral.
func (r *Resolver) Query(ctx context.Context, name string, t uint16) (*rrset.Set, error) {
	a, err := r.query(ctx, name, t)
	return a.set, err
}

// answer is one server's answer for one set.
type answer struct {
	set *rrset.Set // nil: none
	// own: the server's own data (authoritative) rather than a cache's.
	own bool
	// ttl is what the answer says a cache keeps it for: the set's TTL, or
	// in a denial the TTL of the SOA in its authority section (hasTTL:
	// there was one).
	ttl    time.Duration
	hasTTL bool
}

// query is Query that also tells whether the answer is the server's own
// data (authoritative) rather than a cache's, and its TTL. A
// truncated UDP answer is asked again over TCP: a large set must be judged
// whole, never by the part that fit.
func (r *Resolver) query(ctx context.Context, name string, t uint16) (answer, error) {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), t)
	q.RecursionDesired = r.Recurse
	c := &dns.Client{Net: "udp", Timeout: r.timeout()}
	in, _, err := c.ExchangeContext(ctx, q, r.Addr)
	if err == nil && in.Truncated {
		c.Net = "tcp"
		in, _, err = c.ExchangeContext(ctx, q, r.Addr)
	}
	if err != nil {
		return answer{}, fmt.Errorf("query %s %s at %s: %w", name, dns.TypeToString[t], r.Addr, err)
	}
	switch in.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return answer{}, &RcodeError{Name: name, Qtype: t, Server: r.Addr, Rcode: in.Rcode} // lag.go
	}
	want := rrset.Key{Name: dns.CanonicalName(name), Type: t}
	var set *rrset.Set
	for _, section := range [][]dns.RR{in.Answer, in.Ns} {
		for _, rr := range section {
			if rrset.KeyOf(rr) != want {
				continue
			}
			if set == nil {
				set = rrset.New(rr)
			} else {
				set.Add(rr)
			}
		}
		if set != nil {
			break
		}
	}
	// Asked without RD, a server answers from its own data: a referral
	// (a delegation's NS set) carries no AA bit but is no cache, and must
	// match exactly, TTL included. A resolver's answer (asked with RD)
	// comes from a cache counting the TTL down, whatever its AA bit says:
	// CoreDNS's cache passes on the bit of the answer it cached (v1.15.0).
	a := answer{set: set, own: !r.Recurse}
	if set != nil {
		a.ttl, a.hasTTL = time.Duration(set.TTL)*time.Second, true
	} else if soa := denialSOA(in); soa != nil {
		a.ttl, a.hasTTL = time.Duration(soa.Hdr.Ttl)*time.Second, true
	}
	return a, nil
}

// denialSOA is the SOA in the authority section of an answer without the
// set asked for (NXDOMAIN or no data): a cache keeps the denial for its
// TTL, as it counts down.
func denialSOA(in *dns.Msg) *dns.SOA {
	for _, rr := range in.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa
		}
	}
	return nil
}

func (r *Resolver) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return 2 * time.Second
}

// Serial returns the serial the server answers for zone's SOA.
func (r *Resolver) Serial(ctx context.Context, zone string) (uint32, error) {
	s, err := r.Query(ctx, zone, dns.TypeSOA)
	if err != nil {
		return 0, err
	}
	if s == nil || len(s.RRs) == 0 {
		return 0, fmt.Errorf("no SOA for %s at %s", zone, r.Addr)
	}
	return s.RRs[0].(*dns.SOA).Serial, nil
}
