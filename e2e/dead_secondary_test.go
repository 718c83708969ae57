package e2e

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// TestDeadSecondaryDelaysNoChange: a secondary that is black-holed (a
// UDP socket that reads every query and answers none) is configured with
// [verify] timeout 8s. The wait for it after each change runs beside the
// passes, so a second change made right after a first is served by the
// primary within seconds, not after the first change's whole wait; and
// the dead secondary is still reported lagging when that wait ends.
func TestDeadSecondaryDelaysNoChange(t *testing.T) {
	t.Parallel()
	const timeout = 8 * time.Second
	hole, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hole.Close() })
	e := newEnv(t)
	e.cfg.Zones = []string{"example.com"}
	e.cfg.Verify.Timeout = timeout
	// No scheduled check meanwhile: a check reads every secondary's serial
	// under the pass lock, and the dead one costs it a query timeout (2 s),
	// which a change arriving then waits for. What this test bounds is the
	// change's own wait for the secondaries.
	e.cfg.Verify.Schedule = "@every 1h"
	e.cfg.Secondaries = append(e.cfg.Secondaries, hole.LocalAddr().String())
	api := e.withAPI(t)
	e.write("web-01.yaml", web01)
	d := e.start()
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))

	e.write("web-02.yaml", web02)
	e.served("web-02.example.com", dns.TypeA, set(t, "web-02.example.com 300 IN A 192.0.2.11"))
	// The first change's wait for the dead secondary has [verify] timeout
	// to run; a second change comes meanwhile.
	start := time.Now()
	e.write("web-03.yaml", `records:
  - name: web-03.example.com
    type: A
    value: 192.0.2.12
`)
	e.served("web-03.example.com", dns.TypeA, set(t, "web-03.example.com 300 IN A 192.0.2.12"))
	// A bound on a pathological delay (a pass waiting out the dead
	// secondary), not a performance assertion.
	took := time.Since(start)
	t.Logf("the second change was served %s after it was made", took)
	if took >= 4*time.Second {
		t.Errorf("served %s after: it waited for the dead secondary ([verify] timeout %s)", took, timeout)
	}
	d.waitLog(`msg="secondary lagging"`) // the outcome is still reported, when the wait ends
	// and into the metrics (dnssync_server_in_sync), from the wait, not a pass
	resp, err := http.Get("http://" + api + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	want := `dnssync_server_in_sync{server="` + hole.LocalAddr().String() + `",zone="example.com."} 0`
	if !strings.Contains(string(page), want) {
		t.Errorf("/metrics lacks %s:\n%s", want, page)
	}
}

// TestApplyWaitsForSecondaries: `dnssync apply` sees the secondaries'
// wait out before it exits (it outlives the pass in the daemon): the
// CoreDNS secondary is notified and logged serving the change, and the
// black-holed one logged lagging, once the wait's [verify] timeout ends.
func TestApplyWaitsForSecondaries(t *testing.T) {
	t.Parallel()
	hole, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hole.Close() })
	e, secs := replicated(t, corednstest.CoreDNS)
	e.cfg.Verify.Timeout = 3 * time.Second
	e.cfg.Secondaries = append(e.cfg.Secondaries, hole.LocalAddr().String())
	e.writeConfig()
	e.write("web-02.yaml", web02)
	_, stderr, code := e.cli("apply")
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	if !logged(stderr, `msg="secondary serves the change"`, "secondary="+secs[0].Addr) ||
		!logged(stderr, `msg="secondary lagging"`, "secondary="+hole.LocalAddr().String()) {
		t.Errorf("apply's log does not report both secondaries' outcome:\n%s", stderr)
	}
}

// logged reports whether one line of log holds every part.
func logged(log string, parts ...string) bool {
	for line := range strings.Lines(log) {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}
