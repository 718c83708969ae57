package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// TestLoadDefaults checks what the design promises of the embedded
// defaults, not every tunable value.
func TestLoadDefaults(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatalf("embedded defaults do not load: %v", err)
	}
	if addr, err := c.DNSAddr(); err != nil || addr != "127.0.0.1:53" {
		t.Errorf("DNSAddr() = %q, %v; want 127.0.0.1:53", addr, err)
	}
	if !c.Orchestrator.DNS.AutoRegister {
		t.Error("auto_register = false, want true")
	}
	if c.Orchestrator.DNS.TTL == 0 {
		t.Error("ttl = 0")
	}
	if c.Records.Dir == "" || c.Records.Debounce.Duration <= 0 {
		t.Errorf("records = %+v", c.Records)
	}
	if c.Backend.Type != "zonefile" || c.Backend.ZoneDir == "" {
		t.Errorf("backend = %+v, want zonefile with a zone_dir", c.Backend)
	}
	if c.Verify.Schedule == "" || c.Verify.Timeout.Duration <= 0 {
		t.Errorf("verify = %+v", c.Verify)
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
			NameserverAddresses: []string{"127.0.0.1"},
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
				c.Records.Debounce.Duration = 1500 * time.Millisecond
				c.Verify.Timeout.Duration = 250 * time.Millisecond
				c.Verify.Schedule = "*/5 * * * *"
				c.Safety.MaxDeletePercent = 50
				c.Safety.MaxUpdatePercent = 75
				c.Safety.MinRecords = 0
			},
		},
		{
			name: "coredns_url without a port",
			file: "[orchestrator.dns]\ncoredns_url = \"dns://dns.internal\"\n",
			edit: func(c *Config) { c.Orchestrator.DNS.CorednsURL = "dns://dns.internal" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(writeConfig(t, tt.file))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want, err := Load("") // a fresh copy: edit must not touch defaults
			if err != nil {
				t.Fatal(err)
			}
			tt.edit(want)
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

func TestDNSAddr(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		want    string
		wantErr []string // substrings; nil means no error
		notErr  string
	}{
		{name: "host and port", url: "dns://127.0.0.1:1053", want: "127.0.0.1:1053"},
		{name: "no port means 53", url: "dns://127.0.0.1", want: "127.0.0.1:53"},
		{name: "name without port", url: "dns://localhost", want: "localhost:53"},
		{name: "trailing slash", url: "dns://127.0.0.1:53/", want: "127.0.0.1:53"},
		{name: "IPv6 without port", url: "dns://[::1]", want: "[::1]:53"},
		{name: "IPv6 with port", url: "dns://[::1]:5353", want: "[::1]:5353"},
		{name: "http", url: "http://localhost:53", wantErr: []string{"DNS", "AXFR", "UPDATE", "dns://"}},
		{name: "https", url: "https://dns.example.com", wantErr: []string{"AXFR", "UPDATE"}},
		{name: "other scheme", url: "udp://127.0.0.1:53", wantErr: []string{"want dns://HOST[:PORT]"}, notErr: "HTTP"},
		{name: "no scheme", url: "127.0.0.1:53", wantErr: []string{"127.0.0.1:53"}},
		{name: "empty", url: "", wantErr: []string{"want dns://"}},
		{name: "no host", url: "dns://:53", wantErr: []string{"want dns://"}},
		{name: "path", url: "dns://127.0.0.1:53/zones", wantErr: []string{"want dns://"}},
		{name: "port zero", url: "dns://127.0.0.1:0", wantErr: []string{"bad port"}},
		{name: "port too big", url: "dns://127.0.0.1:65536", wantErr: []string{"bad port"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			c.Orchestrator.DNS.CorednsURL = tt.url
			got, err := c.DNSAddr()
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Fatalf("DNSAddr(%q) = %q, %v; want %q", tt.url, got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("DNSAddr(%q) = %q, want an error", tt.url, got)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.notErr != "" && strings.Contains(err.Error(), tt.notErr) {
				t.Errorf("error %q should not mention %q", err, tt.notErr)
			}
		})
	}
}

func TestZoneDefaults(t *testing.T) {
	tests := []struct {
		name string
		file string
		want Zone
	}{
		{
			name: "name only",
			file: "[[zones]]\nname = \"Example.ORG\"\n",
			want: Zone{
				Name:                "example.org.",
				Nameservers:         []string{"ns1.example.org."},
				NameserverAddresses: []string{"127.0.0.1"},
				Hostmaster:          "hostmaster.example.org.",
				Refresh:             3600, Retry: 600, Expire: 604800, NegativeTTL: 300, SOATTL: 3600,
			},
		},
		{
			name: "everything set",
			file: `[[zones]]
name = "example.org."
nameservers = ["NS-A.example.org", "ns-b.example.org."]
nameserver_addresses = ["192.0.2.53", "2001:db8::53"]
hostmaster = "dns-admin.example.net"
refresh = 7200
retry = 900
expire = 1209600
negative_ttl = 60
soa_ttl = 86400
`,
			want: Zone{
				Name:                "example.org.",
				Nameservers:         []string{"ns-a.example.org.", "ns-b.example.org."},
				NameserverAddresses: []string{"192.0.2.53", "2001:db8::53"},
				Hostmaster:          "dns-admin.example.net.",
				Refresh:             7200, Retry: 900, Expire: 1209600, NegativeTTL: 60, SOATTL: 86400,
			},
		},
		{
			name: "nameservers outside the zone need no address",
			file: "[[zones]]\nname = \"example.org\"\nnameservers = [\"ns1.provider.net\", \"ns2.provider.net\"]\n",
			want: Zone{
				Name:        "example.org.",
				Nameservers: []string{"ns1.provider.net.", "ns2.provider.net."},
				Hostmaster:  "hostmaster.example.org.",
				Refresh:     3600, Retry: 600, Expire: 604800, NegativeTTL: 300, SOATTL: 3600,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(writeConfig(t, tt.file))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(c.Zones) != 1 {
				t.Fatalf("zones = %+v, want one", c.Zones)
			}
			if !reflect.DeepEqual(c.Zones[0], tt.want) {
				t.Errorf("zone =\n%+v\nwant\n%+v", c.Zones[0], tt.want)
			}
		})
	}
}

func TestReserved(t *testing.T) {
	c, err := Load(writeConfig(t, `[[zones]]
name = "example.com"

[[zones]]
name = "example.org"
nameservers = ["ns.example.org", "ns1.provider.net"]
nameserver_addresses = ["192.0.2.1", "2001:db8::1"]
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		key      rrset.Key
		reserved bool
	}{
		{"default glue A", rrset.Key{Name: "ns1.example.com.", Type: dns.TypeA}, true},
		{"default glue AAAA", rrset.Key{Name: "ns1.example.com.", Type: dns.TypeAAAA}, true},
		{"configured nameserver A", rrset.Key{Name: "ns.example.org.", Type: dns.TypeA}, true},
		{"nameserver TXT is free", rrset.Key{Name: "ns1.example.com.", Type: dns.TypeTXT}, false},
		{"other name", rrset.Key{Name: "www.example.com.", Type: dns.TypeA}, false},
		{"ns2 is not a nameserver", rrset.Key{Name: "ns2.example.com.", Type: dns.TypeA}, false},
		{"out-of-zone nameserver", rrset.Key{Name: "ns1.provider.net.", Type: dns.TypeA}, false},
		{"apex NS is not an address", rrset.Key{Name: "example.com.", Type: dns.TypeNS}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Reserved()(tt.key)
			if (got != "") != tt.reserved {
				t.Fatalf("Reserved(%v) = %q, want reserved=%v", tt.key, got, tt.reserved)
			}
			if tt.reserved && !strings.Contains(got, "nameserver_addresses") {
				t.Errorf("Reserved(%v) = %q, should point at nameserver_addresses", tt.key, got)
			}
		})
	}
}
