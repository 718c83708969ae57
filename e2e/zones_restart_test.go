package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// goneRecords declares n A records in gone.example.
func goneRecords(t *testing.T, n int) (string, func(i int) (string, *rrset.Set)) {
	t.Helper()
	want := func(i int) (string, *rrset.Set) {
		name := fmt.Sprintf("h%02d.gone.example", i)
		return name, set(t, fmt.Sprintf("%s 300 IN A 192.0.2.%d", name, i+1))
	}
	var b strings.Builder
	b.WriteString("records:\n")
	for i := range n {
		name, _ := want(i)
		fmt.Fprintf(&b, "  - name: %s\n    type: A\n    value: 192.0.2.%d\n", name, i+1)
	}
	return b.String(), want
}

// servedThenRemovedWhileDown: gone.example declared in zones.d with n
// records, served; the daemon stopped; both files deleted while it is
// down.
func servedThenRemovedWhileDown(t *testing.T, n int) (*zonesDirEnv, func(i int) (string, *rrset.Set)) {
	t.Helper()
	z := newZonesDirEnv(t)
	z.writeZone("gone.example.yaml", "zone:\n  name: gone.example\n")
	body, want := goneRecords(t, n)
	z.write("gone.yaml", body)
	z.until("gone.example served", z.zoneServed("gone.example"))
	for i := range n {
		name, rs := want(i)
		z.served(name, dns.TypeA, rs)
	}
	if code, _ := z.d.stop(); code != 0 {
		t.Fatalf("daemon stopped with exit %d", code)
	}
	if err := os.Remove(filepath.Join(z.zonesDir, "gone.example.yaml")); err != nil {
		t.Fatal(err)
	}
	z.remove("gone.yaml")
	return z, want
}

// TestZoneRemovedWhileDownIsRetired (issue 13, review): a zone whose
// zones.d file and records file were deleted while the daemon was down is
// still known after the restart (the state dir's zones.json): with a few
// records it is retired by the first pass (db file gone, CoreDNS answers
// REFUSED); with many it is held like a mass delete, still served, `dnssync
// plan` and `dnssync verify` (run while the daemon is down) saying so, and
// `dnssync apply --force` retires it. Before, the new process never saw
// the zone: its db file stayed, CoreDNS kept serving it, and verify and
// plan said all was in sync.
func TestZoneRemovedWhileDownIsRetired(t *testing.T) {
	t.Parallel()
	t.Run("few records: retired at the start", func(t *testing.T) {
		t.Parallel()
		z, _ := servedThenRemovedWhileDown(t, 2)
		z.d = z.start()
		z.until("the zone removed while down retired", z.zoneGone("gone.example"))
		z.d.waitLog("zone retired")
		z.stillServed("www.example.com", dns.TypeA, set(t, "www.example.com 300 IN A 192.0.2.99"))
		if out, stderr, code := z.cli("verify"); code != 0 {
			t.Errorf("verify after the retirement: exit %d\n%s%s", code, out, stderr)
		}
	})
	t.Run("many records: held until apply --force", func(t *testing.T) {
		t.Parallel()
		const n = 12 // past [safety] min_records (10); deleting all is past max_delete_percent (30)
		z, want := servedThenRemovedWhileDown(t, n)

		// Down: the one-shot commands see the zone too.
		out, stderr, code := z.cli("plan")
		if code == 0 || !strings.Contains(out+stderr, "gone.example") {
			t.Errorf("plan while down: exit %d; want non-zero naming gone.example\n%s%s", code, out, stderr)
		}
		out, stderr, code = z.cli("verify")
		if code == 0 || !strings.Contains(out, "h00.gone.example") {
			t.Errorf("verify while down: exit %d; want non-zero naming the zone's stale records\n%s%s", code, out, stderr)
		}

		z.d = z.start()
		z.until("the removal held", func() string {
			code, kinds, err := readyz(strings.TrimPrefix(z.base, "http://"))
			if err != nil || code == http.StatusOK || !strings.Contains(fmt.Sprint(kinds), "unsafe_plan_refused") {
				return fmt.Sprintf("readyz %d %v (err %v); want unsafe_plan_refused", code, kinds, err)
			}
			return ""
		})
		for i := range n {
			name, rs := want(i)
			z.stillServed(name, dns.TypeA, rs)
		}
		if _, err := os.Stat(filepath.Join(z.zones, "db.gone.example")); err != nil {
			t.Errorf("db.gone.example while its removal is held: %v", err)
		}

		if out, stderr, code := z.cli("apply", "--force"); code != 0 {
			t.Fatalf("apply --force: exit %d\n%s%s", code, out, stderr)
		}
		z.until("the zone retired after apply --force", z.zoneGone("gone.example"))
		z.stillServed("www.example.com", dns.TypeA, set(t, "www.example.com 300 IN A 192.0.2.99"))
	})
}
