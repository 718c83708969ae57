package e2e

import (
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// TestDNSSECBrokenOnlyAtASecondary (issue 14): the primary serves the
// signed zone as dnssync signed it, and a secondary (a second CoreDNS
// serving, with file, a copy of that zone at the same serial whose SOA
// signature is corrupt) serves it broken. The serials agree, so only the
// validation at each server catches it: `dnssync verify` exits 1 naming
// the secondary (the primary valid), /readyz is degraded with
// dnssec_invalid naming the secondary, and dnssync_dnssec_valid is 0.
func TestDNSSECBrokenOnlyAtASecondary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Zones = []string{"example.com"}
	e.cfg.DNSSEC = true
	e.writeConfig()
	e.write("web.yaml", dnssecWeb)
	d := e.start() // signs and writes the zone the broken copy is made from
	e.served("www.example.com", dns.TypeA, set(t, "www.example.com 300 IN A 192.0.2.80"))
	d.stop()

	text, err := os.ReadFile(filepath.Join(e.zones, "db.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	serial := fileSerial(t, text)
	ns2 := corednstest.StartFiles(t, map[string]string{
		"db.example.com": corruptSOASignature(t, text),
		"Corefile": `example.com:PORT {
    bind 127.0.0.1
    file DIR/db.example.com
    transfer {
        to *
    }
}
`,
	})
	if got, _, err := soa(ns2.Addr, "example.com"); err != nil || got != serial {
		t.Fatalf("broken copy serves serial %d (err %v), want the primary's %d", got, err, serial)
	}
	e.cfg.Secondaries = []string{ns2.Addr}
	api := e.withAPI(t)
	d = e.start()
	defer d.stop()

	deadline := time.Now().Add(15 * time.Second)
	for {
		status, body := 0, ""
		if _, _, err := readyz(api); err == nil { // listening: the daemon is up
			status, body = healthBody(t, api)
		}
		if status == http.StatusServiceUnavailable && strings.Contains(body, `"dnssec_invalid"`) &&
			strings.Contains(body, "zone example.com. at "+ns2.Addr+" (secondary): DNSSEC: RRSIG example.com. SOA") &&
			!strings.Contains(body, "at "+e.dns.Addr+" (primary): DNSSEC") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz with the secondary's SOA signature broken: %d %s; want 503, dnssec_invalid naming %s and not the primary", status, body, ns2.Addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got, _, err := soa(e.dns.Addr, "example.com"); err != nil || got != serial {
		t.Fatalf("primary serves serial %d (err %v), want %d unchanged: the test needs equal serials", got, err, serial)
	}
	if page := metricsPage(t, api); !strings.Contains(page, `dnssync_dnssec_valid{zone="example.com."} 0`) {
		t.Errorf("/metrics has no dnssync_dnssec_valid{zone=\"example.com.\"} 0:\n%s", page)
	}

	out, _, code := e.cli("verify")
	want := "FAIL zone example.com. at " + ns2.Addr + " (secondary): DNSSEC: RRSIG example.com. SOA by key "
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "does not verify") || strings.Contains(out, "at "+e.dns.Addr+" (primary): DNSSEC:") {
		t.Errorf("verify: exit %d, output:\n%s\nwant exit 1, a line %q... does not verify, and none for the primary", code, out, want)
	}
	v, code := verifyJSON(t, e)
	if p, s := signatureAt(t, v, e.dns.Addr), signatureAt(t, v, ns2.Addr); code != 1 || v.Verified || !p.Valid || s.Valid || !strings.Contains(s.Reason, "does not verify") {
		t.Errorf("verify --json: exit %d, verified %v, primary %+v, secondary %+v; want exit 1, the secondary alone invalid", code, v.Verified, p, s)
	}
}

// corruptSOASignature is the signed zone text with the signature bytes of
// the RRSIG over the SOA changed, everything else (the serial included)
// as it was.
func corruptSOASignature(t *testing.T, text []byte) string {
	t.Helper()
	var b strings.Builder
	done := false
	zp := dns.NewZoneParser(strings.NewReader(string(text)), "", "db.example.com")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if sig, isSig := rr.(*dns.RRSIG); isSig && sig.TypeCovered == dns.TypeSOA {
			raw, err := base64.StdEncoding.DecodeString(sig.Signature)
			if err != nil {
				t.Fatal(err)
			}
			raw[len(raw)/2] ^= 0xff
			sig.Signature = base64.StdEncoding.EncodeToString(raw)
			done = true
		}
		b.WriteString(rr.String() + "\n")
	}
	if err := zp.Err(); err != nil || !done {
		t.Fatalf("read the signed zone: %v (SOA signature found: %v)", err, done)
	}
	return b.String()
}
