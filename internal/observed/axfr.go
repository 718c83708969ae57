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

// ErrNotServed means the server answered clearly that it is not
// authoritative for the zone (REFUSED or NOTAUTH to the transfer). Whether
// that counts as an empty zone is the caller's decision.
var ErrNotServed = errors.New("zone not served")

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
	TSIG    *TSIG
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
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	nc, err := (&net.Dialer{}).DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	if d, ok := ctx.Deadline(); ok {
		nc.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	conn := &dns.Conn{Conn: nc}
	q := new(dns.Msg)
	q.SetAxfr(zone)
	if c.TSIG != nil {
		conn.TsigSecret = map[string]string{dns.Fqdn(c.TSIG.Name): c.TSIG.Secret}
		q.SetTsig(dns.Fqdn(c.TSIG.Name), dns.Fqdn(c.TSIG.Algorithm), 300, time.Now().Unix())
	}
	if err := conn.WriteMsg(q); err != nil {
		return nil, ctxErr(ctx, err)
	}

	z := &Zone{Name: zone, Sets: rrset.Zone{}}
	soas := 0
	for first := true; ; first = false {
		m, err := conn.ReadMsg()
		if err != nil {
			return nil, ctxErr(ctx, err)
		}
		if m.Id != q.Id {
			return nil, fmt.Errorf("answer id %d does not match query id %d", m.Id, q.Id)
		}
		if m.Rcode != dns.RcodeSuccess {
			if first && (m.Rcode == dns.RcodeRefused || m.Rcode == dns.RcodeNotAuth) {
				return nil, fmt.Errorf("%w (%s)", ErrNotServed, dns.RcodeToString[m.Rcode])
			}
			return nil, fmt.Errorf("server answered %s", dns.RcodeToString[m.Rcode])
		}
		for _, rr := range m.Answer {
			soa, isSOA := rr.(*dns.SOA)
			if first && soas == 0 && !isSOA {
				return nil, errors.New("transfer does not start with the SOA")
			}
			if isSOA {
				soas++
				if soas == 2 {
					return z, nil
				}
				z.Serial = soa.Serial
				soa = dns.Copy(soa).(*dns.SOA)
				soa.Serial = 0
				rr = soa
			}
			if !dns.IsSubDomain(zone, dns.CanonicalName(rr.Header().Name)) {
				return nil, fmt.Errorf("record %s is outside the zone", rr.Header().Name)
			}
			z.Sets.Put(rr)
		}
		if first && soas == 0 {
			return nil, errors.New("empty transfer")
		}
	}
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
