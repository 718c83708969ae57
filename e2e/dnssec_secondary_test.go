package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/dnssec"
)

// TestDNSSECBINDSecondary (issue 14): a BIND secondary of a zone dnssync
// signs serves the signatures it transferred, and delv (a validator
// dnssync did not write), with the zone's DS as its trust anchor, fully
// validates a positive answer, an NXDOMAIN and a NODATA from it: after the
// cold start, and after a change that reached it by dnssync's NOTIFY.
func TestDNSSECBINDSecondary(t *testing.T) {
	t.Parallel()
	delvBin, err := exec.LookPath("delv")
	if err != nil {
		t.Skip("delv (bind9-dnsutils) is not installed; CI installs it")
	}
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
	e.writeConfig()
	d = e.start()
	delv := newDelv(t, delvBin, e)

	// The cold start: the zone as signed then, at the primary's serial.
	serial, _, err := soa(e.dns.Addr, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	waitSerial(t, sec.Addr, serial, 10*time.Second)
	delv(sec.Addr, "www.example.com", "A", "192.0.2.80")
	delv(sec.Addr, "nope.example.com", "A", "NXDOMAIN")
	delv(sec.Addr, "www.example.com", "AAAA", "NXRRSET")

	// A change through records.d: re-signed, sent on by NOTIFY, and what
	// BIND transferred still validates, the new name's NSEC included.
	e.write("web.yaml", strings.Replace(dnssecWeb, "192.0.2.80", "192.0.2.81", 1)+`  - name: new.example.com
    type: TXT
    value: hello
`)
	e.served("new.example.com", dns.TypeTXT, set(t, `new.example.com 300 IN TXT "hello"`))
	e.served("www.example.com", dns.TypeA, set(t, "www.example.com 300 IN A 192.0.2.81"))
	changed, _, err := soa(e.dns.Addr, "example.com")
	if err != nil || changed == serial {
		t.Fatalf("primary's serial after the change: %d (err %v), want other than %d", changed, err, serial)
	}
	waitSerial(t, sec.Addr, changed, 10*time.Second)
	d.waitLog("secondary serves the change")
	delv(sec.Addr, "www.example.com", "A", "192.0.2.81")
	delv(sec.Addr, "new.example.com", "TXT", "hello")
	delv(sec.Addr, "nope.example.com", "A", "NXDOMAIN")
	delv(sec.Addr, "new.example.com", "A", "NXRRSET")
}

// newDelv returns what asks delv, with the zone's DS (from the keys
// dnssync made for example.com) as its only trust anchor, for name/type at
// a server, and fails the test unless the answer is "fully validated" and
// says want.
func newDelv(t *testing.T, delvBin string, e *env) func(addr, name, typ, want string) {
	t.Helper()
	keys, err := (dnssec.KeyStore{Dir: filepath.Join(e.dir, "state", "keys")}).Load("example.com.")
	if err != nil || len(keys) == 0 {
		t.Fatalf("the zone's keys: %d, %v", len(keys), err)
	}
	ds, err := dnssec.DS("example.com.", keys, 3600, time.Now())
	if err != nil || len(ds) == 0 {
		t.Fatalf("DS: %v, %v", ds, err)
	}
	return delvZoneDS(t, delvBin, filepath.Join(e.dir, "anchors.conf"), "example.com.", ds)
}
