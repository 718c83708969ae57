package reconcile

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// A zone file replaced by hand can differ in every record: the "drift
// corrected" lines of a zone are capped as every other kind's are
// (maxKindLines, then one warning with how many more), each at WARN.
func TestDriftLinesCapped(t *testing.T) {
	t.Parallel()
	const n = 45
	var logs logBuffer
	zr := &ZoneResult{Zone: "example.com.", Plan: diff.Plan{Zone: "example.com."}}
	for i := range n {
		k := rrset.Key{Name: fmt.Sprintf("h%03d.example.com.", i), Type: dns.TypeA}
		zr.Plan.Changes = append(zr.Plan.Changes, diff.Change{Action: diff.Update, Key: k})
		zr.Drift = append(zr.Drift, k)
	}
	logDrift(slog.New(slog.NewTextHandler(&logs, nil)), zr)
	out := logs.String()
	if got := linesWith(out, "level=WARN", `msg="drift corrected"`, "name=h0"); got != maxKindLines {
		t.Errorf("%d drift lines, want %d:\n%s", got, maxKindLines, out)
	}
	if got := linesWith(out, "level=WARN", "drift corrected: more", fmt.Sprintf("more=%d total=%d", n-maxKindLines, n)); got != 1 {
		t.Errorf("%d count lines (more=%d total=%d), want 1:\n%s", got, n-maxKindLines, n, out)
	}
	if lines := strings.Count(out, "\n"); lines != maxKindLines+1 {
		t.Errorf("%d lines in all, want %d:\n%s", lines, maxKindLines+1, out)
	}
}
