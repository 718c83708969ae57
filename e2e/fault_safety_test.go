package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	e.cfg.Audit.File = auditLog
	e.writeConfig()
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

// TestFaultSafetyHeldAcrossPasses (review finding 1): the daemon refuses
// 7 updates of 20 records (35%) and applies the 4 creates beside them; the
// zone then holds 24 and 7 of 24 is under 30%. Later scheduled passes must
// still hold the updates: a refusal waits for `apply --force`, not for the
// zone to grow.
func TestFaultSafetyHeldAcrossPasses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("fleet.yaml", addressFleet(20, 0))
	d := e.start()
	e.served("host-00.example.com", dns.TypeA, set(t, "host-00.example.com 300 IN A 192.0.2.1"))

	// One file, renamed in at once: the updates and the creates reach the
	// daemon in the same pass.
	fleet := addressFleet(20, 7)
	for i := range 4 {
		fleet += fmt.Sprintf("  - name: new-%02d.example.com\n    type: A\n    value: 203.0.113.%d\n", i, i+1)
	}
	e.write("fleet.yaml", fleet)
	e.served("new-03.example.com", dns.TypeA, set(t, "new-03.example.com 300 IN A 203.0.113.4"))
	d.waitLog("plan refused")
	e.stillServed("host-00.example.com", dns.TypeA, set(t, "host-00.example.com 300 IN A 192.0.2.1"))

	// Two more refused passes: the second began after the creates were
	// served, so it measured the grown zone.
	const failed = `msg="zone pass failed" zone=example.com`
	passes := strings.Count(d.out.String(), failed)
	deadline := time.Now().Add(15 * time.Second)
	for strings.Count(d.out.String(), failed) < passes+2 {
		if got, err := e.res.Query(t.Context(), "host-00.example.com", dns.TypeA); err == nil &&
			got.Equal(set(t, "host-00.example.com 300 IN A 198.51.100.1")) {
			t.Fatal("a later pass applied the held updates without --force: the zone grew by the creates")
		}
		if time.Now().After(deadline) {
			t.Fatalf("no two further refused passes within 15s (%d so far, from %d)", strings.Count(d.out.String(), failed), passes)
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.stillServed("host-00.example.com", dns.TypeA, set(t, "host-00.example.com 300 IN A 192.0.2.1"))
	e.stillServed("host-06.example.com", dns.TypeA, set(t, "host-06.example.com 300 IN A 192.0.2.7"))

	if _, stderr, code := e.cli("apply", "--force"); code != 0 {
		t.Fatalf("apply --force: exit %d: %s", code, stderr)
	}
	e.served("host-00.example.com", dns.TypeA, set(t, "host-00.example.com 300 IN A 198.51.100.1"))
	e.served("host-06.example.com", dns.TypeA, set(t, "host-06.example.com 300 IN A 198.51.100.7"))
}

// TestFaultSafetyHeldAcrossRestart (issue 9): what the safety rules hold
// outlives the process that held it. The daemon refuses 7 updates of 20
// records and applies the 4 creates beside them (the zone grows to 24, and
// 7 of 24 is under 30%); it is then killed with SIGKILL and started again,
// as systemd would after a crash. The restarted daemon, pass after pass,
// and a `dnssync apply` run beside it still hold the updates; `dnssync
// apply --force` applies them, and releases the hold for every process.
func TestFaultSafetyHeldAcrossRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("fleet.yaml", addressFleet(20, 0))
	d := e.start()
	e.served("host-00.example.com", dns.TypeA, set(t, "host-00.example.com 300 IN A 192.0.2.1"))

	fleet := addressFleet(20, 7)
	for i := range 4 {
		fleet += fmt.Sprintf("  - name: new-%02d.example.com\n    type: A\n    value: 203.0.113.%d\n", i, i+1)
	}
	e.write("fleet.yaml", fleet)
	e.served("new-03.example.com", dns.TypeA, set(t, "new-03.example.com 300 IN A 203.0.113.4"))
	d.waitLog("plan refused")
	if err := d.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	<-d.done
	old := set(t, "host-00.example.com 300 IN A 192.0.2.1")
	e.stillServed("host-00.example.com", dns.TypeA, old)

	// Started again: its first pass measures the grown zone. Two scheduled
	// passes after it, the updates are still held.
	d = e.start()
	const failed = `msg="zone pass failed" zone=example.com`
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(d.out.String(), failed) < 3 {
		if got, err := e.res.Query(t.Context(), "host-00.example.com", dns.TypeA); err == nil && !got.Equal(old) {
			t.Fatalf("the restarted daemon applied the held updates without --force: host-00 is served as %v", got)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted daemon made no three refused passes within 20s (%d)", strings.Count(d.out.String(), failed))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(d.out.String(), "plan refused") {
		t.Errorf("the restarted daemon never logged the refusal")
	}
	e.stillServed("host-00.example.com", dns.TypeA, old)
	e.stillServed("host-06.example.com", dns.TypeA, set(t, "host-06.example.com 300 IN A 192.0.2.7"))

	// A separate `dnssync apply` holds them too.
	if _, stderr, code := e.cli("apply"); code != 1 || !strings.Contains(stderr, "--force") {
		t.Fatalf("apply beside the daemon: exit %d, want 1 holding the updates; stderr:\n%s", code, stderr)
	}
	e.stillServed("host-00.example.com", dns.TypeA, old)

	if _, stderr, code := e.cli("apply", "--force"); code != 0 {
		t.Fatalf("apply --force: exit %d: %s", code, stderr)
	}
	e.served("host-00.example.com", dns.TypeA, set(t, "host-00.example.com 300 IN A 198.51.100.1"))
	e.served("host-06.example.com", dns.TypeA, set(t, "host-06.example.com 300 IN A 198.51.100.7"))
	if out, stderr, code := e.cli("plan"); code != 0 {
		t.Errorf("plan after apply --force: exit %d, want 0 (in sync, nothing held):\n%s\n%s", code, out, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(e.dir, "state", "held.json")); err != nil || strings.Contains(string(b), "host-") {
		t.Errorf("held.json after apply --force (err %v) still holds:\n%s", err, b)
	}
}

// TestFaultSafetyHeldStateUnreadable: a held.json that is not one dnssync
// wrote is never taken for "nothing held": the daemon does not start,
// check-config, plan and apply fail, none quotes the file, and nothing is
// written to zone_dir. Removing the file (a person's decision to release
// every hold) lets everything go on.
func TestFaultSafetyHeldStateUnreadable(t *testing.T) {
	t.Parallel()
	const secret = "hmac-sha256:c2VjcmV0LXRzaWcta2V5"
	e := newEnv(t)
	e.write("fleet.yaml", addressFleet(3, 0))
	held := filepath.Join(e.dir, "state", "held.json")
	if err := os.MkdirAll(filepath.Dir(held), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(held, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"check-config", "plan", "apply"} {
		out, stderr, code := e.cli(cmd)
		if code != 1 || !strings.Contains(out+stderr, held) || strings.Contains(out+stderr, "c2VjcmV0") {
			t.Errorf("%s: exit %d, want 1 naming %s and quoting nothing of it; stdout:\n%s\nstderr:\n%s", cmd, code, held, out, stderr)
		}
	}
	d := e.start()
	select {
	case <-d.done:
	case <-time.After(15 * time.Second):
		t.Fatal("the daemon started with an unreadable held.json")
	}
	if code := d.cmd.ProcessState.ExitCode(); code != 1 || strings.Contains(d.out.String(), "c2VjcmV0") || !strings.Contains(d.out.String(), "held state") {
		t.Errorf("daemon: exit %d, want 1 saying why and quoting nothing of the file:\n%s", code, d.out.String())
	}
	if _, err := os.Stat(filepath.Join(e.zones, "db.example.com")); err == nil {
		t.Errorf("a zone file was written while the held state could not be read")
	}

	if err := os.Remove(held); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply once held.json is removed: exit %d: %s", code, stderr)
	}
	e.served("host-00.example.com", dns.TypeA, set(t, "host-00.example.com 300 IN A 192.0.2.1"))
}
