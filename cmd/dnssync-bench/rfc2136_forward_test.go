//go:build linux

package main

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

func packed(t *testing.T, m *dns.Msg) []byte {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// update is an UPDATE of bench.test. adding n A records, fenced on the SOA.
func update(n int) *dns.Msg {
	m := new(dns.Msg)
	m.SetUpdate("bench.test.")
	m.Answer = []dns.RR{&dns.SOA{Hdr: dns.RR_Header{Name: "bench.test.", Rrtype: dns.TypeSOA, Class: dns.ClassINET},
		Ns: "ns1.bench.test.", Mbox: "hostmaster.bench.test.", Serial: 7}}
	for i := range n {
		m.Ns = append(m.Ns, aRecord(oneZone(n).name(i), value(i)))
	}
	return m
}

func TestUpdateHeader(t *testing.T) {
	t.Parallel()
	query := new(dns.Msg)
	query.SetQuestion("bench.test.", dns.TypeSOA)
	notify := new(dns.Msg)
	notify.SetNotify("bench.test.")
	answer := new(dns.Msg)
	answer.SetReply(update(3))
	for _, tc := range []struct {
		name             string
		msg              []byte
		records, prereqs int
		ok               bool
	}{
		{"update", packed(t, update(3)), 3, 1, true},
		{"update of 999", packed(t, update(999)), 999, 1, true},
		{"query", packed(t, query), 0, 0, false},
		{"notify", packed(t, notify), 0, 0, false},
		{"the answer to an update", packed(t, answer), 0, 0, false},
		{"short", packed(t, update(1))[:11], 0, 0, false},
	} {
		records, prereqs, ok := updateHeader(tc.msg)
		if records != tc.records || prereqs != tc.prereqs || ok != tc.ok {
			t.Errorf("%s: %d records, %d prerequisites, %v; want %d, %d, %v", tc.name, records, prereqs, ok, tc.records, tc.prereqs, tc.ok)
		}
	}
}

// TestForwarder relays a query over UDP and an UPDATE and a query over
// TCP to a server that answers everything, and sees the UPDATE alone.
func TestForwarder(t *testing.T) {
	t.Parallel()
	var (
		pc  net.PacketConn
		l   net.Listener
		err error
	)
	for range 5 { // another process may take the port in between
		port, err := corednstest.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		if pc, err = net.ListenPacket("udp", addr); err != nil {
			continue
		}
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		pc.Close()
		pc = nil
	}
	if pc == nil {
		t.Fatal("no loopback port free for TCP and UDP")
	}
	answer := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		if r.Opcode == dns.OpcodeUpdate {
			m.Rcode = dns.RcodeRefused
		}
		w.WriteMsg(m)
	})
	all := func(dns.Header) dns.MsgAcceptAction { return dns.MsgAccept } // UPDATE too
	udp := &dns.Server{PacketConn: pc, Handler: answer, MsgAcceptFunc: all}
	tcp := &dns.Server{Listener: l, Handler: answer, MsgAcceptFunc: all}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	t.Cleanup(func() { udp.Shutdown(); tcp.Shutdown() })

	f, err := startForwarder(pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	start := time.Now()
	q := new(dns.Msg)
	q.SetQuestion("host-000000.bench.test.", dns.TypeA)
	for _, netw := range []string{"udp", "tcp"} {
		if r, _, err := (&dns.Client{Net: netw, Timeout: 5 * time.Second}).Exchange(q, f.addr); err != nil || r.Id != q.Id {
			t.Fatalf("query over %s through the forwarder: %v, %v", netw, r, err)
		}
	}
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second}
	conn, err := c.Dial(f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, m := range []*dns.Msg{update(999), q} { // an UPDATE and a query on one connection
		r, _, err := c.ExchangeWithConn(m, conn)
		if err != nil || r.Id != m.Id {
			t.Fatalf("over TCP through the forwarder: %v, %v", r, err)
		}
	}
	axfr := new(dns.Msg)
	axfr.SetAxfr("bench.test.")
	if r, _, err := c.ExchangeWithConn(axfr, conn); err != nil || r.Id != axfr.Id {
		t.Fatalf("AXFR through the forwarder: %v, %v", r, err)
	}
	if n := f.transfersBetween(start, time.Now()); n != 1 {
		t.Errorf("%d transfers seen, want the one AXFR", n)
	}
	if got, err := f.answeredFrom(t.Context(), start, 10*time.Second); err != nil || len(got) != 1 {
		t.Errorf("answeredFrom: %+v, %v", got, err)
	}
	seen := f.seen()
	if len(seen) != 1 {
		t.Fatalf("seen %+v, want the one UPDATE", seen)
	}
	u := seen[0]
	if u.records != 999 || u.prereqs != 1 || u.rcode != dns.RcodeRefused || u.at.Before(start) || u.answered.Before(u.sent) || u.sent.Before(u.at) {
		t.Errorf("seen %+v", u)
	}
	if got := updatesFrom(seen, u.at); len(got) != 1 {
		t.Errorf("updatesFrom its own time: %d", len(got))
	}
	if got := updatesFrom(seen, u.at.Add(time.Nanosecond)); len(got) != 0 {
		t.Errorf("updatesFrom after it: %d", len(got))
	}
}

func TestUpdatesSeen(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	us := []updateSeen{
		{at: t0, sent: t0, answered: t0.Add(30 * ms), records: 999},
		{at: t0.Add(40 * ms), sent: t0.Add(41 * ms), answered: t0.Add(51 * ms), records: 999},
		{at: t0.Add(60 * ms), sent: t0.Add(60 * ms), records: 2}, // not answered (yet)
	}
	if got := lastAnswer(us); !got.Equal(t0.Add(51 * ms)) {
		t.Errorf("lastAnswer %v", got)
	}
	if got := serverTotal(us); got != 40*ms {
		t.Errorf("serverTotal %v, want 40ms", got)
	}
	if got := updatesFrom(us, t0.Add(ms)); len(got) != 2 || got[0].records != 999 {
		t.Errorf("updatesFrom: %+v", got)
	}
	if got := batchSizes(recordCounts(us)); got != "2 x 999 + 1 x 2" {
		t.Errorf("batchSizes %q", got)
	}
	if got := batchSizes(nil); got != "none" {
		t.Errorf("batchSizes of none %q", got)
	}
}

func TestFloorBatches(t *testing.T) {
	t.Parallel()
	f := &floorSender{up: &updater{zone: "bench.test."}}
	rrs := make([]dns.RR, 2000)
	for i := range rrs {
		rrs[i] = aRecord(oneZone(2000).name(i), value(i))
	}
	var sizes []int
	for _, m := range f.insertBatches(rrs, maxUpdateRecords-1) {
		sizes = append(sizes, len(m.Ns))
		if m.Opcode != dns.OpcodeUpdate || len(m.Answer) != 0 {
			t.Errorf("message %+v", m.MsgHdr)
		}
	}
	if got := batchSizes(sizes); got != "2 x 999 + 1 x 2" {
		t.Errorf("batches %s", got)
	}
}

func TestWithDebounceZero(t *testing.T) {
	t.Parallel()
	got, ok := withDebounceZero("[orchestrator.dns]\nttl = 60\n\n[records]\ndir = \"/r\"\n\n[backend]\n")
	if want := "[records]\ndebounce = \"0s\"\ndir = \"/r\"\n"; !ok || !strings.Contains(got, want) {
		t.Errorf("%q, %v: want it to contain %q", got, ok, want)
	}
	if _, ok := withDebounceZero("[backend]\n"); ok {
		t.Error("no [records] table: ok")
	}
}

func TestRFCServersFlag(t *testing.T) {
	t.Parallel()
	o, err := parseFlags([]string{"-only", "rfc2136", "-rfcservers", "knot, bind", "-rfcsizes", "1000000"})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, s := range o.rfcServers {
		keys = append(keys, s.key)
	}
	if strings.Join(keys, ",") != "bind,knot" || len(o.rfcSizes) != 1 || o.sizes != nil {
		t.Errorf("options %+v, servers %v", o, keys)
	}
	if o, _ := parseFlags(nil); len(o.rfcServers) != 3 || len(o.rfcSizes) != 2 || o.rfcSizes[1] != 10000 {
		t.Errorf("defaults: every server at 1,000 and 10,000: %+v", o)
	}
	for _, servers := range []string{"knot", ""} {
		o, err := parseFlags([]string{"-rfcservers", servers, "-rfcsizes", "1000000"})
		if err != nil {
			t.Fatal(err)
		}
		line := runLine(o)
		again, err := parseFlags(commandArgs(t, line))
		if err != nil || len(again.rfcServers) != len(o.rfcServers) || len(o.rfcServers) > 0 && again.rfcServers[0] != o.rfcServers[0] {
			t.Errorf("-rfcservers %q: run line %s parses to %+v, %v", servers, line, again.rfcServers, err)
		}
	}
	if _, err := parseFlags([]string{"-rfcservers", "nsd"}); err == nil {
		t.Error("-rfcservers nsd: no error")
	}
}

func TestRFCServerSpecs(t *testing.T) {
	t.Parallel()
	for _, s := range rfcServers {
		conf := s.spec("bench.test", "c2VjcmV0", 1000).Conf
		var want []string
		switch s.kind {
		case corednstest.CoreDNS:
			want = []string{"dynupdate", "database DIR/bench.test.db", "max_records 1100"}
		case corednstest.BIND:
			want = []string{"update-policy"}
		case corednstest.Knot:
			want = []string{knotTemplate + "    zonefile-sync: -1\n", "action: [update"}
		}
		for _, w := range want {
			if !strings.Contains(conf, w) {
				t.Errorf("%s: config without %q:\n%s", s.key, w, conf)
			}
		}
	}
}
