package observed

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// SOA queries one after another share one connection, and as many at
// once as the pool keeps share that many: a cold start's 20,000 SOA
// queries were 20,000 connections.
func TestProbeReusesConnections(t *testing.T) {
	addr, accepted := listenDNS(t, true, func(q *dns.Msg, c *dns.Conn) {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeRefused)
		c.WriteMsg(m)
	})
	c := &Client{Addr: addr, Timeout: 5 * time.Second}
	for range 50 {
		a, err := c.Probe(t.Context(), "example.com.")
		if err != nil || !a.NotServed() {
			t.Fatalf("Probe = %v, %v; want REFUSED", a, err)
		}
	}
	if n := accepted(); n != 1 {
		t.Errorf("50 SOA queries one after another made %d connections, want 1", n)
	}
	var wg sync.WaitGroup
	for range probeIdleMax {
		wg.Go(func() {
			for range 20 {
				if _, err := c.Probe(context.Background(), "example.com."); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := accepted(); n > 1+probeIdleMax {
		t.Errorf("%d at once made %d connections in all, want at most %d", probeIdleMax, n, 1+probeIdleMax)
	}
	c.probes.mu.Lock()
	idle := len(c.probes.idle)
	c.probes.mu.Unlock()
	if idle == 0 || idle > probeIdleMax {
		t.Errorf("%d connections kept idle, want 1 to %d", idle, probeIdleMax)
	}
}

// A connection the server closed while idle is not an error: the query
// is asked again on a new one. (fakeServer closes each connection after
// one answer.) Connections left idle are closed.
func TestProbeAfterServerClosedConnection(t *testing.T) {
	addr := fakeServer(t, func(q *dns.Msg, c *dns.Conn) {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeRefused)
		c.WriteMsg(m)
	})
	c := &Client{Addr: addr, Timeout: 5 * time.Second}
	for i := range 5 {
		if a, err := c.Probe(t.Context(), "example.com."); err != nil || !a.NotServed() {
			t.Fatalf("query %d: Probe = %v, %v; want REFUSED", i, a, err)
		}
	}
	c.probes.mu.Lock()
	dials := c.probes.dials
	c.probes.mu.Unlock()
	if dials != 5 {
		t.Errorf("%d connections for 5 queries to a server that closes each, want 5", dials)
	}
	deadline := time.Now().Add(10 * probeIdle)
	for {
		c.probes.mu.Lock()
		idle := len(c.probes.idle)
		c.probes.mu.Unlock()
		if idle == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d idle connections still open %v after the last query", idle, 10*probeIdle)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
