package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// TestSecondaryDataDiffers (issue 12): a secondary that serves the
// primary's serial but other data (a diverged copy: here a second CoreDNS
// serving the primary's zone file with web-01's address changed, the
// serial kept) is caught by the data comparison, not only by serials. The
// daemon's scheduled check logs it not in sync, saying its data differs;
// `dnssync verify --json` lists it not in sync with the differing RRset
// at its address, and exits 1.
func TestSecondaryDataDiffers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Zones = []string{"example.com"}
	e.writeConfig()
	e.write("web-01.yaml", web01)
	d := e.start() // writes the zone the diverged copy is made from
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
	d.stop()

	text, err := os.ReadFile(filepath.Join(e.zones, "db.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	serial := fileSerial(t, text)
	diverged := strings.Replace(string(text), "192.0.2.10", "192.0.2.99", 1)
	if diverged == string(text) {
		t.Fatalf("web-01's address not in the zone file:\n%s", text)
	}
	ns2 := corednstest.StartFiles(t, map[string]string{
		"db.example.com": diverged,
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
		t.Fatalf("diverged copy serves serial %d (err %v), want the primary's %d", got, err, serial)
	}
	e.cfg.Secondaries = []string{ns2.Addr}
	e.writeConfig()

	d = e.start()
	deadline := time.Now().Add(15 * time.Second)
	for !scheduledCaught(d.out.String(), ns2.Addr) {
		if time.Now().After(deadline) {
			t.Fatalf("the scheduled check never reported %s's data differing:\n%s", ns2.Addr, d.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got, _, err := soa(e.dns.Addr, "example.com"); err != nil || got != serial {
		t.Fatalf("primary serves serial %d (err %v), want %d unchanged: the test needs equal serials", got, err, serial)
	}

	v, code := verifyJSON(t, e)
	if code != 1 || v.Verified {
		t.Errorf("verify with a diverged secondary: exit %d, verified %v; want exit 1", code, v.Verified)
	}
	found := false
	for _, z := range v.Zones {
		for _, s := range z.Servers {
			if s.Address != ns2.Addr {
				if !s.InSync {
					t.Errorf("zone %s at %s: not in sync (%s), want in sync", z.Zone, s.Address, s.Reason)
				}
				continue
			}
			found = true
			if s.InSync || s.Serial == nil || *s.Serial != serial || !strings.Contains(s.Reason, "data differs") {
				t.Errorf("diverged secondary: %+v, want not in sync at serial %d, its data differing", s, serial)
			}
		}
	}
	if !found {
		t.Fatalf("verify --json lists no secondary %s: %+v", ns2.Addr, v.Zones)
	}
	named := false
	for _, r := range v.Records {
		if r.Server != ns2.Addr {
			continue
		}
		if r.Name == "web-01.example.com" && r.RecordType == "A" && r.Status == "mismatch" &&
			len(r.Served) == 1 && r.Served[0] == "192.0.2.99" {
			named = true
		} else {
			t.Errorf("record at the diverged secondary %+v: only web-01's A differs", r)
		}
	}
	if !named {
		t.Errorf("verify --json names no mismatch of web-01.example.com A at %s: %+v", ns2.Addr, v.Records)
	}
	out, _, code := e.cli("verify")
	if code != 1 || !strings.Contains(out, ns2.Addr) || !strings.Contains(out, "web-01.example.com") {
		t.Errorf("verify: exit %d, want 1 naming %s and web-01.example.com:\n%s", code, ns2.Addr, out)
	}
}

// scheduledCaught reports whether the daemon's log says the secondary at
// addr is not in sync because its data differs.
func scheduledCaught(log, addr string) bool {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "server not in sync") && strings.Contains(line, addr) && strings.Contains(line, "data differs") {
			return true
		}
	}
	return false
}
