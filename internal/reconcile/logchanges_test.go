package reconcile

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// applyHosts runs one pass creating n A records in zoneA, logging at
// debug level into the returned buffer.
func applyHosts(t *testing.T, n int) string {
	t.Helper()
	h := newHarness()
	var logs logBuffer
	h.r.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.r.Observed = &streamingServer{fakeServer: h.server}
	recs := make([]string, n)
	for i := range recs {
		recs[i] = fmt.Sprintf("h%04d.example.com. 300 IN A 192.0.2.%d", i, i%250+1)
	}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, recs...)}, zoneA))
	h.server.serve(zoneA, 1, zoneOf(t, baseOf(zoneA)...))
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.backend.server = h.server
	h.backend.serial = 2
	h.verifier.serials = []uint32{2}
	res := h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true})
	if zr := res.Zones[0]; !zr.Applied || len(zr.Plan.Changes) != n || len(zr.Mismatches) > 0 {
		t.Fatalf("applied %v, %d changes, mismatches %v; want %d changes served", zr.Applied, len(zr.Plan.Changes), zr.Mismatches, n)
	}
	return logs.String()
}

func linesWith(logs string, subs ...string) int {
	n := 0
	for _, l := range strings.Split(logs, "\n") {
		all := l != ""
		for _, s := range subs {
			all = all && strings.Contains(l, s)
		}
		if all {
			n++
		}
	}
	return n
}

// A pass changing 1,000 records (a cold start) logs a few INFO lines, one
// of them the counts, not one per record: those are at DEBUG.
func TestLargePassLogsASummary(t *testing.T) {
	t.Parallel()
	logs := applyHosts(t, 1000)
	if n := linesWith(logs, "level=INFO"); n > 3 {
		t.Errorf("%d INFO lines for a pass of 1,000 changes, want a few:\n%.2000s", n, logs)
	}
	if n := linesWith(logs, "level=INFO", `msg="changes applied"`, "zone="+zoneA, "changes=1000", "create=1000", "update=0", "delete=0"); n != 1 {
		t.Errorf("%d summary lines, want 1:\n%.2000s", n, logs)
	}
	if n := linesWith(logs, "level=DEBUG", `msg="change applied"`, "action=create"); n != 1000 {
		t.Errorf("%d DEBUG lines per change, want 1,000", n)
	}
}

// A small pass (an orchestrator registering a server or two) logs each
// change at INFO, and no summary.
func TestSmallPassLogsEachChange(t *testing.T) {
	t.Parallel()
	logs := applyHosts(t, maxChangeLines)
	if n := linesWith(logs, "level=INFO", `msg="change applied"`, "zone="+zoneA, "action=create"); n != maxChangeLines {
		t.Errorf("%d INFO lines per change, want %d:\n%s", n, maxChangeLines, logs)
	}
	if n := linesWith(logs, `msg="changes applied"`); n != 0 {
		t.Errorf("a summary for a small pass:\n%s", logs)
	}
}
