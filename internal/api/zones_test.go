package api

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/registry"
	"github.com/dnssync/dnssync/internal/verify"
	"github.com/dnssync/dnssync/internal/zones"
)

const zoneToken = "zones-token-0123456789"

// zoneEnv is a server with the records and zones APIs over temp dirs:
// [[zones]] example.com, catalog.invalid as the catalog.
type zoneEnv struct {
	s                   *Server
	recordsDir, zoneDir string
	store               *desired.Store
	audit               string
}

func newZoneEnv(t *testing.T, served func(context.Context, string) error) *zoneEnv {
	t.Helper()
	e := &zoneEnv{recordsDir: t.TempDir()}
	e.zoneDir = filepath.Join(t.TempDir(), "zones.d")
	opts := desired.Options{Dir: e.recordsDir, Zones: []string{"example.com", "example.net"}, DefaultTTL: 300}
	e.store = desired.NewStore(opts, nil)
	cfgZone, err := config.BuildZone(config.ZoneSpec{Name: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	ed := &zones.Editor{Dir: e.zoneDir, Config: []config.Zone{cfgZone}, Catalog: "catalog.invalid.",
		Records: e.store, RecordsDir: e.recordsDir, Served: served}
	e.s, err = New(Options{Listen: loopback, Health: health.NewTracker(), Gatherer: prometheus.NewRegistry(), Zones: ed,
		Records: &RecordsOptions{Registry: &registry.Registry{Options: opts, Declared: e.store}, Declared: e.store,
			Resolver: &verify.Resolver{Addr: "127.0.0.1:1", Timeout: 100 * time.Millisecond}, AutoRegister: true,
			WaitTimeout: time.Second, Tokens: []Token{{ID: "ops", Secret: zoneToken}}, Rate: 1000, Burst: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	e.audit = auditTo(t, e.s)
	return e
}

func (e *zoneEnv) send(method, path, body string) (int, string) {
	w := send(e.s.Handler(), method, path, body, "Authorization", "Bearer "+zoneToken)
	return w.Code, strings.ReplaceAll(w.Body.String(), `\"`, `"`) // messages as written
}

// The zones API needs a token, as the records API does; without one the
// request is refused and audited.
func TestZonesNeedAToken(t *testing.T) {
	t.Parallel()
	e := newZoneEnv(t, nil)
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/v1/dns/zones", ""},
		{"POST", "/api/v1/dns/zones", `{"name":"new.example.org"}`},
		{"DELETE", "/api/v1/dns/zones/example.com", ""},
	} {
		if w := send(e.s.Handler(), r.method, r.path, r.body); w.Code != 401 {
			t.Errorf("%s %s without a token: %d %s, want 401", r.method, r.path, w.Code, w.Body)
		}
	}
	if _, err := os.Stat(e.zoneDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("zones.d touched by refused requests: %v", err)
	}
	if evs := auditEvents(t, e.audit); len(evs) != 3 || evs[1].Result != "refused: no bearer token" {
		t.Errorf("audit = %+v, want the 3 refusals", evs)
	}
}

// Add writes zones.d/<zone>.yaml, which the loader reads back as the zone
// asked for; the list shows it beside the config's with its source; a
// second add, the config's zone and the catalog are conflicts; a bad
// field is 422 naming it. Every write is one audit line.
func TestAddAndListZones(t *testing.T) {
	t.Parallel()
	e := newZoneEnv(t, nil)
	code, body := e.send("POST", "/api/v1/dns/zones", `{"name":"Staging.Example.ORG.","nameservers":["ns1.example.net"],"negative_ttl":60}`)
	if code != 201 {
		t.Fatalf("add: %d %s", code, body)
	}
	var added client.Response[client.ZoneChange]
	if err := json.Unmarshal([]byte(body), &added); err != nil {
		t.Fatal(err)
	}
	if z := added.Data; z.Name != "staging.example.org" || z.Source != "staging.example.org.yaml" || z.Status != "accepted" ||
		z.NegativeTTL != 60 || z.Refresh != 3600 || len(z.Nameservers) != 1 || z.Nameservers[0] != "ns1.example.net" {
		t.Errorf("added = %+v", z)
	}
	set, err := zones.Load(e.zoneDir, nil)
	if err != nil || len(set.Problems()) > 0 {
		t.Fatalf("load zones.d: %v %v", err, set.Problems())
	}
	if z, ok := set.Zone("staging.example.org"); !ok || z.NegativeTTL != 60 || z.Nameservers[0] != "ns1.example.net." {
		t.Errorf("zones.d holds %+v, %v", z, ok)
	}

	code, body = e.send("GET", "/api/v1/dns/zones", "")
	var list client.Response[[]client.Zone]
	if err := json.Unmarshal([]byte(body), &list); err != nil || code != 200 {
		t.Fatalf("list: %d %s", code, body)
	}
	if got := list.Data; len(got) != 2 || got[0].Name != "example.com" || got[0].Source != "config" ||
		got[0].Hostmaster != "hostmaster.example.com" || got[0].NameserverAddresses[0] != "127.0.0.1" ||
		got[1].Source != "staging.example.org.yaml" {
		t.Errorf("list = %+v", got)
	}

	for _, c := range []struct {
		body string
		code int
		want string
	}{
		{`{"name":"staging.example.org"}`, 409, "declared already, in zones.d/staging.example.org.yaml:1"},
		{`{"name":"EXAMPLE.com"}`, 409, "declared already, in config [[zones]] #1"},
		{`{"name":"catalog.invalid"}`, 409, "[catalog] zone"},
		{`{"name":"a..b"}`, 422, `name: "a..b" is not a zone name`},
		{`{"name":"r.example.org","reverse":true}`, 422, "reverse: "},
		{`{"name":"n.example.org","nameserver_addresses":["x"]}`, 422, "nameserver_addresses: "},
		{`{"name":"s.example.org","source":"config"}`, 422, "source: "},
		{`{"name":"s.example.org","ttl":5}`, 400, `unknown field "ttl"`},
		{`{}`, 422, "name: required"},
	} {
		code, body := e.send("POST", "/api/v1/dns/zones", c.body)
		if code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("add %s: %d %s, want %d with %q", c.body, code, body, c.code, c.want)
		}
		if strings.Contains(body, e.zoneDir) {
			t.Errorf("add %s: the answer names the server's path: %s", c.body, body)
		}
	}
	evs := auditEvents(t, e.audit)
	if len(evs) != 10 || evs[0].Action != "add-zone" || evs[0].Name != "Staging.Example.ORG." || evs[0].Result != "accepted" ||
		evs[0].Status != 201 || evs[0].TokenID != "ops" || evs[1].Status != 409 {
		t.Errorf("audit = %+v; want one line per write", evs)
	}
}

// A file in zones.d that is invalid now (a person's edit) is never
// replaced by an add, and the answer quotes none of it.
func TestAddKeepsAnInvalidFile(t *testing.T) {
	t.Parallel()
	e := newZoneEnv(t, nil)
	if err := os.MkdirAll(e.zoneDir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(e.zoneDir, "wip.example.org.yaml")
	if err := os.WriteFile(path, []byte("zone:\n  name: wip.example.org\n  secret_key: hunter2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, body := e.send("POST", "/api/v1/dns/zones", `{"name":"wip.example.org"}`)
	if code != 409 || !strings.Contains(body, "zones.d/wip.example.org.yaml") || strings.Contains(body, "hunter2") {
		t.Errorf("add over an invalid file: %d %s", code, body)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "hunter2") {
		t.Error("the invalid file was replaced")
	}
}

// With the rfc2136 backend a zone the server does not serve is refused
// (422) saying what to add there, and nothing is written.
func TestAddZoneNotOnServer(t *testing.T) {
	t.Parallel()
	e := newZoneEnv(t, func(_ context.Context, zone string) error {
		if zone == "there.example.org." {
			return nil
		}
		return errors.New("no SOA for " + zone + " at 127.0.0.1:53")
	})
	code, body := e.send("POST", "/api/v1/dns/zones", `{"name":"missing.example.org"}`)
	for _, want := range []string{"does not serve zone missing.example.org", `zone "missing.example.org" {`, "domain: missing.example.org", "dynupdate"} {
		if code != 422 || !strings.Contains(body, want) {
			t.Errorf("add: %d %s, want 422 with %q", code, body, want)
		}
	}
	if _, err := os.Stat(filepath.Join(e.zoneDir, "missing.example.org.yaml")); err == nil {
		t.Error("a zone the server lacks was written")
	}
	if code, body := e.send("POST", "/api/v1/dns/zones", `{"name":"there.example.org"}`); code != 201 {
		t.Errorf("add a served zone: %d %s", code, body)
	}
}

// Remove: the config's zones are refused, a zone with records in
// records.d is refused listing the files (relative, no content) unless
// forced, an unknown zone is 404; removed, its file is gone.
func TestRemoveZone(t *testing.T) {
	t.Parallel()
	e := newZoneEnv(t, nil)
	for _, z := range []string{"example.net", "empty.example.org"} {
		if code, body := e.send("POST", "/api/v1/dns/zones", `{"name":"`+z+`"}`); code != 201 {
			t.Fatalf("add %s: %d %s", z, code, body)
		}
	}
	rec := "records:\n  - name: www.example.net\n    type: TXT\n    value: s3cr3t-content\n"
	if err := os.WriteFile(filepath.Join(e.recordsDir, "web.yaml"), []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Scan(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		code int
		want string
	}{
		{"/api/v1/dns/zones/example.com", 409, "declared in the config (config [[zones]] #1): remove it there"},
		{"/api/v1/dns/zones/example.net", 409, "records.d declares records in zone example.net., in records.d/web.yaml"},
		{"/api/v1/dns/zones/nope.example.org", 404, "nope.example.org. is not a managed zone"},
		{"/api/v1/dns/zones/a..b", 422, "not a zone name"},
		{"/api/v1/dns/zones/Empty.Example.Org.", 200, `"source":"empty.example.org.yaml"`},
		{"/api/v1/dns/zones/example.net?force=true", 200, `"record_files":["web.yaml"]`},
		{"/api/v1/dns/zones/example.net", 404, "not a managed zone"},
	} {
		code, body := e.send("DELETE", c.path, "")
		if code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("DELETE %s: %d %s, want %d with %q", c.path, code, body, c.code, c.want)
		}
		if strings.Contains(body, "s3cr3t") || strings.Contains(body, e.recordsDir) || strings.Contains(body, e.zoneDir) {
			t.Errorf("DELETE %s: the answer shows a file's content or a server path: %s", c.path, body)
		}
	}
	if entries, _ := os.ReadDir(e.zoneDir); len(entries) != 0 {
		t.Errorf("zones.d still holds %v", entries)
	}
	evs := auditEvents(t, e.audit)
	last := evs[len(evs)-2]
	if last.Action != "remove-zone-forced" || last.Name != "example.net" || last.Status != 200 {
		t.Errorf("audit of the forced removal = %+v", last)
	}
}

// Without a zone store the zones routes are not served (404 in the
// envelope).
func TestNoZoneStoreNoRoutes(t *testing.T) {
	t.Parallel()
	s, _ := recordsServer(t, nil, 100, 100)
	if w := send(s.Handler(), "GET", "/api/v1/dns/zones", ""); w.Code != 404 || !strings.Contains(w.Body.String(), `"success":false`) {
		t.Errorf("GET zones without a store: %d %s", w.Code, w.Body)
	}
}

// The request body takes exactly the fields of a zones.d file's zone:
// mapping (config.ZoneSpec's JSON tags), and client.Zone adds only
// source.
func TestZoneBodyIsTheZoneSpec(t *testing.T) {
	t.Parallel()
	keys := func(v any) map[string]bool {
		b, _ := json.Marshal(v)
		var m map[string]any
		json.Unmarshal(b, &m)
		out := map[string]bool{}
		for k := range m {
			out[k] = true
		}
		return out
	}
	spec := keys(config.ZoneSpec{Name: "a", Nameservers: []string{"x"}, NameserverAddresses: []string{"x"}, Hostmaster: "h",
		Refresh: 1, Retry: 1, Expire: 1, NegativeTTL: 1, SOATTL: 1, Reverse: true})
	zone := keys(client.Zone{Name: "a", Nameservers: []string{"x"}, NameserverAddresses: []string{"x"}, Hostmaster: "h",
		Refresh: 1, Retry: 1, Expire: 1, NegativeTTL: 1, SOATTL: 1, Reverse: true, Source: "s"})
	delete(zone, "source")
	if len(spec) != len(zone) {
		t.Errorf("client.Zone %v, config.ZoneSpec %v", zone, spec)
	}
	for k := range spec {
		if !zone[k] {
			t.Errorf("config.ZoneSpec's %s is not in client.Zone", k)
		}
	}
}

// contractZones is the contract test's zone store: [[zones]] example.com,
// zones.d in a temp dir beside records.d (inside what the test keeps out
// of answers).
func contractZones(t *testing.T, recordsDir string, store *desired.Store) (string, ZoneStore) {
	t.Helper()
	z, err := config.BuildZone(config.ZoneSpec{Name: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	dir := recordsDir + "-zones.d" // beside records.d, one per server
	return dir, &zones.Editor{Dir: dir, Config: []config.Zone{z}, Records: store, RecordsDir: recordsDir}
}

// breakZoneDir puts a file where zones.d is, so that it cannot be listed;
// mendZoneDir puts zones.d back.
func breakZoneDir(t *testing.T, s *contractServer) {
	t.Helper()
	if err := os.Rename(s.zoneDir, s.zoneDir+".away"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.zoneDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mendZoneDir(t *testing.T, s *contractServer) {
	t.Helper()
	if err := os.Remove(s.zoneDir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(s.zoneDir+".away", s.zoneDir); err != nil {
		t.Fatal(err)
	}
}
