package config

import (
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestLoadTyped: Load hands out parsed values, so that no caller parses a
// config string again.
func TestLoadTyped(t *testing.T) {
	c, err := Load(writeConfig(t, `
[orchestrator.dns]
coredns_url = "dns://[::1]:1053"
[records]
debounce = "0s"
[backend]
type = "rfc2136"
server = "192.0.2.53"
tsig_algorithm = "HMAC-SHA512"
[verify]
schedule = "*/5 * * * *"
timeout = "1m30s"
nameservers = ["192.0.2.54:5353", "dns://ns2.example.net"]
[api]
listen = "unix:/run/dnssync/api.sock"
wait_timeout = "3s"
[log]
level = "debug"
format = "json"
[debug]
pprof = "localhost:6060"
[[zones]]
name = "example.org"
nameserver_addresses = ["192.0.2.1", "2001:db8::1"]
`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Orchestrator.DNS.Coredns, (HostPort{Host: "::1", Port: 1053}); got != want {
		t.Errorf("coredns = %+v, want %+v", got, want)
	}
	if c.Backend.Type != RFC2136 || c.Backend.TSIGAlgorithm != dns.HmacSHA512 {
		t.Errorf("backend = %q with %q, want rfc2136 with %q", c.Backend.Type, c.Backend.TSIGAlgorithm, dns.HmacSHA512)
	}
	if got := c.Authoritative().String(); got != "192.0.2.53:53" {
		t.Errorf("Authoritative() = %q, want [backend] server, 192.0.2.53:53", got)
	}
	from := time.Date(2026, 4, 15, 12, 1, 0, 0, time.UTC)
	if next := c.Verify.Schedule.Next(from); !next.Equal(from.Add(4 * time.Minute)) {
		t.Errorf("schedule: next after %v = %v, want 12:05", from, next)
	}
	if c.Verify.Schedule.String() != "*/5 * * * *" {
		t.Errorf("schedule as written = %q", c.Verify.Schedule)
	}
	if c.Records.Debounce != 0 || c.Verify.Timeout != 90*time.Second || c.API.WaitTimeout != 3*time.Second {
		t.Errorf("durations = %v, %v, %v; want 0s, 1m30s, 3s", c.Records.Debounce, c.Verify.Timeout, c.API.WaitTimeout)
	}
	var ns []string
	for _, a := range c.Verify.Nameservers {
		ns = append(ns, a.String())
	}
	if want := []string{"192.0.2.54:5353", "ns2.example.net:53"}; !slices.Equal(ns, want) {
		t.Errorf("nameservers = %q, want %q", ns, want)
	}
	if want := (Listen{Network: "unix", Address: "/run/dnssync/api.sock"}); c.API.Listen != want {
		t.Errorf("api.listen = %+v, want %+v", c.API.Listen, want)
	}
	if want := (Listen{Network: "tcp", Address: "localhost:6060"}); c.Debug.Pprof != want {
		t.Errorf("debug.pprof = %+v, want %+v", c.Debug.Pprof, want)
	}
	if c.Log.Level != slog.LevelDebug || c.Log.Format != LogJSON {
		t.Errorf("log = %+v, want debug, json", c.Log)
	}
	if got := c.Zones[0].NameserverAddresses; !slices.Equal(got, addrs("192.0.2.1", "2001:db8::1")) {
		t.Errorf("nameserver_addresses = %v", got)
	}
}

// TestAuthoritativeZoneFile: the zone file backend reads and verifies where
// coredns_url points, whatever [backend] server says.
func TestAuthoritativeZoneFile(t *testing.T) {
	c, err := Load(writeConfig(t, "[orchestrator.dns]\ncoredns_url = \"dns://127.0.0.1:1053\"\n[backend]\nserver = \"192.0.2.53\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Authoritative().String(); got != "127.0.0.1:1053" {
		t.Errorf("Authoritative() = %q, want coredns_url's 127.0.0.1:1053", got)
	}
}

// TestExamplesLoad loads every config the repository shows an operator:
// the files in dev/ and systemd/ and each TOML block of the README. (The
// embedded defaults are TestLoadDefaults'.)
func TestExamplesLoad(t *testing.T) {
	for _, path := range []string{"../../dev/config.toml", "../../systemd/config.toml"} {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			if _, err := Load(path); err != nil {
				t.Error(err)
			}
		})
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?ms)^```toml\n(.*?)^```").FindAllSubmatch(readme, -1)
	if len(blocks) == 0 {
		t.Fatal("README.md shows no TOML")
	}
	for i, b := range blocks {
		t.Run("README block "+string(rune('1'+i)), func(t *testing.T) {
			if _, err := Load(writeConfig(t, string(b[1]))); err != nil {
				t.Errorf("%v\n%s", err, b[1])
			}
		})
	}
}
