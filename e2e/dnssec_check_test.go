package e2e

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/corednstest"
)

// TestDNSSECCheckedAtEveryServer (issue 14): every check validates a
// signed zone at the primary (CoreDNS auto, serving the zone dnssync
// signs) and at a BIND secondary, against the DS of the zone's keys.
// Healthy, `dnssync verify` passes with the zone valid at both and the
// expiry metric is the signatures' (about 14 days out). A zone file whose
// SOA was changed behind dnssync's back (its signature no longer
// verifies) then fails for real: `dnssync verify` exits 1 naming the
// server and the signature, and /readyz is degraded with dnssec_invalid
// naming the zone and the server.
func TestDNSSECCheckedAtEveryServer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Zones = []string{"example.com"}
	e.cfg.DNSSEC = true
	e.writeConfig()
	e.write("web.yaml", dnssecWeb)
	d := e.start() // signs and writes the zone the secondary transfers
	e.served("www.example.com", dns.TypeA, set(t, "www.example.com 300 IN A 192.0.2.80"))
	d.stop()

	sec := corednstest.StartSecondary(t, corednstest.BIND, corednstest.Secondary{Primary: e.dns.Addr, Zones: []string{"example.com"}})
	e.cfg.Secondaries = []string{sec.Addr}
	api := e.withAPI(t)
	d = e.start()
	serial, _, err := soa(e.dns.Addr, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	waitSerial(t, sec.Addr, serial, 10*time.Second)
	waitHealth(t, api, http.StatusOK)

	v, code := verifyJSON(t, e)
	if code != 0 || !v.Verified {
		t.Fatalf("verify of the healthy zone: exit %d, verified %v; dnssec %+v", code, v.Verified, v.DNSSEC)
	}
	atPrimary, atSecondary := signatureAt(t, v, e.dns.Addr), signatureAt(t, v, sec.Addr)
	for _, s := range []client.ZoneSignature{atPrimary, atSecondary} {
		exp, err := time.Parse(time.RFC3339, s.Expires)
		if !s.Valid || s.Zone != "example.com" || s.Anchor != "ds" || err != nil || time.Until(exp) < 13*24*time.Hour || time.Until(exp) > 15*24*time.Hour {
			t.Errorf("healthy: %+v, want valid against the DS, expiring in about 14 days", s)
		}
	}
	if atPrimary.Role != "primary" || atSecondary.Role != "secondary" {
		t.Errorf("roles %q and %q, want primary and secondary", atPrimary.Role, atSecondary.Role)
	}
	expiry := expiryMetric(t, api)
	if left := time.Until(time.Unix(int64(expiry), 0)); left < 13*24*time.Hour || left > 15*24*time.Hour {
		t.Errorf("dnssync_dnssec_signature_expiry_seconds %v: %s from now, want about 14 days", expiry, left)
	}

	// Broken behind dnssync's back: the SOA's serial moved without signing
	// it again, which CoreDNS loads (a newer serial) and serves as is.
	d.stop()
	broken := breakSOASignature(t, filepath.Join(e.zones, "db.example.com"), e.dir)
	waitSerial(t, e.dns.Addr, broken, 10*time.Second)
	out, _, code := e.cli("verify")
	want := "FAIL zone example.com. at " + e.dns.Addr + " (primary): DNSSEC: RRSIG example.com. SOA by key "
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "does not verify") {
		t.Errorf("verify of the broken zone: exit %d, output:\n%s\nwant exit 1 and a line %q... does not verify", code, out, want)
	}
	v, code = verifyJSON(t, e)
	if s := signatureAt(t, v, e.dns.Addr); code != 1 || v.Verified || s.Valid || !strings.Contains(s.Reason, "does not verify") {
		t.Errorf("verify --json of the broken zone: exit %d, verified %v, primary %+v", code, v.Verified, s)
	}

	e.start()
	deadline := time.Now().Add(15 * time.Second)
	for {
		status, body := 0, ""
		if _, _, err := readyz(api); err == nil { // listening: the daemon is up
			status, body = healthBody(t, api)
		}
		if status == http.StatusServiceUnavailable && strings.Contains(body, `"dnssec_invalid"`) &&
			strings.Contains(body, "zone example.com. at "+e.dns.Addr+" (primary): DNSSEC: RRSIG example.com. SOA") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz with the SOA's signature broken: %d %s; want 503, dnssec_invalid naming the zone and %s", status, body, e.dns.Addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signatureAt is the dnssec entry of v for the server at addr.
func signatureAt(t *testing.T, v client.Verification, addr string) client.ZoneSignature {
	t.Helper()
	for _, s := range v.DNSSEC {
		if s.Server == addr {
			return s
		}
	}
	t.Fatalf("verify --json has no dnssec entry for %s: %+v", addr, v.DNSSEC)
	return client.ZoneSignature{}
}

// expiryMetric is example.com.'s dnssync_dnssec_signature_expiry_seconds,
// polled until the first check has set it.
func expiryMetric(t *testing.T, api string) float64 {
	t.Helper()
	const series = `dnssync_dnssec_signature_expiry_seconds{zone="example.com."} `
	deadline := time.Now().Add(10 * time.Second)
	for {
		page := metricsPage(t, api)
		sc := bufio.NewScanner(strings.NewReader(page))
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), series); ok {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatalf("%s%s: %v", series, v, err)
				}
				return f
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics has no %s:\n%s", series, page)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// metricsPage is the daemon's /metrics page at api.
func metricsPage(t *testing.T, api string) string {
	t.Helper()
	resp, err := http.Get("http://" + api + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(page)
}

// breakSOASignature rewrites the signed zone file at path with its SOA's
// serial one higher and every signature as it was, by rename through
// dir (outside the zone directory the server watches), and returns the
// new serial.
func breakSOASignature(t *testing.T, path, dir string) uint32 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		b      strings.Builder
		serial uint32
	)
	zp := dns.NewZoneParser(f, "", path)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if soa, isSOA := rr.(*dns.SOA); isSOA {
			soa.Serial++
			serial = soa.Serial
		}
		b.WriteString(rr.String() + "\n")
	}
	if err := zp.Err(); err != nil || serial == 0 {
		t.Fatalf("read %s: %v (serial %d)", path, err, serial)
	}
	tmp := filepath.Join(dir, "broken.zone")
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	return serial
}
