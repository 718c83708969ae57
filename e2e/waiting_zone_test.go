package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestWaitingFileHoldsNoDeletion (issue 13 review): a records file naming
// only a zone not managed yet is invalid (plan exits 1 with file:line),
// but it is read: it declares nothing in any managed zone, so it holds no
// deletion anywhere. Removing an unrelated record in example.com goes
// through.
func TestWaitingFileHoldsNoDeletion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	e.write("old.yaml", "records:\n  - name: old.example.com\n    type: A\n    value: 192.0.2.99\n")
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	e.served("old.example.com", dns.TypeA, set(t, "old.example.com 300 IN A 192.0.2.99"))

	e.write("wait.yaml", "records:\n  - name: www.later.example\n    type: A\n    value: 192.0.2.50\n")
	e.remove("old.yaml")
	where := filepath.Join(e.records, "wait.yaml") + ":2: name www.later.example. is not inside a managed zone"
	out, stderr, code := e.cli("plan")
	if code != 1 || !strings.Contains(stderr, where) || strings.Contains(out+stderr, "held") || !strings.Contains(out, "- old.example.com.") {
		t.Errorf("plan with a file waiting for its zone: exit %d, want 1, %q on stderr and the deletion of old.example.com not held; stdout:\n%s\nstderr:\n%s", code, where, out, stderr)
	}
	if out, stderr, code := e.cli("apply"); strings.Contains(out+stderr, "held") {
		t.Errorf("apply: exit %d, holds the deletion; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	e.served("old.example.com", dns.TypeA, nil)
}
