package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// dnssecRFC2136Web is records.d for the zone BIND signs.
const dnssecRFC2136Web = `records:
  - name: www.example.org
    type: A
    value: 192.0.2.80
  - name: old.example.org
    type: TXT
    value: going
`

// TestDNSSECRFC2136BINDSigns (issue 14): with the rfc2136 backend the
// server signs. BIND signs example.org under a dnssec-policy (a dynamic
// zone, signed in place); dnssync, with the zone marked dnssec = true,
// writes records.d into it by UPDATE (a cold sync, then a create, an
// update and a delete), never takes the signer's records (RRSIG, NSEC,
// DNSKEY, CDS, CDNSKEY, BIND's TYPE65534) for its own or another
// writer's, and every answer BIND signs validates in delv, a validator
// dnssync did not write, with BIND's key as its trust anchor, at BIND and
// at a BIND secondary. dnssync's own checks (`dnssync verify`) find the
// zone valid at both, against the keys served or against BIND's DS in
// [dnssec] trust_anchors, and not valid against a DS of no key of BIND's.
func TestDNSSECRFC2136BINDSigns(t *testing.T) {
	t.Parallel()
	testDNSSECServerSigns(t, corednstest.BIND)
}

// TestDNSSECRFC2136KnotSigns: the same with Knot's automatic signing
// (which publishes CDS and CDNSKEY at once), without the secondary: Knot
// transfers the zone to the TSIG key only, and the BIND secondary asks
// unsigned.
func TestDNSSECRFC2136KnotSigns(t *testing.T) {
	t.Parallel()
	testDNSSECServerSigns(t, corednstest.Knot)
}

func testDNSSECServerSigns(t *testing.T, k corednstest.Kind) {
	delvBin, err := exec.LookPath("delv")
	if err != nil {
		t.Skip("delv (bind9-dnsutils) is not installed; CI installs it")
	}
	z := corednstest.UpdateZone{Zone: "example.org", Seed: seedZone, KeyName: "dnssync.", Secret: newSecret(t)}
	srv := updateServer{Server: corednstest.StartSignedPrimary(t, k, z, corednstest.SignPolicy{}), secret: z.Secret}
	e := newRFC2136Env(t, srv)
	e.cfg.DNSSEC = true
	e.writeConfig()
	ds, err := corednstest.ServedDS(t.Context(), srv.Addr, z.Zone)
	if err != nil {
		t.Fatal(err)
	}
	delv := delvZoneDS(t, delvBin, filepath.Join(e.dir, "anchors.conf"), "example.org.", ds)

	e.write("web.yaml", dnssecRFC2136Web)
	d := e.start()
	e.served("www.example.org", dns.TypeA, set(t, "www.example.org 300 IN A 192.0.2.80"))
	e.served("old.example.org", dns.TypeTXT, set(t, `old.example.org 300 IN TXT "going"`))
	d.waitLog("first pass done")
	delv(srv.Addr, "www.example.org", "A", "192.0.2.80")
	delv(srv.Addr, "nope.example.org", "A", "NXDOMAIN")
	delv(srv.Addr, "www.example.org", "AAAA", "NXRRSET")

	// Create, update and delete in one change of records.d.
	e.write("web.yaml", `records:
  - name: www.example.org
    type: A
    value: 192.0.2.81
  - name: new.example.org
    type: TXT
    value: hello
`)
	e.served("www.example.org", dns.TypeA, set(t, "www.example.org 300 IN A 192.0.2.81"))
	e.served("new.example.org", dns.TypeTXT, set(t, `new.example.org 300 IN TXT "hello"`))
	e.served("old.example.org", dns.TypeTXT, nil)
	delv(srv.Addr, "www.example.org", "A", "192.0.2.81")
	delv(srv.Addr, "new.example.org", "TXT", "hello")
	delv(srv.Addr, "old.example.org", "TXT", "NXDOMAIN")
	delv(srv.Addr, "new.example.org", "A", "NXRRSET")
	// The seed's records are not dnssync's and stay, signed.
	e.stillServed("seed.example.org", dns.TypeA, set(t, "seed.example.org 60 IN A 192.0.2.1"))
	delv(srv.Addr, "seed.example.org", "A", "192.0.2.1")

	if out, stderr, code := e.cli("plan"); code != 0 || strings.Contains(out+stderr, "RRSIG") || strings.Contains(out+stderr, "TYPE65534") {
		t.Errorf("dnssync plan of the zone in sync: exit %d, want 0 and no signer's record:\n%s%s", code, out, stderr)
	}
	log := d.out.String()
	for _, bad := range []string{"not dnssync's", "refus", "held"} {
		if strings.Contains(log, bad) {
			t.Errorf("daemon log says %q on a zone the server signs:\n%s", bad, log)
		}
	}

	servers := []string{srv.Addr}
	if k == corednstest.BIND {
		servers = append(servers, bindSecondaryOf(t, e, srv, z, delv))
	}

	// dnssync's own validation (every check): with no anchor configured,
	// the primary against the keys it serves and a secondary against the
	// primary's key-signing keys; with its DS in [dnssec] trust_anchors,
	// against it; a DS matching none of its keys fails it.
	v, code := verifyJSON(t, e)
	for i, addr := range servers {
		want := "served keys"
		if i > 0 {
			want = "the primary's keys"
		}
		if s := signatureAt(t, v, addr); code != 0 || !v.Verified || !s.Valid || s.Zone != "example.org" || s.Anchor != want {
			t.Errorf("dnssync verify --json: exit %d, verified %v, at %s %+v; want valid against %s", code, v.Verified, addr, s, want)
		}
	}
	anchors := filepath.Join(e.dir, "trust-anchors.txt")
	writeDS := func(ds []*dns.DS) {
		t.Helper()
		var b strings.Builder
		for _, d := range ds {
			b.WriteString(d.String() + "\n")
		}
		if err := os.WriteFile(anchors, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeDS(ds)
	e.cfg.TrustAnchors = anchors
	e.writeConfig()
	v, code = verifyJSON(t, e)
	if s := signatureAt(t, v, srv.Addr); code != 0 || !v.Verified || !s.Valid || s.Anchor != "ds" {
		t.Errorf("dnssync verify --json with the server's DS as trust anchor: exit %d, verified %v, at the primary %+v; want valid against the DS", code, v.Verified, s)
	}
	wrong := *ds[0]
	wrong.Digest = strings.Repeat("00", len(wrong.Digest)/2)
	writeDS([]*dns.DS{&wrong})
	v, code = verifyJSON(t, e)
	if s := signatureAt(t, v, srv.Addr); code != 1 || v.Verified || s.Valid {
		t.Errorf("dnssync verify --json with a DS of no key of the server's: exit %d, verified %v, at the primary %+v; want not valid", code, v.Verified, s)
	}
}

// TestDNSSECRFC2136BINDResigns: BIND re-signs the zone on its own and
// bumps its serial with no UPDATE (here every two seconds or so, as it
// does on a real zone every few days and at each key event). A re-sign
// between dnssync's transfer and its UPDATE fails the UPDATE's SOA
// prerequisite: that is planning again, never an error, and every change
// of records.d is served.
func TestDNSSECRFC2136BINDResigns(t *testing.T) {
	t.Parallel()
	z := corednstest.UpdateZone{Zone: "example.org", Seed: seedZone, KeyName: "dnssync.", Secret: newSecret(t)}
	srv := updateServer{Server: corednstest.StartSignedPrimary(t, corednstest.BIND, z, corednstest.SignPolicy{Resign: time.Second}), secret: z.Secret}
	e := newRFC2136Env(t, srv)
	e.cfg.DNSSEC = true
	e.writeConfig()
	d := e.start()
	for i := range 5 {
		e.write("web.yaml", fmt.Sprintf("records:\n  - name: www.example.org\n    type: A\n    value: 192.0.2.%d\n", 80+i))
		e.served("www.example.org", dns.TypeA, set(t, fmt.Sprintf("www.example.org 300 IN A 192.0.2.%d", 80+i)))
		// The next change is planned against a zone BIND has re-signed
		// since dnssync last read it.
		written, _, err := soa(srv.Addr, "example.org")
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "BIND re-signs", func() string {
			if now, _, err := soa(srv.Addr, "example.org"); err != nil || now == written {
				return fmt.Sprintf("serial %d (%v)", now, err)
			}
			return ""
		})
	}
	d.waitLogCount("change applied", 5)
	if log := d.out.String(); strings.Contains(log, "level=ERROR") || strings.Contains(log, "not dnssync's") {
		t.Errorf("daemon log on a zone BIND re-signs:\n%s", log)
	}
}

// bindSecondaryOf starts a BIND secondary of the signed zone at srv, waits
// until it serves the primary's serial, checks with delv that what it
// transferred (signatures and signing state included) validates, and
// adds it to e's [[secondaries]]. It returns its address.
func bindSecondaryOf(t *testing.T, e *env, srv updateServer, z corednstest.UpdateZone, delv func(addr, name, typ, want string)) string {
	t.Helper()
	sec := corednstest.StartSecondary(t, corednstest.BIND, corednstest.Secondary{Primary: srv.Addr, Zones: []string{z.Zone}, KeyName: z.KeyName, Secret: z.Secret})
	primary, _, err := soa(srv.Addr, z.Zone)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the secondary serves the primary's serial", func() string {
		if s, _, err := soa(sec.Addr, z.Zone); err != nil || s != primary {
			return fmt.Sprintf("serial %d (%v), want %d", s, err, primary)
		}
		return ""
	})
	delv(sec.Addr, "new.example.org", "TXT", "hello")
	delv(sec.Addr, "nope.example.org", "A", "NXDOMAIN")
	e.cfg.Secondaries = []string{sec.Addr}
	e.writeConfig()
	return sec.Addr
}
