package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/corednstest"
)

// TestSecondaryAheadCatchesUp (issue 12): a secondary (CoreDNS, BIND or
// Knot) follows the primary (zone files, auto) to serial S. With dnssync
// stopped, zone_dir and state_dir are restored from a backup taken at the
// first write, and records.d says what the backup holds: the primary
// serves its old serial, below S, and there is nothing to change. The
// restarted dnssync's scheduled check finds the secondary ahead and
// writes the zone again with only its serial moved above S: the
// secondary transfers it and serves the primary's serial and data, and
// `dnssync verify` passes, without any change to records.d.
func TestSecondaryAheadCatchesUp(t *testing.T) {
	t.Parallel()
	for _, k := range []corednstest.Kind{corednstest.CoreDNS, corednstest.BIND, corednstest.Knot} {
		t.Run(k.String(), func(t *testing.T) {
			t.Parallel()
			secondaryAheadCatchesUp(t, k)
		})
	}
}

// secondaryAheadCatchesUp is TestSecondaryAheadCatchesUp with a
// secondary of kind k.
func secondaryAheadCatchesUp(t *testing.T, k corednstest.Kind) {
	t.Helper()
	backup := map[string][]byte{}
	e, sec, d := followingSecondary(t, k, func(e *env) {
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
	e.write("web-01.yaml", web01) // records.d as at the backup: nothing to change
	old := fileSerial(t, backup[filepath.Join(e.zones, "db.example.com")])
	waitSerial(t, e.dns.Addr, old, 10*time.Second)

	d = e.start() // [verify] schedule "@every 1s" (newBareEnv)
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, _, perr := soa(e.dns.Addr, "example.com")
		s, _, serr := soa(sec.Addr, "example.com")
		if perr == nil && serr == nil && p == s && p-top != 0 && p-top < 1<<31 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s the primary serves serial %d (err %v), the secondary %d (err %v): want both at one newer than the secondary's %d (RFC 1982)", p, perr, s, serr, top)
		}
		time.Sleep(50 * time.Millisecond)
	}
	servedAt(t, sec, "web-01.example.com", set(t, "web-01.example.com 300 IN A 192.0.2.10"))
	if log := d.out.String(); !strings.Contains(log, "only its serial moved above it") || !strings.Contains(log, fmt.Sprintf("its_serial=%d", top)) {
		t.Errorf("no log line for the serial-only write naming the secondary's serial %d", top)
	}

	deadline = time.Now().Add(15 * time.Second)
	for {
		v, code := verifyJSON(t, e)
		if code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("verify still exits %d 15s after the secondary caught up: %+v", code, v.Zones)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitSerial polls until the server at addr serves example.com at want.
func waitSerial(t *testing.T, addr string, want uint32, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		s, _, err := soa(addr, "example.com")
		if err == nil && s == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s serves example.com at serial %d (err %v) after %s, want %d", addr, s, err, within, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
