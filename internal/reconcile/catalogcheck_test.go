package reconcile

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
	"github.com/dnssync/dnssync/internal/zones"
)

const testCatalog = "catalog.invalid."

// catalogReconciler manages zoneA and the catalog listing it, with the
// primary at primary and the given secondaries serving both.
func catalogReconciler(t *testing.T, primary string, secs ...Secondary) *Reconciler {
	t.Helper()
	res := &verify.Resolver{Addr: primary, Timeout: 200 * time.Millisecond}
	r := &Reconciler{Zones: []string{zoneA, testCatalog}, Catalog: testCatalog, Verifier: res, Log: discardLog(),
		VerifyTimeout: 2 * time.Second, Store: &fakeStore{state: stateOf(map[string]rrset.Zone{
			zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.1"),
		}, zoneA)},
		Replication: Replication{Primary: primary, Secondaries: secs}}
	return r
}

// The catalog's records are asked of the primary alone, never of a
// resolver ([[resolvers]], [verify] nameservers): no resolver can resolve
// catalog.invalid (here one answering SERVFAIL, as a resolver does for a
// name it cannot resolve), and a check that asked it would fail every
// time. The forward zone's records are still asked of both.
func TestCatalogCheckedAtThePrimaryOnly(t *testing.T) {
	t.Parallel()
	served := []string{"www.example.com. 300 IN A 192.0.2.1"}
	for _, set := range zones.CatalogRecords(testCatalog, []string{zoneA}, catalogTTL) {
		served = append(served, set.RRs[0].String())
	}
	primary := startSOA(t, 1, 1, false, served...)
	resolver := startRcode(t, dns.RcodeServerFailure)
	r := catalogReconciler(t, primary.addr)
	r.Checker = verify.Servers{{Addr: primary.addr, Timeout: 200 * time.Millisecond}, {Addr: resolver, Timeout: 200 * time.Millisecond, Recurse: true}}
	st := r.state()
	if n := st.Zone(testCatalog).Len(); n != 2 {
		t.Fatalf("catalog's desired content %v, want the version TXT and one member PTR", st.Zones[testCatalog])
	}

	rep := r.check(t.Context(), st, nil)
	asked := map[string][]string{}
	for _, res := range rep.Results {
		asked[res.Server] = append(asked[res.Server], res.Key.Name)
		if res.Server == resolver && dns.IsSubDomain(testCatalog, res.Key.Name) {
			t.Errorf("the resolver was asked for the catalog's %s %s (%s)", res.Key.Name, dns.TypeToString[res.Key.Type], res.Status)
		}
	}
	if len(asked[primary.addr]) != 3 || len(asked[resolver]) != 1 || asked[resolver][0] != "www.example.com." {
		t.Errorf("asked %v; want the primary for www and the catalog's two sets, the resolver for www alone", asked)
	}
	for _, res := range rep.Results {
		if res.Server == primary.addr && res.Status != verify.StatusVerified {
			t.Errorf("at the primary: %s %s %s", res.Key.Name, dns.TypeToString[res.Key.Type], res.Status)
		}
	}
	if rep.Checked != 4 {
		t.Errorf("checked %d, want 4 (3 sets at the primary, 1 at the resolver)", rep.Checked)
	}
}

// A consumer that refuses the catalog's SOA (Knot interprets the catalog
// and answers no query for it) is not reported lagging for it, neither
// after a change to the catalog (which does not wait the verify timeout
// for it) nor at a scheduled check: its catalog status is in sync, with no
// serial and a note saying it is judged by its members. A member it does
// not serve is still reported (here the same server refuses zoneA too).
// A resolver gets no status for the catalog, which it is never asked.
func TestCatalogConsumerRefusingTheCatalog(t *testing.T) {
	t.Parallel()
	primary := startSOAs(t, 5)
	knot := startRcode(t, dns.RcodeRefused)
	sec := Secondary{Name: "knot", Addr: knot, Zones: []string{zoneA, testCatalog},
		Server: &verify.Resolver{Addr: knot, Timeout: 200 * time.Millisecond}}
	r := catalogReconciler(t, primary, sec)
	r.Replication.Resolvers = []Peer{{Name: "cache", Addr: "127.0.0.1:5400"}}

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second) // the verify timeout, as verify bounds it
	defer cancel()
	start := time.Now()
	got := r.propagate(ctx, r.Log, testCatalog, 5, start)
	if took := time.Since(start); took > time.Second {
		t.Errorf("propagating the catalog waited %v for a consumer refusing it", took)
	}
	checkCatalogStatus(t, "after a change", got)

	var rep verify.Report
	r.syncAll(t.Context(), &rep)
	var catalog []verify.ServerStatus
	for _, s := range rep.Sync {
		switch {
		case s.Zone == testCatalog:
			catalog = append(catalog, s)
		case s.Server == knot && s.InSync:
			t.Errorf("member %s at the consumer refusing it: in sync, want not", s.Zone)
		}
	}
	checkCatalogStatus(t, "at a scheduled check", catalog)
	if len(catalog) != 2 {
		t.Errorf("catalog statuses %+v, want the primary's and the consumer's (no resolver's)", catalog)
	}
	for _, s := range rep.OutOfSync() {
		if s.Zone == testCatalog {
			t.Errorf("out of sync for the catalog: %v", s)
		}
	}
}

// checkCatalogStatus wants the consumer "knot" in got in sync with no
// serial and the catalog note.
func checkCatalogStatus(t *testing.T, when string, got []verify.ServerStatus) {
	t.Helper()
	for _, s := range got {
		if s.Name != "knot" {
			continue
		}
		if !s.InSync || s.Serial != 0 || s.Reason != "" || !strings.Contains(s.Note, "judged by the member zones it serves") {
			t.Errorf("%s: the consumer's catalog status %+v, want in sync with the catalog note", when, s)
		}
		if j := s.JSON(); j.Serial != nil {
			t.Errorf("%s: JSON serial %d, want none", when, *j.Serial)
		}
		return
	}
	t.Errorf("%s: no status of the consumer in %+v", when, got)
}

// startSOAs is an in-process primary on loopback UDP answering the SOA of
// any zone asked, at serial.
func startSOAs(t *testing.T, serial uint32) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) }, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		if name := q.Question[0].Name; q.Question[0].Qtype == dns.TypeSOA {
			m.Answer = append(m.Answer, &dns.SOA{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 3600},
				Ns: "invalid.", Mbox: "invalid.", Serial: serial, Refresh: 3600, Retry: 600, Expire: 86400})
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}
