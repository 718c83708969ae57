package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestPlanServerDown (issue 10): a plan (or apply) that cannot read the
// server never claims "in sync" on stdout: the zone is "unknown", and the
// command exits 1.
func TestPlanServerDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	e.dns.Stop()
	for _, cmd := range []string{"plan", "apply"} {
		out, stderr, code := e.cli(cmd)
		if code != 1 || strings.Contains(out, "in sync") || !strings.Contains(out, "example.com.: unknown (cannot read the zone: ") {
			t.Errorf("%s with CoreDNS stopped: exit %d, want 1, the zone unknown and never \"in sync\"; stdout:\n%s\nstderr:\n%s", cmd, code, out, stderr)
		}
	}
}

// TestPlanInvalidFileExit (issue 10): an invalid file beside valid ones
// makes plan exit 1 with file:line on stderr, though everything valid is
// in sync: a CI job gating on plan must not pass a broken change.
func TestPlanInvalidFileExit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	e.write("bad.yaml", "records:\n  - name: bad.example.com\n    type: A\n    value: not-an-address\n")
	where := filepath.Join(e.records, "bad.yaml") + ":4: "
	out, stderr, code := e.cli("plan")
	// The line validate prints, "file:line: message", from its start.
	if code != 1 || !strings.Contains("\n"+stderr, "\n"+where) {
		t.Errorf("plan with an invalid file: exit %d, want 1 with a line starting %s; stdout:\n%s\nstderr:\n%s", code, where, out, stderr)
	}
}

// TestPlanHeldDeletionsExit (issue 10): while a file was never read
// successfully (a writer is still at it), deletions are held: plan shows
// the deletion it holds and exits 2, never "in sync" with exit 0.
func TestPlanHeldDeletionsExit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	e.write("old.yaml", "records:\n  - name: old.example.com\n    type: A\n    value: 192.0.2.99\n")
	e.write("busy.yaml", "records:\n  - name: busy.example.com\n    type: A\n    value: 192.0.2.98\n")
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	e.served("old.example.com", dns.TypeA, set(t, "old.example.com 300 IN A 192.0.2.99"))
	e.remove("old.yaml")

	stop := appendUntilStopped(t, filepath.Join(e.records, "busy.yaml"))
	out, stderr, code := e.cli("plan")
	stop()
	if code != 2 || strings.Contains(out, "example.com.: in sync") ||
		!strings.Contains(out, "deletions held: a records file was never read") || !strings.Contains(out, "- old.example.com.") {
		t.Errorf("plan with deletions held: exit %d, want 2 showing the held deletion of old.example.com; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	// A file being written is no error, and not worded as one.
	if note := "note: " + filepath.Join(e.records, "busy.yaml") + ": "; !strings.Contains(stderr, note) {
		t.Errorf("plan while busy.yaml is written: stderr lacks %q:\n%s", note, stderr)
	}
	// The writer done, the deletion is an ordinary pending change.
	if out, stderr, code := e.cli("plan"); code != 2 || !strings.Contains(out, "- old.example.com.") || strings.Contains(out, "held") {
		t.Errorf("plan once the writer is done: exit %d, want 2 with the deletion; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
}

// TestPlanApplyRefusedKey (issue 10): apply with a TSIG key the server
// refuses ends with the zone unknown, never "in sync", and exits 1.
func TestPlanApplyRefusedKey(t *testing.T) {
	t.Parallel()
	srv := startDynupdate(t)
	srv.secret = newSecret(t)
	e := newRFC2136Env(t, srv)
	e.write("web-01.yaml", "records:\n  - name: web-01.example.org\n    type: A\n    value: 192.0.2.10\n")
	for _, cmd := range []string{"apply", "plan"} {
		out, stderr, code := e.cli(cmd)
		if code != 1 || strings.Contains(out, "in sync") || !strings.Contains(out, "unknown") {
			t.Errorf("%s with a refused key: exit %d, want 1, the zone unknown, never \"in sync\"; stdout:\n%s\nstderr:\n%s", cmd, code, out, stderr)
		}
	}
}
