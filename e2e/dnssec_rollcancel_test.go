package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/dnssec"
)

// startSignedZone starts the daemon on a signed example.com (www A
// 192.0.2.80) with TTLs of two seconds and dnssecTOML as its [dnssec]
// table, waits for www to be served, and returns the zone's keys (want of
// them) and delv's path; it skips without delv.
func startSignedZone(t *testing.T, dnssecTOML string, want int) (*env, *daemon, []*dnssec.Key, string) {
	t.Helper()
	delvBin, err := exec.LookPath("delv")
	if err != nil {
		t.Skip("delv (bind9-dnsutils) is not installed; CI installs it")
	}
	e := newEnv(t)
	e.cfg.Zones = []string{"example.com"}
	e.cfg.DNSSEC = true
	e.cfg.DNS.TTL = 2
	e.cfg.ZoneTTLs = corednstest.ZoneTTLs{SOATTL: 2, NegativeTTL: 2}
	e.writeConfig()
	e.replaceConfig("[[zones]]", "[dnssec]\n"+dnssecTOML+"\n[[zones]]")
	e.write("web.yaml", dnssecWeb)
	d := e.start()
	e.served("www.example.com", dns.TypeA, set(t, "www.example.com 2 IN A 192.0.2.80"))
	keys, err := (dnssec.KeyStore{Dir: filepath.Join(e.dir, "state", "keys")}).Load("example.com.")
	if err != nil || len(keys) != want {
		t.Fatalf("the zone's keys: %v, %v; want %d", keys, err, want)
	}
	return e, d, keys, delvBin
}

// startRollZone is startSignedZone for a CSK roll: roll_margin 1s,
// parent_ds_ttl 2s (more [dnssec] keys in extra); it returns the CSK.
func startRollZone(t *testing.T, extra string) (*env, *daemon, *dnssec.Key, string) {
	t.Helper()
	e, d, keys, delvBin := startSignedZone(t, "roll_margin = \"1s\"\nparent_ds_ttl = \"2s\"\n"+extra, 1)
	return e, d, keys[0], delvBin
}

// delvValidates requires delv, anchored on ds, to fully validate a
// positive answer, an NXDOMAIN and a NODATA of example.com at e's primary.
func delvValidates(t *testing.T, e *env, delvBin string, ds *dns.DS, what string) {
	t.Helper()
	delvWithDS(t, delvBin, e.dns.Addr, ds, what, "www.example.com", "A", "192.0.2.80")
	delvWithDS(t, delvBin, e.dns.Addr, ds, what, "nope.example.com", "A", "NXDOMAIN")
	delvWithDS(t, delvBin, e.dns.Addr, ds, what, "www.example.com", "AAAA", "NXRRSET")
}

// validatesOnly requires delv to validate the zone from ds, and the
// DNSKEY RRset to hold key alone.
func validatesOnly(t *testing.T, e *env, delvBin string, ds *dns.DS, key uint16, what string) {
	t.Helper()
	delvValidates(t, e, delvBin, ds, what)
	got, err := e.res.Query(t.Context(), "example.com", dns.TypeDNSKEY)
	if err != nil || len(got.RRs) != 1 || got.RRs[0].(*dns.DNSKEY).KeyTag() != key {
		t.Errorf("%s: DNSKEY %v (err %v), want key %d alone", what, got, err, key)
	}
}

// TestDNSSECRollCancel (issue 14): `dnssec roll --cancel` at publish drops
// the new key, and at swap runs the roll back; the zone validates from
// the parent's (old) DS right after each cancel and at the end, with the
// old key alone in the DNSKEY RRset.
func TestDNSSECRollCancel(t *testing.T) {
	t.Parallel()
	e, d, key, delvBin := startRollZone(t, "")
	oldDS := rollKeyDS(t, key)
	roll := func() {
		t.Helper()
		if out, stderr, code := e.cli("dnssec", "roll", "example.com"); code != 0 {
			t.Fatalf("dnssec roll: exit %d: %s%s", code, out, stderr)
		}
	}
	cancel := func(stage string) {
		t.Helper()
		if out, stderr, code := e.cli("dnssec", "roll", "example.com", "--cancel"); code != 0 {
			t.Fatalf("dnssec roll --cancel at %s: exit %d: %s%s", stage, code, out, stderr)
		}
	}

	roll()
	waitRollServed(t, e, "publish")
	cancel("publish")
	waitRoll(t, e, "the cancelled roll to end", func(r *client.DNSSECRoll) bool { return r == nil })
	waitServedKeys(t, e, key.Tag())
	validatesOnly(t, e, delvBin, oldDS, key.Tag(), "after a cancel at publish")

	roll()
	r := waitRollServed(t, e, "swap")
	newDS := func() *dns.DS {
		keys, err := (dnssec.KeyStore{Dir: filepath.Join(e.dir, "state", "keys")}).Load("example.com.")
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if k.Tag() == r.NewKeyTag {
				return rollKeyDS(t, k)
			}
		}
		t.Fatalf("no key %d", r.NewKeyTag)
		return nil
	}()
	cancel("swap")
	back := waitRoll(t, e, "the roll run back to be served", func(r *client.DNSSECRoll) bool {
		if r == nil || !strings.Contains(r.StageDescription, "is cancelled") || r.Serial == 0 {
			return false
		}
		s, _, err := soa(e.dns.Addr, "example.com")
		return err == nil && int32(s-r.Serial) >= 0
	})
	if back.NewKeyTag != key.Tag() {
		t.Errorf("the roll runs back to key %d, want %d", back.NewKeyTag, key.Tag())
	}
	for _, ds := range []*dns.DS{oldDS, newDS} { // the parent may have polled the CDS
		what := fmt.Sprintf("after a cancel at swap, the DS of key %d", ds.KeyTag)
		delvWithDS(t, delvBin, e.dns.Addr, ds, what, "www.example.com", "A", "192.0.2.80")
		delvWithDS(t, delvBin, e.dns.Addr, ds, what, "nope.example.com", "A", "NXDOMAIN")
	}
	waitRoll(t, e, "the cancelled roll to end", func(r *client.DNSSECRoll) bool { return r == nil })
	waitServedKeys(t, e, key.Tag())
	validatesOnly(t, e, delvBin, oldDS, key.Tag(), "after the cancelled roll")
	d.waitLog("key roll: done")
}

// waitServedKeys waits until the primary's DNSKEY RRset is key alone.
func waitServedKeys(t *testing.T, e *env, key uint16) {
	t.Helper()
	waitRoll(t, e, fmt.Sprintf("key %d alone served", key), func(*client.DNSSECRoll) bool {
		got, err := e.res.Query(t.Context(), "example.com", dns.TypeDNSKEY)
		return err == nil && len(got.RRs) == 1 && got.RRs[0].(*dns.DNSKEY).KeyTag() == key
	})
}

// TestDNSSECRollAsksTheParent (issue 14): with [dnssec] parent_resolver
// (here a CoreDNS serving com. with example.com's DS), the old key stays
// past --ds-published while the parent serves the old DS only, and status
// says what it serves; once it serves the new DS, the roll ends.
func TestDNSSECRollAsksTheParent(t *testing.T) {
	t.Parallel()
	parent := corednstest.StartFiles(t, map[string]string{
		"db.com": parentZone(1),
		"Corefile": `com:PORT {
    bind 127.0.0.1
    file DIR/db.com {
        reload 1s
    }
}
`,
	})
	e, d, key, delvBin := startRollZone(t, fmt.Sprintf("parent_resolver = %q", parent.Addr))
	setParentDS := func(serial int, ds *dns.DS) {
		t.Helper()
		path := filepath.Join(parent.Dir(), "db.com")
		if err := os.WriteFile(path+".new", []byte(parentZone(serial, ds)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".new", path); err != nil {
			t.Fatal(err)
		}
	}
	oldDS := rollKeyDS(t, key)
	setParentDS(2, oldDS)
	if out, stderr, code := e.cli("dnssec", "roll", "example.com"); code != 0 {
		t.Fatalf("dnssec roll: exit %d: %s%s", code, out, stderr)
	}
	r := waitRollServed(t, e, "swap")
	waitRoll(t, e, "the roll to ask for the parent's DS", func(r *client.DNSSECRoll) bool {
		return r != nil && strings.Contains(r.WaitingFor, "--ds-published") && strings.Contains(r.WaitingFor, "the daemon also asks "+parent.Addr)
	})
	if out, stderr, code := e.cli("dnssec", "roll", "example.com", "--ds-published"); code != 0 {
		t.Fatalf("dnssec roll --ds-published: exit %d: %s%s", code, out, stderr)
	}
	want := fmt.Sprintf("serves no DS for key %d (it serves DS for key %d)", r.NewKeyTag, key.Tag())
	waitRoll(t, e, "the roll to wait for the parent", func(r *client.DNSSECRoll) bool {
		return r != nil && strings.Contains(r.WaitingFor, want)
	})
	keys, err := (dnssec.KeyStore{Dir: filepath.Join(e.dir, "state", "keys")}).Load("example.com.")
	if err != nil {
		t.Fatal(err)
	}
	var newDS *dns.DS
	for _, k := range keys {
		if k.Tag() == r.NewKeyTag {
			newDS = rollKeyDS(t, k)
		}
	}
	if newDS == nil {
		t.Fatalf("no key %d", r.NewKeyTag)
	}
	setParentDS(3, newDS)
	waitRoll(t, e, "the roll to end", func(r *client.DNSSECRoll) bool { return r == nil })
	waitServedKeys(t, e, r.NewKeyTag)
	validatesOnly(t, e, delvBin, newDS, r.NewKeyTag, "after the roll")
	d.waitLog("key roll: done")
}

// parentZone is com. with example.com's DS records ds.
func parentZone(serial int, ds ...*dns.DS) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN com.\n@ 2 IN SOA ns.com. hostmaster.com. %d 3600 600 604800 2\n@ 2 IN NS ns.com.\nns 2 IN A 127.0.0.1\n", serial)
	for _, d := range ds {
		c := *d
		c.Hdr.Ttl = 2
		fmt.Fprintln(&b, c.String())
	}
	return b.String()
}
