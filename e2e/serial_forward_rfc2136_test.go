package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/verify"
)

// TestSerialForwardAfterDynupdateRestart (issue 12): a Knot and a BIND
// secondary follow a CoreDNS dynupdate primary (no `database`) that dnssync
// writes by RFC 2136, to serial S. The primary restarts: it serves its
// seed again, serial 1, and its own bump of that serial stays below S, so
// the secondaries would ignore every change from then on, silently. The
// restarted dnssync asks them for their serials first and its UPDATE sets
// the SOA serial above S: they serve the new records.
func TestSerialForwardAfterDynupdateRestart(t *testing.T) {
	t.Parallel()
	primary := startPrimary(t, corednstest.CoreDNS, corednstest.UpdateZone{})
	e := newRFC2136Env(t, primary)
	var secs []*verify.Resolver
	for _, s := range startSecondaries(t, e, "example.org", primary.secret, corednstest.Knot, corednstest.BIND) {
		secs = append(secs, &verify.Resolver{Addr: s.Addr, Timeout: time.Second})
	}
	d := e.start()
	for i := range 3 { // the serial climbs past the seed's
		e.write("web-01.yaml", sfrWeb("web-01", 20+i))
		for _, r := range secs {
			servedAt(t, r, "web-01.example.org", set(t, fmt.Sprintf("web-01.example.org 300 IN A 192.0.2.%d", 20+i)))
		}
	}
	top, _, err := soa(secs[0].Addr, "example.org")
	if err != nil {
		t.Fatal(err)
	}
	d.stop()

	primary.Restart(t)
	if s, _, err := soa(primary.Addr, "example.org"); err != nil || s-top < 1<<31 {
		t.Fatalf("restarted primary serves serial %d (err %v), want its seed's, older than the secondaries' %d", s, err, top)
	}

	e.write("web-02.yaml", sfrWeb("web-02", 11))
	e.start()
	e.served("web-02.example.org", dns.TypeA, set(t, "web-02.example.org 300 IN A 192.0.2.11"))
	for _, r := range secs {
		servedAt(t, r, "web-02.example.org", set(t, "web-02.example.org 300 IN A 192.0.2.11"))
		servedAt(t, r, "web-01.example.org", set(t, "web-01.example.org 300 IN A 192.0.2.22"))
		if s, _, err := soa(r.Addr, "example.org"); err != nil || s-top == 0 || s-top >= 1<<31 {
			t.Errorf("secondary %s serves serial %d (err %v), want newer than its %d", r.Addr, s, err, top)
		}
	}
}

// sfrWeb is a records.d file with one A record of example.org.
func sfrWeb(host string, last int) string {
	return fmt.Sprintf("records:\n  - name: %s.example.org\n    type: A\n    value: 192.0.2.%d\n", host, last)
}
