package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// addressFleet is a record file of n A records, host-00 to host-(n-1), the first
// changed of them at 198.51.100.x, the rest at 192.0.2.x.
func addressFleet(n, changed int) string {
	var b strings.Builder
	b.WriteString("records:\n")
	for i := range n {
		net := "192.0.2"
		if i < changed {
			net = "198.51.100"
		}
		fmt.Fprintf(&b, "  - name: host-%02d.example.com\n    type: A\n    value: %s.%d\n", i, net, i+1)
	}
	return b.String()
}

// TestFaultSafetyHoldsUpdates (issue 9, failure 10): changing the address
// of 40 of 50 records is refused as updates, not as deletes; a new name
// added in the same change is served all the same; the held updates are
// shown by plan, audited as refused, and applied by apply --force.
func TestFaultSafetyHoldsUpdates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auditLog := filepath.Join(e.dir, "audit.log")
	e.replaceConfig(noAPI, fmt.Sprintf("%s\n[audit]\nfile = %q\n", noAPI, auditLog))
	e.write("fleet.yaml", addressFleet(50, 0))
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("first apply: exit %d: %s", code, stderr)
	}
	e.served("host-00.example.com", dns.TypeA, set(t, "host-00.example.com 300 IN A 192.0.2.1"))
	if err := os.Remove(auditLog); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}

	e.write("fleet.yaml", addressFleet(50, 40))
	e.write("new.yaml", "records:\n  - name: new-01.example.com\n    type: A\n    value: 192.0.2.200\n")

	out, stderr, code := e.cli("plan")
	if code != 2 || !strings.Contains(out, "+ new-01.example.com.") || !strings.Contains(out, "~ host-00.example.com.") ||
		!strings.Contains(out, "held") || !strings.Contains(stderr, "updates 40 of") {
		t.Fatalf("plan: exit %d, want 2 showing the create and the held updates; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}

	_, stderr, code = e.cli("apply")
	if code != 1 || !strings.Contains(stderr, "updates 40 of") || strings.Contains(stderr, "deletes") || !strings.Contains(stderr, "--force") {
		t.Fatalf("apply: exit %d, want 1, refusing 40 updates (not deletes) with a hint at --force; stderr:\n%s", code, stderr)
	}
	e.served("new-01.example.com", dns.TypeA, set(t, "new-01.example.com 300 IN A 192.0.2.200"))
	e.stillServed("host-00.example.com", dns.TypeA, set(t, "host-00.example.com 300 IN A 192.0.2.1"))
	e.stillServed("host-39.example.com", dns.TypeA, set(t, "host-39.example.com 300 IN A 192.0.2.40"))

	trail, err := os.ReadFile(auditLog)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(trail); !strings.Contains(s, `"refused"`) || !strings.Contains(s, "new-01.example.com.") ||
		strings.Contains(s, `"update"`) || strings.Count(s, `"create"`) != 1 {
		t.Errorf("audit log: want the refusal and the one create, no update:\n%s", s)
	}

	if _, stderr, code := e.cli("apply", "--force"); code != 0 {
		t.Fatalf("apply --force: exit %d: %s", code, stderr)
	}
	e.served("host-00.example.com", dns.TypeA, set(t, "host-00.example.com 300 IN A 198.51.100.1"))
	e.served("host-39.example.com", dns.TypeA, set(t, "host-39.example.com 300 IN A 198.51.100.40"))
	e.stillServed("host-40.example.com", dns.TypeA, set(t, "host-40.example.com 300 IN A 192.0.2.41"))
	e.stillServed("new-01.example.com", dns.TypeA, set(t, "new-01.example.com 300 IN A 192.0.2.200"))
	if out, _, code := e.cli("plan"); code != 0 {
		t.Errorf("plan after apply --force: exit %d, want 0 (in sync):\n%s", code, out)
	}
}
