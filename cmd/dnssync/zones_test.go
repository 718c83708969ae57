package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/api"
	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/zones"
)

// zonesDir is the env's zones.d: the default, beside records.d.
func (e testEnv) zonesDir() string { return filepath.Join(filepath.Dir(e.dir), "zones.d") }

func (e testEnv) listZones(t *testing.T, extra ...string) []client.Zone {
	t.Helper()
	code, out, stderr := e.run(t, append([]string{"zones", "list", "--json"}, extra...)...)
	if code != exitOK {
		t.Fatalf("zones list: exit %d: %s", code, stderr)
	}
	var resp client.Response[[]client.Zone]
	if err := json.Unmarshal([]byte(out), &resp); err != nil || !resp.Success {
		t.Fatalf("zones list --json: %v: %s", err, out)
	}
	return resp.Data
}

// Locally: add writes zones.d/NAME.yaml (read back as the zone asked for),
// list shows it beside the config's, remove is refused while records.d
// declares records in the zone (naming the file, never its content)
// unless --force, and every write is an audit line of kind cli.
func TestZonesLocal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	trail := filepath.Join(t.TempDir(), "audit.log")
	e.configure(t, func(c *corednstest.Config) { c.Audit.File = trail })
	code, out, stderr := e.run(t, "zones", "add", "staging.example.net", "--nameserver", "ns1.example.net", "--negative-ttl", "60")
	if code != exitOK || !strings.Contains(out, "added zone staging.example.net (staging.example.net.yaml): accepted") {
		t.Fatalf("zones add: exit %d\n%s%s", code, out, stderr)
	}
	set, err := zones.Load(e.zonesDir(), nil)
	if z, ok := set.Zone("staging.example.net"); err != nil || !ok || z.NegativeTTL != 60 || z.Nameservers[0] != "ns1.example.net." {
		t.Fatalf("zones.d holds %+v (%v, %v)", z, ok, err)
	}
	got := e.listZones(t)
	if len(got) != 2 || got[0].Source != "config" || got[1].Name != "staging.example.net" || got[1].Source != "staging.example.net.yaml" {
		t.Errorf("zones list = %+v", got)
	}
	if code, _, stderr := e.run(t, "zones", "add", "example.com"); code != exitError || !strings.Contains(stderr, "declared already, in config [[zones]] #1") {
		t.Errorf("add the config's zone: exit %d: %s", code, stderr)
	}
	e.write(t, "web.yaml", "records:\n  - name: www.staging.example.net\n    type: TXT\n    value: s3cr3t\n")
	code, _, stderr = e.run(t, "zones", "remove", "staging.example.net")
	if code != exitError || !strings.Contains(stderr, "records.d/web.yaml") || strings.Contains(stderr, "s3cr3t") {
		t.Errorf("remove with records: exit %d: %s", code, stderr)
	}
	if code, _, stderr := e.run(t, "zones", "remove", "example.com"); code != exitError || !strings.Contains(stderr, "remove it there") {
		t.Errorf("remove the config's zone: exit %d: %s", code, stderr)
	}
	code, out, stderr = e.run(t, "zones", "remove", "staging.example.net", "--force")
	if code != exitOK || !strings.Contains(out, "removed zone staging.example.net") || !strings.Contains(out, "web.yaml") {
		t.Errorf("remove --force: exit %d\n%s%s", code, out, stderr)
	}
	if got := e.listZones(t); len(got) != 1 {
		t.Errorf("after remove: %+v", got)
	}
	l, err := audit.Open(trail)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	raw, _ := os.ReadFile(trail)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 5 || !strings.Contains(lines[0], `"kind":"cli"`) || !strings.Contains(lines[0], `"action":"add-zone"`) ||
		!strings.Contains(lines[4], `"action":"remove-zone-forced"`) {
		t.Errorf("audit trail:\n%s", raw)
	}
}

// Every key of a zones.d file has its flag: the SOA's timers and the
// nameservers' addresses (repeated) given to `zones add` are what the
// written file declares, and what `zones list --json` shows.
func TestZonesAddSOAFlags(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	code, out, stderr := e.run(t, "zones", "add", "lab.example.net", "--nameserver", "ns1.lab.example.net",
		"--nameserver-address", "192.0.2.53", "--nameserver-address", "2001:db8::53",
		"--refresh", "900", "--retry", "120", "--expire", "1209600", "--negative-ttl", "30", "--soa-ttl", "600")
	if code != exitOK {
		t.Fatalf("zones add: exit %d\n%s%s", code, out, stderr)
	}
	set, err := zones.Load(e.zonesDir(), nil)
	z, ok := set.Zone("lab.example.net")
	if err != nil || !ok {
		t.Fatalf("zones.d: %v, %v", ok, err)
	}
	if z.Refresh != 900 || z.Retry != 120 || z.Expire != 1209600 || z.NegativeTTL != 30 || z.SOATTL != 600 {
		t.Errorf("SOA timers in zones.d = refresh %d retry %d expire %d negative %d soa_ttl %d", z.Refresh, z.Retry, z.Expire, z.NegativeTTL, z.SOATTL)
	}
	if got := z.Spec().NameserverAddresses; len(got) != 2 || got[0] != "192.0.2.53" || got[1] != "2001:db8::53" {
		t.Errorf("nameserver addresses in zones.d = %v", got)
	}
	var listed client.Zone
	for _, l := range e.listZones(t) {
		if l.Name == "lab.example.net" {
			listed = l
		}
	}
	if listed.Refresh != 900 || listed.Retry != 120 || listed.Expire != 1209600 || listed.NegativeTTL != 30 || listed.SOATTL != 600 ||
		len(listed.NameserverAddresses) != 2 {
		t.Errorf("zones list = %+v", listed)
	}
	// Not given: the defaults, as [[zones]] has them.
	if code, _, stderr := e.run(t, "zones", "add", "plain.example.net"); code != exitOK {
		t.Fatalf("zones add plain: exit %d: %s", code, stderr)
	}
	set, _ = zones.Load(e.zonesDir(), nil)
	if p, _ := set.Zone("plain.example.net"); p.Refresh != 3600 || p.Retry != 600 || p.Expire != 604800 || p.SOATTL != 3600 {
		t.Errorf("defaults = %+v", p)
	}
}

// Command lines the zones commands cannot take are usage errors (64).
func TestZonesUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	for _, args := range [][]string{
		{"zones"}, {"zones", "show"}, {"zones", "add"}, {"zones", "remove", "a", "b"},
		{"zones", "add", "x.example.net", "--negative-ttl", "soon"}, {"zones", "add", "x.example.net", "--wait"},
		{"zones", "add", "x.example.net", "--refresh", "-1"}, {"zones", "add", "x.example.net", "--soa-ttl", "1h"},
		{"zones", "add", "x.example.net", "--expire", "4294967296"}, {"zones", "add", "x.example.net", "--retry", ""},
	} {
		if code, _, stderr := e.run(t, args...); code != exitUsage || !strings.HasPrefix(stderr, "dnssync: zones") {
			t.Errorf("%v: exit %d, %q; want 64", args, code, stderr)
		}
	}
}

// With --api the daemon's zones API does the work, with the same
// answers as locally.
func TestZonesThroughAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	cfg, err := config.Load(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	store := desired.NewStore(desiredOptions(cfg), nil)
	if _, err := store.Scan(); err != nil {
		t.Fatal(err)
	}
	rec, err := recordsAPI(cfg, store)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Options{Listen: api.Listen{Network: "tcp", Address: "127.0.0.1:0"}, Health: health.NewTracker(),
		Gatherer: prometheus.NewRegistry(), Records: rec, Zones: zoneEditor(cfg, store)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	code, out, stderr := e.run(t, "zones", "add", "api.example.net", "--reverse", "--api", hs.URL)
	if code != exitError || !strings.Contains(stderr, "api: 422") || !strings.Contains(stderr, "reverse: ") {
		t.Errorf("add a forward name as reverse: exit %d\n%s%s", code, out, stderr)
	}
	if code, out, stderr := e.run(t, "zones", "add", "api.example.net", "--api", hs.URL); code != exitOK || !strings.Contains(out, "added zone api.example.net") {
		t.Errorf("add: exit %d\n%s%s", code, out, stderr)
	}
	if got := e.listZones(t, "--api", hs.URL); len(got) != 2 || got[0].Name != "api.example.net" {
		t.Errorf("list --api = %+v", got)
	}
	if code, out, stderr := e.run(t, "zones", "remove", "api.example.net", "--api", hs.URL); code != exitOK || !strings.Contains(out, "removed zone api.example.net") {
		t.Errorf("remove: exit %d\n%s%s", code, out, stderr)
	}
	if code, _, stderr := e.run(t, "zones", "remove", "api.example.net", "--api", hs.URL); code != exitError || !strings.Contains(stderr, "api: 404") {
		t.Errorf("remove again: exit %d: %s", code, stderr)
	}
}
