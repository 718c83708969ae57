// Package notify tells secondaries that a zone changed: a DNS NOTIFY (RFC
// 1996) to each, all at once, signed with TSIG when a key is configured,
// so that a secondary transfers the new zone now instead of at its next
// refresh. A primary's own NOTIFY cannot be relied on (CoreDNS's goes to
// one target after another, and a dead one delays the rest by seconds).
// It reports per secondary whether the NOTIFY was answered, refused or
// went unanswered; it never retries beyond one exchange per transport and
// never decides anything.
package notify

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/observed"
)

// Outcome is what became of one NOTIFY. The values are the words reports
// use.
type Outcome string

// The outcomes of a NOTIFY.
const (
	Answered   Outcome = "answered"   // acknowledged (NOERROR)
	Refused    Outcome = "refused"    // answered with an error rcode (REFUSED, NOTAUTH, ...)
	Unanswered Outcome = "unanswered" // no answer before the timeout, or unreachable
)

// Result is one secondary's outcome.
type Result struct {
	Server  string // host:port
	Outcome Outcome
	Err     error // why, unless Answered
}

// Sender sends NOTIFYs.
type Sender struct {
	TSIG    *observed.TSIG // nil: unsigned
	Timeout time.Duration  // per secondary; 2s when zero
}

// Notify sends a NOTIFY for zone to every server at once and returns one
// Result per server, in the order given, once each has answered or timed
// out.
func (s *Sender) Notify(ctx context.Context, zone string, servers []string) []Result {
	out := make([]Result, len(servers))
	var wg sync.WaitGroup
	for i, addr := range servers {
		wg.Go(func() { out[i] = s.one(ctx, zone, addr) })
	}
	wg.Wait()
	return out
}

func (s *Sender) one(ctx context.Context, zone, addr string) Result {
	m := new(dns.Msg)
	m.SetNotify(dns.Fqdn(zone))
	c := &dns.Client{Net: "udp", Timeout: s.timeout()}
	if s.TSIG != nil {
		name := dns.Fqdn(s.TSIG.Name)
		c.TsigSecret = map[string]string{name: s.TSIG.Secret}
		m.SetTsig(name, s.TSIG.Algorithm, 300, time.Now().Unix())
	}
	in, _, err := c.ExchangeContext(ctx, m, addr)
	switch {
	case err != nil:
		return Result{Server: addr, Outcome: Unanswered, Err: fmt.Errorf("notify %s at %s: %w", zone, addr, err)}
	case in.Rcode != dns.RcodeSuccess:
		return Result{Server: addr, Outcome: Refused, Err: fmt.Errorf("notify %s at %s: answered %s", zone, addr, dns.RcodeToString[in.Rcode])}
	}
	return Result{Server: addr, Outcome: Answered}
}

func (s *Sender) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 2 * time.Second
}
