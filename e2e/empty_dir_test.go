package e2e

import (
	"testing"

	"github.com/miekg/dns"
)

// TestEmptyDirAfterForcedApply (issue 10): every record file removed at
// once is refused by the daemon ("suddenly empty") and the records stay
// served; `apply --force` deletes them, and the daemon's next full pass,
// seeing them no longer served, accepts the empty dir instead of reporting
// records.d unreadable until it is restarted. Files added afterwards are
// followed as usual.
func TestEmptyDirAfterForcedApply(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	e.write("web-02.yaml", "records:\n  - name: web-02.example.com\n    type: A\n    value: 192.0.2.20\n")
	d := e.start()
	web02 := set(t, "web-02.example.com 300 IN A 192.0.2.20")
	e.served("web-02.example.com", dns.TypeA, web02)

	e.remove("web-01.yaml")
	e.remove("web-02.yaml")
	d.waitLog("vanished at once")
	e.stillServed("web-02.example.com", dns.TypeA, web02)
	// A full pass refuses the empty dir before the forced apply: what the
	// daemon recovers from. (Forced first, the records are gone by that
	// pass, which then accepts the empty dir with nothing to recover from.)
	d.waitLog("pass failed")

	if _, stderr, code := e.cli("apply", "--force"); code != 0 {
		t.Fatalf("apply --force: exit %d: %s", code, stderr)
	}
	e.served("web-02.example.com", dns.TypeA, nil)
	// The dir stays empty: the daemon's passes succeed again.
	d.waitLog("accepting the empty dir")
	d.waitLog("recovered")

	e.write("web-03.yaml", "records:\n  - name: web-03.example.com\n    type: A\n    value: 192.0.2.30\n")
	e.served("web-03.example.com", dns.TypeA, set(t, "web-03.example.com 300 IN A 192.0.2.30"))
}
