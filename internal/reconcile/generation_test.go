package reconcile

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/verify"
)

// Verify reads the desired state between two passes for changed files. It
// changes nothing, so the second pass still finds the name changed since
// the first: the hint is asked of the Store by generation, not handed out
// once by State. With the real Store: the fake cannot show what a reader
// takes away.
func TestVerifyBetweenChangedPassesKeepsChanges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "a.yaml")
	write := func(ip string) {
		t.Helper()
		content := "records:\n  - name: www.example.com\n    type: A\n    value: " + ip + "\n    ttl: 300\n"
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("192.0.2.1")
	h := newHarness()
	h.r.Store = desired.NewStore(desired.Options{Dir: dir, Zones: []string{zoneA}, DefaultTTL: 300}, nil)
	h.r.Checker = &fakeChecker{report: verify.Report{Servers: []string{"ns1"}, Checked: 1}}
	h.server.serve(zoneA, 7, zoneOf(t, with("www.example.com. 300 IN A 192.0.2.1")...))
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.backend.server = h.server
	h.verifier.serials = []uint32{7}
	opts := Options{Apply: true, Verify: true}

	if res := h.r.RunOnce(t.Context(), opts); res.Failed() != nil || res.Pending() {
		t.Fatalf("first pass: failed %v, pending %v; want in sync", res.Failed(), res.Pending())
	}
	write("192.0.2.2")
	h.backend.serial = 8
	h.verifier.serials = []uint32{7, 8} // the cached zone's serial, then the applied one
	res := h.r.Changed(t.Context(), []string{path}, opts)
	if got, want := summary(res.Zones[0].Plan), []string{"update www.example.com. A"}; !slices.Equal(got, want) {
		t.Fatalf("first change: plan = %q, want %q", got, want)
	}

	write("192.0.2.3")
	if res.Failed() != nil {
		t.Fatalf("first change: %v", res.Failed())
	}
	if _, err := h.r.Verify(t.Context()); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	h.backend.serial = 9
	h.verifier.serials = []uint32{8, 9}
	res = h.r.Changed(t.Context(), []string{path}, opts)
	if len(res.Zones) == 0 {
		t.Fatal("second change after Verify: no zone reconciled (the change must not be lost)")
	}
	if got, want := summary(res.Zones[0].Plan), []string{"update www.example.com. A"}; !slices.Equal(got, want) {
		t.Errorf("second change after Verify: plan = %q, want %q (the change must not be lost)", got, want)
	}
	// The first pass's and Verify's (it looks for stale sets, and leaves
	// the cache alone).
	if n := len(h.server.transfers()); n != 2 {
		t.Errorf("%d transfers, want 2: the changed passes use the cached zone", n)
	}
}

// The names a reader's State merged stay changed for the pass: www changed
// and was read by Verify, then db changed; the pass for db's file compares
// www too.
func TestVerifyKeepsNamesForNextPass(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(file, name, ip string) string {
		t.Helper()
		path := filepath.Join(dir, file)
		content := "records:\n  - name: " + name + "\n    type: A\n    value: " + ip + "\n    ttl: 300\n"
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("a.yaml", "www.example.com", "192.0.2.1")
	write("b.yaml", "db.example.com", "192.0.2.10")
	// Enough names that the plan compares only those changed (diff.Only).
	var many strings.Builder
	many.WriteString("records:\n")
	for i := range 100 {
		fmt.Fprintf(&many, "  - name: h%d.example.com\n    type: A\n    value: 192.0.2.%d\n    ttl: 300\n", i, i+1)
	}
	if err := os.WriteFile(filepath.Join(dir, "hosts.yaml"), []byte(many.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHarness()
	h.r.Store = desired.NewStore(desired.Options{Dir: dir, Zones: []string{zoneA}, DefaultTTL: 300}, nil)
	h.r.Checker = &fakeChecker{report: verify.Report{Servers: []string{"ns1"}, Checked: 2}}
	h.server.serve(zoneA, 7, zoneOf(t, with(append(hosts(100), "www.example.com. 300 IN A 192.0.2.1", "db.example.com. 300 IN A 192.0.2.10")...)...))
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.backend.server = h.server
	h.verifier.serials = []uint32{7}
	opts := Options{Apply: true, Verify: true}
	if res := h.r.RunOnce(t.Context(), opts); res.Failed() != nil || res.Pending() {
		t.Fatalf("first pass: failed %v, pending %v; want in sync", res.Failed(), res.Pending())
	}

	write("a.yaml", "www.example.com", "192.0.2.2")
	if _, err := h.r.Verify(t.Context()); err != nil { // reads a.yaml's change
		t.Fatalf("Verify: %v", err)
	}
	b := write("b.yaml", "db.example.com", "192.0.2.11")
	h.backend.serial = 8
	h.verifier.serials = []uint32{7, 8}
	res := h.r.Changed(t.Context(), []string{b}, opts)
	if len(res.Zones) == 0 {
		t.Fatal("no zone reconciled")
	}
	want := []string{"update db.example.com. A", "update www.example.com. A"}
	if got := summary(res.Zones[0].Plan); !slices.Equal(got, want) {
		t.Errorf("plan = %q, want %q (www, read by Verify, must not be lost)", got, want)
	}
}
