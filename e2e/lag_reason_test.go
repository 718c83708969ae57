package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// TestLaggingSecondaryNamesFailingTransfers: a Knot primary (rfc2136)
// transfers the zone only to its TSIG key, and a BIND and a Knot
// secondary ask unsigned (they know the key for NOTIFY only): the primary
// refuses their transfers, so neither ever holds a copy and both answer
// the zone's SOA with SERVFAIL. A change through dnssync reaches the
// primary and is reported with both secondaries lagging, the reason
// naming their failing transfers (not "unreachable"), in the daemon's log
// and in `verify --json`.
func TestLaggingSecondaryNamesFailingTransfers(t *testing.T) {
	t.Parallel()
	primary := startPrimary(t, corednstest.Knot, corednstest.UpdateZone{})
	e := newRFC2136Env(t, primary)
	e.cfg.Verify.Timeout = 2 * time.Second
	for _, k := range []corednstest.Kind{corednstest.BIND, corednstest.Knot} {
		spec := corednstest.Secondary{Primary: primary.Addr, Zones: []string{"example.org"},
			KeyName: "dnssync.", Secret: primary.secret}.Spec(k)
		spec.Zones = nil // it never loads the zone: up once it answers at all
		s := corednstest.StartSpec(t, spec)
		e.cfg.Secondaries = append(e.cfg.Secondaries, s.Addr)
	}
	e.writeConfig()

	d := e.start()
	e.write("web-02.yaml", `records:
  - name: web-02.example.org
    type: A
    value: 192.0.2.11
`)
	e.served("web-02.example.org", dns.TypeA, set(t, "web-02.example.org 300 IN A 192.0.2.11"))
	d.waitLogCount("secondary lagging", 2)
	const why = "its transfers from the primary fail"
	if got := strings.Count(d.out.String(), why); got < 2 {
		t.Errorf("daemon log names the failing transfers %d times, want each secondary's lag to:\n%s", got, d.out.String())
	}

	v, code := verifyJSON(t, e)
	if code != 1 || v.Verified || len(v.Zones) != 1 {
		t.Fatalf("verify: exit %d, verified %v, zones %+v; want exit 1 with example.org", code, v.Verified, v.Zones)
	}
	servers := v.Zones[0].Servers
	if len(servers) != 3 {
		t.Fatalf("servers %+v, want the primary and 2 secondaries", servers)
	}
	for _, s := range servers[1:] {
		if s.Role != "secondary" || s.InSync || !strings.Contains(s.Reason, why) || strings.HasPrefix(s.Reason, "unreachable") {
			t.Errorf("%+v, want a secondary out of sync because %s", s, why)
		}
	}
}
