package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// replicated is a zonefile installation managing example.com, its primary
// CoreDNS (`auto`, which notifies no one) already serving web-01, and one
// secondary of each kind given, each transferring from the primary with
// refresh an hour away (the zone's default): a change that reaches one
// within seconds came by dnssync's NOTIFY. The config lists them as
// [[secondaries]]; the daemon is not running.
func replicated(t *testing.T, kinds ...corednstest.Kind) (*env, []*corednstest.Server) {
	t.Helper()
	e := newEnv(t)
	e.cfg.Zones = []string{"example.com"}
	e.writeConfig()
	e.write("web-01.yaml", web01)
	d := e.start() // creates the zone the secondaries transfer
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
	d.stop()
	return e, startSecondaries(t, e, "example.com", "", kinds...)
}

const web02 = `records:
  - name: web-02.example.com
    type: A
    value: 192.0.2.11
`

// every is one secondary of each kind, two of CoreDNS: the topology of
// issue 12.
var every = []corednstest.Kind{corednstest.CoreDNS, corednstest.CoreDNS, corednstest.BIND, corednstest.Knot}

// startSecondaries starts one secondary of each kind for zone, from the
// primary e.dns, and lists them as e's [[secondaries]].
// secret is the TSIG key "dnssync." dnssync signs its NOTIFYs with, ""
// when it has none (the zonefile backend).
func startSecondaries(t *testing.T, e *env, zone, secret string, kinds ...corednstest.Kind) []*corednstest.Server {
	t.Helper()
	var secs []*corednstest.Server
	for _, k := range kinds {
		sec := corednstest.Secondary{Primary: e.dns.Addr, Zones: []string{zone}}
		if secret != "" {
			sec.KeyName, sec.Secret = "dnssync.", secret
		}
		s := corednstest.StartSecondary(t, k, sec)
		secs = append(secs, s)
		e.cfg.Secondaries = append(e.cfg.Secondaries, s.Addr)
	}
	e.writeConfig()
	return secs
}

// TestReplicationToEveryKindOfSecondary: two CoreDNS secondaries, a BIND
// and a Knot secondary of a zonefile primary follow a change within the
// verify timeout, by dnssync's NOTIFY.
func TestReplicationToEveryKindOfSecondary(t *testing.T) {
	t.Parallel()
	e, secs := replicated(t, every...)
	d := e.start()
	e.write("web-02.yaml", web02)
	followed(t, e, d, secs, "example.com", set(t, "web-02.example.com 300 IN A 192.0.2.11"))
}

// TestReplicationFromDynupdate: the same with the rfc2136 backend, its
// primary CoreDNS dynupdate keeping the zone in its database (it serves
// AXFR, not IXFR; BIND and Knot fall back to AXFR). dnssync signs its
// NOTIFYs with the backend's TSIG key, so BIND and Knot are given it.
func TestReplicationFromDynupdate(t *testing.T) {
	t.Parallel()
	primary := startPrimary(t, corednstest.CoreDNS, corednstest.UpdateZone{Database: true})
	e := newRFC2136Env(t, primary)
	secs := startSecondaries(t, e, "example.org", primary.secret, every...)
	d := e.start()
	e.write("web-02.yaml", `records:
  - name: web-02.example.org
    type: A
    value: 192.0.2.11
`)
	followed(t, e, d, secs, "example.org", set(t, "web-02.example.org 300 IN A 192.0.2.11"))
}

// followed waits until the primary serves want and the daemon logged each
// secondary serving the change, then checks that each answers want at the
// primary's serial and that `verify --json` lists each in sync at it.
func followed(t *testing.T, e *env, d *daemon, secs []*corednstest.Server, zone string, want *rrset.Set) {
	t.Helper()
	e.served(want.Key.Name, want.Key.Type, want)
	d.waitLogCount("secondary serves the change", len(secs))
	serial, _, err := soa(e.dns.Addr, zone)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		if got, _, err := soa(s.Addr, zone); err != nil || got != serial {
			t.Errorf("%s secondary %s serves serial %d (err %v), want the primary's %d", s.Name, s.Addr, got, err, serial)
		}
		res := &verify.Resolver{Addr: s.Addr, Timeout: time.Second}
		if got, err := res.Query(context.Background(), want.Key.Name, want.Key.Type); err != nil || !got.Equal(want) {
			t.Errorf("%s secondary %s answers %v (err %v), want %v", s.Name, s.Addr, got, err, want)
		}
	}

	v, code := verifyJSON(t, e)
	if code != 0 || len(v.Zones) != 1 {
		t.Fatalf("verify: exit %d, zones %+v; want exit 0 and %s", code, v.Zones, zone)
	}
	servers := v.Zones[0].Servers
	if len(servers) != 1+len(secs) {
		t.Fatalf("%d servers listed, want the primary and %d secondaries: %+v", len(servers), len(secs), servers)
	}
	for i, s := range servers {
		role := "secondary"
		if i == 0 {
			role = "primary"
		}
		if s.Role != role || !s.InSync || s.Serial == nil || *s.Serial != serial {
			t.Errorf("%+v, want %s in sync at serial %d", s, role, serial)
		}
	}
}

// TestSecondaryStoppedThenCatchesUp: a Knot secondary stopped while a
// change is made is reported: /readyz degraded (verify_failed naming it),
// `verify` exit 1. Started again from its old copy, its refresh timer an
// hour away (Knot keeps it across restarts), it catches up because the
// scheduled check NOTIFYs a secondary behind the primary again, and the
// report clears.
func TestSecondaryStoppedThenCatchesUp(t *testing.T) {
	t.Parallel()
	e, secs := replicated(t, corednstest.CoreDNS, corednstest.Knot)
	api := e.withAPI(t)
	knot := secs[1]
	d := e.start()
	waitHealth(t, api, http.StatusOK)
	old, _, err := soa(knot.Addr, "example.com")
	if err != nil {
		t.Fatal(err)
	}

	knot.Stop()
	e.write("web-02.yaml", web02)
	e.served("web-02.example.com", dns.TypeA, set(t, "web-02.example.com 300 IN A 192.0.2.11"))
	d.waitLog("secondary serves the change") // the CoreDNS one
	// Knot's outcome is reported apart, once the change's wait for it
	// gives up: only then is it restarted, so that it is the scheduled
	// check's NOTIFY, not the wait's, that makes it catch up.
	d.waitLog(`msg="secondary lagging"`)
	kinds := waitHealth(t, api, http.StatusServiceUnavailable)
	if _, body := healthBody(t, api); !strings.Contains(strings.Join(kinds, " "), "verify_failed") || !strings.Contains(body, knot.Addr) {
		t.Errorf("/readyz with Knot stopped: %s, want verify_failed naming %s", body, knot.Addr)
	}
	v, code := verifyJSON(t, e)
	if code != 1 || v.Verified {
		t.Errorf("verify with Knot stopped: exit %d, verified %v; want exit 1", code, v.Verified)
	}

	knot.Restart(t)
	if got, _, err := soa(knot.Addr, "example.com"); err != nil || got != old {
		t.Logf("Knot restarted serves serial %d (err %v), not its old %d: it caught up by itself", got, err, old)
	}
	waitHealth(t, api, http.StatusOK)
	// It caught up by dnssync's NOTIFY: the scheduled check found it behind
	// and Knot acknowledged the NOTIFY sent again (only that line carries
	// an "answered" outcome; its refresh is an hour away).
	d.waitLog(`msg="NOTIFY sent again to a lagging secondary"`)
	if !strings.Contains(d.out.String(), "secondary="+knot.Addr+" outcome=answered") {
		t.Errorf("no NOTIFY sent again to Knot %s and answered; log:\n%s", knot.Addr, d.out.String())
	}
	want, _, err := soa(e.dns.Addr, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := soa(knot.Addr, "example.com"); err != nil || got != want {
		t.Errorf("Knot after /readyz cleared serves %d (err %v), want the primary's %d", got, err, want)
	}
	if v, code := verifyJSON(t, e); code != 0 || !v.Verified {
		t.Errorf("verify after Knot caught up: exit %d, verified %v; want 0", code, v.Verified)
	}
}
