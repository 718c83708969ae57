// Package notify tells secondaries that a zone changed: a DNS NOTIFY (RFC
// 1996) to each, all at once, signed with TSIG when a key is configured,
// so that a secondary transfers the new zone now instead of at its next
// refresh. A primary's own NOTIFY cannot be relied on (CoreDNS's goes to
// one target after another, and a dead one delays the rest by seconds).
// It reports per secondary whether the NOTIFY was answered, refused or
// went unanswered. NOTIFY travels over UDP, so one that goes unanswered
// is sent again (RFC 1996 3.6), a few times within the sender's timeout;
// it never decides anything.
package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
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
	TSIG *observed.TSIG // nil: unsigned
	// Timeout bounds all the tries to one secondary; 2s when zero.
	Timeout time.Duration
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

// firstRetry is how long the first NOTIFY is waited for before it is sent
// again; each later wait is twice the one before (0, 0.5 s, 1.5 s, 3.5 s,
// ... after the start), until the sender's timeout.
const firstRetry = 500 * time.Millisecond

// one notifies addr of zone: sent, and sent again while unanswered, on one
// socket with one message ID, so that an answer to any copy counts.
func (s *Sender) one(ctx context.Context, zone, addr string) Result {
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	result := func(o Outcome, err error) Result {
		if err != nil {
			err = fmt.Errorf("notify %s at %s: %w", zone, addr, err)
		}
		return Result{Server: addr, Outcome: o, Err: err}
	}
	m := new(dns.Msg)
	m.SetNotify(dns.Fqdn(zone))
	c := &dns.Client{Net: "udp"}
	if s.TSIG != nil {
		name := dns.Fqdn(s.TSIG.Name)
		c.TsigSecret = map[string]string{name: s.TSIG.Secret}
		m.SetTsig(name, s.TSIG.Algorithm, 300, time.Now().Unix())
	}
	conn, err := c.DialContext(ctx, addr)
	if err != nil {
		return result(Unanswered, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) }) // ends a read in progress
	defer stop()
	deadline, _ := ctx.Deadline()
	wait := firstRetry
	var why error // the most telling reason there is no answer yet
	for tries := 1; ; tries++ {
		// A fresh dns.Conn per try signs each copy as a request (a used
		// one would chain the MAC, as for a zone transfer's messages),
		// and a copy of m, since signing takes the TSIG record out of the
		// message it signs: every copy goes out alike, and an answer to
		// any of them verifies.
		try := &dns.Conn{Conn: conn.Conn, TsigSecret: c.TsigSecret}
		if err := try.WriteMsg(m.Copy()); err != nil && why == nil {
			why = err
		}
		in, err := readReply(ctx, try, m.Id, time.Now().Add(wait))
		switch {
		case in != nil && err != nil: // answered, but its TSIG does not verify
			return result(Unanswered, err)
		case in != nil && in.Rcode != dns.RcodeSuccess:
			return result(Refused, fmt.Errorf("answered %s", dns.RcodeToString[in.Rcode]))
		case in != nil:
			return result(Answered, nil)
		}
		if !isTimeout(err) || why == nil {
			why = err
		}
		if ctx.Err() != nil || !time.Now().Before(deadline) {
			return result(Unanswered, fmt.Errorf("no answer to %d tries: %w", tries, why))
		}
		wait *= 2
	}
}

// readReply reads from conn until the answer to message id arrives, or
// until deadline or ctx ends. Other datagrams (answers to an earlier
// exchange) are skipped, and so is an ICMP port unreachable reported on
// the connected socket, which is returned only when nothing else came.
func readReply(ctx context.Context, conn *dns.Conn, id uint16, deadline time.Time) (*dns.Msg, error) {
	if err := conn.SetReadDeadline(deadline); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil { // after the deadline was set: ctx's end is not overwritten
		return nil, err
	}
	var refused error
	for range 64 { // a bound on datagrams and errors read per try
		in, err := conn.ReadMsg()
		switch {
		case in != nil && in.Id == id && in.Response:
			return in, err
		case err == nil:
		case isTimeout(err):
			if refused != nil {
				return nil, refused
			}
			return nil, err
		default:
			refused = err
		}
	}
	return nil, errors.New("too many stray datagrams")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (s *Sender) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 2 * time.Second
}
