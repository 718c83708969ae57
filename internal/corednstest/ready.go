package corednstest

import (
	"context"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// startDeadline bounds how long a server may take to answer after it was
// started: CoreDNS needs well under a second, named and knotd a little
// more, and a busy CI machine more again.
const startDeadline = 15 * time.Second

// WaitAnswers polls addr until the server is up, failing if p exits first,
// ctx ends, or within passes. Up is: every zone given answers its SOA
// (named answers SERVFAIL for a moment before its zones are loaded), or
// with no zones, anything answers at all.
func WaitAnswers(ctx context.Context, addr string, p *Process, within time.Duration, zones ...string) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	last := "no answer yet"
	for {
		if ok, err := p.Exited(); ok {
			return fmt.Errorf("%s exited at start (%v)", p.Name, err)
		}
		if last = up(ctx, addr, zones); last == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not up on %s within %v (%s): %w", p.Name, addr, within, last, ctx.Err())
		case <-p.Done():
		case <-tick.C:
		}
	}
}

// up is "" when the server is up, else what is missing.
func up(ctx context.Context, addr string, zones []string) string {
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	if len(zones) == 0 {
		m := new(dns.Msg)
		m.SetQuestion("health.check.invalid.", dns.TypeSOA)
		if _, _, err := c.ExchangeContext(ctx, m, addr); err != nil {
			return err.Error()
		}
		return ""
	}
	for _, z := range zones {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(z), dns.TypeSOA)
		in, _, err := c.ExchangeContext(ctx, m, addr)
		switch {
		case err != nil:
			return err.Error()
		case in.Rcode != dns.RcodeSuccess || len(in.Answer) == 0:
			return fmt.Sprintf("%s SOA: %s, %d answers", z, dns.RcodeToString[in.Rcode], len(in.Answer))
		}
	}
	return ""
}
