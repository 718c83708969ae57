// Package verify checks that a DNS server really answers what dnssync
// promised, by asking it over DNS like any client would.
package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Resolver asks one server.
type Resolver struct {
	Addr    string        // host:port
	Timeout time.Duration // per query
	// Recurse sets RD: for resolvers that clients use, which answer from
	// cache or by recursion. Authoritative servers answer with AA either way.
	Recurse bool
}

// Query returns the RRset the server answers for name and type, nil when it
// answers that there is none (NXDOMAIN or no data). A delegation's NS set is
// read from the referral.
func (r *Resolver) Query(ctx context.Context, name string, t uint16) (*rrset.Set, error) {
	set, _, err := r.query(ctx, name, t)
	return set, err
}

// query is Query that also tells whether the answer was authoritative.
func (r *Resolver) query(ctx context.Context, name string, t uint16) (*rrset.Set, bool, error) {
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
		return nil, false, fmt.Errorf("query %s %s at %s: %w", name, dns.TypeToString[t], r.Addr, err)
	}
	switch in.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return nil, false, fmt.Errorf("query %s %s at %s: server answered %s", name, dns.TypeToString[t], r.Addr, dns.RcodeToString[in.Rcode])
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
	return set, in.Authoritative, nil
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

// Mismatch is a set that is not served as expected.
type Mismatch struct {
	Key    rrset.Key
	Want   *rrset.Set // nil: should not exist
	Served *rrset.Set // nil: not served
	Err    error      // the query failed
}

func (m Mismatch) String() string {
	if m.Err != nil {
		return fmt.Sprintf("%s: %v", m.Key, m.Err)
	}
	return fmt.Sprintf("%s: want %s, served %s", m.Key, diff.ShowSet(m.Want), diff.ShowSet(m.Served))
}

// Check asks for every expected set once and returns those not served as
// expected (the TTL included: an authoritative server answers it whole).
// Queries run a few at a time: a large change is checked in a fraction of
// the time one-by-one round trips would take.
func (r *Resolver) Check(ctx context.Context, want map[rrset.Key]*rrset.Set) []Mismatch {
	var (
		mu  sync.Mutex
		out []Mismatch
	)
	parallel(want, func(k rrset.Key, w *rrset.Set) {
		got, err := r.Query(ctx, k.Name, k.Type)
		if err != nil || !got.Equal(w) {
			mu.Lock()
			out = append(out, Mismatch{Key: k, Want: w, Served: got, Err: err})
			mu.Unlock()
		}
	})
	slices.SortFunc(out, func(a, b Mismatch) int { return a.Key.Compare(b.Key) })
	return out
}

// checkParallelism bounds the queries in flight from one Check.
const checkParallelism = 16

// Wait polls until every expected set is served or ctx ends, and returns how
// long that took and what was still wrong at the end. Sets already served are
// not asked again.
func (r *Resolver) Wait(ctx context.Context, want map[rrset.Key]*rrset.Set, interval time.Duration) (time.Duration, []Mismatch) {
	start := time.Now()
	pending := make(map[rrset.Key]*rrset.Set, len(want))
	for k, w := range want {
		pending[k] = w
	}
	for {
		miss := r.Check(ctx, pending)
		if len(miss) == 0 {
			return time.Since(start), nil
		}
		clear(pending)
		for _, m := range miss {
			pending[m.Key] = m.Want
		}
		select {
		case <-ctx.Done():
			return time.Since(start), miss
		case <-time.After(interval):
		}
	}
}

// maxSummarized bounds how many mismatches Summary spells out: a change
// of 5,000 RRsets not served must not make a line of 5,000 of them.
const maxSummarized = 10

// Summary joins mismatches into one line for logs and errors: the first
// maxSummarized, and how many more.
func Summary(miss []Mismatch) string {
	n := min(len(miss), maxSummarized)
	parts := make([]string, 0, n+1)
	for _, m := range miss[:n] {
		parts = append(parts, m.String())
	}
	if more := len(miss) - n; more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(parts, "; ")
}
