package verify

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// Nameservers as the scheduled check meets them, played by in-process
// miekg/dns servers on loopback: an authoritative server must answer
// exactly, TTL included; a resolver's cache may hold old data for the TTL
// of the change (lagging, not failed), but not longer; a refusal or no
// server at all is an error; a truncated UDP answer is asked again over TCP.

// nameserver starts a DNS server on 127.0.0.1, UDP and TCP on one port,
// answering with h, and stops it when the test ends.
func nameserver(t *testing.T, h dns.HandlerFunc) string {
	t.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := pc.LocalAddr().String()
		l, err := net.Listen("tcp", addr)
		if err != nil { // the port is taken over TCP: try another
			pc.Close()
			continue
		}
		for _, srv := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: l, Handler: h}} {
			started := make(chan struct{})
			srv.NotifyStartedFunc = func() { close(started) }
			go srv.ActivateAndServe()
			<-started
			t.Cleanup(func() { srv.Shutdown() })
		}
		return addr
	}
	t.Fatal("no loopback port free for both UDP and TCP")
	return ""
}

// answering answers a query for a name and type it holds with those
// records, anything else with no data; aa sets the authoritative bit.
func answering(t *testing.T, aa bool, lines ...string) dns.HandlerFunc {
	rrs := make([]dns.RR, len(lines))
	for i, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatal(err)
		}
		rrs[i] = rr
	}
	return func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = aa
		for _, rr := range rrs {
			if strings.EqualFold(rr.Header().Name, q.Question[0].Name) && rr.Header().Rrtype == q.Question[0].Qtype {
				m.Answer = append(m.Answer, rr)
			}
		}
		w.WriteMsg(m)
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	u, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := u.LocalAddr().String()
	u.Close()
	return addr
}

func TestCheckAllNameservers(t *testing.T) {
	t.Parallel()
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	want := set(t, "www.example.com. 300 IN A 192.0.2.1")
	now := time.Date(2026, 4, 15, 12, 0, 0, 0, time.UTC)
	recently := func(rrset.Key) Change { return Change{At: now.Add(-10 * time.Second)} }
	longAgo := func(rrset.Key) Change { return Change{At: now.Add(-time.Hour)} }
	refused := func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeRefused)
		w.WriteMsg(m)
	}
	tests := []struct {
		name      string
		addr      func(t *testing.T) string
		want      *rrset.Set // nil: www A should not exist
		changedAt History
		status    Status
		served    *rrset.Set // nil: nothing served
		errHas    string     // for StatusError: what the error names
		recurse   bool       // asked as a resolver clients use (RD), not as the authoritative server
	}{
		{"authoritative, as wanted", func(t *testing.T) string {
			return nameserver(t, answering(t, true, "www.example.com. 300 IN A 192.0.2.1"))
		}, want, longAgo, StatusVerified, want, "", false},
		{"authoritative, TTL differs", func(t *testing.T) string {
			return nameserver(t, answering(t, true, "www.example.com. 60 IN A 192.0.2.1"))
		}, want, longAgo, StatusMismatch, set(t, "www.example.com. 60 IN A 192.0.2.1"), "", false},
		{"authoritative, value differs, within the TTL of the change", func(t *testing.T) string {
			return nameserver(t, answering(t, true, "www.example.com. 300 IN A 192.0.2.9"))
		}, want, recently, StatusMismatch, set(t, "www.example.com. 300 IN A 192.0.2.9"), "", false},
		{"authoritative, not served", func(t *testing.T) string {
			return nameserver(t, answering(t, true))
		}, want, longAgo, StatusMissing, nil, "", false},
		{"authoritative, served but wanted gone", func(t *testing.T) string {
			return nameserver(t, answering(t, true, "www.example.com. 300 IN A 192.0.2.1"))
		}, nil, longAgo, StatusMismatch, want, "", false},
		{"authoritative, gone as wanted", func(t *testing.T) string {
			return nameserver(t, answering(t, true))
		}, nil, longAgo, StatusVerified, nil, "", false},
		{"cache counting the TTL down", func(t *testing.T) string {
			return nameserver(t, answering(t, false, "www.example.com. 17 IN A 192.0.2.1"))
		}, want, longAgo, StatusVerified, set(t, "www.example.com. 17 IN A 192.0.2.1"), "", true},
		{"cache with old data within the TTL of the change", func(t *testing.T) string {
			return nameserver(t, answering(t, false, "www.example.com. 250 IN A 192.0.2.9"))
		}, want, recently, StatusLagging, set(t, "www.example.com. 250 IN A 192.0.2.9"), "", true},
		{"cache with old data past the TTL of the change", func(t *testing.T) string {
			return nameserver(t, answering(t, false, "www.example.com. 250 IN A 192.0.2.9"))
		}, want, longAgo, StatusMismatch, set(t, "www.example.com. 250 IN A 192.0.2.9"), "", true},
		{"cache without the new set past the TTL", func(t *testing.T) string {
			return nameserver(t, answering(t, false))
		}, want, longAgo, StatusMissing, nil, "", true},
		{"the authoritative server's referral, TTL differs", func(t *testing.T) string {
			// A delegation's NS set comes in a referral, without AA; it is
			// still the server's own data, so it must match exactly.
			return nameserver(t, answering(t, false, "www.example.com. 60 IN A 192.0.2.1"))
		}, want, recently, StatusMismatch, set(t, "www.example.com. 60 IN A 192.0.2.1"), "", false},
		{"server refuses", func(t *testing.T) string { return nameserver(t, refused) },
			want, longAgo, StatusError, nil, "REFUSED", false},
		{"nothing listening", closedAddr, want, longAgo, StatusError, nil, "query www.example.com. A at 127.0.0.1:", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := tt.addr(t)
			srv := &Resolver{Addr: addr, Timeout: 500 * time.Millisecond, Recurse: tt.recurse}
			rep := CheckAll(t.Context(), []*Resolver{srv}, map[rrset.Key]*rrset.Set{www: tt.want}, tt.changedAt, now, nil)
			if len(rep.Results) != 1 || rep.Checked != 1 || len(rep.Servers) != 1 || rep.Servers[0] != addr {
				t.Fatalf("report %+v, want one result from %s", rep, addr)
			}
			got := rep.Results[0]
			if got.Status != tt.status || got.Server != addr || got.Key != www || !got.Want.Equal(tt.want) || !got.Served.Equal(tt.served) {
				t.Errorf("result %+v (%s), want status %s, served %v", got, got, tt.status, tt.served)
			}
			if (got.Err != nil) != (tt.status == StatusError) || got.Err != nil && !strings.Contains(got.Err.Error(), tt.errHas) {
				t.Errorf("error %v, want one containing %q only for %s", got.Err, tt.errHas, StatusError)
			}
			counts := tt.status == StatusMismatch || tt.status == StatusMissing || tt.status == StatusError
			if rep.OK() == counts || len(rep.Failed()) != map[bool]int{true: 1}[counts] {
				t.Errorf("OK() = %v, Failed() = %v; want the result to count as failed: %v", rep.OK(), rep.Failed(), counts)
			}
			if lagging := len(rep.Lagging()) == 1; lagging != (tt.status == StatusLagging) {
				t.Errorf("Lagging() = %v for status %s", rep.Lagging(), tt.status)
			}
		})
	}
}

// A set too large for a UDP answer is read over TCP: the server truncates
// over UDP and answers in full over TCP only.
func TestCheckAllTruncatedOverUDP(t *testing.T) {
	t.Parallel()
	big := bigSet(t)
	full := make([]string, len(big.RRs))
	for i, rr := range big.RRs {
		full[i] = rr.String()
	}
	whole := answering(t, true, full...)
	var udp, tcp atomic.Int32
	addr := nameserver(t, func(w dns.ResponseWriter, q *dns.Msg) {
		if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
			tcp.Add(1)
			whole(w, q)
			return
		}
		udp.Add(1)
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative, m.Truncated = true, true
		w.WriteMsg(m)
	})
	srv := &Resolver{Addr: addr, Timeout: time.Second}
	rep := CheckAll(t.Context(), []*Resolver{srv}, map[rrset.Key]*rrset.Set{big.Key: big}, nil, time.Now(), nil)
	if !rep.OK() || len(rep.Results) != 1 || rep.Results[0].Status != StatusVerified {
		t.Fatalf("report %+v, want big A verified over TCP", rep)
	}
	if udp.Load() != 1 || tcp.Load() != 1 {
		t.Errorf("asked %d times over UDP and %d over TCP, want once each", udp.Load(), tcp.Load())
	}
}

// Every server is asked for every set, and each answer is judged by its
// own authority: one check can hold a verified primary and a lagging
// resolver at once, and the report lists both, by key then server.
func TestCheckAllSeveralServers(t *testing.T) {
	t.Parallel()
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	mail := rrset.Key{Name: "mail.example.com.", Type: dns.TypeA}
	want := map[rrset.Key]*rrset.Set{
		www:  set(t, "www.example.com. 300 IN A 192.0.2.1"),
		mail: set(t, "mail.example.com. 300 IN A 192.0.2.25"),
	}
	primary := nameserver(t, answering(t, true, "www.example.com. 300 IN A 192.0.2.1", "mail.example.com. 300 IN A 192.0.2.25"))
	resolver := nameserver(t, answering(t, false, "www.example.com. 120 IN A 192.0.2.9", "mail.example.com. 40 IN A 192.0.2.25"))
	now := time.Now()
	rep := CheckAll(t.Context(), []*Resolver{{Addr: primary}, {Addr: resolver, Recurse: true}}, want,
		func(rrset.Key) Change { return Change{At: now.Add(-time.Minute)} }, now, nil)
	if rep.Checked != 4 || len(rep.Results) != 4 || len(rep.Servers) != 2 {
		t.Fatalf("report %+v, want 2 sets at 2 servers", rep)
	}
	type row struct {
		key    rrset.Key
		server string
		status Status
	}
	wantRows := []row{
		{mail, primary, StatusVerified}, {mail, resolver, StatusVerified},
		{www, primary, StatusVerified}, {www, resolver, StatusLagging},
	}
	// Servers sort as strings: keep the expectation in that order too.
	if resolver < primary {
		wantRows[0], wantRows[1] = wantRows[1], wantRows[0]
		wantRows[2], wantRows[3] = wantRows[3], wantRows[2]
	}
	for i, r := range rep.Results {
		if got := (row{r.Key, r.Server, r.Status}); got != wantRows[i] {
			t.Errorf("result %d = %v, want %v", i, got, wantRows[i])
		}
	}
	if !rep.OK() || len(rep.Lagging()) != 1 {
		t.Errorf("OK() = %v, Lagging() = %v; want ok with one lagging", rep.OK(), rep.Lagging())
	}
}

// A wait that ends while a query is in flight reports what the server last
// answered (here: nothing), not the query cut short.
func TestWaitEndsDuringQuery(t *testing.T) {
	t.Parallel()
	var asked atomic.Int32
	stuck := make(chan struct{})
	empty := answering(t, true)
	addr := nameserver(t, func(w dns.ResponseWriter, q *dns.Msg) {
		if asked.Add(1) > 1 {
			<-stuck // a server that stopped answering: the client's deadline ends the query
			return
		}
		empty(w, q)
	})
	// Registered after the server's: runs before its shutdown, which waits
	// for the handlers.
	t.Cleanup(func() { close(stuck) })
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	want := set(t, "www.example.com. 300 IN A 192.0.2.1")
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	rep := (&Resolver{Addr: addr, Timeout: 5 * time.Second}).Wait(ctx, map[rrset.Key]*rrset.Set{www: want}, time.Millisecond)
	if asked.Load() < 2 {
		t.Fatalf("asked %d times, want the wait to ask again", asked.Load())
	}
	if len(rep.Results) != 1 || rep.Results[0].Status != StatusMissing || rep.Results[0].Err != nil {
		t.Errorf("Wait = %v, want www A missing, as last answered", rep.Results)
	}
}
