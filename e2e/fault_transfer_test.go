package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/verify"
)

// servedZone is a zone CoreDNS serves from its file before dnssync starts:
// kept.example.com is in no record file, as if a standing conflict or a
// held deletion kept it served.
const servedZone = `$ORIGIN example.com.
@        3600 IN SOA ns1.example.com. hostmaster.example.com. 2026010101 3600 600 604800 300
@        3600 IN NS  ns1.example.com.
ns1      3600 IN A   127.0.0.1
web-01    300 IN A   192.0.2.10
kept      300 IN A   192.0.2.99
`

// TestFaultTransferRefused (issue 9, failure 3): CoreDNS serves the zone
// but refuses to transfer it to dnssync. A refused transfer of a served
// zone is not an empty zone: the zone file is never rewritten (its bytes
// and serial stay), nothing is audited as created, kept.example.com stays
// served, and /readyz names the refusal.
func TestFaultTransferRefused(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{ // transfer to these only
		// dnssync asks from 127.0.0.1; only 127.0.0.2 may transfer.
		"transfer to another address": {"127.0.0.2"},
		"no transfer plugin":          nil,
	}
	for name, transferTo := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newBareEnv(t)
			e.zones = filepath.Join(e.dir, "zones")
			if err := os.MkdirAll(e.zones, 0o755); err != nil {
				t.Fatal(err)
			}
			zoneFile := filepath.Join(e.zones, "db.example.com")
			if err := os.WriteFile(zoneFile, []byte(servedZone), 0o644); err != nil {
				t.Fatal(err)
			}
			e.dns = corednstest.Start(t, corednstest.AutoCorefileTo(e.zones, transferTo...))
			e.res = &verify.Resolver{Addr: e.dns.Addr, Timeout: time.Second}
			e.cfg.Backend = corednstest.Backend{Type: "zonefile", ZoneDir: e.zones}
			e.cfg.Zones = []string{"example.com"}
			api := apiPort(t)
			auditLog := filepath.Join(e.dir, "audit.log")
			e.cfg.API = &corednstest.API{Listen: api}
			e.cfg.Audit.File = auditLog
			e.writeConfig()

			kept := set(t, "kept.example.com 300 IN A 192.0.2.99")
			e.served("kept.example.com", dns.TypeA, kept)
			e.write("web-01.yaml", web01)
			e.write("new.yaml", "records:\n  - name: new.example.com\n    type: A\n    value: 192.0.2.20\n")

			d := e.start()
			d.waitLog("first pass done")
			unchanged := func(when string) {
				t.Helper()
				if b, err := os.ReadFile(zoneFile); err != nil || !bytes.Equal(b, []byte(servedZone)) {
					t.Fatalf("%s: zone file rewritten (err %v):\n%s", when, err, b)
				}
				if s, err := e.res.Serial(context.Background(), "example.com."); err != nil || s != 2026010101 {
					t.Fatalf("%s: serial %d (err %v), want 2026010101 unchanged", when, s, err)
				}
				if b, _ := os.ReadFile(auditLog); bytes.Contains(b, []byte(`"create"`)) {
					t.Fatalf("%s: audit log has creates:\n%s", when, b)
				}
				e.stillServed("kept.example.com", dns.TypeA, kept)
				e.stillServed("new.example.com", dns.TypeA, nil)
			}
			unchanged("after the first pass")

			waitReason(t, api, "transfer_refused")
			// Scheduled passes and retries keep failing; none writes.
			d.waitLogCount("zone pass failed", 3)
			unchanged("after more passes")
			if strings.Contains(d.out.String(), "will be created") {
				t.Error("the log says the zone will be created")
			}
		})
	}
}

// TestFaultTSIGRefused (issue 9, "TSIG failure naming"): a wrong TSIG
// secret reads as tsig_refused on /readyz, not as coredns_unreachable.
func TestFaultTSIGRefused(t *testing.T) {
	t.Parallel()
	for name, start := range map[string]func(*testing.T) updateServer{"coredns": startDynupdate, "bind": startBIND, "knot": startKnot} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := start(t)
			srv.secret = newSecret(t)
			e := newRFC2136Env(t, srv)
			api := apiPort(t)
			e.cfg.API = &corednstest.API{Listen: api}
			e.writeConfig()
			e.write("web-01.yaml", "records:\n  - name: web-01.example.org\n    type: A\n    value: 192.0.2.10\n")
			e.start()
			if kinds := waitReason(t, api, "tsig_refused"); slicesContains(kinds, "coredns_unreachable") {
				t.Errorf("/readyz reasons %v: a TSIG failure also reads as coredns_unreachable", kinds)
			}
			e.stillServed("web-01.example.org", dns.TypeA, nil)
		})
	}
}
