package observed

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// SOA queries go over TCP (probe.go), and a cold start asks 10,000 zones
// twice: a connection each (dnssync's dial and close, the server's accept
// and the goroutine or task it starts per connection) cost more than the
// question. So a few connections stay open between queries, one query at
// a time on each, and are closed once idle for probeIdle: well within
// the idle timeouts servers keep TCP clients to (CoreDNS and Knot 10 s,
// BIND 30 s), and the client never leaves a socket open for long.

const (
	probeIdleMax = 8               // connections kept open at most
	probeIdle    = 2 * time.Second // how long one is kept unused
)

// probeConns is the Client's idle connections for SOA queries (zero
// value: none).
type probeConns struct {
	mu    sync.Mutex
	idle  []idleConn // the most recently used last
	timer *time.Timer
	dials int // connections opened (tests)
}

type idleConn struct {
	conn  *dns.Conn
	since time.Time
}

// exchange asks q on an idle connection, or on a new one. A connection
// the server closed while it was idle fails at once: the question is then
// asked again on a new one (never after a timeout, which would double the
// wait on a server that does not answer).
func (p *probeConns) exchange(ctx context.Context, addr string, q *dns.Msg, timeout time.Duration) (*dns.Msg, error) {
	cl := &dns.Client{Net: "tcp", Timeout: timeout}
	if conn := p.get(); conn != nil {
		resp, _, err := cl.ExchangeWithConnContext(ctx, q, conn)
		if err == nil {
			p.put(conn)
			return resp, nil
		}
		conn.Close()
		var ne net.Error
		if ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()) {
			return nil, err
		}
	}
	conn, err := cl.DialContext(ctx, addr)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.dials++
	p.mu.Unlock()
	resp, _, err := cl.ExchangeWithConnContext(ctx, q, conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	p.put(conn)
	return resp, nil
}

// get takes the most recently used idle connection, nil if none.
func (p *probeConns) get() *dns.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.idle)
	if n == 0 {
		return nil
	}
	c := p.idle[n-1]
	p.idle = p.idle[:n-1]
	return c.conn
}

// put keeps conn for the next query, or closes it if enough are kept;
// a timer closes those left idle.
func (p *probeConns) put(conn *dns.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) >= probeIdleMax {
		conn.Close()
		return
	}
	p.idle = append(p.idle, idleConn{conn, time.Now()})
	if p.timer == nil {
		p.timer = time.AfterFunc(probeIdle, p.expire)
	}
}

// expire closes the connections idle for probeIdle, and looks again
// while any is left.
func (p *probeConns) expire() {
	p.mu.Lock()
	defer p.mu.Unlock()
	keep := p.idle[:0]
	for _, c := range p.idle {
		if time.Since(c.since) >= probeIdle {
			c.conn.Close()
		} else {
			keep = append(keep, c)
		}
	}
	clear(p.idle[len(keep):])
	p.idle = keep
	if len(p.idle) > 0 {
		p.timer.Reset(probeIdle - time.Since(p.idle[0].since))
	} else {
		p.timer = nil
	}
}
