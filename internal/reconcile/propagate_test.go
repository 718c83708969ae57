package reconcile

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/notify"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// soaServer is an in-process authoritative server on loopback UDP for
// zoneA whose SOA serial is serial; a NOTIFY makes it take the serial
// next (as a secondary's transfer would) when follow is set, and is
// refused otherwise.
type soaServer struct {
	addr   string
	serial atomic.Uint32
	next   atomic.Uint32
	follow bool
}

func startSOA(t *testing.T, serial, next uint32, follow bool, extra ...string) *soaServer {
	t.Helper()
	s := &soaServer{follow: follow}
	s.next.Store(next)
	s.serial.Store(serial)
	rrs := mustRRs(t, extra...)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) }, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		switch {
		case q.Opcode == dns.OpcodeNotify && !s.follow:
			m.SetRcode(q, dns.RcodeRefused)
		case q.Opcode == dns.OpcodeNotify:
			s.serial.Store(s.next.Load())
		case q.Question[0].Qtype == dns.TypeSOA:
			// Any zone asked is answered: only the serial matters.
			m.Answer = append(m.Answer, mustRR(t, fmt.Sprintf("%s 3600 IN SOA ns1.%s hostmaster.%s %d 3600 600 604800 300", q.Question[0].Name, zoneA, zoneA, s.serial.Load())))
		default:
			for _, rr := range rrs {
				if strings.EqualFold(rr.Header().Name, q.Question[0].Name) && rr.Header().Rrtype == q.Question[0].Qtype {
					m.Answer = append(m.Answer, rr)
				}
			}
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	s.addr = pc.LocalAddr().String()
	return s
}

// After a change, each secondary of the zone is notified and waited for:
// one that transfers on NOTIFY is in sync, with how long it took; one that
// refuses the NOTIFY and one that is unreachable are reported lagging, by
// how many serials and why. The change itself stays verified: the primary
// serves it.
func TestPropagationNotifiesAndWaitsForSecondaries(t *testing.T) {
	t.Parallel()
	const old, serial = 4294967290, 5 // across the wrap: RFC 1982
	newSet := rrset.New(mustRR(t, "new.example.com. 300 IN A 192.0.2.3"))
	primary := startSOA(t, serial, serial, false, "new.example.com. 300 IN A 192.0.2.3")
	follows := startSOA(t, old, serial, true)
	refuses := startSOA(t, old, serial, false)
	dead, err := net.ListenPacket("udp", "127.0.0.1:0") // reads, never answers
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dead.Close() })
	res := func(addr string) *verify.Resolver {
		return &verify.Resolver{Addr: addr, Timeout: 200 * time.Millisecond}
	}
	sec := func(name, addr string) Secondary {
		return Secondary{Name: name, Addr: addr, Zones: []string{zoneA}, Notify: true, Server: res(addr)}
	}
	r := &Reconciler{
		Verifier: res(primary.addr), VerifyTimeout: 1500 * time.Millisecond, Log: discardLog(),
		Replication: Replication{Primary: primary.addr, Notifier: &notify.Sender{Timeout: notifyTimeout},
			Secondaries: []Secondary{
				sec("ns2", follows.addr), sec("ns3", refuses.addr), sec("ns4", dead.LocalAddr().String()),
				{Name: "other", Addr: "127.0.0.1:1", Zones: []string{zoneB}, Server: res("127.0.0.1:1")}, // not this zone's
			}},
	}
	propagated := collect(r)
	zr := &ZoneResult{Zone: zoneA, Applied: true, Serial: serial,
		Plan: diff.Plan{Zone: zoneA, Changes: []diff.Change{{Action: diff.Create, Key: newSet.Key, New: newSet}}}}
	start := time.Now()
	r.verify(t.Context(), r.Log, zr)
	// The pass is done once the primary serves the change: the lagging
	// secondaries are waited for beside it, for the whole VerifyTimeout.
	if took := time.Since(start); took >= r.VerifyTimeout/2 {
		t.Errorf("verify took %s: it waited for the lagging secondaries (timeout %s)", took, r.VerifyTimeout)
	}
	if len(zr.Mismatches) != 0 {
		t.Fatalf("mismatches %v: a lagging secondary must not unverify the change", zr.Mismatches)
	}
	p := next(t, propagated)
	if p.Zone != zoneA || p.Serial != serial {
		t.Errorf("propagation of %s at %d, want %s at %d", p.Zone, p.Serial, zoneA, serial)
	}
	got := map[string]verify.ServerStatus{}
	for _, s := range p.Servers {
		got[s.Name] = s
		t.Logf("%v", s)
	}
	if len(p.Servers) != 4 {
		t.Fatalf("%d servers reported, want the primary and the zone's 3 secondaries: %+v", len(p.Servers), p.Servers)
	}
	// Each secondary is notified and polled on its own: the dead ns4's
	// unanswered NOTIFY does not hold ns2's poll up.
	if s := got["ns2"]; s.Took >= notifyTimeout {
		t.Errorf("ns2 took %s, not below the NOTIFY timeout %s: it waited for the dead secondary's NOTIFY", s.Took, notifyTimeout)
	}
	if p := got[primary.addr]; p.Role != verify.RolePrimary || !p.InSync || p.Serial != serial {
		t.Errorf("primary: %+v", p)
	}
	if s := got["ns2"]; !s.InSync || s.Serial != serial || s.Took <= 0 || s.Role != verify.RoleSecondary {
		t.Errorf("ns2 (transfers on NOTIFY): %+v, want in sync with its time", s)
	}
	if s := got["ns3"]; s.InSync || s.Behind != 11 || s.Serial != old || s.Waited <= 0 || !strings.Contains(s.Reason, "NOTIFY refused") {
		t.Errorf("ns3 (refuses NOTIFY): %+v, want 11 serials behind, NOTIFY refused", s)
	}
	if s := got["ns4"]; s.InSync || !strings.Contains(s.Reason, "unreachable") {
		t.Errorf("ns4 (no answer): %+v, want not in sync, unreachable", s)
	}
}

// Verify (the check of every record) reports each server of each zone:
// the primary's serial, each secondary's against it, and the resolvers; an
// authoritative server out of sync fails the report.
func TestVerifyReportsEachServersSerial(t *testing.T) {
	t.Parallel()
	primary := startSOA(t, 7, 7, false)
	behind := startSOA(t, 6, 7, false)
	res := func(addr string) *verify.Resolver {
		return &verify.Resolver{Addr: addr, Timeout: 200 * time.Millisecond}
	}
	r := &Reconciler{Zones: []string{zoneA}, Verifier: res(primary.addr), Log: discardLog(),
		Replication: Replication{Primary: primary.addr,
			Secondaries: []Secondary{{Name: "ns2", Addr: behind.addr, Zones: []string{zoneA}, Server: res(behind.addr)}},
			Resolvers:   []Peer{{Name: "cache", Addr: "127.0.0.1:5400"}}}}
	rep := verify.Report{Results: []verify.Result{{Server: "127.0.0.1:5400", Key: rrset.Key{Name: "www." + zoneA, Type: dns.TypeA}, Status: verify.StatusMissing}}}
	r.syncAll(t.Context(), &rep)
	if len(rep.Sync) != 3 {
		t.Fatalf("sync = %+v, want primary, secondary, resolver", rep.Sync)
	}
	if s := rep.Sync[1]; s.InSync || s.Behind != 1 || s.Serial != 6 {
		t.Errorf("secondary: %+v, want 1 behind", s)
	}
	if s := rep.Sync[2]; s.InSync || s.Role != verify.RoleResolver {
		t.Errorf("resolver: %+v, want not in sync", s)
	}
	rep.Results = nil
	if rep.OK() {
		t.Error("report OK with a secondary behind")
	}
	v := rep.JSON("")
	if len(v.Zones) != 1 || len(v.Zones[0].Servers) != 3 || v.Zones[0].Servers[1].Serial == nil || *v.Zones[0].Servers[1].Serial != 6 {
		t.Errorf("json zones = %+v", v.Zones)
	}
}

// A scheduled check re-sends NOTIFY to a secondary that answers an older
// serial than the primary's (one restarted from its old copy after missing
// the change's NOTIFY, whose refresh is far off), so that it catches up by
// the next check, not at its refresh; a secondary in sync and one with
// notify = false are not notified.
func TestCheckRenotifiesLaggingSecondaries(t *testing.T) {
	t.Parallel()
	primary := startSOA(t, 9, 9, false)
	lagging := startSOA(t, 7, 9, true)
	quiet := startSOA(t, 7, 9, true)
	inSync := startSOA(t, 9, 10, true) // a NOTIFY would move it past the primary
	res := func(addr string) *verify.Resolver {
		return &verify.Resolver{Addr: addr, Timeout: 200 * time.Millisecond}
	}
	sec := func(name, addr string, notify bool) Secondary {
		return Secondary{Name: name, Addr: addr, Zones: []string{zoneA}, Notify: notify, Server: res(addr)}
	}
	r := &Reconciler{Zones: []string{zoneA}, Verifier: res(primary.addr), Log: discardLog(),
		Replication: Replication{Primary: primary.addr, Notifier: &notify.Sender{Timeout: 200 * time.Millisecond},
			Secondaries: []Secondary{sec("ns2", lagging.addr, true), sec("ns3", quiet.addr, false), sec("ns4", inSync.addr, true)}}}
	var rep verify.Report
	r.checkSync(t.Context(), nil, &rep)
	if len(rep.OutOfSync()) != 2 {
		t.Fatalf("out of sync %+v, want ns2 and ns3 (the check reports what it found)", rep.OutOfSync())
	}
	if got := lagging.serial.Load(); got != 9 {
		t.Errorf("lagging secondary with notify on serves %d after the check, want 9 (re-notified)", got)
	}
	if got := quiet.serial.Load(); got != 7 {
		t.Errorf("secondary with notify = false serves %d, want 7 (not notified)", got)
	}
	if got := inSync.serial.Load(); got != 9 {
		t.Errorf("secondary in sync serves %d, want 9 (not notified)", got)
	}
	var next verify.Report
	r.checkSync(t.Context(), nil, &next)
	for _, s := range next.Sync {
		if s.Name == "ns2" && !s.InSync {
			t.Errorf("ns2 at the next check: %+v, want in sync", s)
		}
	}
}

// An apply that reports no serial (the rfc2136 backend: the server bumps
// the SOA itself on UPDATE) is propagated too, to the serial the primary
// serves once the change is: its secondaries are notified and waited for.
func TestPropagationWithoutAnAppliedSerial(t *testing.T) {
	t.Parallel()
	newSet := rrset.New(mustRR(t, "new.example.com. 300 IN A 192.0.2.3"))
	primary := startSOA(t, 12, 12, false, "new.example.com. 300 IN A 192.0.2.3")
	follows := startSOA(t, 11, 12, true)
	res := func(addr string) *verify.Resolver {
		return &verify.Resolver{Addr: addr, Timeout: 200 * time.Millisecond}
	}
	r := &Reconciler{
		Verifier: res(primary.addr), VerifyTimeout: 1500 * time.Millisecond, Log: discardLog(),
		Replication: Replication{Primary: primary.addr, Notifier: &notify.Sender{Timeout: 200 * time.Millisecond},
			Secondaries: []Secondary{{Name: "ns2", Addr: follows.addr, Zones: []string{zoneA}, Notify: true, Server: res(follows.addr)}}},
	}
	propagated := collect(r)
	zr := &ZoneResult{Zone: zoneA, Applied: true,
		Plan: diff.Plan{Zone: zoneA, Changes: []diff.Change{{Action: diff.Create, Key: newSet.Key, New: newSet}}}}
	r.verify(t.Context(), r.Log, zr)
	p := next(t, propagated)
	if len(p.Servers) != 2 {
		t.Fatalf("servers %+v, want the primary and ns2", p.Servers)
	}
	if s := p.Servers[1]; s.Name != "ns2" || !s.InSync || s.Serial != 12 {
		t.Errorf("ns2: %+v, want notified and in sync at the primary's 12", s)
	}
}

// startRcode is an in-process server on loopback UDP that answers every
// query with rcode: a secondary with no copy of its zone (SERVFAIL), or
// one not serving it (REFUSED).
func startRcode(t *testing.T, rcode int) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) }, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(q, rcode)
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

// A lagging secondary's reason says what can be known of why, the same
// after a change and at a scheduled check: one answering SERVFAIL has no
// copy, so its transfers fail; one answering REFUSED does not serve the
// zone; one that answered the NOTIFY and still serves the old serial did
// not transfer it (the primary may refuse it); one not sent NOTIFY waits
// for its refresh. None of them is called unreachable.
func TestLaggingSecondaryReasons(t *testing.T) {
	t.Parallel()
	const old, serial = 3, 5
	newSet := rrset.New(mustRR(t, "new.example.com. 300 IN A 192.0.2.3"))
	primary := startSOA(t, serial, serial, false, "new.example.com. 300 IN A 192.0.2.3")
	stuck := startSOA(t, old, old, true) // takes the NOTIFY, never the serial
	quiet := startSOA(t, old, old, true)
	res := func(addr string) *verify.Resolver {
		return &verify.Resolver{Addr: addr, Timeout: 200 * time.Millisecond}
	}
	sec := func(name, addr string, notify bool) Secondary {
		return Secondary{Name: name, Addr: addr, Zones: []string{zoneA}, Notify: notify, Server: res(addr)}
	}
	r := &Reconciler{
		Zones: []string{zoneA}, Verifier: res(primary.addr), VerifyTimeout: 700 * time.Millisecond, Log: discardLog(),
		Replication: Replication{Primary: primary.addr, Notifier: &notify.Sender{Timeout: 200 * time.Millisecond},
			Secondaries: []Secondary{
				sec("nocopy", startRcode(t, dns.RcodeServerFailure), false),
				sec("notserving", startRcode(t, dns.RcodeRefused), false),
				sec("stuck", stuck.addr, true),
				sec("quiet", quiet.addr, false),
			}},
	}
	wantAfterChange := map[string]string{
		"nocopy":     "has no copy of the zone (it answers its SOA with SERVFAIL): its transfers from the primary fail",
		"notserving": "does not serve the zone (it answers its SOA with REFUSED)",
		"stuck":      "NOTIFY answered, but serial 5 was not transferred within",
		"quiet":      "not sent NOTIFY (notify = false)",
	}
	propagated := collect(r)
	zr := &ZoneResult{Zone: zoneA, Applied: true, Serial: serial,
		Plan: diff.Plan{Zone: zoneA, Changes: []diff.Change{{Action: diff.Create, Key: newSet.Key, New: newSet}}}}
	r.verify(t.Context(), r.Log, zr)
	p := next(t, propagated)
	checkReasons(t, "after the change", p.Servers, wantAfterChange)
	for _, s := range p.Servers {
		if s.Name == "stuck" && (s.Behind != 2 || s.Waited <= 0) {
			t.Errorf("stuck: %+v, want 2 behind, lagging for a while", s)
		}
	}

	var rep verify.Report
	r.syncAll(t.Context(), &rep)
	checkReasons(t, "at a scheduled check", rep.Sync, map[string]string{
		"nocopy":     wantAfterChange["nocopy"],
		"notserving": wantAfterChange["notserving"],
		"stuck":      "serial 5 not transferred yet: if this lasts, the primary may refuse its transfers",
		"quiet":      "serial 5 not transferred yet",
	})
}

// checkReasons checks that each named secondary in got is out of sync
// for the reason want names, never "unreachable".
func checkReasons(t *testing.T, when string, got []verify.ServerStatus, want map[string]string) {
	t.Helper()
	seen := 0
	for _, s := range got {
		w, ok := want[s.Name]
		if !ok {
			continue
		}
		seen++
		t.Logf("%s: %v", when, s)
		if s.InSync || !strings.Contains(s.Reason, w) || strings.HasPrefix(s.Reason, "unreachable") {
			t.Errorf("%s: %s: reason %q, want it out of sync with %q", when, s.Name, s.Reason, w)
		}
	}
	if seen != len(want) {
		t.Errorf("%s: %d of the %d secondaries reported: %+v", when, seen, len(want), got)
	}
}

// notifyTimeout is the NOTIFY timeout of these tests' senders.
const notifyTimeout = 200 * time.Millisecond

// collect makes r report each change's propagation (the secondaries'
// wait, which outlives the pass) on the channel it returns.
func collect(r *Reconciler) <-chan Propagation {
	ch := make(chan Propagation, 16)
	r.Replication.OnPropagated = func(p Propagation) { ch <- p }
	return ch
}

// next is the next propagation reported on ch.
func next(t *testing.T, ch <-chan Propagation) Propagation {
	t.Helper()
	select {
	case p := <-ch:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no propagation reported within 10s")
		return Propagation{}
	}
}
