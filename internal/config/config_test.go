package config

import (
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// TestLoadDefaults checks what the design promises of the embedded
// defaults, not every tunable value.
func TestLoadDefaults(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatalf("embedded defaults do not load: %v", err)
	}
	if got := c.Authoritative().String(); got != "127.0.0.1:53" {
		t.Errorf("Authoritative() = %q, want 127.0.0.1:53", got)
	}
	if !c.Orchestrator.DNS.AutoRegister {
		t.Error("auto_register = false, want true")
	}
	if c.Orchestrator.DNS.TTL == 0 {
		t.Error("ttl = 0")
	}
	if c.Records.Dir == "" || c.Records.Debounce <= 0 {
		t.Errorf("records = %+v", c.Records)
	}
	if c.Backend.Type != ZoneFile || c.Backend.ZoneDir == "" {
		t.Errorf("backend = %+v, want zonefile with a zone_dir", c.Backend)
	}
	if c.Verify.Schedule.Schedule == nil || c.Verify.Schedule.Spec == "" || c.Verify.Timeout <= 0 {
		t.Errorf("verify = %+v", c.Verify)
	}
	if c.Log.Level != slog.LevelInfo || c.Log.Format != LogAuto {
		t.Errorf("log = %+v, want info, auto", c.Log)
	}
	if c.API.Listen != (Listen{Network: "tcp", Address: "127.0.0.1:8053"}) {
		t.Errorf("api.listen = %+v, want tcp 127.0.0.1:8053", c.API.Listen)
	}
	if c.Safety.MaxDeletePercent != 30 || c.Safety.MaxUpdatePercent != 30 || c.Safety.MinRecords != 10 {
		t.Errorf("safety = %+v, want 30%% (deletes, updates) of at least 10 records", c.Safety)
	}
	if got, want := c.ZoneNames(), []string{"example.com."}; !reflect.DeepEqual(got, want) {
		t.Errorf("zones = %v, want %v", got, want)
	}
}

// writeConfig writes text to a config.toml in a fresh directory.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadOverrides: a file changes exactly the keys it sets; everything
// else is the defaults.
func TestLoadOverrides(t *testing.T) {
	zone := func(name string) Zone {
		return Zone{
			Name:                name,
			Nameservers:         []string{"ns1." + name},
			NameserverAddresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")},
			Hostmaster:          "hostmaster." + name,
			Refresh:             3600, Retry: 600, Expire: 604800, NegativeTTL: 300, SOATTL: 3600,
		}
	}
	tests := []struct {
		name string
		file string
		edit func(c *Config) // applied to the defaults gives the expected config
	}{
		{
			name: "empty file",
			file: "# nothing\n",
			edit: func(c *Config) {},
		},
		{
			name: "ttl only",
			file: "[orchestrator.dns]\nttl = 61\n",
			edit: func(c *Config) { c.Orchestrator.DNS.TTL = 61 },
		},
		{
			name: "false overrides a true default",
			file: "[orchestrator.dns]\nauto_register = false\n",
			edit: func(c *Config) { c.Orchestrator.DNS.AutoRegister = false },
		},
		{
			name: "zones in the file replace the default zones",
			file: "[[zones]]\nname = \"a.test\"\n\n[[zones]]\nname = \"B.Test.\"\n",
			edit: func(c *Config) { c.Zones = []Zone{zone("a.test."), zone("b.test.")} },
		},
		{
			name: "one zone replaces the default zone whole",
			file: "[[zones]]\nname = \"a.test\"\nhostmaster = \"admin.a.test\"\n",
			edit: func(c *Config) {
				z := zone("a.test.")
				z.Hostmaster = "admin.a.test."
				c.Zones = []Zone{z}
			},
		},
		{
			name: "durations, schedule and safety",
			file: "[records]\ndebounce = \"1.5s\"\n[verify]\ntimeout = \"250ms\"\nschedule = \"*/5 * * * *\"\n[safety]\nmax_delete_percent = 50\nmax_update_percent = 75\nmin_records = 0\n",
			edit: func(c *Config) {
				c.Records.Debounce = 1500 * time.Millisecond
				c.Verify.Timeout = 250 * time.Millisecond
				c.Verify.Schedule = Schedule{Spec: "*/5 * * * *", Schedule: mustCron(t, "*/5 * * * *")}
				c.Safety.MaxDeletePercent = 50
				c.Safety.MaxUpdatePercent = 75
				c.Safety.MinRecords = 0
			},
		},
		{
			name: "coredns_url without a port",
			file: "[orchestrator.dns]\ncoredns_url = \"dns://dns.internal\"\n",
			edit: func(c *Config) {
				c.Orchestrator.DNS.CorednsURL = "dns://dns.internal"
				c.Orchestrator.DNS.Coredns = HostPort{Host: "dns.internal", Port: 53}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.file)
			got, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want, err := Load("") // a fresh copy: edit must not touch defaults
			if err != nil {
				t.Fatal(err)
			}
			tt.edit(want)
			want.File = path
			// The defaults' relative records.dir is beside the file.
			want.Records.Dir = filepath.Join(filepath.Dir(path), "records.d")
			want.Records.ZonesDir = filepath.Join(filepath.Dir(path), "zones.d")
			if !reflect.DeepEqual(got, want) {
				t.Errorf("config =\n%+v\nwant\n%+v", *got, *want)
			}
		})
	}
}

// TestLoadBad loads every testdata/bad-*.toml. Each file names the error it
// must produce in "# want: " lines (substrings of the error, in any order).
func TestLoadBad(t *testing.T) {
	files, err := filepath.Glob("testdata/bad-*.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/bad-*.toml")
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".toml"), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, line := range strings.Split(string(b), "\n") {
				if w, ok := strings.CutPrefix(line, "# want: "); ok {
					want = append(want, w)
				}
			}
			if len(want) == 0 {
				t.Fatalf("%s has no '# want: ' line", path)
			}
			c, err := Load(path)
			if err == nil {
				t.Fatalf("Load(%s) = %+v, want an error", path, c)
			}
			t.Logf("error: %v", err)
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.toml")
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Load(missing) = %v, want an error naming %s", err, path)
	}
}

func mustCron(t *testing.T, spec string) cron.Schedule {
	t.Helper()
	s, err := cron.ParseStandard(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
