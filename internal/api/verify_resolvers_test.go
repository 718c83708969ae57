package api

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/registry"
	"github.com/dnssync/dnssync/internal/verify"
)

// startCache is an in-process caching resolver's stand-in: it answers
// every query with line, without AA, as a cache answers from what it holds
// (the TTL its entry has left).
func startCache(t *testing.T, line string) string {
	t.Helper()
	rr, err := dns.NewRR(line)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) }, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.RecursionAvailable = true
		m.Answer = append(m.Answer, dns.Copy(rr))
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// GET /api/v1/dns/verify/{name} asks the resolvers too, after the
// authoritative server, and judges them as `dnssync verify NAME` does
// (verify.NameAt): one still holding the old answer is lagging, with when
// it will serve the new one; one serving it is verified.
func TestVerifyAsksResolvers(t *testing.T) {
	t.Parallel()
	auth, authAddr := startAuthoritative(t)
	auth.serve(t, "web-01.example.com. 300 IN A 192.0.2.10")
	lagging := startCache(t, "web-01.example.com. 7 IN A 192.0.2.9")
	served := startCache(t, "web-01.example.com. 120 IN A 192.0.2.10")
	caches := []*verify.Resolver{
		{Addr: lagging, Timeout: time.Second, Recurse: true},
		{Addr: served, Timeout: time.Second, Recurse: true},
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "web-01.yaml"), []byte("records:\n  - name: web-01.example.com\n    type: A\n    value: 192.0.2.10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := desired.Options{Dir: dir, Zones: []string{"example.com"}, DefaultTTL: 300}
	store := desired.NewStore(opts, nil)
	if _, err := store.Scan(); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Listen: loopback, Health: health.NewTracker(), Gatherer: prometheus.NewRegistry(), Records: &RecordsOptions{
		Registry: &registry.Registry{Options: opts, Declared: store}, Declared: store,
		Resolver:  &verify.Resolver{Addr: authAddr, Timeout: time.Second},
		Resolvers: caches, AutoRegister: true, WaitTimeout: 300 * time.Millisecond, Rate: 100, Burst: 100,
	}})
	if err != nil {
		t.Fatal(err)
	}

	before := time.Now()
	w := send(s.Handler(), "GET", "/api/v1/dns/verify/web-01.example.com", "")
	var vr client.Response[client.Verification]
	if err := json.Unmarshal(w.Body.Bytes(), &vr); err != nil || w.Code != http.StatusOK {
		t.Fatalf("verify: %d %s (%v)", w.Code, w.Body, err)
	}
	v := vr.Data
	if !v.Verified || v.Server != authAddr || len(v.Servers) != 3 || v.Servers[1] != lagging || v.Servers[2] != served || v.Checked != 3 {
		t.Fatalf("verification %+v: want verified, asked of %s, then %s and %s", v, authAddr, lagging, served)
	}
	at := map[string]client.RRsetStatus{}
	for _, r := range v.Records {
		at[r.Server] = r
	}
	if r := at[authAddr]; r.Status != "verified" {
		t.Errorf("at the authoritative server: %+v", r)
	}
	if r := at[served]; r.Status != "verified" || !r.Verified {
		t.Errorf("at the resolver serving the new answer: %+v, want verified", r)
	}
	r := at[lagging]
	by, err := time.Parse(time.RFC3339, r.WillServeBy)
	if r.Status != "lagging" || err != nil || by.Before(before.Add(6*time.Second)) || by.After(time.Now().Add(8*time.Second)) {
		t.Errorf("at the resolver holding the old answer (7 s left): %+v, want lagging, will serve by about 7 s from now", r)
	}

	// The same check run here (`dnssync verify NAME`) judges each server
	// the same way.
	local, err := verify.NameAt(t.Context(), append([]*verify.Resolver{{Addr: authAddr, Timeout: time.Second}}, caches...), "web-01.example.com", store)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range local.Records {
		if a := at[l.Server]; a.Status != l.Status || a.Verified != l.Verified {
			t.Errorf("at %s: the API says %s, the local check %s", l.Server, a.Status, l.Status)
		}
	}
}
