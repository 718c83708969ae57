package api

import (
	"encoding/json"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/health/passhealth"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/registry"
	"github.com/dnssync/dnssync/internal/verify"
)

// authoritative is an in-process DNS server answering, with AA set, what
// serve last gave it.
type authoritative struct {
	mu  sync.Mutex
	rrs []dns.RR
}

func startAuthoritative(t *testing.T) (*authoritative, string) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &authoritative{}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) }, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		a.mu.Lock()
		for _, rr := range a.rrs {
			if strings.EqualFold(rr.Header().Name, q.Question[0].Name) && rr.Header().Rrtype == q.Question[0].Qtype {
				m.Answer = append(m.Answer, rr)
			}
		}
		a.mu.Unlock()
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return a, pc.LocalAddr().String()
}

func (a *authoritative) serve(t *testing.T, lines ...string) {
	t.Helper()
	var rrs []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatal(err)
		}
		rrs = append(rrs, rr)
	}
	a.mu.Lock()
	a.rrs = rrs
	a.mu.Unlock()
}

// verifyServer is a records API whose resolver asks dnsAddr, healthy (a
// pass has run) so that a wait not served answers 202, not 503, and the
// store it reads declarations from.
func verifyServer(t *testing.T, dnsAddr string) (http.Handler, *desired.Store) {
	t.Helper()
	opts := desired.Options{Dir: t.TempDir(), Zones: []string{"example.com"}, DefaultTTL: 300}
	store := desired.NewStore(opts, nil)
	tracker := health.NewTracker()
	passhealth.Observe(tracker, reconcile.Result{Full: true})
	s, err := New(Options{Listen: loopback, Health: tracker, Gatherer: prometheus.NewRegistry(), Records: &RecordsOptions{
		Registry: &registry.Registry{Options: opts, Declared: store}, Declared: store,
		Resolver: &verify.Resolver{Addr: dnsAddr, Timeout: time.Second}, AutoRegister: true,
		WaitTimeout: 300 * time.Millisecond, Rate: 100, Burst: 100,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return s.Handler(), store
}

// GET /api/v1/dns/verify/{name} and a write's ?wait=verified answer in the
// one verification shape, naming the server and each RRset's status.
func TestVerifyShape(t *testing.T) {
	t.Parallel()
	dnsSrv, addr := startAuthoritative(t)
	h, store := verifyServer(t, addr)

	// Not served yet: the wait ends, the write is accepted, and the
	// answer says what the server answered instead.
	w := send(h, "POST", "/api/v1/dns/records?wait=verified", `{"name":"web-01.example.com","record_type":"A","value":"192.0.2.10"}`)
	var wr client.Response[client.WriteResult]
	if err := json.Unmarshal(w.Body.Bytes(), &wr); err != nil || w.Code != http.StatusAccepted || wr.Data.Status != "accepted" || wr.Data.Verification == nil {
		t.Fatalf("write not served: %d %s (%v)", w.Code, w.Body, err)
	}
	v := wr.Data.Verification
	if v.Verified || v.Name != "web-01.example.com" || v.Server != addr || v.Checked != 1 || len(v.Records) != 1 ||
		v.Records[0].Status != "missing" || v.Records[0].Server != addr || v.Records[0].Name != "web-01.example.com" {
		t.Errorf("verification of a write not served: %+v", v)
	}

	dnsSrv.serve(t, "web-01.example.com. 300 IN A 192.0.2.10")
	w = send(h, "PUT", "/api/v1/dns/records/web-01.example.com?wait=verified", `{"record_type":"A","value":"192.0.2.10"}`)
	wr = client.Response[client.WriteResult]{}
	if err := json.Unmarshal(w.Body.Bytes(), &wr); err != nil || w.Code != http.StatusOK || wr.Data.Status != "verified" ||
		wr.Data.Verification == nil || !wr.Data.Verification.Verified || wr.Data.Verification.Records[0].Status != "verified" {
		t.Fatalf("write served: %d %s (%v)", w.Code, w.Body, err)
	}

	// Served with another TTL: verify names the RRset, its server and why.
	dnsSrv.serve(t, "web-01.example.com. 60 IN A 192.0.2.10")
	if _, err := store.Scan(); err != nil { // as the daemon's watcher would
		t.Fatal(err)
	}
	w = send(h, "GET", "/api/v1/dns/verify/WEB-01.example.com.", "")
	var vr client.Response[client.Verification]
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vr); err != nil || w.Code != http.StatusOK {
		t.Fatalf("verify: %d (%v)", w.Code, err)
	}
	want := client.Verification{Name: "web-01.example.com", Server: addr, Servers: []string{addr}, Checked: 1, Records: []client.RRsetStatus{{
		Name: "web-01.example.com", RecordType: "A", Server: addr, Status: "mismatch",
		Want: []string{"192.0.2.10"}, WantTTL: 300, Served: []string{"192.0.2.10"}, ServedTTL: 60,
	}}}
	if !reflect.DeepEqual(vr.Data, want) {
		t.Errorf("verify =\n%+v\nwant\n%+v", vr.Data, want)
	}
}
