package reconcile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
)

// Every record file removed at once is refused while the server still
// serves their records; once it no longer does (`apply --force` deleted
// them), the next full pass accepts the empty dir instead of reporting it
// unreadable until a restart.
func TestEmptiedDirAcceptedOnceDeletedOnServer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, rec := range map[string]string{"a.yaml": "www", "b.yaml": "db"} {
		content := "records:\n  - name: " + rec + ".example.com\n    type: A\n    value: 192.0.2.1\n    ttl: 300\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness()
	h.r.Store = desired.NewStore(desired.Options{Dir: dir, Zones: []string{zoneA}, DefaultTTL: 300}, nil)
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.server.serve(zoneA, 7, zoneOf(t, with("www.example.com. 300 IN A 192.0.2.1", "db.example.com. 300 IN A 192.0.2.1")...))
	opts := Options{Apply: true}
	if res := h.r.RunOnce(t.Context(), opts); res.Failed() != nil || res.Pending() {
		t.Fatalf("first pass: failed %v, pending %v; want in sync", res.Failed(), res.Pending())
	}
	for _, name := range []string{"a.yaml", "b.yaml"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}

	// Still served: the refusal stands, nothing is planned.
	if res := h.r.RunOnce(t.Context(), opts); res.Err == nil || len(res.Zones) > 0 {
		t.Fatalf("emptied dir, records served: err %v, %d zones planned; want the dir refused", res.Err, len(res.Zones))
	}
	// A forced apply elsewhere deletes them; the daemon follows.
	h.server.serve(zoneA, 8, zoneOf(t, with("db.example.com. 300 IN A 192.0.2.1")...))
	if res := h.r.RunOnce(t.Context(), opts); res.Err == nil {
		t.Fatalf("one record still served: err nil; want the dir still refused")
	}
	h.server.serve(zoneA, 9, zoneOf(t, baseOf(zoneA)...))
	res := h.r.RunOnce(t.Context(), opts)
	if res.Err != nil || res.Failed() != nil || res.Pending() {
		t.Fatalf("records deleted on the server: err %v, failed %v, pending %v; want the empty dir accepted, in sync", res.Err, res.Failed(), res.Pending())
	}
	if st := res.State; st.Files != 0 || st.Zone(zoneA).Len() != 0 {
		t.Errorf("state after accepting: %d files, %d sets; want none", st.Files, st.Zone(zoneA).Len())
	}
}
