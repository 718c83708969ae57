package reconcile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// staleHarness manages zoneA with a zone file backend's own records; it
// serves www (declared), old (declared no longer), theirs (not dnssync's)
// and clash (a name in conflict in records.d) beside them.
func staleHarness(t *testing.T) (*harness, *fakeChecker) {
	h := newHarness(zoneA)
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.backend.managed = map[string]func(rrset.Key) bool{zoneA: func(k rrset.Key) bool { return k.Name != "theirs.example.com." }}
	st := stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.1")}, zoneA)
	st.Held[zoneA]["clash.example.com."] = desired.Conflict{Zone: zoneA, Name: "clash.example.com.", Reason: "a.yaml:3 and b.yaml:3 disagree"}
	h.store.setState(st)
	h.server.serve(zoneA, 1, zoneOf(t, append(baseOf(zoneA),
		"www.example.com. 300 IN A 192.0.2.1",
		"old.example.com. 300 IN A 192.0.2.9",
		"theirs.example.com. 300 IN A 192.0.2.8",
		"clash.example.com. 300 IN A 192.0.2.7")...))
	c := &fakeChecker{report: verify.Report{Servers: []string{"ns1"}, Checked: 1,
		Results: []verify.Result{{Server: "ns1", Key: rrset.Key{Name: "www.example.com.", Type: dns.TypeA}, Status: verify.StatusVerified}}}}
	h.r.Checker = c
	return h, c
}

// staleIn lists the report's stale results as "KEY at SERVER: note".
func staleIn(rep verify.Report) []string {
	var out []string
	for _, r := range rep.Results {
		if r.Status == verify.StatusStale {
			out = append(out, fmt.Sprintf("%s at %s: %s", r.Key, r.Server, r.Note))
		}
	}
	return out
}

// TestVerifyStale: Verify reports the sets dnssync manages that are served
// though no records file declares them, and only those: not the backend's
// own records, not another writer's sets, not a name in conflict.
func TestVerifyStale(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, h *harness)
		want  []string
	}{
		{name: "undeclared", want: []string{"old.example.com. A at ns1: " + staleNext}},
		{
			name: "held by the safety rules",
			setup: func(t *testing.T, h *harness) {
				var lines []string
				for i := range 12 {
					lines = append(lines, fmt.Sprintf("h%02d.example.com. 300 IN A 192.0.2.%d", i, i+10))
				}
				h.server.serve(zoneA, 1, zoneOf(t, append(append(baseOf(zoneA), lines...), "www.example.com. 300 IN A 192.0.2.1")...))
			},
			want: func() []string {
				var out []string
				for i := range 12 {
					out = append(out, fmt.Sprintf("h%02d.example.com. A at ns1: %s", i, staleRefuse))
				}
				return out
			}(),
		},
		{
			name: "a records file never read",
			setup: func(t *testing.T, h *harness) {
				st := *h.store.State()
				st.Incomplete = []string{"records.d/busy.yaml"}
				h.store.setState(&st)
			},
			want: []string{"old.example.com. A at ns1: " + staleUnread},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := staleHarness(t)
			if tt.setup != nil {
				tt.setup(t, h)
			}
			rep, err := h.r.Verify(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got := staleIn(rep); !slices.Equal(got, tt.want) {
				t.Errorf("stale:\n%q\nwant\n%q", got, tt.want)
			}
			if rep.OK() {
				t.Error("OK() with stale sets: a stale set must fail the check")
			}
			if want := 1 + len(tt.want); rep.Checked != want || len(rep.Results) != want {
				t.Errorf("Checked %d, %d results; want %d: each stale set counts as checked", rep.Checked, len(rep.Results), want)
			}
			if !slices.IsSortedFunc(rep.Results, func(a, b verify.Result) int { return a.Key.Compare(b.Key) }) {
				t.Errorf("results not in order: %v", rep.Results)
			}
		})
	}
}

// TestVerifyStaleChangesNothing: looking for stale sets applies nothing,
// keeps no hold (a refused plan found by Verify is not a refusal a later
// pass inherits) and leaves the served cache alone.
func TestVerifyStaleChangesNothing(t *testing.T) {
	h, _ := staleHarness(t)
	var lines []string
	for i := range 12 {
		lines = append(lines, fmt.Sprintf("h%02d.example.com. 300 IN A 192.0.2.%d", i, i+10))
	}
	h.server.serve(zoneA, 1, zoneOf(t, append(baseOf(zoneA), lines...)...))
	if _, err := h.r.Verify(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(h.backend.applied()) != 0 || len(h.r.holding) != 0 {
		t.Errorf("Verify applied %d plans and holds %v; want nothing", len(h.backend.applied()), h.r.holding)
	}
	if _, ok := h.r.served.has(zoneA); ok {
		t.Error("Verify cached the zone it transferred")
	}
}

// TestVerifyStaleUnreadable: a zone that cannot be transferred is one
// error result saying its stale sets are unknown, not "no stale sets".
func TestVerifyStaleUnreadable(t *testing.T) {
	h, _ := staleHarness(t)
	h.server.failNext(zoneA, errors.New("connection refused"))
	rep, err := h.r.Verify(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Fatal("OK() with a zone that could not be read")
	}
	var found bool
	for _, r := range rep.Failed() {
		found = found || r.Status == verify.StatusError && r.Key.Name == zoneA &&
			strings.Contains(r.Err.Error(), "stale is unknown") && strings.Contains(r.Err.Error(), "connection refused")
	}
	if !found {
		t.Errorf("no error result for %s naming the transfer's failure: %v", zoneA, rep.Failed())
	}
}

// TestScheduledCheckStale: the scheduled check reports the sets a pass
// that only plans (auto_register = false) leaves served; a pass that
// applies deletes them first, and reports none.
func TestScheduledCheckStale(t *testing.T) {
	for _, apply := range []bool{false, true} {
		t.Run(fmt.Sprintf("apply=%v", apply), func(t *testing.T) {
			h, _ := staleHarness(t)
			h.backend.server = h.server
			h.verifier.serials = []uint32{2}
			h.backend.serial = 2
			res := h.r.RunOnce(t.Context(), Options{Apply: apply, Verify: apply, Check: true})
			if res.Check == nil {
				t.Fatalf("no check: %v", res.Failed())
			}
			var want []string
			if !apply {
				want = []string{"old.example.com. A at ns1: " + staleNext}
			}
			if got := staleIn(*res.Check); !slices.Equal(got, want) {
				t.Errorf("stale %q, want %q", got, want)
			}
		})
	}
}
