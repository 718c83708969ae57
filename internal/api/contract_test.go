package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/api/openapi"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/health/passhealth"
	"github.com/dnssync/dnssync/internal/metrics"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/registry"
	"github.com/dnssync/dnssync/internal/verify"
)

// The OpenAPI document (internal/api/openapi/openapi.json) and the
// handlers cannot drift apart: every answer below, from real handlers over
// a temp records dir and an in-process DNS server, must be declared in the
// document (route, method, status) with a body valid against its schema,
// which declares every field (additionalProperties: false) and requires
// those always sent; and every answer the document declares must be one
// of them. No answer names the server's own paths.

const contractToken = "contract-token-0123456789"

// contractServer is a records API with a token over its own records dir,
// resolving against dnsAddr.
type contractServer struct {
	h       http.Handler
	dir     string
	store   *desired.Store
	tracker *health.Tracker
	zoneDir string // zones.d (zones_test.go)
}

func newContractServer(t *testing.T, dnsAddr string, healthy bool, rate float64, burst int) *contractServer {
	t.Helper()
	dir := t.TempDir()
	opts := desired.Options{Dir: dir, Zones: []string{"example.com"}, DefaultTTL: 300}
	store := desired.NewStore(opts, nil)
	tracker := health.NewTracker()
	tracker.Beat()
	if healthy {
		passhealth.Observe(tracker, reconcile.Result{Full: true, Start: time.Now()})
	}
	reg := prometheus.NewRegistry()
	zoneDir, zoneStore := contractZones(t, dir, store)
	s, err := New(Options{Listen: loopback, Health: tracker, Gatherer: reg, Requests: metrics.New(reg), Zones: zoneStore, Records: &RecordsOptions{
		Registry: &registry.Registry{Options: opts, Declared: store, LockTimeout: 200 * time.Millisecond}, Declared: store,
		Resolver: &verify.Resolver{Addr: dnsAddr, Timeout: time.Second}, AutoRegister: true,
		WaitTimeout: 200 * time.Millisecond, Tokens: []Token{{ID: "orchestrator", Secret: contractToken}}, Rate: rate, Burst: burst,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return &contractServer{h: s.Handler(), dir: dir, store: store, tracker: tracker, zoneDir: zoneDir}
}

// contract drives requests and holds each answer to the document.
type contract struct {
	spec    *openapi.Spec
	covered map[string]bool
	secrets []string // paths no answer may show
}

func (c *contract) call(t *testing.T, s *contractServer, method, target, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+contractToken)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			r.Header.Del(header[i])
		} else {
			r.Header.Set(header[i], header[i+1])
		}
	}
	s.h.ServeHTTP(w, r)
	route, err := c.spec.Check(method, r.URL.Path, w.Code, w.Header().Get("Content-Type"), w.Body.Bytes())
	if err != nil {
		t.Errorf("answer not as the document declares: %v\nbody: %s", err, w.Body)
	} else {
		c.covered[openapi.Response{Method: method, Route: route, Status: w.Code}.String()] = true
	}
	for _, p := range c.secrets {
		if strings.Contains(w.Body.String(), p) {
			t.Errorf("%s %s: the answer shows the server's path %s: %s", method, target, p, w.Body)
		}
	}
	return w
}

func TestOpenAPIContract(t *testing.T) {
	spec, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	dns, dnsAddr := startAuthoritative(t)
	main := newContractServer(t, dnsAddr, true, 1000, 1000)
	limited := newContractServer(t, dnsAddr, true, 0.001, 1)
	starting := newContractServer(t, dnsAddr, false, 1000, 1000) // not healthy yet: a wait cannot be served
	c := &contract{spec: spec, covered: map[string]bool{}}
	for _, s := range []*contractServer{main, limited, starting} {
		c.secrets = append(c.secrets, s.dir, filepath.Dir(s.dir))
	}
	person := "records:\n  - name: db.example.com\n    type: A\n    value: 192.0.2.5\n"
	if err := os.WriteFile(filepath.Join(main.dir, "person.yaml"), []byte(person), 0o644); err != nil {
		t.Fatal(err)
	}
	scan := func() {
		if _, err := main.store.Scan(); err != nil { // as the daemon's watcher would
			t.Fatal(err)
		}
	}
	scan()
	// A path in records.d the API's file for a name cannot be: a write
	// there fails (503) naming it, relative to records.d.
	if err := os.Mkdir(filepath.Join(main.dir, "api-broken.example.com.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	lockHeld := func(held bool) {
		lock := filepath.Join(main.dir, registry.LockName)
		os.Remove(lock)
		if held { // a directory: the lock cannot be taken, every write fails (503)
			if err := os.Mkdir(lock, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}

	const (
		records   = "/api/v1/dns/records"
		zonesPath = "/api/v1/dns/zones"
		web01     = records + "/web-01.example.com"
		register  = `{"name":"web-01.example.com","record_type":"A","value":"192.0.2.10"}`
	)
	noToken := []string{"Authorization", ""}
	browser := []string{"Origin", "https://evil.example"}
	big := `{"name":"big.example.com","record_type":"TXT","value":"` + strings.Repeat("x", 70000) + `"}`
	steps := []struct {
		name          string
		s             *contractServer
		method, path  string
		body          string
		header        []string
		code          int
		before, after func()
	}{
		{name: "list, empty", s: main, method: "GET", path: records, code: 200},
		{name: "register", s: main, method: "POST", path: records, body: register, code: 201, after: scan},
		{name: "register again", s: main, method: "POST", path: records, body: register, code: 200},
		{name: "list", s: main, method: "GET", path: records + "?zone=example.com", code: 200},
		{name: "register, served", s: main, method: "POST", path: records + "?wait=verified", body: `{"name":"web-02.example.com","record_type":"A","value":"192.0.2.20","ttl":60}`, code: 201,
			before: func() { dns.serve(t, "web-02.example.com. 60 IN A 192.0.2.20") }, after: scan},
		{name: "register, not served", s: main, method: "POST", path: records + "?wait=verified", body: `{"name":"web-03.example.com","record_type":"A","value":"192.0.2.30"}`, code: 202, after: scan},
		{name: "register, cannot apply", s: starting, method: "POST", path: records + "?wait=verified", body: register, code: 503},
		{name: "register, bad JSON", s: main, method: "POST", path: records, body: `{"name":`, code: 400},
		{name: "register, no token", s: main, method: "POST", path: records, body: register, header: noToken, code: 401},
		{name: "register, browser", s: main, method: "POST", path: records, body: register, header: browser, code: 403},
		{name: "register, a person's name", s: main, method: "POST", path: records, body: `{"name":"db.example.com","record_type":"A","value":"192.0.2.6"}`, code: 409},
		{name: "register, too large", s: main, method: "POST", path: records, body: big, code: 413},
		{name: "register, bad name", s: main, method: "POST", path: records, body: `{"name":"a..example.com","record_type":"A","value":"192.0.2.1"}`, code: 422},
		{name: "register, unreadable file", s: main, method: "POST", path: records, body: `{"name":"broken.example.com","record_type":"A","value":"192.0.2.1"}`, code: 503},
		{name: "register, limited", s: limited, method: "POST", path: records, body: register, code: 201},
		{name: "register, rate limited", s: limited, method: "POST", path: records, body: register, code: 429},
		{name: "list, rate limited", s: limited, method: "GET", path: records, code: 429},
		{name: "list, no token", s: main, method: "GET", path: records, header: noToken, code: 401},
		{name: "list, browser", s: main, method: "GET", path: records, header: browser, code: 403},

		{name: "update", s: main, method: "PUT", path: web01, body: `{"record_type":"A","value":"192.0.2.11"}`, code: 200, after: scan},
		{name: "update, not served", s: main, method: "PUT", path: web01 + "?wait=verified", body: `{"record_type":"A","value":"192.0.2.12"}`, code: 202, after: scan},
		{name: "update, bad JSON", s: main, method: "PUT", path: web01, body: `{"record_type":"A","value":"192.0.2.11","name":"x"`, code: 400},
		{name: "update, no token", s: main, method: "PUT", path: web01, body: `{"record_type":"A","value":"192.0.2.11"}`, header: noToken, code: 401},
		{name: "update, browser", s: main, method: "PUT", path: web01, body: `{"record_type":"A","value":"192.0.2.11"}`, header: browser, code: 403},
		{name: "update, a person's name", s: main, method: "PUT", path: records + "/db.example.com", body: `{"record_type":"A","value":"192.0.2.6"}`, code: 409},
		{name: "update, too large", s: main, method: "PUT", path: web01, body: strings.Replace(big, `"name":"big.example.com",`, "", 1), code: 413},
		{name: "update, bad value", s: main, method: "PUT", path: web01, body: `{"record_type":"A","value":"192.0.2.300"}`, code: 422},
		{name: "update, lock held", s: main, method: "PUT", path: web01, body: `{"record_type":"A","value":"192.0.2.13"}`, code: 503,
			before: func() { lockHeld(true) }, after: func() { lockHeld(false) }},
		{name: "update, rate limited", s: limited, method: "PUT", path: web01, body: `{"record_type":"A","value":"192.0.2.11"}`, code: 429},

		{name: "verify", s: main, method: "GET", path: "/api/v1/dns/verify/web-02.example.com", code: 200},
		{name: "verify, not declared", s: main, method: "GET", path: "/api/v1/dns/verify/nope.example.com", code: 404},
		{name: "verify, bad name", s: main, method: "GET", path: "/api/v1/dns/verify/a..example.com", code: 422},
		{name: "verify, no token", s: main, method: "GET", path: "/api/v1/dns/verify/web-02.example.com", header: noToken, code: 401},
		{name: "verify, browser", s: main, method: "GET", path: "/api/v1/dns/verify/web-02.example.com", header: browser, code: 403},
		{name: "verify, rate limited", s: limited, method: "GET", path: "/api/v1/dns/verify/web-01.example.com", code: 429},

		{name: "unregister", s: main, method: "DELETE", path: web01 + "?type=A", code: 200, after: scan},
		{name: "unregister, still served", s: main, method: "DELETE", path: records + "/web-02.example.com?wait=verified", code: 202, after: scan},
		{name: "unregister, unknown", s: main, method: "DELETE", path: records + "/nope.example.com", code: 404},
		{name: "unregister, a person's name", s: main, method: "DELETE", path: records + "/db.example.com", code: 409},
		{name: "unregister, bad name", s: main, method: "DELETE", path: records + "/a..example.com", code: 422},
		{name: "unregister, lock held", s: main, method: "DELETE", path: records + "/web-03.example.com", code: 503,
			before: func() { lockHeld(true) }, after: func() { lockHeld(false) }},
		{name: "unregister, no token", s: main, method: "DELETE", path: web01, header: noToken, code: 401},
		{name: "unregister, browser", s: main, method: "DELETE", path: web01, header: browser, code: 403},
		{name: "unregister, rate limited", s: limited, method: "DELETE", path: web01, code: 429},

		{name: "zones, list", s: main, method: "GET", path: zonesPath, code: 200},
		{name: "zones, add", s: main, method: "POST", path: zonesPath, body: `{"name":"staging.example.net"}`, code: 201},
		{name: "zones, add, served", s: main, method: "POST", path: zonesPath + "?wait=verified", body: `{"name":"served.example.net"}`, code: 201,
			before: func() {
				dns.serve(t, "served.example.net. 60 IN SOA ns1.served.example.net. h.served.example.net. 1 3600 600 604800 300")
			}},
		{name: "zones, add, not served", s: main, method: "POST", path: zonesPath + "?wait=verified", body: `{"name":"late.example.net"}`, code: 202},
		{name: "zones, add, cannot apply", s: starting, method: "POST", path: zonesPath + "?wait=verified", body: `{"name":"late.example.net"}`, code: 503},
		{name: "zones, add, exists", s: main, method: "POST", path: zonesPath, body: `{"name":"example.com"}`, code: 409},
		{name: "zones, add, bad JSON", s: main, method: "POST", path: zonesPath, body: `{"name":`, code: 400},
		{name: "zones, add, too large", s: main, method: "POST", path: zonesPath, body: `{"name":"` + strings.Repeat("x", 70000) + `"}`, code: 413},
		{name: "zones, add, bad field", s: main, method: "POST", path: zonesPath, body: `{"name":"a..example.net"}`, code: 422},
		{name: "zones, add, zones.d unreadable", s: main, method: "POST", path: zonesPath, body: `{"name":"x.example.net"}`, code: 503,
			before: func() { breakZoneDir(t, main) }, after: func() { mendZoneDir(t, main) }},
		{name: "zones, list, zones.d unreadable", s: main, method: "GET", path: zonesPath, code: 503,
			before: func() { breakZoneDir(t, main) }, after: func() { mendZoneDir(t, main) }},
		{name: "zones, remove, zones.d unreadable", s: main, method: "DELETE", path: zonesPath + "/staging.example.net", code: 503,
			before: func() { breakZoneDir(t, main) }, after: func() { mendZoneDir(t, main) }},
		{name: "zones, remove", s: main, method: "DELETE", path: zonesPath + "/staging.example.net", code: 200},
		{name: "zones, remove, unknown", s: main, method: "DELETE", path: zonesPath + "/staging.example.net", code: 404},
		{name: "zones, remove, the config's", s: main, method: "DELETE", path: zonesPath + "/example.com?force=true", code: 409},
		{name: "zones, remove, bad name", s: main, method: "DELETE", path: zonesPath + "/a..example.net", code: 422},
		{name: "zones, list, no token", s: main, method: "GET", path: zonesPath, header: noToken, code: 401},
		{name: "zones, add, no token", s: main, method: "POST", path: zonesPath, body: `{"name":"x.example.net"}`, header: noToken, code: 401},
		{name: "zones, remove, no token", s: main, method: "DELETE", path: zonesPath + "/served.example.net", header: noToken, code: 401},
		{name: "zones, list, browser", s: main, method: "GET", path: zonesPath, header: browser, code: 403},
		{name: "zones, add, browser", s: main, method: "POST", path: zonesPath, body: `{"name":"x.example.net"}`, header: browser, code: 403},
		{name: "zones, remove, browser", s: main, method: "DELETE", path: zonesPath + "/served.example.net", header: browser, code: 403},
		{name: "zones, list, rate limited", s: limited, method: "GET", path: zonesPath, code: 429},
		{name: "zones, add, rate limited", s: limited, method: "POST", path: zonesPath, body: `{"name":"x.example.net"}`, code: 429},
		{name: "zones, remove, rate limited", s: limited, method: "DELETE", path: zonesPath + "/served.example.net", code: 429},

		{name: "openapi", s: main, method: "GET", path: "/api/v1/openapi.json", header: noToken, code: 200},
		{name: "metrics", s: main, method: "GET", path: "/metrics", header: noToken, code: 200},
		{name: "readyz", s: main, method: "GET", path: "/readyz", header: noToken, code: 200},
		{name: "readyz, with details", s: main, method: "GET", path: "/readyz", code: 200},
		{name: "readyz, starting", s: starting, method: "GET", path: "/readyz", header: noToken, code: 503},
		{name: "healthz", s: main, method: "GET", path: "/healthz", header: noToken, code: 200},
		{name: "healthz, stuck", s: starting, method: "GET", path: "/healthz", header: noToken, code: 503, before: func() {
			starting.tracker.SetStuckAfter(time.Nanosecond)
			for deadline := time.Now().Add(5 * time.Second); starting.tracker.Liveness().Alive(); {
				if time.Now().After(deadline) {
					t.Fatal("the tracker never read as stuck")
				}
				time.Sleep(time.Millisecond)
			}
		}},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		w := c.call(t, st.s, st.method, st.path, st.body, st.header...)
		if w.Code != st.code {
			t.Errorf("%s: %s %s: %d %s, want %d", st.name, st.method, st.path, w.Code, w.Body, st.code)
		}
		if st.after != nil {
			st.after()
		}
		switch st.name {
		case "register, a person's name", "register, unreadable file":
			if !strings.Contains(w.Body.String(), "records.d/") {
				t.Errorf("%s: the file is not named relative to records.d: %s", st.name, w.Body)
			}
		case "unregister":
			var resp client.Response[client.WriteResult]
			json.Unmarshal(w.Body.Bytes(), &resp)
			want := []client.Record{{Name: "web-01.example.com", RecordType: "A", Value: "192.0.2.12", TTL: 300, Source: "api-web-01.example.com.yaml"}}
			if got := resp.Data.Removed; len(got) != 1 || got[0] != want[0] {
				t.Errorf("unregister removed %+v, want %+v", got, want)
			}
		case "openapi":
			if w.Body.String() != string(openapi.Document()) {
				t.Error("GET /api/v1/openapi.json is not the document in the repository")
			}
		}
	}

	// The reverse: every answer declared was given.
	for _, r := range spec.Responses() {
		if !c.covered[r.String()] {
			t.Errorf("the document declares %s, which no step produced: drive it, or drop it from the document", r)
		}
	}
}
