// Package observed reads what a DNS server serves right now, by zone
// transfer. It decides nothing: it returns the zone whole and in canonical
// form, or an error; never a partial or guessed zone.
package observed

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// The errors a caller branches on. A transfer the server answered with an
// error rcode is an *RcodeError; one refused (REFUSED or NOTAUTH) also
// matches ErrTransferRefused. Neither says the zone is not served: a
// server refuses to transfer zones it serves (no transfer plugin, or a
// `to` that does not match). Whether it serves the zone is Probe's
// question, and what follows is the caller's decision.
var (
	ErrTransferRefused = errors.New("transfer refused")
	// ErrTSIGRefused: the server rejected the TSIG key (BADKEY, BADSIG,
	// BADTIME), or did not sign its answer to a signed request.
	ErrTSIGRefused = errors.New("TSIG refused")
)

// RcodeError is an answer with an error rcode to a transfer.
type RcodeError struct{ Rcode int }

func (e *RcodeError) Error() string {
	if e.refused() {
		return fmt.Sprintf("%v: server answered %s", ErrTransferRefused, rcodeName(e.Rcode))
	}
	return "server answered " + rcodeName(e.Rcode)
}

// Is makes a REFUSED or NOTAUTH answer match ErrTransferRefused.
func (e *RcodeError) Is(target error) bool { return target == ErrTransferRefused && e.refused() }

func (e *RcodeError) refused() bool {
	return e.Rcode == dns.RcodeRefused || e.Rcode == dns.RcodeNotAuth
}

func rcodeName(rcode int) string {
	if s, ok := dns.RcodeToString[rcode]; ok {
		return s
	}
	return fmt.Sprintf("rcode %d", rcode)
}

// Zone is a transferred zone. The SOA's serial is kept apart, and zeroed in
// Sets, because it is bookkeeping: two zones with the same data are equal
// whatever their serials.
type Zone struct {
	Name   string
	Serial uint32
	Sets   rrset.Zone
}

// TSIG signs requests when set; Secret is base64 as servers configure it.
type TSIG struct {
	Name, Algorithm, Secret string
}

// Client transfers zones from one server.
type Client struct {
	Addr    string        // host:port
	Timeout time.Duration // for a whole transfer
	// ProbeTimeout bounds one SOA query (Probe); Timeout when zero.
	ProbeTimeout time.Duration
	TSIG         *TSIG

	probes probeConns
}

// Transfer performs an AXFR of zone over TCP and returns it. A transfer that
// fails or ends before the closing SOA is an error.
func (c *Client) Transfer(ctx context.Context, zone string) (*Zone, error) {
	zone = dns.CanonicalName(zone)
	z, err := c.transfer(ctx, zone)
	if err != nil {
		return nil, fmt.Errorf("axfr %s from %s: %w", zone, c.Addr, err)
	}
	return z, nil
}

func (c *Client) transfer(ctx context.Context, zone string) (*Zone, error) {
	z := &Zone{Name: zone, Sets: rrset.Zone{}}
	serial, err := c.stream(ctx, zone, func(rr dns.RR) error {
		if soa, isSOA := rr.(*dns.SOA); isSOA {
			soa = dns.Copy(soa).(*dns.SOA)
			soa.Serial = 0
			rr = soa
		}
		z.Sets.Put(rr)
		return nil
	})
	if err != nil {
		return nil, err
	}
	z.Serial = serial
	return z, nil
}

// Stream transfers zone and calls fn for every record as it arrives, the
// SOA first and the closing SOA left out, without holding the zone: for
// checks of large zones. An error from fn ends the transfer with it.
func (c *Client) Stream(ctx context.Context, zone string, fn func(dns.RR) error) (serial uint32, err error) {
	zone = dns.CanonicalName(zone)
	serial, err = c.stream(ctx, zone, fn)
	if err != nil {
		return 0, fmt.Errorf("axfr %s from %s: %w", zone, c.Addr, err)
	}
	return serial, nil
}

func (c *Client) stream(ctx context.Context, zone string, fn func(dns.RR) error) (uint32, error) {
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	nc, err := (&net.Dialer{}).DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	if d, ok := ctx.Deadline(); ok {
		nc.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	// dns.Transfer chains TSIG over the messages of a transfer (RFC 8945
	// 5.3.1) and refuses unsigned answers to a signed request.
	t := &dns.Transfer{Conn: &dns.Conn{Conn: nc}}
	if d, ok := ctx.Deadline(); ok {
		t.ReadTimeout = time.Until(d)
	}
	q := new(dns.Msg)
	q.SetAxfr(zone)
	if c.TSIG != nil {
		key := dns.CanonicalName(c.TSIG.Name)
		t.TsigSecret = map[string]string{key: c.TSIG.Secret}
		q.SetTsig(key, dns.Fqdn(c.TSIG.Algorithm), 300, time.Now().Unix())
	}
	envelopes, err := t.In(q, c.Addr)
	if err != nil {
		return 0, ctxErr(ctx, err)
	}
	// On an early return the reader goroutine must not block forever.
	defer func() {
		nc.Close()
		for range envelopes {
		}
	}()

	var serial uint32
	soas := 0
	for e := range envelopes {
		if e.Error != nil {
			return 0, c.xfrError(ctx, e.Error)
		}
		for _, rr := range e.RR {
			if soa, isSOA := rr.(*dns.SOA); isSOA {
				soas++
				if soas > 1 {
					continue // the closing SOA
				}
				serial = soa.Serial
			}
			if !dns.IsSubDomain(zone, dns.CanonicalName(rr.Header().Name)) {
				return 0, fmt.Errorf("record %s is outside the zone", rr.Header().Name)
			}
			if err := fn(rr); err != nil {
				return 0, err
			}
		}
	}
	if soas < 2 {
		return 0, errors.New("transfer ended before the closing SOA")
	}
	return serial, nil
}

// xfrError maps miekg/dns's transfer errors to ours. The library reports a
// refusing rcode only as text, so the text is read here, and only here.
func (c *Client) xfrError(ctx context.Context, err error) error {
	var rcode int
	if _, perr := fmt.Sscanf(err.Error(), "dns: bad xfr rcode: %d", &rcode); perr == nil {
		return &RcodeError{Rcode: rcode}
	}
	if errors.Is(err, dns.ErrSoa) {
		return errors.New("transfer does not start with the SOA")
	}
	if c.TSIG != nil && isTSIGError(err) {
		return fmt.Errorf("%w (%w): the server did not accept or sign with TSIG key %s; check tsig_key, tsig_algorithm and the secret in tsig_secret_file against the server's key, and that the clocks agree",
			ErrTSIGRefused, err, dns.Fqdn(c.TSIG.Name))
	}
	return ctxErr(ctx, err)
}

func isTSIGError(err error) bool {
	for _, e := range []error{dns.ErrAuth, dns.ErrSig, dns.ErrNoSig, dns.ErrSecret, dns.ErrKeyAlg, dns.ErrTime} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// ctxErr prefers the context's reason over the I/O error it caused.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	// The connection's deadline is the context's: it can fire a moment
	// before the context's own timer marks the context done.
	if d, ok := ctx.Deadline(); ok && errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(d) {
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}
