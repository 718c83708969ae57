//go:build linux

package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"
)

// pollInterval is how often the harness asks whether a record is served.
const pollInterval = 5 * time.Millisecond

// incrementalDeadline bounds the wait for one change to be served; the
// cold one is the -cold-deadline flag.
const incrementalDeadline = 30 * time.Second

// waitServed asks addr for name's A RRset every pollInterval until it is
// exactly {ip}, and returns when the answer came. It fails when the
// deadline passes or a watched process exits, the error naming what.
func waitServed(ctx context.Context, what, addr, name, ip string, deadline time.Duration, watch ...*proc) (time.Time, error) {
	return waitAnswer(ctx, what, addr, name, ip, false, deadline, watch...)
}

// waitAnswer is waitServed, and when signed, asks with DO and also wants
// an RRSIG over the A RRset in the answer: a signed zone's change counts
// as served once it is served signed.
func waitAnswer(ctx context.Context, what, addr, name, ip string, signed bool, deadline time.Duration, watch ...*proc) (time.Time, error) {
	want := net.ParseIP(ip)
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeA)
	if signed {
		m.SetEdns0(4096, true)
	}
	cl := &dns.Client{Timeout: time.Second}
	end := time.Now().Add(deadline)
	last := "no answer yet"
	for {
		r, _, err := cl.ExchangeContext(ctx, m, addr)
		now := time.Now()
		switch {
		case err != nil:
			last = err.Error()
		case r.Rcode != dns.RcodeSuccess:
			last = dns.RcodeToString[r.Rcode]
		default:
			if servedExactly(r, want) && (!signed || signedA(r)) {
				return now, nil
			}
			last = fmt.Sprint(r.Answer)
		}
		if err := ctx.Err(); err != nil {
			return time.Time{}, fmt.Errorf("%s: %w", what, err)
		}
		for _, p := range watch {
			if ok, err := p.exited(); ok {
				return time.Time{}, fmt.Errorf("%s: %s exited (%v) before %s A %s was served; its output:\n%s", what, p.name, err, name, ip, p.logTail())
			}
		}
		if now.After(end) {
			how := ""
			if signed {
				how = " signed"
			}
			msg := fmt.Sprintf("%s: %s A %s not served%s by %s within %v (last answer: %s)", what, name, ip, how, addr, deadline, last)
			for _, p := range watch {
				msg += fmt.Sprintf("\n%s output:\n%s", p.name, p.logTail())
			}
			return time.Time{}, fmt.Errorf("%s", msg)
		}
		time.Sleep(pollInterval)
	}
}

// servedExactly: the answer's A records are exactly {want}.
func servedExactly(r *dns.Msg, want net.IP) bool {
	n := 0
	for _, rr := range r.Answer {
		a, ok := rr.(*dns.A)
		if !ok {
			continue
		}
		if !a.A.Equal(want) {
			return false
		}
		n++
	}
	return n == 1
}

// signedA: the answer holds an RRSIG covering its A RRset.
func signedA(r *dns.Msg) bool {
	for _, rr := range r.Answer {
		if sig, ok := rr.(*dns.RRSIG); ok && sig.TypeCovered == dns.TypeA {
			return true
		}
	}
	return false
}

// updater sends TSIG-signed UPDATEs over TCP, one a connection: on a
// reused connection miekg/dns signs a request with the previous MAC as if
// it were a multi-message transfer, which the server refuses.
type updater struct {
	addr   string
	zone   string // fully qualified
	key    string
	client *dns.Client
	conn   *dns.Conn
}

func dialUpdater(addr, zone, secret string) (*updater, error) {
	const key = "dnssync."
	u := &updater{addr: addr, zone: zone, key: key,
		client: &dns.Client{Net: "tcp", Timeout: 30 * time.Second, TsigSecret: map[string]string{key: secret}}}
	return u, u.redial()
}

// redial opens a new connection: the server closes idle ones.
func (u *updater) redial() error {
	u.close()
	conn, err := u.client.Dial(u.addr)
	if err != nil {
		return err
	}
	u.conn = conn
	return nil
}

func (u *updater) close() {
	if u.conn != nil {
		u.conn.Close()
		u.conn = nil
	}
}

// msg is an UPDATE that deletes the RRsets of remove and adds insert.
func (u *updater) msg(remove, insert []dns.RR) *dns.Msg {
	m := new(dns.Msg)
	m.SetUpdate(u.zone)
	m.Compress = true
	if len(remove) > 0 {
		m.RemoveRRset(remove)
	}
	if len(insert) > 0 {
		m.Insert(insert)
	}
	return m
}

// send signs m and sends it, and checks the answer.
func (u *updater) send(m *dns.Msg) error {
	m.SetTsig(u.key, dns.HmacSHA256, 300, time.Now().Unix())
	r, _, err := u.client.ExchangeWithConn(m, u.conn)
	if err != nil {
		return fmt.Errorf("UPDATE: %w", err)
	}
	if r.Rcode != dns.RcodeSuccess {
		return fmt.Errorf("UPDATE: %s", dns.RcodeToString[r.Rcode])
	}
	return nil
}

// aRecord is name 300 IN A ip.
func aRecord(name, ip string) dns.RR {
	return &dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: net.ParseIP(ip).To4()}
}
