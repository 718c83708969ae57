package reconcile

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// serving starts an authoritative DNS server on loopback answering with
// these records, for the post-apply wait to ask.
func serving(t *testing.T, lines ...string) string {
	t.Helper()
	return answeringAt(t, true, lines...)
}

// answeringAt starts a DNS server on loopback answering with these
// records, AA set when aa (a cache's answers: not).
func answeringAt(t *testing.T, aa bool, lines ...string) string {
	t.Helper()
	rrs := mustRRs(t, lines...)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) }, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = aa
		for _, rr := range rrs {
			if strings.EqualFold(rr.Header().Name, q.Question[0].Name) && rr.Header().Rrtype == q.Question[0].Qtype {
				m.Answer = append(m.Answer, rr)
			}
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// The post-apply wait, asking a real server through internal/verify, keeps
// as the zone's Mismatches exactly what verify judged not served, naming
// the server; the sets served as planned are not among them.
func TestPostApplyWait(t *testing.T) {
	t.Parallel()
	newSet := rrset.New(mustRR(t, "new.example.com. 300 IN A 192.0.2.3"))
	wwwSet := rrset.New(mustRR(t, "www.example.com. 300 IN A 192.0.2.2"))
	plan := diff.Plan{Zone: zoneA, Changes: []diff.Change{
		{Action: diff.Delete, Key: rrset.Key{Name: "old.example.com.", Type: dns.TypeA}},
		{Action: diff.Create, Key: newSet.Key, New: newSet},
		{Action: diff.Update, Key: wwwSet.Key, New: wwwSet},
	}}
	tests := []struct {
		name   string
		served []string
		want   map[string]verify.Status // "name TYPE": status of each mismatch
	}{
		{"all served", []string{"new.example.com. 300 IN A 192.0.2.3", "www.example.com. 300 IN A 192.0.2.2"}, map[string]verify.Status{}},
		{"a TTL and a delete not served", []string{
			"new.example.com. 300 IN A 192.0.2.3", "www.example.com. 60 IN A 192.0.2.2", "old.example.com. 300 IN A 192.0.2.9",
		}, map[string]verify.Status{"www.example.com. A": verify.StatusMismatch, "old.example.com. A": verify.StatusMismatch}},
		{"a create not served", []string{"www.example.com. 300 IN A 192.0.2.2"}, map[string]verify.Status{"new.example.com. A": verify.StatusMissing}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := serving(t, tt.served...)
			r := &Reconciler{Verifier: &verify.Resolver{Addr: addr, Timeout: time.Second}, VerifyTimeout: 200 * time.Millisecond, Log: discardLog()}
			zr := &ZoneResult{Zone: zoneA, Plan: plan, Applied: true}
			r.verify(t.Context(), r.Log, zr)
			got := map[string]verify.Status{}
			for _, m := range zr.Mismatches {
				got[m.Key.String()] = m.Status
				if m.Server != addr {
					t.Errorf("mismatch %v does not name the server %s", m, addr)
				}
			}
			if len(got) != len(tt.want) || len(zr.Mismatches) != len(tt.want) {
				t.Fatalf("Mismatches = %v, want %v", zr.Mismatches, tt.want)
			}
			for k, s := range tt.want {
				if got[k] != s {
					t.Errorf("%s: %q, want %q (Mismatches %v)", k, got[k], s, zr.Mismatches)
				}
			}
			if zr.Latency <= 0 {
				t.Errorf("Latency = %v, want the time the wait took", zr.Latency)
			}
		})
	}
}
