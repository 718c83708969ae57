package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestWaitingFileHoldsNoDeletion (issue 13 review): with the daemon
// running, a records file written for a zone not managed yet (an
// orchestrator about to add it) is invalid, but read: it declares nothing
// in any managed zone, so it holds no deletion anywhere: removing an
// unrelated record in example.com goes through. Once its zone arrives in
// zones.d, the file applies as it is, untouched.
func TestWaitingFileHoldsNoDeletion(t *testing.T) {
	t.Parallel()
	z := newZonesDirEnv(t)
	z.write("old.yaml", "records:\n  - name: old.example.com\n    type: A\n    value: 192.0.2.98\n")
	z.served("old.example.com", dns.TypeA, set(t, "old.example.com 300 IN A 192.0.2.98"))

	z.write("wait.yaml", "records:\n  - name: www.later.example\n    type: A\n    value: 192.0.2.50\n")
	z.d.waitLog("www.later.example")
	path := filepath.Join(z.records, "wait.yaml")
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	z.remove("old.yaml")
	z.served("old.example.com", dns.TypeA, nil)

	z.writeZone("later.example.yaml", "zone:\n  name: later.example\n")
	z.until("the zone from zones.d served", z.zoneServed("later.example"))
	z.served("www.later.example", dns.TypeA, set(t, "www.later.example 300 IN A 192.0.2.50"))
	if after, err := os.Stat(path); err != nil || !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
		t.Errorf("the records file waiting for the zone was touched: %v, %v", after, err)
	}
}

// TestTypoInZoneHoldsDeletion (issue 13 review): www.example.com is
// applied, then its file is edited to www.example.con, while no daemon
// runs. A new process cannot tell that typo from a file waiting for a
// zone, and never saw the file's good content: it must not delete
// www.example.com. plan names the file, the name and the way out; apply
// deletes nothing; apply --force does.
func TestTypoInZoneHoldsDeletion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web.yaml", "records:\n  - name: www.example.com\n    type: A\n    value: 192.0.2.10\n")
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	www := set(t, "www.example.com 300 IN A 192.0.2.10")
	e.served("www.example.com", dns.TypeA, www)

	e.write("web.yaml", "records:\n  - name: www.example.con\n    type: A\n    value: 192.0.2.10\n")
	path := filepath.Join(e.records, "web.yaml")
	held := "example.com.: 1 deletion held: " + path + ": www.example.con. is in no managed zone: add the zone, fix the name, or apply --force\n"
	where := path + ":2: name www.example.con. is not inside a managed zone"
	out, stderr, code := e.cli("plan")
	if code != 1 || !strings.Contains(out, held+"  - www.example.com.") || !strings.Contains(stderr, where) {
		t.Errorf("plan with a typo in the zone part: exit %d, want 1, %q then the deletion on stdout, %q on stderr; stdout:\n%s\nstderr:\n%s", code, held, where, out, stderr)
	}
	if out, stderr, code := e.cli("apply"); !strings.Contains(out, held) {
		t.Errorf("apply: exit %d, want %q; stdout:\n%s\nstderr:\n%s", code, held, out, stderr)
	}
	e.stillServed("www.example.com", dns.TypeA, www)

	// stderr says the hold was lifted, not that it still holds.
	if out, stderr, code := e.cli("apply", "--force"); code != 0 || strings.Contains(out, "held") ||
		strings.Contains(stderr, "deletions held") || !strings.Contains(stderr, "deletions not held (--force): "+path) {
		t.Errorf("apply --force: exit %d, want 0 and the deletion applied; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	e.served("www.example.com", dns.TypeA, nil)
}
