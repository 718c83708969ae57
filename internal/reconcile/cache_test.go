package reconcile

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// A pass for changed files reuses the zone as last seen while the server
// still answers its serial; anything that may have left the server in an
// unknown state forgets it, and a full pass always transfers.
func TestChangedUsesCachedZone(t *testing.T) {
	const path = "records.d/a.yaml"
	www := "www.example.com. 300 IN A 192.0.2.1"
	extra := "new.example.com. 300 IN A 192.0.2.2"
	tests := []struct {
		name          string
		first         []string // desired for the first, full pass
		firstOpts     Options
		backendSerial uint32
		backendErr    error
		mismatches    []verify.Result
		noFiles       bool     // the first pass sees no record files
		second        []string // desired for the Changed pass
		serials       []uint32 // the verifier's SOA answers, in order
		wantTransfer  bool     // the Changed pass transferred the zone
		wantPlan      []string // the Changed pass's plan
	}{
		{
			name:      "in sync, serial unchanged: planned against the cached zone",
			first:     []string{www},
			firstOpts: Options{Apply: true},
			second:    []string{www, extra},
			serials:   []uint32{7},
			wantPlan:  []string{"create new.example.com. A"},
		},
		{
			name:         "serial changed: transferred",
			first:        []string{www},
			firstOpts:    Options{Apply: true},
			second:       []string{www, extra},
			serials:      []uint32{9},
			wantTransfer: true,
			wantPlan:     []string{"create new.example.com. A"},
		},
		{
			name:         "no SOA answer: transferred",
			first:        []string{www},
			firstOpts:    Options{Apply: true},
			second:       []string{www, extra},
			wantTransfer: true,
			wantPlan:     []string{"create new.example.com. A"},
		},
		{
			name:      "plan only: nothing changed, the zone is cached",
			first:     []string{www, extra},
			firstOpts: Options{},
			second:    []string{www, extra},
			serials:   []uint32{7},
			wantPlan:  []string{"create new.example.com. A"},
		},
		{
			// The fake server is not changed by the apply: a transfer
			// would plan the create again.
			name:          "applied and verified: cached as served plus plan at the new serial",
			first:         []string{www, extra},
			firstOpts:     Options{Apply: true, Verify: true},
			backendSerial: 8,
			second:        []string{www, extra},
			serials:       []uint32{8},
			wantPlan:      []string{},
		},
		{
			name:          "applied and verified, serial chosen by the server: asked for",
			first:         []string{www, extra},
			firstOpts:     Options{Apply: true, Verify: true},
			backendSerial: 0,
			second:        []string{www, extra},
			serials:       []uint32{12},
			wantPlan:      []string{},
		},
		{
			name:          "applied, not verified: transferred",
			first:         []string{www, extra},
			firstOpts:     Options{Apply: true},
			backendSerial: 8,
			second:        []string{www, extra},
			serials:       []uint32{7},
			wantTransfer:  true,
			wantPlan:      []string{"create new.example.com. A"},
		},
		{
			name:          "applied, not served as planned: transferred",
			first:         []string{www, extra},
			firstOpts:     Options{Apply: true, Verify: true},
			backendSerial: 8,
			mismatches:    []verify.Result{{Key: rrset.Key{Name: "new.example.com.", Type: dns.TypeA}, Err: errors.New("timeout")}},
			second:        []string{www, extra},
			serials:       []uint32{8},
			wantTransfer:  true,
			wantPlan:      []string{"create new.example.com. A"},
		},
		{
			name:          "apply failed: transferred",
			first:         []string{www, extra},
			firstOpts:     Options{Apply: true, Verify: true},
			backendSerial: 8,
			backendErr:    errors.New("disk full"),
			second:        []string{www, extra},
			serials:       []uint32{7},
			wantTransfer:  true,
			wantPlan:      []string{"create new.example.com. A"},
		},
		{
			name:         "refused plan: transferred",
			first:        hosts(2),
			firstOpts:    Options{Apply: true},
			noFiles:      true, // deleting www is refused
			second:       hosts(2),
			serials:      []uint32{7},
			wantTransfer: true,
			wantPlan:     []string{"delete www.example.com. A", "create h0.example.com. A", "create h1.example.com. A"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness()
			h.store.reload = map[string][]string{path: {zoneA}}
			h.server.serve(zoneA, 7, zoneOf(t, with(www)...))
			h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
			h.backend.serial = tt.backendSerial
			h.backend.err = tt.backendErr
			h.verifier.mismatches = tt.mismatches
			h.verifier.serials = tt.serials
			h.r.VerifyTimeout = 200 * time.Millisecond
			// A warm cache, at the serial the server still answers in most
			// cases below: whatever the pass under test does must leave
			// the cache right, not merely empty.
			h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, www)}, zoneA))
			if warm := h.r.RunOnce(t.Context(), Options{}); warm.Failed() != nil || warm.Pending() {
				t.Fatalf("warm-up pass: Failed() = %v, Pending() = %v", warm.Failed(), warm.Pending())
			}
			st := stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, tt.first...)}, zoneA)
			if tt.noFiles {
				st.Files = 0
			}
			h.store.setState(st)

			first := h.r.RunOnce(t.Context(), tt.firstOpts)
			if refused := errors.Is(first.Failed(), diff.ErrUnsafe); refused != tt.noFiles {
				t.Fatalf("first pass: Failed() = %v, want refused: %v", first.Failed(), tt.noFiles)
			}
			h.backend.err = nil
			h.verifier.mismatches = nil
			before := len(h.server.transfers())
			if before != 2 {
				t.Fatalf("first passes made %d transfers, want 2", before)
			}
			h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, tt.second...)}, zoneA))

			res := h.r.Changed(t.Context(), []string{path}, Options{})

			if transferred := len(h.server.transfers()) > before; transferred != tt.wantTransfer {
				t.Errorf("Changed pass transferred: %v, want %v", transferred, tt.wantTransfer)
			}
			if len(res.Zones) != 1 || res.Zones[0].Err != nil {
				t.Fatalf("Changed pass = %+v, want one zone without error", res.Zones)
			}
			if got := summary(res.Zones[0].Plan); !slices.Equal(got, tt.wantPlan) {
				t.Errorf("Changed pass plan = %q, want %q", got, tt.wantPlan)
			}
		})
	}
}

// The cached zone is the one the backend gets, serial included: a zone file
// backend derives the next serial from it.
func TestChangedAppliesCachedZone(t *testing.T) {
	h := newHarness()
	opts := cachedChange(t, h)
	res := h.r.Changed(t.Context(), []string{"records.d/a.yaml"}, opts)

	if n := len(h.server.transfers()); n != 1 {
		t.Errorf("%d transfers, want 1: the change pass should use the cached zone", n)
	}
	if got, want := summary(res.Zones[0].Plan), []string{"create new.example.com. A"}; !slices.Equal(got, want) {
		t.Fatalf("plan = %q, want %q", got, want)
	}
	h.backend.mu.Lock()
	served := h.backend.served[len(h.backend.served)-1]
	h.backend.mu.Unlock()
	if served.Serial != 8 {
		t.Errorf("backend got served serial %d, want 8 (the cached zone's)", served.Serial)
	}
	got := served.Sets[rrset.Key{Name: "www.example.com.", Type: dns.TypeA}]
	if want := []string{"192.0.2.2"}; !slices.Equal(got.Values(), want) {
		t.Errorf("backend got www served as %v, want %v (the cached zone includes the last change)", got.Values(), want)
	}
	if !res.Zones[0].Applied || res.Failed() != nil {
		t.Errorf("Applied = %v, Failed() = %v", res.Zones[0].Applied, res.Failed())
	}
}

// cachedChange readies h for a pass for records.d/a.yaml's change on a
// cached zone: zoneA served at serial 7, a full pass that updates www and
// sees it verified at serial 8 (so the zone is cached), then
// new.example.com. desired beside it, to be applied at serial 9. It
// returns the options the passes use.
func cachedChange(t *testing.T, h *harness) Options {
	t.Helper()
	h.store.reload = map[string][]string{"records.d/a.yaml": {zoneA}}
	h.server.serve(zoneA, 7, zoneOf(t, with("www.example.com. 300 IN A 192.0.2.1")...))
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.backend.serial = 8
	h.verifier.serials = []uint32{8}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.2")}, zoneA))
	opts := Options{Apply: true, Verify: true}
	h.r.RunOnce(t.Context(), opts)
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.2", "new.example.com. 300 IN A 192.0.2.3")}, zoneA))
	h.backend.serial = 9
	h.verifier.serials = []uint32{8, 9}
	return opts
}

// A full pass is how drift is found: it never trusts the cache.
func TestRunOnceAlwaysTransfers(t *testing.T) {
	h := newHarness()
	h.store.reload = map[string][]string{"records.d/a.yaml": {zoneA}}
	h.server.serve(zoneA, 7, zoneOf(t, with("www.example.com. 300 IN A 192.0.2.1")...))
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.verifier.serials = []uint32{7}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.1")}, zoneA))

	h.r.RunOnce(t.Context(), Options{Apply: true})
	// Drift under the same serial (someone edited the zone in place).
	h.server.serve(zoneA, 7, zoneOf(t, with("www.example.com. 300 IN A 192.0.2.66")...))
	res := h.r.RunOnce(t.Context(), Options{Apply: true})

	if n := len(h.server.transfers()); n != 2 {
		t.Errorf("%d transfers, want 2", n)
	}
	if got, want := summary(res.Zones[0].Plan), []string{"update www.example.com. A"}; !slices.Equal(got, want) {
		t.Errorf("plan = %q, want %q: the drift must be found", got, want)
	}
	if calls := h.verifier.calls(); len(calls) != 0 {
		t.Errorf("verifier calls = %q, want none: a full pass does not consult the cache", calls)
	}
}

// A zone applied and verified is cached under the generation it was
// planned with: the next pass for another zone's files leaves it alone.
// (Cached under generation 0, it looked changed since, and every later
// pass for any file reconciled it again, comparing every name.)
func TestVerifiedZoneCachedUnderItsGeneration(t *testing.T) {
	h := syncedHarness(t)
	h.backend.server = h.server
	h.backend.serial = 2
	h.verifier.serials = []uint32{1, 2}
	opts := Options{Apply: true, Verify: true}
	if res := h.r.RunOnce(t.Context(), opts); res.Failed() != nil || res.Pending() {
		t.Fatalf("first pass: failed %v, pending %v; want in sync", res.Failed(), res.Pending())
	}
	h.store.setState(stateOf(map[string]rrset.Zone{
		zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.2"),
		zoneB: zoneOf(t, "www.example.net. 300 IN A 192.0.2.1"),
	}, zoneA, zoneB))
	if res := h.r.Changed(t.Context(), []string{"records.d/a.yaml"}, opts); len(res.Zones) != 1 || !res.Zones[0].Applied || res.Failed() != nil {
		t.Fatalf("change in %s: %+v, failed %v; want it applied and verified", zoneA, res.Zones, res.Failed())
	}
	h.store.setState(stateOf(map[string]rrset.Zone{
		zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.2"),
		zoneB: zoneOf(t, "www.example.net. 300 IN A 192.0.2.2"),
	}, zoneA, zoneB))
	res := h.r.Changed(t.Context(), []string{"records.d/b.yaml"}, opts)
	if got := zoneNames(res); !slices.Equal(got, []string{zoneB}) {
		t.Errorf("pass for %s's file reconciled %q, want only %s", zoneB, got, zoneB)
	}
}

// The cache answers for a zone only at the serial it was cached with.
func TestServedCacheKeyedByZoneAndSerial(t *testing.T) {
	var c servedCache
	a := &observed.Zone{Name: zoneA, Serial: 7, Sets: zoneOf(t, "www.example.com. 300 IN A 192.0.2.1")}
	c.put(zoneA, a, true, 3)
	if gen, ok := c.has(zoneA); !ok || gen != 3 {
		t.Errorf("has(%s) = %d, %v; want 3, true", zoneA, gen, ok)
	}
	if _, ok := c.has(zoneB); ok {
		t.Errorf("has(%s): cached, want not", zoneB)
	}
	if e, ok := c.get(zoneA, 7); !ok || e.served != a || !e.synced || e.gen != 3 {
		t.Errorf("get(%s, 7) = %+v, %v; want the zone put", zoneA, e, ok)
	}
	for _, k := range []struct {
		zone   string
		serial uint32
	}{{zoneA, 8}, {zoneA, 6}, {zoneB, 7}} {
		if _, ok := c.get(k.zone, k.serial); ok {
			t.Errorf("get(%s, %d): found, want a miss", k.zone, k.serial)
		}
	}
	c.put(zoneA, &observed.Zone{Name: zoneA, Serial: 8, Sets: rrset.Zone{}}, false, 4)
	if _, ok := c.get(zoneA, 7); ok {
		t.Error("the zone put before is still answered at its old serial")
	}
	c.forget(zoneA)
	if _, ok := c.get(zoneA, 8); ok {
		t.Error("a forgotten zone is still answered")
	}
}
