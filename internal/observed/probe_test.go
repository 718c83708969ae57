package observed

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// TestRefusedTransferOfServedZone: CoreDNS serving a zone without the
// transfer plugin, or with a `to` that is not the client, refuses the
// transfer; the SOA query still says the zone is served. Both facts are
// reported, so that the caller never takes the refusal for an empty zone.
func TestRefusedTransferOfServedZone(t *testing.T) {
	for name, transferTo := range map[string][]string{
		"no transfer plugin": nil,
		"transfer to others": {"127.0.0.2"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeZone(t, dir, "example.com.", exampleZone())
			srv := corednstest.Start(t, corednstest.AutoCorefileTo(dir, transferTo...))
			c := &Client{Addr: srv.Addr, Timeout: 5 * time.Second}
			_, err := c.Transfer(context.Background(), "example.com.")
			if !errors.Is(err, ErrTransferRefused) {
				t.Fatalf("Transfer = %v, want ErrTransferRefused", err)
			}
			a, err := c.Probe(context.Background(), "example.com.")
			if err != nil || !a.Served() || a.NotServed() {
				t.Errorf("Probe = %v (%v), want served", a, err)
			}
		})
	}
}

func TestProbe(t *testing.T) {
	soa := mustRR("example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 42 3600 600 604800 300")
	parentSOA := mustRR("com. 3600 IN SOA a.gtld. hostmaster.com. 1 3600 600 604800 300")
	answer := func(rcode int, aa bool, rrs ...dns.RR) func(q *dns.Msg, c *dns.Conn) {
		return func(q *dns.Msg, c *dns.Conn) {
			m := new(dns.Msg)
			m.SetRcode(q, rcode)
			m.Authoritative = aa
			m.Answer = rrs
			c.WriteMsg(m)
		}
	}
	tests := []struct {
		name      string
		reply     func(q *dns.Msg, c *dns.Conn)
		served    bool
		notServed bool
	}{
		{name: "authoritative SOA", reply: answer(dns.RcodeSuccess, true, soa), served: true},
		{name: "REFUSED", reply: answer(dns.RcodeRefused, false), notServed: true},
		{name: "NOTAUTH", reply: answer(dns.RcodeNotAuth, false), notServed: true},
		{name: "SERVFAIL (CoreDNS, zone not loaded)", reply: answer(dns.RcodeServerFailure, false), notServed: true},
		// Neither: a cache, a parent zone's server or a broken server.
		{name: "SOA without AA", reply: answer(dns.RcodeSuccess, false, soa)},
		{name: "AA without the SOA", reply: answer(dns.RcodeSuccess, true)},
		{name: "another zone's SOA", reply: answer(dns.RcodeSuccess, true, parentSOA)},
		{name: "NXDOMAIN", reply: answer(dns.RcodeNameError, true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked *dns.Msg
			addr := fakeServer(t, func(q *dns.Msg, c *dns.Conn) {
				asked = q.Copy()
				tt.reply(q, c)
			})
			c := &Client{Addr: addr, Timeout: 5 * time.Second, TSIG: &TSIG{Name: "dnssync.", Algorithm: dns.HmacSHA256, Secret: "c2VjcmV0"}}
			a, err := c.Probe(context.Background(), "Example.COM")
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if a.Served() != tt.served || a.NotServed() != tt.notServed {
				t.Errorf("Probe = %v: served %v, not served %v; want %v, %v", a, a.Served(), a.NotServed(), tt.served, tt.notServed)
			}
			if q := asked.Question[0]; q.Name != "example.com." || q.Qtype != dns.TypeSOA || asked.IsTsig() != nil {
				t.Errorf("asked %v (TSIG %v), want an unsigned SOA query for example.com.", q, asked.IsTsig())
			}
		})
	}
}

func TestProbeUnreachable(t *testing.T) {
	stalled := fakeServer(t, func(q *dns.Msg, c *dns.Conn) { c.ReadMsg() })
	c := &Client{Addr: stalled, Timeout: 300 * time.Millisecond}
	start := time.Now()
	a, err := c.Probe(context.Background(), "example.com.")
	if err == nil {
		t.Fatalf("Probe of a silent server = %v, want an error", a)
	}
	if !strings.Contains(err.Error(), "soa example.com. from "+stalled) {
		t.Errorf("error %q does not say what was being done", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Probe took %v", d)
	}
}

// TestTransferTSIGRefused: every way a server turns down our key is
// ErrTSIGRefused, never a refusal of the transfer or an outage.
func TestTransferTSIGRefused(t *testing.T) {
	const key, secret = "dnssync.", "c2VjcmV0LXNlY3JldC1zZWNyZXQ="
	tests := []struct {
		name  string
		reply func(q *dns.Msg, c *dns.Conn)
	}{
		{
			name: "unsigned answer to a signed request",
			reply: func(q *dns.Msg, c *dns.Conn) {
				send(c, q, dns.RcodeSuccess, fakeSOA, fakeNS, fakeSOA)
			},
		},
		{
			name: "unsigned REFUSED to a signed request",
			reply: func(q *dns.Msg, c *dns.Conn) {
				send(c, q, dns.RcodeRefused)
			},
		},
		{
			// RFC 8945 5.2: NOTAUTH, the TSIG carrying the error, no MAC.
			name: "BADKEY",
			reply: func(q *dns.Msg, c *dns.Conn) {
				m := new(dns.Msg)
				m.SetRcode(q, dns.RcodeNotAuth)
				m.SetTsig(key, dns.HmacSHA256, 300, time.Now().Unix())
				m.IsTsig().Error = dns.RcodeBadKey
				c.WriteMsg(m)
			},
		},
		{
			name: "signed with another secret",
			reply: func(q *dns.Msg, c *dns.Conn) {
				m := new(dns.Msg)
				m.SetReply(q)
				m.Answer = []dns.RR{fakeSOA, fakeNS, fakeSOA}
				m.SetTsig(key, dns.HmacSHA256, 300, time.Now().Unix())
				c.TsigSecret = map[string]string{key: "b3RoZXItc2VjcmV0LW90aGVyLXM="}
				c.WriteMsg(m)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{Addr: fakeServer(t, tt.reply), Timeout: 5 * time.Second, TSIG: &TSIG{Name: key, Algorithm: dns.HmacSHA256, Secret: secret}}
			_, err := c.Transfer(context.Background(), "example.com.")
			if !errors.Is(err, ErrTSIGRefused) {
				t.Fatalf("Transfer = %v, want ErrTSIGRefused", err)
			}
			if errors.Is(err, ErrTransferRefused) {
				t.Errorf("%v also reads as a refused transfer", err)
			}
			for _, w := range []string{"tsig_secret_file", key} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
