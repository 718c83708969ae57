package reconcile

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// xfrServer is an in-process secondary of zoneA on loopback, UDP and TCP
// on one port: it answers its SOA at serial, and transfers its records
// (counting transfers), or refuses transfers when refuse is set.
type xfrServer struct {
	addr      string
	serial    atomic.Uint32
	transfers atomic.Int32
}

func startXFR(t *testing.T, serial uint32, refuse bool, lines ...string) *xfrServer {
	t.Helper()
	s := &xfrServer{}
	s.serial.Store(serial)
	rrs := mustRRs(t, lines...)
	soa := func() dns.RR {
		return mustRR(t, fmt.Sprintf("%s 3600 IN SOA ns1.%s hostmaster.%s %d 3600 600 604800 300", zoneA, zoneA, zoneA, s.serial.Load()))
	}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		switch {
		case q.Question[0].Qtype == dns.TypeAXFR && refuse:
			m.SetRcode(q, dns.RcodeRefused)
		case q.Question[0].Qtype == dns.TypeAXFR:
			s.transfers.Add(1)
			ch := make(chan *dns.Envelope, 1)
			ch <- &dns.Envelope{RR: append(append([]dns.RR{soa()}, rrs...), soa())}
			close(ch)
			_ = new(dns.Transfer).Out(w, q, ch)
			return
		case q.Question[0].Qtype == dns.TypeSOA:
			m.Answer = append(m.Answer, soa())
		}
		_ = w.WriteMsg(m)
	})
	var (
		ln net.Listener
		pc net.PacketConn
	)
	for range 20 { // the UDP port of the same number may be taken
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if p, err := net.ListenPacket("udp", l.Addr().String()); err == nil {
			ln, pc = l, p
			break
		}
		l.Close()
	}
	if ln == nil {
		t.Fatal("no loopback port free for both UDP and TCP")
	}
	for _, srv := range []*dns.Server{{Listener: ln, Handler: handler}, {PacketConn: pc, Handler: handler}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	s.addr = ln.Addr().String()
	return s
}

// A scheduled check transfers the zone from each secondary serving the
// primary's serial and compares its data with the desired state: one
// serving the desired data is in sync; one serving another RRset at that
// same serial is not, the reason says so and the differing set is a
// result at its address; one refusing transfers is in sync with a note,
// not a failure; one behind is not transferred from (its serial says it
// all). A set the primary itself does not serve as desired is left out.
// A second check at the same serials transfers again only from the one
// that differed; a new serial at a secondary makes its data compared
// again. The refusal is logged once, not every check.
func TestSecondaryDataComparedAtScheduledChecks(t *testing.T) {
	t.Parallel()
	const serial = 9
	www := "www.example.com. 300 IN A 192.0.2.1"
	held := "held.example.com. 300 IN A 192.0.2.2" // the primary serves it otherwise
	primary := startSOA(t, serial, serial, false)
	equal := startXFR(t, serial, false, www, "held.example.com. 300 IN A 192.0.2.99", "other.example.com. 300 IN TXT unmanaged")
	differs := startXFR(t, serial, false, "www.example.com. 300 IN A 192.0.2.50", held)
	refuses := startXFR(t, serial, true, www, held)
	behind := startXFR(t, serial-1, false)
	sec := func(name, addr string) Secondary {
		return Secondary{Name: name, Addr: addr, Zones: []string{zoneA},
			Server: &verify.Resolver{Addr: addr, Timeout: time.Second},
			Data:   &observed.Client{Addr: addr, Timeout: 2 * time.Second}}
	}
	var logs bytes.Buffer // written by checkSync's goroutine only
	r := &Reconciler{Zones: []string{zoneA}, Verifier: &verify.Resolver{Addr: primary.addr, Timeout: time.Second}, Log: slog.New(slog.NewTextHandler(&logs, nil)),
		Replication: Replication{Primary: primary.addr, Secondaries: []Secondary{
			sec("ns2", equal.addr), sec("ns3", differs.addr), sec("ns4", refuses.addr), sec("ns5", behind.addr)}}}
	st := &desired.State{Zones: map[string]rrset.Sets{zoneA: zoneOf(t, www, held)}, Generation: 1}
	heldKey := rrset.KeyOf(mustRR(t, held))
	check := func() verify.Report {
		rep := verify.Report{Servers: []string{primary.addr}, Results: []verify.Result{
			{Server: primary.addr, Key: heldKey, Status: verify.StatusMismatch}}}
		r.checkSync(t.Context(), st, &rep)
		return rep
	}
	status := func(rep verify.Report, name string) verify.ServerStatus {
		for _, s := range rep.Sync {
			if s.Name == name {
				return s
			}
		}
		t.Fatalf("no status of %s in %+v", name, rep.Sync)
		return verify.ServerStatus{}
	}

	rep := check()
	if s := status(rep, "ns2"); !s.InSync || s.Note != "" {
		t.Errorf("ns2 (the desired data; another value only where the primary differs too): %s, want in sync", s)
	}
	if s := status(rep, "ns3"); s.InSync || s.Reason != "data differs at serial 9: 1 RRsets" {
		t.Errorf("ns3 (another www at the primary's serial): %s, want not in sync, data differs", s)
	}
	if s := status(rep, "ns4"); !s.InSync || s.Note != dataRefused {
		t.Errorf("ns4 (refuses transfers): %s, want in sync with the note %q", s, dataRefused)
	}
	if s := status(rep, "ns5"); s.InSync || s.Behind != 1 || s.Note != "" {
		t.Errorf("ns5 (behind): %s, want 1 behind, data not looked at", s)
	}
	failed := rep.Failed()
	if len(failed) != 2 || failed[1].Server != differs.addr || failed[1].Status != verify.StatusMismatch ||
		!strings.Contains(failed[1].String(), "192.0.2.50") {
		t.Errorf("failed results %v, want the primary's held set and ns3's www", failed)
	}
	if j := status(rep, "ns4").JSON(); j.Note != dataRefused || !j.InSync {
		t.Errorf("ns4 as JSON: %+v, want in sync with the note", j)
	}
	if n := behind.transfers.Load(); n != 0 {
		t.Errorf("ns5 behind transferred %d times, want 0", n)
	}

	rep = check()
	if n := equal.transfers.Load(); n != 1 {
		t.Errorf("ns2 transferred %d times after two checks at one serial, want 1 (compared equal, cached)", n)
	}
	if n := differs.transfers.Load(); n != 2 {
		t.Errorf("ns3 transferred %d times after two checks, want 2 (differing data is compared again)", n)
	}
	if s := status(rep, "ns2"); !s.InSync {
		t.Errorf("ns2 at the second check: %s, want in sync", s)
	}
	if n := strings.Count(logs.String(), "secondary data not compared"); n != 1 {
		t.Errorf("ns4's note logged %d times after two checks, want once:\n%s", n, logs.String())
	}

	// The secondary moves to a new serial (so does the primary): compared again.
	equal.serial.Store(serial + 1)
	primary.serial.Store(serial + 1)
	rep = check()
	if s := status(rep, "ns2"); !s.InSync {
		t.Errorf("ns2 at serial 10: %s, want in sync", s)
	}
	if n := equal.transfers.Load(); n != 2 {
		t.Errorf("ns2 transferred %d times after its serial changed, want 2", n)
	}
}

// countingStreamer is a secondary's transfer that counts how many run at
// once, each holding on until the next one starts or a moment passes.
type countingStreamer struct {
	mu        sync.Mutex
	now, most int
	serial    uint32
}

func (c *countingStreamer) Stream(ctx context.Context, zone string, fn func(dns.RR) error) (uint32, error) {
	c.mu.Lock()
	c.now++
	c.most = max(c.most, c.now)
	c.mu.Unlock()
	defer func() { c.mu.Lock(); c.now--; c.mu.Unlock() }()
	time.Sleep(20 * time.Millisecond) // a transfer takes a while (the bubble's fake time): overlapping ones are seen
	return c.serial, nil
}

// A check compares the data of many (zone, secondary) pairs with at most
// dataParallelism transfers at once.
func TestSecondaryDataTransfersCapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { secondaryDataTransfersCapped(t) })
}

func secondaryDataTransfersCapped(t *testing.T) {
	cs := &countingStreamer{serial: 3}
	var zones []string
	var rep verify.Report
	for i := range 20 {
		z := fmt.Sprintf("z%d.example.", i)
		zones = append(zones, z)
		rep.Sync = append(rep.Sync, verify.ServerStatus{Zone: z, Server: "127.0.0.2:53", Name: "ns2", Role: verify.RoleSecondary, InSync: true, Serial: 3, Want: 3})
	}
	r := &Reconciler{Zones: zones, Log: discardLog(), Replication: Replication{
		Secondaries: []Secondary{{Name: "ns2", Addr: "127.0.0.2:53", Zones: zones, Data: cs}}}}
	r.compareData(t.Context(), stateOf(nil, zones...), &rep)
	if cs.most == 0 || cs.most > dataParallelism {
		t.Errorf("%d transfers ran at once, want 1 to %d", cs.most, dataParallelism)
	}
}
