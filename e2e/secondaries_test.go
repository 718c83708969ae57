package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/corednstest"
)

// TestSecondariesFollowAChange: a primary CoreDNS (zone files, `auto`,
// which notifies no one with `transfer to *`) and two CoreDNS secondaries
// transferring from it, refresh an hour away. A change written to
// records.d reaches both within the verify timeout, by dnssync's own
// NOTIFY, and `verify --json` lists each server of each zone in sync at
// the primary's serial. A secondary stopped: `verify` exits 1 and lists it
// not in sync, the other still in sync.
func TestSecondariesFollowAChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	d := e.start() // creates the zones the secondaries transfer
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
	d.stop()

	zones := []string{"example.com", "example.org"}
	ns2 := corednstest.Start(t, corednstest.SecondaryCorefile(e.dns.Addr, zones...))
	ns3 := corednstest.Start(t, corednstest.SecondaryCorefile(e.dns.Addr, zones...))
	e.cfg.Secondaries = []string{ns2.Addr, ns3.Addr}
	e.writeConfig()
	d = e.start()

	e.write("web-02.yaml", `records:
  - name: web-02.example.com
    type: A
    value: 192.0.2.11
`)
	e.served("web-02.example.com", dns.TypeA, set(t, "web-02.example.com 300 IN A 192.0.2.11"))
	d.waitLogCount("secondary serves the change", 2)
	want, _, err := soa(e.dns.Addr, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []*corednstest.Server{ns2, ns3} {
		if got, _, err := soa(ns.Addr, "example.com"); err != nil || got != want {
			t.Errorf("secondary %s serves serial %d (err %v), want the primary's %d", ns.Addr, got, err, want)
		}
	}

	v, code := verifyJSON(t, e)
	if code != 0 {
		t.Fatalf("verify: exit %d, want 0: %+v", code, v.Zones)
	}
	for _, z := range v.Zones {
		if len(z.Servers) != 3 {
			t.Errorf("zone %s: %d servers listed, want the primary and 2 secondaries: %+v", z.Zone, len(z.Servers), z.Servers)
		}
		for i, s := range z.Servers {
			role := "secondary"
			if i == 0 {
				role = "primary"
			}
			if s.Role != role || !s.InSync || s.Serial == nil {
				t.Errorf("zone %s: %+v, want %s in sync with a serial", z.Zone, s, role)
			}
		}
	}
	if len(v.Zones) != 2 {
		t.Errorf("zones %+v, want example.com and example.org", v.Zones)
	}

	ns3.Stop()
	v, code = verifyJSON(t, e)
	if code != 1 || v.Verified {
		t.Fatalf("verify with a secondary stopped: exit %d, verified %v; want exit 1", code, v.Verified)
	}
	for _, z := range v.Zones {
		for _, s := range z.Servers {
			if wantSync := s.Address != ns3.Addr; s.InSync != wantSync {
				t.Errorf("zone %s at %s: in_sync %v, want %v (%s)", z.Zone, s.Address, s.InSync, wantSync, s.Reason)
			}
		}
	}
}

// verifyJSON runs `dnssync verify --json` and decodes its data.
func verifyJSON(t *testing.T, e *env) (client.Verification, int) {
	t.Helper()
	start := time.Now()
	out, stderr, code := e.cli("verify", "--json")
	var resp client.Response[client.Verification]
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("verify --json (exit %d, %s): %v\n%s\nstderr: %s", code, time.Since(start), err, out, stderr)
	}
	return resp.Data, code
}
