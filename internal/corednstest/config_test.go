package corednstest

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/config"
)

// The e2e tests edit the written file by exact text (replaceConfig), so
// the rendering is pinned here, byte for byte.
func TestConfigString(t *testing.T) {
	t.Parallel()
	c := Config{
		DNS:     DNS{Addr: "127.0.0.1:5353"},
		Records: Records{Dir: "/r/records.d", Debounce: 20 * time.Millisecond},
		Backend: Backend{Type: "zonefile", ZoneDir: "/r/zones", StateDir: "/r/state"},
		Verify:  Verify{Schedule: "@every 1s", Timeout: 5 * time.Second},
		API:     &API{},
		Log:     Log{Level: "debug"},
		Zones:   []string{"example.com", "example.org"},
	}
	want := `[orchestrator.dns]
coredns_url = "dns://127.0.0.1:5353"

[records]
dir = "/r/records.d"
debounce = "20ms"

[backend]
type = "zonefile"
zone_dir = "/r/zones"
state_dir = "/r/state"

[verify]
schedule = "@every 1s"
timeout = "5s"

[api]
listen = ""

[log]
level = "debug"

[[zones]]
name = "example.com"

[[zones]]
name = "example.org"
`
	if got := c.String(); got != want {
		t.Errorf("rendered:\n%s\nwant:\n%s", got, want)
	}

	c.API = nil
	c.DNS.AutoRegister = Bool(false)
	c.Safety.MaxDeletePercent = 50
	c.Records.Dir = "/r/a \"quoted\" \\ dir\x01"
	got := c.String()
	for _, w := range []string{
		"[orchestrator.dns]\ncoredns_url = \"dns://127.0.0.1:5353\"\nauto_register = false\n",
		`dir = "/r/a \"quoted\" \\ dir\u0001"` + "\n",
		"[safety]\nmax_delete_percent = 50.0\n",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("rendered config lacks %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "[api]") {
		t.Errorf("API nil still wrote an [api] table:\n%s", got)
	}
}

// Every key the writer knows is one dnssync's strict parser accepts, with
// values of the right type: a renamed or mistyped key fails here, not as a
// puzzling e2e failure.
func TestConfigLoads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	full := func(backend Backend) Config {
		return Config{
			DNS:         DNS{Addr: "127.0.0.1:5353", AutoRegister: Bool(false), TTL: 120},
			Records:     Records{Dir: filepath.Join(dir, "records.d"), Debounce: 10 * time.Millisecond},
			Backend:     backend,
			Verify:      Verify{Schedule: "@every 1h", Timeout: 30 * time.Second, Nameservers: []string{"127.0.0.1:5354", "127.0.0.2:53"}},
			API:         &API{Listen: "127.0.0.1:8053", TokenFile: filepath.Join(dir, "tokens"), Rate: 2000, Burst: 400, WaitTimeout: 3 * time.Second},
			Audit:       Audit{File: filepath.Join(dir, "audit.log")},
			Safety:      Safety{MaxDeletePercent: 12.5, MaxUpdatePercent: 40, MinRecords: 1000000},
			Log:         Log{Level: "warn", Format: "text"},
			Zones:       []string{"example.com", "bench.test"},
			Secondaries: []string{"127.0.0.1:5356"},
			Resolvers:   []Resolver{{Address: "127.0.0.1:5400", Name: "resolver-a"}, {Address: "127.0.0.1:5401"}},
			Pprof:       "127.0.0.1:6060",
		}
	}
	for name, c := range map[string]Config{
		"zonefile": full(Backend{Type: "zonefile", ZoneDir: filepath.Join(dir, "zones"), StateDir: filepath.Join(dir, "state")}),
		"rfc2136": full(Backend{Type: "rfc2136", Server: "127.0.0.1:5355", TSIGKey: "dnssync.", TSIGAlgorithm: "hmac-sha256",
			TSIGSecretFile: filepath.Join(dir, "tsig.secret"), StateDir: filepath.Join(dir, "state"), MaxUpdateRecords: 500}),
	} {
		path := filepath.Join(dir, name+".toml")
		if err := c.Write(path); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(path)
		if err != nil {
			t.Errorf("%s: dnssync refuses the written config: %v\n%s", name, err, c)
			continue
		}
		if len(cfg.Resolvers) != 2 || cfg.Resolvers[0].Name != "resolver-a" || cfg.Resolvers[0].Address.String() != "127.0.0.1:5400" ||
			cfg.Resolvers[1].Address.String() != "127.0.0.1:5401" || len(cfg.Secondaries) != 1 {
			t.Errorf("%s: [[resolvers]] read as %+v, [[secondaries]] as %+v", name, cfg.Resolvers, cfg.Secondaries)
		}
		if got := cfg.Debug.Pprof.String(); got != "127.0.0.1:6060" {
			t.Errorf("%s: [debug] pprof read as %q", name, got)
		}
	}
}
