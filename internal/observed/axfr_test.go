package observed

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/rrset"
)

// zoneText is served by CoreDNS in the end-to-end tests. Names are written
// in mixed case and relative on purpose: the transfer must come back
// canonical.
const zoneText = `$ORIGIN example.com.
$TTL 300
@         3600 IN SOA   ns1.example.com. hostmaster.example.com. 2026041501 3600 600 604800 300
@         3600 IN NS    ns1
ns1       3600 IN A     127.0.0.1
@              IN MX    10 Mail
@              IN TXT   "v=spf1 -all"
@              IN CAA   0 issue "letsencrypt.org"
MAIL           IN A     192.0.2.20
www       60   IN A     192.0.2.1
www       60   IN A     192.0.2.2
WWW       60   IN AAAA  2001:DB8:0:0::1
app            IN CNAME WWW.example.com.
_sip._tcp      IN SRV   10 5 5060 www
long           IN TXT   "` + "%s" + `" "quote\" and backslash\\ and \195\169"
*.wild         IN A     192.0.2.30
sub       86400 IN NS   ns1.sub
ns1.sub   86400 IN A    192.0.2.53
`

func exampleZone() string { return fmt.Sprintf(zoneText, strings.Repeat("t", 255)) }

// parseZone reads zone text the way dnssync compares zones: canonical, SOA
// serial zeroed and returned apart.
func parseZone(t *testing.T, text string) (rrset.Zone, uint32) {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), "", "")
	z := rrset.Zone{}
	var serial uint32
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if soa, isSOA := rr.(*dns.SOA); isSOA {
			serial = soa.Serial
			soa.Serial = 0
		}
		z.Put(rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	return z, serial
}

// writeZone puts text in dir/db.<zone> by rename, so CoreDNS never reads a
// half-written file.
func writeZone(t *testing.T, dir, zone, text string) {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "zone")
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "db."+strings.TrimSuffix(zone, "."))); err != nil {
		t.Fatal(err)
	}
}

// serve starts CoreDNS serving dir with the auto plugin.
func serve(t *testing.T) (*corednstest.Server, string) {
	t.Helper()
	dir := t.TempDir()
	writeZone(t, dir, "example.com.", exampleZone())
	return corednstest.Start(t, corednstest.AutoCorefile(dir)), dir
}

// waitSerial polls until the server transfers zone with the serial.
func waitSerial(t *testing.T, c *Client, zone string, serial uint32) *Zone {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		z, err := c.Transfer(context.Background(), zone)
		if err == nil && z.Serial == serial {
			return z
		}
		if err == nil {
			err = fmt.Errorf("serial %d", z.Serial)
		}
		last = err
		time.Sleep(50 * time.Millisecond) // poll interval, bounded by the deadline
	}
	t.Fatalf("%s not served with serial %d within 15s: %v", zone, serial, last)
	return nil
}

func TestTransferFromCoreDNS(t *testing.T) {
	srv, dir := serve(t)
	c := &Client{Addr: srv.Addr, Timeout: 5 * time.Second}
	got := waitSerial(t, c, "example.com.", 2026041501)

	want, _ := parseZone(t, exampleZone())
	if got.Name != "example.com." {
		t.Errorf("Name = %q", got.Name)
	}
	checkZone(t, got.Sets, want)

	soa := got.Sets[rrset.Key{Name: "example.com.", Type: dns.TypeSOA}]
	if soa == nil || len(soa.RRs) != 1 {
		t.Fatalf("SOA set = %v", soa)
	}
	if s := soa.RRs[0].(*dns.SOA).Serial; s != 0 {
		t.Errorf("SOA serial in Sets = %d, want 0", s)
	}

	t.Run("zone name is canonicalised", func(t *testing.T) {
		z, err := c.Transfer(context.Background(), "EXAMPLE.com")
		if err != nil {
			t.Fatal(err)
		}
		if z.Name != "example.com." || z.Serial != 2026041501 {
			t.Errorf("Name %q serial %d", z.Name, z.Serial)
		}
		checkZone(t, z.Sets, want)
	})

	t.Run("a new serial is seen, data equal whatever the serial", func(t *testing.T) {
		text := strings.Replace(exampleZone(), "2026041501", "2026041502", 1)
		writeZone(t, dir, "example.com.", text)
		z := waitSerial(t, c, "example.com.", 2026041502)
		checkZone(t, z.Sets, want)
	})

	t.Run("zone not served", func(t *testing.T) {
		_, err := c.Transfer(context.Background(), "example.org.")
		if !errors.Is(err, ErrTransferRefused) {
			t.Fatalf("Transfer(example.org.) = %v, want ErrTransferRefused", err)
		}
		if !strings.Contains(err.Error(), "axfr example.org. from "+srv.Addr) {
			t.Errorf("error %q does not say what was being done", err)
		}
		a, err := c.Probe(context.Background(), "example.org.")
		if err != nil || !a.NotServed() || a.Served() {
			t.Errorf("Probe(example.org.) = %v (%v), want not served", a, err)
		}
	})

	t.Run("served zone probes as served", func(t *testing.T) {
		a, err := c.Probe(context.Background(), "EXAMPLE.com")
		if err != nil || !a.Served() || a.NotServed() {
			t.Errorf("Probe(example.com.) = %v (%v), want served", a, err)
		}
	})

	t.Run("subdomain of a served zone is not served", func(t *testing.T) {
		if _, err := c.Transfer(context.Background(), "www.example.com."); err == nil {
			t.Fatal("transfer of www.example.com. succeeded")
		}
	})
}

func checkZone(t *testing.T, got, want rrset.Zone) {
	t.Helper()
	for _, k := range want.Keys() {
		if !want[k].Equal(got[k]) {
			t.Errorf("%v: transferred %v, want %v", k, got[k], want[k])
		}
	}
	for _, k := range got.Keys() {
		if _, ok := want[k]; !ok {
			t.Errorf("%v: unexpected %v", k, got[k])
		}
	}
}

func TestTransferUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	c := &Client{Addr: addr, Timeout: 2 * time.Second}
	_, err = c.Transfer(context.Background(), "example.com.")
	if err == nil {
		t.Fatal("transfer from a closed port succeeded")
	}
	var rc *RcodeError
	if errors.Is(err, ErrTransferRefused) || errors.As(err, &rc) {
		t.Errorf("closed port reported as an answer: %v (an outage must never read as an empty zone)", err)
	}
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q does not name %s", err, addr)
	}
}

// fakeServer answers each AXFR over TCP with reply, one query a
// connection, which it then closes. It closes every connection at test
// cleanup.
func fakeServer(t *testing.T, reply func(q *dns.Msg, c *dns.Conn)) string {
	addr, _ := listenDNS(t, false, reply)
	return addr
}

// listenDNS serves TCP on loopback, answering each query with reply: one
// query a connection, or (keepAlive) every query the client sends on it,
// as CoreDNS, BIND and Knot do. accepted counts the connections.
func listenDNS(t *testing.T, keepAlive bool, reply func(q *dns.Msg, c *dns.Conn)) (addr string, accepted func() int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Go(func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, nc)
			mu.Unlock()
			wg.Go(func() {
				defer nc.Close()
				c := &dns.Conn{Conn: nc}
				for {
					q, err := c.ReadMsg()
					// A signed query reads with an error (the fake holds no
					// secret) and is answered all the same.
					if err != nil && (q == nil || q.IsTsig() == nil) {
						return
					}
					reply(q, c)
					if !keepAlive {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().String(), func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(conns)
	}
}

func mustRR(s string) dns.RR {
	rr, err := dns.NewRR(s)
	if err != nil {
		panic(err)
	}
	return rr
}

var (
	fakeSOA = mustRR("example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 42 3600 600 604800 300")
	fakeNS  = mustRR("example.com. 3600 IN NS ns1.example.com.")
	fakeA1  = mustRR("ns1.example.com. 3600 IN A 127.0.0.1")
	fakeA2  = mustRR("WWW.example.com. 300 IN A 192.0.2.1")
)

// send writes one answer message carrying rrs with rcode.
func send(c *dns.Conn, q *dns.Msg, rcode int, rrs ...dns.RR) {
	m := new(dns.Msg)
	m.SetRcode(q, rcode)
	m.Answer = rrs
	c.WriteMsg(m)
}

func TestTransferProtocol(t *testing.T) {
	tests := []struct {
		name     string
		reply    func(q *dns.Msg, c *dns.Conn)
		wantErr  string // "" means success
		refused  bool   // matches ErrTransferRefused
		rcode    int    // an *RcodeError with this rcode; 0: none
		wantSets int
	}{
		{
			name: "one message",
			reply: func(q *dns.Msg, c *dns.Conn) {
				send(c, q, dns.RcodeSuccess, fakeSOA, fakeNS, fakeA1, fakeA2, fakeSOA)
			},
			wantSets: 4,
		},
		{
			name: "several messages",
			reply: func(q *dns.Msg, c *dns.Conn) {
				send(c, q, dns.RcodeSuccess, fakeSOA, fakeNS)
				send(c, q, dns.RcodeSuccess, fakeA1)
				send(c, q, dns.RcodeSuccess)
				send(c, q, dns.RcodeSuccess, fakeA2)
				send(c, q, dns.RcodeSuccess, fakeSOA)
			},
			wantSets: 4,
		},
		{
			name: "SOA alone in the first message",
			reply: func(q *dns.Msg, c *dns.Conn) {
				send(c, q, dns.RcodeSuccess, fakeSOA)
				send(c, q, dns.RcodeSuccess, fakeNS, fakeA1, fakeSOA)
			},
			wantSets: 3,
		},
		{
			name:    "refused",
			reply:   func(q *dns.Msg, c *dns.Conn) { send(c, q, dns.RcodeRefused) },
			wantErr: "transfer refused: server answered REFUSED",
			refused: true,
			rcode:   dns.RcodeRefused,
		},
		{
			name:    "not authoritative",
			reply:   func(q *dns.Msg, c *dns.Conn) { send(c, q, dns.RcodeNotAuth) },
			wantErr: "NOTAUTH",
			refused: true,
			rcode:   dns.RcodeNotAuth,
		},
		{
			name:    "server failure is an answer, not a refusal",
			reply:   func(q *dns.Msg, c *dns.Conn) { send(c, q, dns.RcodeServerFailure) },
			wantErr: "server answered SERVFAIL",
			rcode:   dns.RcodeServerFailure,
		},
		{
			name: "refused after the transfer began",
			reply: func(q *dns.Msg, c *dns.Conn) {
				send(c, q, dns.RcodeSuccess, fakeSOA, fakeNS)
				send(c, q, dns.RcodeRefused)
			},
			// miekg/dns reads the rcode of the first message only; the
			// transfer still fails, for want of the closing SOA.
			wantErr: "EOF",
		},
		{
			name: "cut short: no closing SOA",
			reply: func(q *dns.Msg, c *dns.Conn) {
				send(c, q, dns.RcodeSuccess, fakeSOA, fakeNS, fakeA1)
			},
			wantErr: "EOF",
		},
		{
			name:    "does not start with the SOA",
			reply:   func(q *dns.Msg, c *dns.Conn) { send(c, q, dns.RcodeSuccess, fakeNS, fakeSOA, fakeA1, fakeSOA) },
			wantErr: "does not start with the SOA",
		},
		{
			name:    "empty first message",
			reply:   func(q *dns.Msg, c *dns.Conn) { send(c, q, dns.RcodeSuccess) },
			wantErr: "does not start with the SOA",
		},
		{
			name: "record outside the zone",
			reply: func(q *dns.Msg, c *dns.Conn) {
				send(c, q, dns.RcodeSuccess, fakeSOA, mustRR("www.example.org. 300 IN A 192.0.2.1"), fakeSOA)
			},
			wantErr: "outside the zone",
		},
		{
			name: "answer to another query",
			reply: func(q *dns.Msg, c *dns.Conn) {
				m := new(dns.Msg)
				m.SetReply(q)
				m.Id = q.Id + 1
				m.Answer = []dns.RR{fakeSOA, fakeSOA}
				c.WriteMsg(m)
			},
			wantErr: "id mismatch",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := fakeServer(t, tt.reply)
			c := &Client{Addr: addr, Timeout: 5 * time.Second}
			z, err := c.Transfer(context.Background(), "example.com.")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Transfer: %v", err)
				}
				if z.Serial != 42 || len(z.Sets) != tt.wantSets {
					t.Errorf("serial %d, %d sets %v; want 42, %d sets", z.Serial, len(z.Sets), z.Sets.Keys(), tt.wantSets)
				}
				if s := z.Sets[rrset.Key{Name: "example.com.", Type: dns.TypeSOA}]; s == nil || s.RRs[0].(*dns.SOA).Serial != 0 {
					t.Errorf("SOA in Sets = %v, want serial 0", s)
				}
				if fakeSOA.(*dns.SOA).Serial != 42 {
					t.Error("Transfer modified the server's SOA record")
				}
				if _, ok := z.Sets[rrset.Key{Name: "www.example.com.", Type: dns.TypeA}]; tt.wantSets == 4 && !ok {
					t.Errorf("WWW.example.com. not canonical: %v", z.Sets.Keys())
				}
				return
			}
			if err == nil {
				t.Fatalf("Transfer = %d sets, want an error containing %q", len(z.Sets), tt.wantErr)
			}
			if z != nil {
				t.Errorf("Transfer returned a zone with its error: %+v", z)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if errors.Is(err, ErrTransferRefused) != tt.refused {
				t.Errorf("errors.Is(%v, ErrTransferRefused) = %v, want %v", err, !tt.refused, tt.refused)
			}
			var rc *RcodeError
			if got := errors.As(err, &rc); got != (tt.rcode != 0) || got && rc.Rcode != tt.rcode {
				t.Errorf("errors.As(%v, *RcodeError) = %v %+v, want rcode %d", err, got, rc, tt.rcode)
			}
			if errors.Is(err, ErrTSIGRefused) {
				t.Errorf("%v reads as a TSIG failure", err)
			}
		})
	}
}

func TestTransferDeadline(t *testing.T) {
	stalled := func(q *dns.Msg, c *dns.Conn) {
		send(c, q, dns.RcodeSuccess, fakeSOA, fakeNS)
		c.ReadMsg() // blocks until the client or the cleanup closes the connection
	}
	tests := []struct {
		name    string
		timeout time.Duration
		ctx     func(t *testing.T) context.Context
		want    error
	}{
		{
			name:    "client timeout covers the whole transfer",
			timeout: 300 * time.Millisecond,
			ctx:     func(*testing.T) context.Context { return context.Background() },
			want:    context.DeadlineExceeded,
		},
		{
			name: "caller's context",
			ctx: func(t *testing.T) context.Context {
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				t.Cleanup(cancel)
				return ctx
			},
			want: context.DeadlineExceeded,
		},
		{
			name: "cancelled",
			ctx: func(t *testing.T) context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(300*time.Millisecond, cancel)
				return ctx
			},
			want: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{Addr: fakeServer(t, stalled), Timeout: tt.timeout}
			start := time.Now()
			_, err := c.Transfer(tt.ctx(t), "example.com.")
			if !errors.Is(err, tt.want) {
				t.Fatalf("Transfer = %v, want %v", err, tt.want)
			}
			var rc *RcodeError
			if errors.Is(err, ErrTransferRefused) || errors.As(err, &rc) {
				t.Error("a stalled transfer reads as an answer")
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Transfer took %v after its deadline", d)
			}
		})
	}
}
