package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// TestSerialForwardAfterWipe (issue 12): a secondary (CoreDNS, BIND or
// Knot: each ignores a serial that went backwards) follows the primary
// (zone files, auto) to serial S. With dnssync stopped, zone_dir
// and the serial state in state_dir are lost (a restore from an old
// backup), and CoreDNS drops the zones. The restarted dnssync knows no
// serial of its own: its first write would take the clock's YYYYMMDD00,
// not above S, and the secondary would ignore it and every change after,
// silently. It asks the secondary first and writes above S: the secondary
// serves the new records.
func TestSerialForwardAfterWipe(t *testing.T) {
	t.Parallel()
	for _, k := range []corednstest.Kind{corednstest.CoreDNS, corednstest.BIND, corednstest.Knot} {
		t.Run(k.String(), func(t *testing.T) {
			t.Parallel()
			serialForwardAfterWipe(t, k)
		})
	}
}

// serialForwardAfterWipe is TestSerialForwardAfterWipe with a secondary
// of kind k.
func serialForwardAfterWipe(t *testing.T, k corednstest.Kind) {
	t.Helper()
	e, sec, d := followingSecondary(t, k, nil)
	top, _, err := soa(sec.Addr, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	d.stop()

	for _, z := range []string{"example.com", "example.org"} {
		if err := os.Remove(filepath.Join(e.zones, "db."+z)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(e.dir, "state", apply.SerialsFile)); err != nil {
		t.Fatal(err)
	}
	waitZoneDropped(t, e.dns.Addr, "example.com.")

	e.write("web-02.yaml", sfWeb02)
	e.start()
	e.served("web-02.example.com", dns.TypeA, set(t, "web-02.example.com 300 IN A 192.0.2.11"))
	if s, _, err := soa(e.dns.Addr, "example.com"); err != nil || s-top == 0 || s-top >= 1<<31 {
		t.Fatalf("primary serves serial %d (err %v) after the wipe, not newer than the secondary's %d (RFC 1982)", s, err, top)
	}
	servedAt(t, sec, "web-02.example.com", set(t, "web-02.example.com 300 IN A 192.0.2.11"))
	servedAt(t, sec, "web-01.example.com", set(t, "web-01.example.com 300 IN A 192.0.2.22"))
}

// TestSerialForwardAfterRestoredBackup (issue 12): zone_dir and state_dir
// are restored from a backup taken at the first write, with dnssync
// stopped; the primary serves that old serial, below the secondary's.
// `dnssync verify --json` reports the secondary as serving a newer serial
// than the primary, not in sync (exit 1). The restarted dnssync writes
// above the secondary's serial, and the secondary follows again.
func TestSerialForwardAfterRestoredBackup(t *testing.T) {
	t.Parallel()
	backup := map[string][]byte{}
	e, sec, d := followingSecondary(t, corednstest.CoreDNS, func(e *env) {
		for _, f := range []string{filepath.Join(e.zones, "db.example.com"), filepath.Join(e.dir, "state", apply.SerialsFile)} {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			backup[f] = b
		}
	})
	top, _, err := soa(sec.Addr, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	d.stop()
	for f, b := range backup {
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := fileSerial(t, backup[filepath.Join(e.zones, "db.example.com")])
	deadline := time.Now().Add(10 * time.Second)
	for { // auto loads the restored file at its next walk (1s here)
		s, _, err := soa(e.dns.Addr, "example.com")
		if err == nil && s == old {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("primary serves serial %d (err %v) 10s after the backup's %d was restored", s, err, old)
		}
		time.Sleep(50 * time.Millisecond)
	}

	v, code := verifyJSON(t, e)
	if code != 1 {
		t.Errorf("verify with a secondary ahead of the primary: exit %d, want 1", code)
	}
	found := false
	for _, z := range v.Zones {
		for _, s := range z.Servers {
			if z.Zone != "example.com" || s.Address != sec.Addr {
				continue
			}
			found = true
			if s.InSync || s.Serial == nil || *s.Serial != top || !strings.Contains(s.Reason, "newer serial than the primary") {
				t.Errorf("secondary ahead: %+v (serial %v), want not in sync at %d, saying it serves a newer serial", s, s.Serial, top)
			}
		}
	}
	if !found {
		t.Fatalf("verify --json lists no example.com secondary %s: %+v", sec.Addr, v.Zones)
	}

	e.write("web-02.yaml", sfWeb02)
	e.start()
	servedAt(t, sec, "web-02.example.com", set(t, "web-02.example.com 300 IN A 192.0.2.11"))
	if s, _, err := soa(sec.Addr, "example.com"); err != nil || s-top == 0 || s-top >= 1<<31 {
		t.Errorf("secondary serves serial %d (err %v), want newer than its %d", s, err, top)
	}
}

const sfWeb02 = `records:
  - name: web-02.example.com
    type: A
    value: 192.0.2.11
`

// followingSecondary starts dnssync on a primary with one secondary of
// kind k of both zones, and makes three changes that the secondary
// serves, so that the serial climbs past the clock's. first, when set, is
// called once the zones are first written, before the secondary starts.
// It returns the daemon running.
func followingSecondary(t *testing.T, k corednstest.Kind, first func(*env)) (*env, *verify.Resolver, *daemon) {
	t.Helper()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	d := e.start() // creates the zones the secondary transfers
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
	d.stop()
	if first != nil {
		first(e)
	}

	ns2 := corednstest.StartSecondary(t, k, corednstest.Secondary{Primary: e.dns.Addr, Zones: []string{"example.com", "example.org"}})
	e.cfg.Secondaries = []string{ns2.Addr}
	e.writeConfig()
	d = e.start()
	sec := &verify.Resolver{Addr: ns2.Addr, Timeout: time.Second}
	for i := range 3 {
		e.write("web-01.yaml", strings.Replace(web01, "192.0.2.10", fmt.Sprintf("192.0.2.%d", 20+i), 1))
		servedAt(t, sec, "web-01.example.com", set(t, fmt.Sprintf("web-01.example.com 300 IN A 192.0.2.%d", 20+i)))
	}
	return e, sec, d
}

// servedAt polls r until it answers name's A RRset as want.
func servedAt(t *testing.T, r *verify.Resolver, name string, want *rrset.Set) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var got *rrset.Set
	var err error
	for time.Now().Before(deadline) {
		if got, err = r.Query(context.Background(), name, dns.TypeA); err == nil && got.Equal(want) {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%s at %s: want %v, served %v (err %v)", name, r.Addr, want, got, err)
}

// waitZoneDropped polls until the server at addr no longer serves zone
// (auto drops a zone whose file is gone at its next walk, 1s here).
func waitZoneDropped(t *testing.T, addr, zone string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		serial, rcode, err := soa(addr, zone)
		if err == nil && serial == 0 && rcode != dns.RcodeSuccess { // REFUSED or SERVFAIL: no such zone
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still serves %s 10s after its zone file was removed (rcode %d, err %v)", addr, zone, rcode, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fileSerial is the SOA serial in zone file text.
func fileSerial(t *testing.T, text []byte) uint32 {
	t.Helper()
	zp := dns.NewZoneParser(bytes.NewReader(text), "", "backup")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if soa, isSOA := rr.(*dns.SOA); isSOA {
			return soa.Serial
		}
	}
	t.Fatalf("no SOA in the zone file (%v)", zp.Err())
	return 0
}
