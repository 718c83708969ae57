package reconcile

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// A check, a zone's foreign RRsets and its held conflicts log at most
// maxKindLines lines of each kind in a pass, then one line with how many
// more: a 100,000-record cold start with a resolver among the servers, or
// a dead secondary, must not write 100,000 lines to the journal.
func TestReportLinesAreCapped(t *testing.T) {
	t.Parallel()
	const n = 100
	var logs logBuffer
	r := &Reconciler{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	var rep verify.Report
	foreign := make([]rrset.Key, n)
	held := make([]desired.Conflict, n)
	for i := range n {
		k := rrset.Key{Name: fmt.Sprintf("h%03d.example.com.", i), Type: dns.TypeA}
		for _, s := range []verify.Status{verify.StatusLagging, verify.StatusStale, verify.StatusMismatch} {
			rep.Results = append(rep.Results, verify.Result{Server: "127.0.0.1:53", Key: k, Status: s})
		}
		foreign[i] = k
		held[i] = desired.Conflict{Zone: "example.com.", Name: k.Name, Reason: "CNAME beside other data"}
	}
	rep.Checked = len(rep.Results)
	r.logCheck(rep)
	r.logForeign(r.Log, "example.com.", foreign)
	r.logHeld(r.Log, "example.com.", held)

	out := logs.String()
	for _, kind := range []string{
		"resolver still serves old data",
		"declared by no records file (stale)",
		"record not served as desired",
		"served RRset is not dnssync's",
		"conflict: name left as served",
	} {
		if got := linesWith(out, kind); got != maxKindLines+1 {
			t.Errorf("%q: %d lines, want %d and one with the count", kind, got, maxKindLines+1)
		}
		if got := linesWith(out, kind, fmt.Sprintf("more=%d total=%d", n-maxKindLines, n)); got != 1 {
			t.Errorf("%q: %d count lines (more=%d total=%d), want 1", kind, got, n-maxKindLines, n)
		}
	}
	if lines := strings.Count(out, "\n"); lines != 5*(maxKindLines+1) {
		t.Errorf("%d lines in all, want %d:\n%s", lines, 5*(maxKindLines+1), out)
	}
}
