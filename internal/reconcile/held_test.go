package reconcile

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// What the safety check holds back is not forgotten by a later pass for
// changed files, which compares only the names changed since a pass that
// left the zone in sync: a pass that held something did not.
func TestHeldChangesOutliveChangedPasses(t *testing.T) {
	const path = "records.d/new.yaml"
	h := newHarness()
	h.store.reload = map[string][]string{path: {zoneA}}
	// Large enough that comparing only the changed names is the cheaper way.
	h.server.serve(zoneA, 7, zoneOf(t, with(hosts(50)...)...))
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.backend.serial = 8
	h.verifier.serials = []uint32{8}
	desired := append(readdressed(hosts(50), 20), "new.example.com. 300 IN A 192.0.2.200")
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, desired...)}, zoneA))
	opts := Options{Apply: true, Verify: true}

	first := h.r.RunOnce(t.Context(), opts)
	zr := first.Zones[0]
	if !zr.Applied || !errors.Is(zr.Err, diff.ErrUnsafe) || zr.Stage != StageUnsafe || len(zr.Refused.Changes) != 20 {
		t.Fatalf("first pass: applied %v, err %v, stage %q, %d held; want the create applied and 20 updates held",
			zr.Applied, zr.Err, zr.Stage, len(zr.Refused.Changes))
	}

	// Only new2 changed since; the cached zone (serial 8) is current.
	h.store.setStateChanged(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, append(desired, "new2.example.com. 300 IN A 192.0.2.201")...)}, zoneA),
		map[string]map[string]bool{zoneA: {"new2.example.com.": true}})
	res := h.r.Changed(t.Context(), []string{path}, opts)

	if n := len(h.server.transfers()); n != 1 {
		t.Errorf("%d transfers, want 1 (the cached zone serves)", n)
	}
	zr = res.Zones[0]
	if got, want := summary(zr.Plan), []string{"create new2.example.com. A"}; !slices.Equal(got, want) {
		t.Errorf("Changed pass plan = %q, want %q", got, want)
	}
	if got := summary(zr.Refused); len(got) != 20 || !errors.Is(zr.Err, diff.ErrUnsafe) {
		t.Errorf("Changed pass held %q (err %v), want the 20 updates still held", got, zr.Err)
	}
}

// apply --force applies what was held.
func TestForceAppliesHeld(t *testing.T) {
	h := newHarness()
	h.server.serve(zoneA, 7, zoneOf(t, with(hosts(10)...)...))
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.backend.server = h.server // the backend makes the server serve its plans
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, readdressed(hosts(10), 8)...)}, zoneA))

	if res := h.r.RunOnce(t.Context(), Options{Apply: true}); !res.Pending() || len(res.Zones[0].Refused.Changes) != 8 {
		t.Fatalf("pass: %d held, Pending %v; want 8 held", len(res.Zones[0].Refused.Changes), res.Pending())
	}
	res := h.r.RunOnce(t.Context(), Options{Apply: true, Force: true})
	if zr := res.Zones[0]; !zr.Applied || zr.Err != nil || len(zr.Plan.Changes) != 8 || !zr.Refused.Empty() {
		t.Fatalf("forced pass: applied %v, err %v, %d changes, %d held; want the 8 updates applied", zr.Applied, zr.Err, len(zr.Plan.Changes), len(zr.Refused.Changes))
	}
	if res := h.r.RunOnce(t.Context(), Options{Apply: true}); res.Pending() || res.Failed() != nil {
		t.Errorf("after force: Pending %v, Failed %v; want in sync", res.Pending(), res.Failed())
	}
}

// Zones that look not served are asked about again after one wait for all
// of them, not one wait each: a cold start creating many zones stays fast.
func TestNotServedRecheckedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		zones := []string{"a.test.", "b.test.", "c.test.", "d.test.", "e.test.", "f.test.", "g.test.", "h.test."}
		h := newHarness(zones...)
		h.r.CreatesZones = true
		h.r.recheck = 100 * time.Millisecond
		h.backend.base = map[string][]dns.RR{}
		for _, z := range zones {
			h.backend.base[z] = mustRRs(t, baseOf(z)...)
		}
		start := time.Now()
		res := h.r.RunOnce(t.Context(), Options{Apply: true})
		took := time.Since(start)

		if err := res.Failed(); err != nil {
			t.Fatalf("Failed() = %v", err)
		}
		for _, z := range res.Zones {
			if !z.Applied {
				t.Errorf("zone %s not created", z.Zone)
			}
		}
		probes := h.server.probeTimes()
		if len(probes) != 2*len(zones) {
			t.Fatalf("%d SOA queries, want %d (two per zone)", len(probes), 2*len(zones))
		}
		if gap := probes[len(zones)].Sub(probes[len(zones)-1]); gap != h.r.recheck {
			t.Errorf("second round began %v after the first ended, want %v", gap, h.r.recheck)
		}
		if took != h.r.recheck {
			t.Errorf("pass took %v for %d zones, want one wait of %v, not one per zone", took, len(zones), h.r.recheck)
		}
	})
}

// Issue 9, failure 6 and "logs cap values": an RRset of 10,000 values
// logs a bounded line, not 174 KB.
func TestLogChangesBounded(t *testing.T) {
	var rrs []dns.RR
	for i := range 10000 {
		rrs = append(rrs, &dns.TXT{Hdr: dns.RR_Header{Name: "big.example.com.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 300},
			Txt: []string{fmt.Sprintf("%05d%s", i, strings.Repeat("v", 250))}})
	}
	big := rrset.New(rrs...)
	old := rrset.New(rrs[:5000]...)
	p := diff.Plan{Zone: zoneA, Changes: []diff.Change{{Action: diff.Update, Key: rrset.Key{Name: "big.example.com.", Type: dns.TypeTXT}, Old: old, New: big}}}
	var buf bytes.Buffer
	logChanges(t.Context(), slog.New(slog.NewTextHandler(&buf, nil)), []diff.Plan{p})

	line := buf.String()
	if strings.Count(line, "\n") != 1 {
		t.Fatalf("want one line, got:\n%.500s", line)
	}
	if len(line) > 8192 {
		t.Errorf("log line is %d bytes, want it bounded (at most 8 KB)", len(line))
	}
	for _, want := range []string{"and 9992 more values", "and 4992 more values", "00000"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %q:\n%.500s", want, line)
		}
	}
}

// A standing refusal is logged when it begins, not on every pass.
func TestRefusalLoggedOnce(t *testing.T) {
	h := newHarness()
	var logs logBuffer
	h.r.Log = slog.New(slog.NewTextHandler(&logs, nil))
	h.server.serve(zoneA, 7, zoneOf(t, with(hosts(10)...)...))
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, hosts(10)[5:]...)}, zoneA))
	for range 3 {
		if res := h.r.RunOnce(t.Context(), Options{Apply: true}); !errors.Is(res.Failed(), diff.ErrUnsafe) {
			t.Fatalf("Failed() = %v, want the refusal", res.Failed())
		}
	}
	if n := strings.Count(logs.String(), "plan refused"); n != 1 {
		t.Errorf("refusal logged %d times over 3 passes, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "deletes 5 of 11 records") {
		t.Errorf("the log does not say what is refused:\n%s", logs.String())
	}
}
