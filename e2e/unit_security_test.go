package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// TestUnitSecurityExposure: systemd's own measure of each shipped unit's
// sandbox, `systemd-analyze security` (0 is locked down, 10 is none),
// stays at or under the bound the README states: 2.0 for dnssync.service,
// 3.0 for the example coredns.service (a DNS server keeps the network and
// the right to bind port 53).
func TestUnitSecurityExposure(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze not installed (.ci/run installs it)")
	}
	overall := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`)
	for _, c := range []struct {
		unit string
		max  float64
	}{
		{"dnssync.service", 2.0},
		{"coredns.service", 3.0},
		{"coredns-resolver.service", 3.0},
	} {
		path, err := filepath.Abs(filepath.Join("../systemd", c.unit))
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("systemd-analyze", "security", "--offline=yes", "--no-pager", path).CombinedOutput()
		m := overall.FindSubmatch(out)
		if m == nil {
			if strings.Contains(string(out), "offline") {
				t.Skipf("this systemd-analyze cannot score a unit file offline (systemd 250 or later can): %s", out)
			}
			t.Fatalf("systemd-analyze security %s: %v\n%s", c.unit, err, out)
		}
		score, err := strconv.ParseFloat(string(m[1]), 64)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: exposure %.1f", c.unit, score)
		if score > c.max {
			t.Errorf("%s: exposure %.1f, want %.1f or lower:\n%s", c.unit, score, c.max, out)
		}
	}
}

// TestUnitFileCoreDNS: systemd accepts the example CoreDNS unit as
// shipped (TestUnitFile does dnssync's).
func TestUnitFileCoreDNS(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze not installed")
	}
	unit, err := os.ReadFile("../systemd/coredns.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"User=coredns", "SupplementaryGroups=dnssync", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n",
		"ReadOnlyPaths=/var/lib/dnssync/zones", "NoNewPrivileges=yes", "ProtectSystem=strict"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("unit lacks %q", want)
		}
	}
	// Point it at the CoreDNS the tests use: systemd-analyze checks that
	// executables exist.
	path := filepath.Join(t.TempDir(), "coredns.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/coredns", corednstest.Binary(t))), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("systemd-analyze verify warned:\n%s", s)
	}
}

// TestUnitFileCoreDNSResolver: systemd accepts the example caching
// resolver unit as shipped, and it runs the resolver's Corefile.
func TestUnitFileCoreDNSResolver(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze not installed")
	}
	unit, err := os.ReadFile("../systemd/coredns-resolver.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-conf /etc/coredns/Corefile.resolver", "DynamicUser=yes", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n",
		"NoNewPrivileges=yes", "ProtectSystem=strict"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("unit lacks %q", want)
		}
	}
	path := filepath.Join(t.TempDir(), "coredns-resolver.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/coredns", corednstest.Binary(t))), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("systemd-analyze verify warned:\n%s", s)
	}
}
