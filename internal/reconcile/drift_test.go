package reconcile

import (
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

func TestDrifted(t *testing.T) {
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	wwwAAAA := rrset.Key{Name: "www.example.com.", Type: dns.TypeAAAA}
	db := rrset.Key{Name: "db.example.com.", Type: dns.TypeA}
	rogue := rrset.Key{Name: "rogue.example.com.", Type: dns.TypeTXT}
	changes := []diff.Change{{Action: diff.Delete, Key: rogue}, {Action: diff.Update, Key: www}, {Action: diff.Create, Key: wwwAAAA}, {Action: diff.Update, Key: db}}
	for _, tt := range []struct {
		name    string
		changed map[string]bool
		want    []rrset.Key
	}{
		{"records.d changed nothing: all drift", map[string]bool{}, []rrset.Key{rogue, www, wwwAAAA, db}},
		{"records.d changed www: its types are not drift", map[string]bool{"www.example.com.": true}, []rrset.Key{rogue, db}},
		{"records.d changed every name", map[string]bool{"www.example.com.": true, "db.example.com.": true, "rogue.example.com.": true}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := drifted(changes, tt.changed); !slices.Equal(got, tt.want) {
				t.Errorf("drifted = %v, want %v", got, tt.want)
			}
		})
	}
}

// A change made on the server behind dnssync's back, after a pass left the
// zone in sync, is put back and reported as drift; a change records.d made
// in the same pass is not; and without a pass that left the zone in sync
// (the first one) nothing is called drift.
func TestDriftPutBackIsReported(t *testing.T) {
	var logs logBuffer
	h := newHarness()
	h.r.Log = slog.New(slog.NewTextHandler(&logs, nil))
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.backend.server = h.server
	h.backend.serial = 2
	h.verifier.serials = []uint32{2}
	opts := Options{Apply: true, Verify: true}
	desiredWith := func(db string) {
		h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t,
			"www.example.com. 300 IN A 192.0.2.1", "db.example.com. 300 IN A "+db)}, zoneA))
	}
	desiredWith("192.0.2.10")

	// The first pass finds www served otherwise: nothing to compare with,
	// so no drift, only a change.
	h.server.serve(zoneA, 1, zoneOf(t, with("www.example.com. 300 IN A 192.0.2.99", "db.example.com. 300 IN A 192.0.2.10")...))
	res := h.r.RunOnce(t.Context(), opts)
	if res.Failed() != nil || len(res.Zones) != 1 || !res.Zones[0].Applied {
		t.Fatalf("first pass: %v, %+v", res.Failed(), res.Zones)
	}
	if d := res.Zones[0].Drift; len(d) != 0 {
		t.Errorf("first pass: drift %v, want none (no pass in sync before it)", d)
	}

	// Behind dnssync's back: www readdressed, rogue added. In records.d:
	// db readdressed.
	h.server.serve(zoneA, 5, zoneOf(t, with("www.example.com. 300 IN A 192.0.2.66", "db.example.com. 300 IN A 192.0.2.10",
		"rogue.example.com. 300 IN A 192.0.2.67")...))
	desiredWith("192.0.2.11")
	h.backend.serial = 6
	h.verifier.serials = []uint32{6}
	res = h.r.RunOnce(t.Context(), opts)
	zr := res.Zones[0]
	if res.Failed() != nil || !zr.Applied {
		t.Fatalf("pass after the hand edit: %v, applied %v", res.Failed(), zr.Applied)
	}
	wantPlan := []string{"delete rogue.example.com. A", "update db.example.com. A", "update www.example.com. A"}
	if got := summary(zr.Plan); !slices.Equal(got, wantPlan) {
		t.Fatalf("plan = %q, want %q", got, wantPlan)
	}
	if got, want := keyStrings(zr.Drift), []string{"rogue.example.com. A", "www.example.com. A"}; !slices.Equal(got, want) {
		t.Errorf("drift = %q, want %q (db's change is records.d's)", got, want)
	}
	if got := summary(diff.Plan{Changes: zr.DriftChanges()}); !slices.Equal(got, []string{"delete rogue.example.com. A", "update www.example.com. A"}) {
		t.Errorf("DriftChanges = %q", got)
	}
	out := logs.String()
	for _, want := range []string{
		`msg="drift corrected" zone=example.com. action=update name=www.example.com. type=A served="300 [192.0.2.66]" desired="300 [192.0.2.1]"`,
		`msg="drift corrected" zone=example.com. action=delete name=rogue.example.com. type=A served="300 [192.0.2.67]" desired=-`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, `msg="drift corrected" zone=example.com. action=update name=db.example.com.`) {
		t.Errorf("records.d's change logged as drift:\n%s", out)
	}

	// In sync again: nothing to put back.
	res = h.r.RunOnce(t.Context(), opts)
	if zr := res.Zones[0]; !zr.Plan.Empty() || len(zr.Drift) != 0 {
		t.Errorf("pass in sync: plan %q, drift %v", summary(zr.Plan), zr.Drift)
	}
}

// Drift found on a pass that only plans is reported on the result, and
// not logged as corrected: nothing was put back.
func TestDriftPlannedNotLogged(t *testing.T) {
	var logs logBuffer
	h := newHarness()
	h.r.Log = slog.New(slog.NewTextHandler(&logs, nil))
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.1")}, zoneA))
	h.server.serve(zoneA, 1, zoneOf(t, with("www.example.com. 300 IN A 192.0.2.1")...))
	if res := h.r.RunOnce(t.Context(), Options{}); !res.Zones[0].Plan.Empty() {
		t.Fatalf("first pass: plan %q, want in sync", summary(res.Zones[0].Plan))
	}
	h.server.serve(zoneA, 2, zoneOf(t, with("www.example.com. 300 IN A 192.0.2.66")...))
	res := h.r.RunOnce(t.Context(), Options{})
	if zr := res.Zones[0]; zr.Applied || !slices.Equal(keyStrings(zr.Drift), []string{"www.example.com. A"}) {
		t.Errorf("planning pass: applied %v, drift %v; want drift www, not applied", zr.Applied, zr.Drift)
	}
	if strings.Contains(logs.String(), "drift corrected") {
		t.Errorf("drift logged as corrected though nothing was applied:\n%s", logs.String())
	}
}
