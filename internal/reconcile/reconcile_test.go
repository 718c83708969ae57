package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// with returns zoneA's base records followed by extra.
func with(extra ...string) []string { return append(baseOf(zoneA), extra...) }

// readdressed moves the first n of records to 198.51.100.x.
func readdressed(records []string, n int) []string {
	out := slices.Clone(records)
	for i := range out[:n] {
		out[i] = strings.Replace(out[i], "192.0.2.", "198.51.100.", 1)
	}
	return out
}

// hosts returns n A records h0..h(n-1) in zoneA.
func hosts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("h%d.example.com. 300 IN A 192.0.2.%d", i, i+1)
	}
	return out
}

func TestRunOnce(t *testing.T) {
	applyOpts := Options{Apply: true}
	tests := []struct {
		name         string
		desired      []string // records.d content of zoneA
		served       []string // what the server serves in zoneA
		notServed    bool     // the server does not serve zoneA at all
		createsZones bool
		base         bool // the backend keeps baseOf(zoneA) itself (zone file)
		held         []string
		incomplete   bool
		noFiles      bool
		managed      func(rrset.Key) bool
		backendErr   error
		refuseXfr    bool                 // the server serves zoneA but refuses to transfer it
		xfrErr       error                // the transfer fails so, without an answer
		probes       []observed.SOAAnswer // the server's SOA answers, in order
		probeErr     error
		safety       *diff.Safety // nil: the harness's
		opts         Options
		wantPlan     []string // changes, as summary renders them
		wantRefused  []string // changes the safety check holds
		wantProbes   int      // SOA queries
		// wantTransfers: zone transfers asked (0: not checked); a zone not
		// served at the first look is asked again by its SOA alone.
		wantTransfers int
		wantAdopt     []string
		wantCalled    bool // the backend was given the plan
		wantErr       error
		wantStage     Stage // where wantErr happened
		wantPending   bool
	}{
		{
			name:    "in sync",
			desired: []string{"www.example.com. 300 IN A 192.0.2.1"},
			served:  with("www.example.com. 300 IN A 192.0.2.1"),
			base:    true,
			opts:    applyOpts,
		},
		{
			name:       "create",
			desired:    []string{"www.example.com. 300 IN A 192.0.2.1", "new.example.com. 300 IN A 192.0.2.2"},
			served:     with("www.example.com. 300 IN A 192.0.2.1"),
			base:       true,
			opts:       applyOpts,
			wantPlan:   []string{"create new.example.com. A"},
			wantCalled: true,
		},
		{
			name:       "update",
			desired:    []string{"www.example.com. 60 IN A 192.0.2.1"},
			served:     with("www.example.com. 300 IN A 192.0.2.1"),
			base:       true,
			opts:       applyOpts,
			wantPlan:   []string{"update www.example.com. A"},
			wantCalled: true,
		},
		{
			name:       "delete",
			desired:    []string{"www.example.com. 300 IN A 192.0.2.1"},
			served:     with("www.example.com. 300 IN A 192.0.2.1", "old.example.com. 300 IN A 192.0.2.9"),
			base:       true,
			opts:       applyOpts,
			wantPlan:   []string{"delete old.example.com. A"},
			wantCalled: true,
		},
		{
			name: "creates, updates and deletes in one plan",
			desired: []string{
				"www.example.com. 300 IN A 192.0.2.2",
				"new.example.com. 300 IN A 192.0.2.3",
				"alias.example.com. 300 IN A 192.0.2.4",
			},
			served: with(
				"www.example.com. 300 IN A 192.0.2.1",
				"old.example.com. 300 IN A 192.0.2.9",
				"alias.example.com. 300 IN CNAME www.example.com.",
			),
			base: true,
			opts: applyOpts,
			wantPlan: []string{
				"delete alias.example.com. CNAME",
				"delete old.example.com. A",
				"create alias.example.com. A",
				"create new.example.com. A",
				"update www.example.com. A",
			},
			wantCalled: true,
		},
		{
			// Without Base joining desired, SOA, NS and glue would be deleted.
			name:    "base records join desired and are not deleted",
			desired: []string{"www.example.com. 300 IN A 192.0.2.1"},
			served:  with("www.example.com. 300 IN A 192.0.2.1"),
			base:    true,
			opts:    applyOpts,
		},
		{
			name:    "base records missing from the server are created",
			desired: []string{"www.example.com. 300 IN A 192.0.2.1"},
			served: []string{
				baseOf(zoneA)[0],
				"www.example.com. 300 IN A 192.0.2.1",
			},
			base:       true,
			opts:       applyOpts,
			wantPlan:   []string{"create example.com. NS", "create ns1.example.com. A"},
			wantCalled: true,
		},
		{
			name:         "zone not served is created when the backend creates zones",
			desired:      []string{"www.example.com. 300 IN A 192.0.2.1"},
			notServed:    true,
			createsZones: true,
			base:         true,
			opts:         applyOpts,
			wantPlan: []string{
				"create example.com. NS",
				"create example.com. SOA",
				"create ns1.example.com. A",
				"create www.example.com. A",
			},
			wantProbes: 2,
			wantCalled: true,
		},
		{
			name:      "zone not served is an error when the backend cannot create zones",
			desired:   []string{"www.example.com. 300 IN A 192.0.2.1"},
			notServed: true,
			opts:      applyOpts,
			wantErr:   observed.ErrTransferRefused,
			wantStage: StageTransfer,
		},
		{
			// Issue 9, failure 3: rebuilt from records.d alone, the zone
			// lost kept.example.com on every pass.
			name:         "served zone whose transfer is refused changes nothing",
			desired:      []string{"www.example.com. 300 IN A 192.0.2.1"},
			served:       with("www.example.com. 300 IN A 192.0.2.1", "kept.example.com. 300 IN A 192.0.2.9"),
			refuseXfr:    true,
			createsZones: true,
			base:         true,
			opts:         applyOpts,
			wantProbes:   1,
			wantErr:      observed.ErrTransferRefused,
			wantStage:    StageTransfer,
		},
		{
			name:         "transfer failing with SERVFAIL of a served zone is a refused transfer",
			desired:      []string{"www.example.com. 300 IN A 192.0.2.1"},
			served:       with("www.example.com. 300 IN A 192.0.2.1"),
			xfrErr:       &observed.RcodeError{Rcode: dns.RcodeServerFailure},
			createsZones: true,
			base:         true,
			opts:         applyOpts,
			wantProbes:   1,
			wantErr:      observed.ErrTransferRefused,
			wantStage:    StageTransfer,
		},
		{
			name:         "not served once, then served: nothing created",
			desired:      []string{"www.example.com. 300 IN A 192.0.2.1"},
			served:       with("kept.example.com. 300 IN A 192.0.2.9"),
			refuseXfr:    true,
			probes:       []observed.SOAAnswer{answerNotServed, answerServed},
			createsZones: true,
			base:         true,
			opts:         applyOpts,
			wantProbes:   2,
			wantErr:      observed.ErrTransferRefused,
			wantStage:    StageTransfer,
		},
		{
			name:         "SERVFAIL twice (CoreDNS, zone not loaded) is not served",
			desired:      []string{"www.example.com. 300 IN A 192.0.2.1"},
			notServed:    true,
			probes:       []observed.SOAAnswer{{Rcode: dns.RcodeServerFailure}, {Rcode: dns.RcodeServerFailure}},
			createsZones: true,
			base:         true,
			opts:         applyOpts,
			wantPlan: []string{
				"create example.com. NS",
				"create example.com. SOA",
				"create ns1.example.com. A",
				"create www.example.com. A",
			},
			wantProbes:    2,
			wantTransfers: 1,
			wantCalled:    true,
		},
		{
			name:         "an SOA answer that says neither changes nothing",
			desired:      []string{"www.example.com. 300 IN A 192.0.2.1"},
			notServed:    true,
			probes:       []observed.SOAAnswer{{Rcode: dns.RcodeNameError, Authoritative: true}},
			createsZones: true,
			opts:         applyOpts,
			wantProbes:   1,
			wantErr:      errors.New("says neither"),
			wantStage:    StageTransfer,
		},
		{
			name:         "an SOA query that fails changes nothing",
			desired:      []string{"www.example.com. 300 IN A 192.0.2.1"},
			notServed:    true,
			probeErr:     errors.New("i/o timeout"),
			createsZones: true,
			opts:         applyOpts,
			wantProbes:   1,
			wantErr:      observed.ErrTransferRefused,
			wantStage:    StageTransfer,
		},
		{
			name:         "a transfer without an answer is an outage, not a zone to create",
			desired:      []string{"www.example.com. 300 IN A 192.0.2.1"},
			notServed:    true,
			xfrErr:       errors.New("connection refused"),
			createsZones: true,
			opts:         applyOpts,
			wantErr:      errors.New("connection refused"),
			wantStage:    StageTransfer,
		},
		{
			name:    "unmanaged sets are neither updated nor deleted",
			desired: []string{"mine.example.com. 300 IN A 192.0.2.2", "new.example.com. 300 IN A 192.0.2.3", "theirs.example.com. 300 IN A 192.0.2.2"},
			served: with(
				"mine.example.com. 300 IN A 192.0.2.1",
				"gone.example.com. 300 IN A 192.0.2.1",
				"theirs.example.com. 300 IN A 192.0.2.1",
				"other.example.com. 300 IN A 192.0.2.1",
			),
			managed: func(k rrset.Key) bool {
				return slices.Contains([]string{"mine.example.com.", "gone.example.com.", "new.example.com."}, k.Name)
			},
			opts:       applyOpts,
			wantPlan:   []string{"delete gone.example.com. A", "create new.example.com. A", "update mine.example.com. A"},
			wantCalled: true,
			// theirs.example.com is left to its writer: pending, never in sync.
			wantPending: true,
		},
		{
			name:       "adopt only: the backend is called to take ownership",
			desired:    []string{"www.example.com. 300 IN A 192.0.2.1"},
			served:     with("www.example.com. 300 IN A 192.0.2.1"),
			managed:    func(rrset.Key) bool { return false },
			opts:       Options{Apply: true, Verify: true},
			wantAdopt:  []string{"www.example.com. A"},
			wantCalled: true,
		},
		{
			name:    "held names stay as served",
			desired: []string{"new.example.com. 300 IN A 192.0.2.3"},
			served: with(
				"held.example.com. 300 IN A 192.0.2.1",
				"held.example.com. 300 IN TXT \"x\"",
				"also.example.com. 300 IN A 192.0.2.1",
				"old.example.com. 300 IN A 192.0.2.9",
			),
			base:       true,
			held:       []string{"held.example.com.", "also.example.com."},
			opts:       applyOpts,
			wantPlan:   []string{"delete old.example.com. A", "create new.example.com. A"},
			wantCalled: true,
			// The held names stay as served: pending, never in sync.
			wantPending: true,
		},
		{
			name:       "incomplete records hold every delete",
			desired:    []string{"www.example.com. 300 IN A 192.0.2.2", "new.example.com. 300 IN A 192.0.2.3"},
			served:     with("www.example.com. 300 IN A 192.0.2.1", "old.example.com. 300 IN A 192.0.2.9"),
			base:       true,
			incomplete: true,
			opts:       applyOpts,
			wantPlan:   []string{"create new.example.com. A", "update www.example.com. A"},
			wantCalled: true,
			// The delete of old.example.com waits on the unread file.
			wantPending: true,
		},
		{
			name:        "plan only: nothing applied, changes pending",
			desired:     []string{"new.example.com. 300 IN A 192.0.2.3"},
			served:      with("old.example.com. 300 IN A 192.0.2.9"),
			base:        true,
			opts:        Options{},
			wantPlan:    []string{"delete old.example.com. A", "create new.example.com. A"},
			wantPending: true,
		},
		{
			name:    "plan only, in sync: nothing pending",
			desired: []string{"www.example.com. 300 IN A 192.0.2.1"},
			served:  with("www.example.com. 300 IN A 192.0.2.1"),
			base:    true,
			opts:    Options{},
		},
		{
			name:        "unsafe plan is refused",
			desired:     hosts(10)[4:],
			served:      with(hosts(10)...),
			base:        true,
			opts:        applyOpts,
			wantRefused: []string{"delete h0.example.com. A", "delete h1.example.com. A", "delete h2.example.com. A", "delete h3.example.com. A"},
			wantErr:     diff.ErrUnsafe,
			wantStage:   StageUnsafe,
			wantPending: true,
		},
		{
			// Issue 9, failure 10: a refused plan held back the whole zone.
			name:        "refused updates are held; a new name is created",
			desired:     append(readdressed(hosts(10), 4), "new.example.com. 300 IN A 192.0.2.200"),
			served:      with(hosts(10)...),
			base:        true,
			opts:        applyOpts,
			wantPlan:    []string{"create new.example.com. A"},
			wantRefused: []string{"update h0.example.com. A", "update h1.example.com. A", "update h2.example.com. A", "update h3.example.com. A"},
			wantCalled:  true,
			wantErr:     errors.New("plan updates 4 of 11 records"),
			wantStage:   StageUnsafe,
			wantPending: true,
		},
		{
			name:        "refused plan, planning only: both parts shown",
			desired:     append(readdressed(hosts(10), 4), "new.example.com. 300 IN A 192.0.2.200"),
			served:      with(hosts(10)...),
			base:        true,
			opts:        Options{},
			wantPlan:    []string{"create new.example.com. A"},
			wantRefused: []string{"update h0.example.com. A", "update h1.example.com. A", "update h2.example.com. A", "update h3.example.com. A"},
			wantPending: true,
		},
		{
			// Issue 9, failure 10: updates were counted as deletions.
			name:       "updates within max_update_percent apply, whatever max_delete_percent says",
			desired:    readdressed(hosts(10), 4),
			served:     with(hosts(10)...),
			base:       true,
			safety:     &diff.Safety{MaxDeletePercent: 30, MaxUpdatePercent: 50, MinRecords: 10},
			opts:       applyOpts,
			wantPlan:   []string{"update h0.example.com. A", "update h1.example.com. A", "update h2.example.com. A", "update h3.example.com. A"},
			wantCalled: true,
		},
		{
			name:       "force applies an unsafe plan",
			desired:    hosts(10)[4:],
			served:     with(hosts(10)...),
			base:       true,
			opts:       Options{Apply: true, Force: true},
			wantPlan:   []string{"delete h0.example.com. A", "delete h1.example.com. A", "delete h2.example.com. A", "delete h3.example.com. A"},
			wantCalled: true,
		},
		{
			name:        "no record files: deletes are refused",
			served:      with("old.example.com. 300 IN A 192.0.2.9"),
			base:        true,
			noFiles:     true,
			opts:        applyOpts,
			wantRefused: []string{"delete old.example.com. A"},
			wantErr:     diff.ErrUnsafe,
			wantStage:   StageUnsafe,
			wantPending: true,
		},
		{
			name:        "no record files: deletes are refused, missing base records created",
			served:      []string{baseOf(zoneA)[0], "old.example.com. 300 IN A 192.0.2.9"},
			base:        true,
			noFiles:     true,
			opts:        applyOpts,
			wantPlan:    []string{"create example.com. NS", "create ns1.example.com. A"},
			wantRefused: []string{"delete old.example.com. A"},
			wantCalled:  true,
			wantErr:     errors.New("the records dir is empty"),
			wantStage:   StageUnsafe,
			wantPending: true,
		},
		{
			name:       "no record files: force deletes",
			served:     with("old.example.com. 300 IN A 192.0.2.9"),
			base:       true,
			noFiles:    true,
			opts:       Options{Apply: true, Force: true},
			wantPlan:   []string{"delete old.example.com. A"},
			wantCalled: true,
		},
		{
			name:         "no record files: a new zone still gets its base",
			notServed:    true,
			createsZones: true,
			base:         true,
			noFiles:      true,
			opts:         applyOpts,
			wantPlan:     []string{"create example.com. NS", "create example.com. SOA", "create ns1.example.com. A"},
			wantProbes:   2,
			wantCalled:   true,
		},
		{
			name:        "backend failure",
			desired:     []string{"new.example.com. 300 IN A 192.0.2.3"},
			served:      with(),
			base:        true,
			backendErr:  errors.New("disk full"),
			opts:        applyOpts,
			wantPlan:    []string{"create new.example.com. A"},
			wantCalled:  true,
			wantErr:     errors.New("disk full"), // matched by text below
			wantStage:   StageApply,
			wantPending: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness()
			st := stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, tt.desired...)}, zoneA)
			for _, n := range tt.held {
				st.Held[zoneA][n] = desired.Conflict{Zone: zoneA, Name: n, Reason: "a.yaml:1 and b.yaml:1 disagree"}
			}
			if tt.incomplete {
				st.Incomplete = []string{"records.d/broken.yaml"}
			}
			if tt.noFiles {
				st.Files = 0
			}
			h.store.setState(st)
			const servedSerial = 7
			if !tt.notServed {
				h.server.serve(zoneA, servedSerial, zoneOf(t, tt.served...))
			}
			if tt.base {
				h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
			}
			if tt.managed != nil {
				h.backend.managed = map[string]func(rrset.Key) bool{zoneA: tt.managed}
			}
			h.backend.err = tt.backendErr
			h.backend.serial = 8
			h.r.CreatesZones = tt.createsZones
			h.server.refuse[zoneA] = tt.refuseXfr
			h.server.probes[zoneA] = tt.probes
			h.server.probeErr = tt.probeErr
			if tt.xfrErr != nil {
				h.server.failNext(zoneA, tt.xfrErr, tt.xfrErr)
			}
			if tt.safety != nil {
				h.r.Safety = *tt.safety
			}

			res := h.r.RunOnce(t.Context(), tt.opts)

			if res.Err != nil {
				t.Fatalf("Result.Err = %v", res.Err)
			}
			if res.State != st {
				t.Errorf("Result.State is not the store's state")
			}
			if len(res.Zones) != 1 || res.Zones[0].Zone != zoneA {
				t.Fatalf("Result.Zones = %+v, want one result for %s", res.Zones, zoneA)
			}
			zr := res.Zones[0]
			if got := summary(zr.Plan); !slices.Equal(got, tt.wantPlan) {
				t.Errorf("plan = %q, want %q", got, tt.wantPlan)
			}
			if got := summary(zr.Refused); !slices.Equal(got, tt.wantRefused) {
				t.Errorf("refused = %q, want %q", got, tt.wantRefused)
			}
			if (zr.Refusal != nil) != (len(tt.wantRefused) > 0) {
				t.Errorf("Refusal = %v, want one: %v", zr.Refusal, len(tt.wantRefused) > 0)
			}
			if got := len(h.server.probeTimes()); got != tt.wantProbes {
				t.Errorf("%d SOA queries, want %d", got, tt.wantProbes)
			}
			if got := len(h.server.transfers()); tt.wantTransfers != 0 && got != tt.wantTransfers {
				t.Errorf("%d transfers, want %d", got, tt.wantTransfers)
			}
			if probes := h.server.probeTimes(); len(probes) == 2 && probes[1].Sub(probes[0]) < h.r.recheck {
				t.Errorf("SOA queries %v apart, want at least %v", probes[1].Sub(probes[0]), h.r.recheck)
			}
			if got := keyStrings(zr.Plan.Adopt); !slices.Equal(got, tt.wantAdopt) {
				t.Errorf("adopt = %q, want %q", got, tt.wantAdopt)
			}
			if zr.Plan.Zone != zoneA {
				t.Errorf("plan zone = %q, want %q", zr.Plan.Zone, zoneA)
			}

			plans := h.backend.applied()
			switch {
			case !tt.wantCalled && len(plans) > 0:
				t.Errorf("backend got %d plans (%q), want none", len(plans), summary(plans[0]))
			case tt.wantCalled && len(plans) != 1:
				t.Errorf("backend got %d plans, want 1", len(plans))
			case tt.wantCalled:
				if !reflect.DeepEqual(plans[0], zr.Plan) {
					t.Errorf("backend got plan %q, result has %q", summary(plans[0]), summary(zr.Plan))
				}
				served := h.backend.served[0]
				if served.Name != zoneA {
					t.Errorf("backend got served zone %q, want %q", served.Name, zoneA)
				}
				if wantSerial := uint32(servedSerial); !tt.notServed && served.Serial != wantSerial {
					t.Errorf("backend got served serial %d, want %d (the transferred zone)", served.Serial, wantSerial)
				}
				if tt.notServed && len(served.Sets) != 0 {
					t.Errorf("backend got %d served sets for a zone not served, want none", len(served.Sets))
				}
			}

			wantApplied := tt.wantCalled && tt.backendErr == nil
			if zr.Applied != wantApplied {
				t.Errorf("Applied = %v, want %v", zr.Applied, wantApplied)
			}
			if wantApplied && zr.Serial != 8 {
				t.Errorf("Serial = %d, want the backend's 8", zr.Serial)
			}
			switch {
			case tt.wantErr == nil && zr.Err != nil:
				t.Errorf("Err = %v, want nil", zr.Err)
			case tt.wantErr != nil && zr.Err == nil:
				t.Errorf("Err = nil, want %v", tt.wantErr)
			case tt.wantErr != nil && !errors.Is(zr.Err, tt.wantErr) && !strings.Contains(zr.Err.Error(), tt.wantErr.Error()):
				t.Errorf("Err = %v, want %v", zr.Err, tt.wantErr)
			}
			if zr.Stage != tt.wantStage {
				t.Errorf("Stage = %q, want %q", zr.Stage, tt.wantStage)
			}
			if !res.Full {
				t.Error("Result.Full = false for RunOnce")
			}
			if (res.Failed() != nil) != (tt.wantErr != nil) {
				t.Errorf("Failed() = %v, want an error: %v", res.Failed(), tt.wantErr != nil)
			}
			if got := res.Pending(); got != tt.wantPending {
				t.Errorf("Pending() = %v, want %v", got, tt.wantPending)
			}
			if zr.Plan.Empty() {
				if calls := h.verifier.calls(); len(calls) > 0 {
					t.Errorf("verifier called %q for a plan without changes", calls)
				}
			}
			var heldNames []string
			for _, c := range zr.Held {
				heldNames = append(heldNames, c.Name)
			}
			if want := slices.SortedFunc(slices.Values(tt.held), rrset.CompareNames); !slices.Equal(heldNames, want) {
				t.Errorf("Held = %q, want %q in canonical order", heldNames, want)
			}
		})
	}
}

// The plan must carry desired data, Base records included, not just keys.
func TestRunOncePlanCarriesDesiredSets(t *testing.T) {
	h := newHarness()
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "www.example.com. 60 IN A 192.0.2.2", "www.example.com. 60 IN A 192.0.2.3")}, zoneA))
	h.server.serve(zoneA, 1, zoneOf(t, "www.example.com. 300 IN A 192.0.2.1"))
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)[:2]...)}

	res := h.r.RunOnce(t.Context(), Options{Apply: true})

	got := map[string]string{}
	for _, c := range res.Zones[0].Plan.Changes {
		got[c.Key.String()] = c.Old.String() + " -> " + c.New.String()
	}
	want := map[string]string{
		"www.example.com. A": "300 [192.0.2.1] -> 60 [192.0.2.2, 192.0.2.3]",
		"example.com. NS":    "- -> 3600 [ns1.example.com.]",
		"example.com. SOA":   "- -> 3600 [ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes = %q, want %q", got, want)
	}
}

func TestRunOnceZones(t *testing.T) {
	newRecord := "new.%s 300 IN A 192.0.2.1"
	setup := func(t *testing.T) *harness {
		h := newHarness(zoneA, zoneB, zoneC)
		zones := map[string]rrset.Zone{}
		for _, z := range []string{zoneA, zoneB, zoneC} {
			zones[z] = zoneOf(t, fmt.Sprintf(newRecord, z))
			h.server.serve(z, 1, rrset.Zone{})
		}
		h.store.setState(stateOf(zones, zoneA, zoneB, zoneC))
		return h
	}
	appliedZones := func(h *harness) []string { // written in parallel (passpipe.go): sorted
		var out []string
		for _, p := range h.backend.applied() {
			out = append(out, p.Zone)
		}
		slices.Sort(out)
		return out
	}

	t.Run("a transfer error for one zone does not stop the others", func(t *testing.T) {
		h := setup(t)
		refused := errors.New("connection refused")
		h.server.failNext(zoneB, refused)

		res := h.r.RunOnce(t.Context(), Options{Apply: true})

		var names []string
		for _, z := range res.Zones {
			names = append(names, z.Zone)
		}
		if want := []string{zoneA, zoneB, zoneC}; !slices.Equal(names, want) {
			t.Fatalf("zones = %q, want %q", names, want)
		}
		if got, want := appliedZones(h), []string{zoneA, zoneC}; !slices.Equal(got, want) {
			t.Errorf("applied zones = %q, want %q", got, want)
		}
		if err := res.Zones[1].Err; !errors.Is(err, refused) {
			t.Errorf("%s: Err = %v, want %v", zoneB, err, refused)
		}
		if got := res.Zones[1].Stage; got != StageTransfer {
			t.Errorf("%s: Stage = %q, want %q", zoneB, got, StageTransfer)
		}
		if res.Zones[1].Applied || !res.Zones[0].Applied || !res.Zones[2].Applied {
			t.Errorf("Applied = %v %v %v, want true false true", res.Zones[0].Applied, res.Zones[1].Applied, res.Zones[2].Applied)
		}
		if err := res.Failed(); !errors.Is(err, refused) {
			t.Errorf("Failed() = %v, want it to carry %v", err, refused)
		}
		if !retryable(res) {
			t.Error("a pass that could not reach the server is not retryable")
		}
	})

	t.Run("Options.Zones limits the pass", func(t *testing.T) {
		h := setup(t)
		res := h.r.RunOnce(t.Context(), Options{Apply: true, Zones: []string{zoneC}})
		if len(res.Zones) != 1 || res.Zones[0].Zone != zoneC {
			t.Fatalf("zones = %+v, want only %s", res.Zones, zoneC)
		}
		if got := h.server.transfers(); !slices.Equal(got, []string{zoneC}) {
			t.Errorf("transfers = %q, want only %s", got, zoneC)
		}
		if got := appliedZones(h); !slices.Equal(got, []string{zoneC}) {
			t.Errorf("applied zones = %q, want only %s", got, zoneC)
		}
	})

	t.Run("a cancelled context stops before the next zone", func(t *testing.T) {
		h := setup(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		res := h.r.RunOnce(ctx, Options{Apply: true})
		if len(res.Zones) != 0 || len(h.server.transfers()) != 0 {
			t.Errorf("cancelled pass reconciled %d zones and transferred %q", len(res.Zones), h.server.transfers())
		}
	})
}

func TestRunOnceScanError(t *testing.T) {
	h := newHarness()
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "new.example.com. 300 IN A 192.0.2.1")}, zoneA))
	h.server.serve(zoneA, 1, rrset.Zone{})
	h.store.scanErr = fmt.Errorf("scan records.d: %w", desired.ErrSuddenlyEmpty)

	res := h.r.RunOnce(t.Context(), Options{Apply: true, Force: true})

	if !errors.Is(res.Err, desired.ErrSuddenlyEmpty) {
		t.Errorf("Result.Err = %v, want it to wrap the scan error", res.Err)
	}
	if !errors.Is(res.Failed(), desired.ErrSuddenlyEmpty) {
		t.Errorf("Failed() = %v, want the scan error", res.Failed())
	}
	if len(res.Zones) != 0 {
		t.Errorf("Zones = %+v, want none: nothing is planned without desired state", res.Zones)
	}
	// The one transfer asks whether the records are still served
	// (emptied.go): they are not, so the empty dir was to be accepted, and
	// the Scan failing all the same still plans nothing.
	if got := h.server.transfers(); len(got) != 1 {
		t.Errorf("transfers = %q, want one (is the emptied dir's content still served?)", got)
	}
	if h.store.accepted != 1 {
		t.Errorf("AcceptEmpty called %d times, want 1", h.store.accepted)
	}
	if got := h.backend.applied(); len(got) != 0 {
		t.Errorf("backend got %d plans, want none", len(got))
	}
	if !retryable(res) {
		t.Error("a scan error is not retryable")
	}
}

func TestVerify(t *testing.T) {
	const timeout = 2 * time.Second
	tests := []struct {
		name              string
		backendSerial     uint32
		serials           []uint32 // the verifier's answers, in order
		mismatches        []verify.Result
		verifyTimeout     time.Duration
		opts              Options
		wantCalls         []string // nil: do not compare the whole log
		wantLastCall      string
		serialNeverServed bool
		wantMismatches    bool
	}{
		{
			name:          "waits for the applied serial, then checks the sets",
			backendSerial: 42,
			serials:       []uint32{40, 41, 42},
			opts:          Options{Apply: true, Verify: true},
			wantCalls:     []string{"serial 40", "serial 41", "serial 42", "wait"},
		},
		{
			name:          "a newer serial will do",
			backendSerial: 42,
			serials:       []uint32{43},
			opts:          Options{Apply: true, Verify: true},
			wantCalls:     []string{"serial 43", "wait"},
		},
		{
			name:          "serials compare across wraparound",
			backendSerial: 5,
			serials:       []uint32{0xFFFFFFF0, 5},
			opts:          Options{Apply: true, Verify: true},
			wantCalls:     []string{"serial 4294967280", "serial 5", "wait"},
		},
		{
			// Then asks the serial the server chose, to cache the zone under.
			name:          "serial unknown: checks the sets at once",
			backendSerial: 0,
			serials:       []uint32{1},
			opts:          Options{Apply: true, Verify: true},
			wantCalls:     []string{"wait", "serial 1"},
		},
		{
			name:              "serial that never arrives: bounded by VerifyTimeout",
			backendSerial:     42,
			serials:           []uint32{41},
			verifyTimeout:     200 * time.Millisecond,
			opts:              Options{Apply: true, Verify: true},
			wantLastCall:      "serial",
			serialNeverServed: true,
		},
		{
			name:              "no SOA answer: bounded by VerifyTimeout",
			backendSerial:     42,
			verifyTimeout:     200 * time.Millisecond,
			opts:              Options{Apply: true, Verify: true},
			wantLastCall:      "serial",
			serialNeverServed: true,
		},
		{
			name:          "mismatches are reported",
			backendSerial: 42,
			serials:       []uint32{42},
			mismatches: []verify.Result{{
				Key: rrset.Key{Name: "new.example.com.", Type: dns.TypeA}, Want: rrset.New(mustRR(t, "new.example.com. 300 IN A 192.0.2.3")),
			}},
			opts:           Options{Apply: true, Verify: true},
			wantCalls:      []string{"serial 42", "wait"},
			wantMismatches: true,
		},
		{
			name:          "verify off",
			backendSerial: 42,
			serials:       []uint32{42},
			opts:          Options{Apply: true},
			wantCalls:     []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness()
			h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t,
				"www.example.com. 300 IN A 192.0.2.2",
				"new.example.com. 300 IN A 192.0.2.3",
			)}, zoneA))
			// The served SOA differs from the base: an SOA update that is
			// not the verifier's to check.
			h.server.serve(zoneA, 41, zoneOf(t,
				strings.Replace(baseOf(zoneA)[0], "3600 600", "7200 600", 1),
				baseOf(zoneA)[1], baseOf(zoneA)[2],
				"www.example.com. 300 IN A 192.0.2.1",
				"old.example.com. 300 IN A 192.0.2.9",
			))
			h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
			h.backend.serial = tt.backendSerial
			h.verifier.serials = tt.serials
			h.verifier.mismatches = tt.mismatches
			h.r.VerifyTimeout = timeout
			if tt.verifyTimeout > 0 {
				h.r.VerifyTimeout = tt.verifyTimeout
			}

			start := time.Now()
			res := h.r.RunOnce(t.Context(), tt.opts)
			took := time.Since(start)

			zr := res.Zones[0]
			if want := []string{"delete old.example.com. A", "create new.example.com. A", "update example.com. SOA", "update www.example.com. A"}; !slices.Equal(summary(zr.Plan), want) {
				t.Fatalf("plan = %q, want %q", summary(zr.Plan), want)
			}
			if !zr.Applied || zr.Err != nil {
				t.Fatalf("Applied = %v, Err = %v; want applied", zr.Applied, zr.Err)
			}
			calls := h.verifier.calls()
			if tt.wantCalls != nil && !slices.Equal(calls, tt.wantCalls) {
				t.Errorf("verifier calls = %q, want %q", calls, tt.wantCalls)
			}
			if tt.wantLastCall != "" {
				if len(calls) < 2 || !strings.HasPrefix(calls[len(calls)-1], tt.wantLastCall) {
					t.Errorf("verifier calls = %q, want several serial queries then %q", calls, tt.wantLastCall)
				}
				if took > tt.verifyTimeout+time.Second {
					t.Errorf("RunOnce took %v with VerifyTimeout %v", took, tt.verifyTimeout)
				}
			}
			if !tt.opts.Verify {
				if zr.Latency != 0 || zr.Mismatches != nil {
					t.Errorf("Latency = %v, Mismatches = %v without verify", zr.Latency, zr.Mismatches)
				}
				return
			}

			h.verifier.mu.Lock()
			waits, deadlines := h.verifier.waits, h.verifier.deadlines
			h.verifier.mu.Unlock()
			if tt.serialNeverServed {
				// Nothing of the new zone is served: one mismatch, on the
				// SOA, and no point in asking for the sets.
				if len(waits) != 0 || len(zr.Mismatches) != 1 || zr.Mismatches[0].Key.Type != dns.TypeSOA || res.Failed() == nil {
					t.Errorf("waits %d, mismatches %v, Failed %v; want no wait and one SOA mismatch", len(waits), zr.Mismatches, res.Failed())
				}
				return
			}
			if len(waits) != 1 {
				t.Fatalf("Wait called %d times, want 1", len(waits))
			}
			want := map[rrset.Key]*rrset.Set{}
			for _, c := range zr.Plan.Changes {
				if c.Key.Type != dns.TypeSOA {
					want[c.Key] = c.New
				}
			}
			if !reflect.DeepEqual(waits[0], want) {
				t.Errorf("Wait for %v, want the changed sets (deletes as nil, no SOA) %v", waits[0], want)
			}
			if _, ok := waits[0][rrset.Key{Name: "old.example.com.", Type: dns.TypeA}]; !ok {
				t.Errorf("Wait does not check that the deleted set is gone")
			}
			if d := deadlines[0]; d < 0 && tt.wantLastCall == "" || d > h.r.VerifyTimeout {
				t.Errorf("Wait had %v left on its context, want a deadline within VerifyTimeout %v", d, h.r.VerifyTimeout)
			}
			if zr.Latency <= 0 {
				t.Errorf("Latency = %v, want > 0", zr.Latency)
			}
			if tt.wantMismatches {
				if !reflect.DeepEqual(zr.Mismatches, tt.mismatches) {
					t.Errorf("Mismatches = %v, want %v", zr.Mismatches, tt.mismatches)
				}
				err := res.Failed()
				if err == nil || !strings.Contains(err.Error(), "not served as planned") || !strings.Contains(err.Error(), "new.example.com.") {
					t.Errorf("Failed() = %v, want it to name the set not served", err)
				}
				if !retryable(res) {
					t.Error("a pass whose changes are not served is not retryable")
				}
			} else {
				if len(zr.Mismatches) > 0 || res.Failed() != nil {
					t.Errorf("Mismatches = %v, Failed() = %v; want none", zr.Mismatches, res.Failed())
				}
			}
		})
	}
}

// An SOA-only change (new timers or hostmaster in the config) is served only
// once the new serial is: a serial that never arrives must not pass as
// verified.
func TestVerifySOAOnlyChangeNeedsTheSerial(t *testing.T) {
	h := newHarness()
	h.server.serve(zoneA, 41, zoneOf(t, strings.Replace(baseOf(zoneA)[0], "3600 600", "7200 600", 1), baseOf(zoneA)[1], baseOf(zoneA)[2]))
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.backend.serial = 42
	h.verifier.serials = []uint32{41} // the server never loads the new zone
	h.r.VerifyTimeout = 150 * time.Millisecond

	res := h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true})

	if got, want := summary(res.Zones[0].Plan), []string{"update example.com. SOA"}; !slices.Equal(got, want) {
		t.Fatalf("plan = %q, want %q", got, want)
	}
	if res.Failed() == nil {
		t.Error("Failed() = nil for a change whose serial was never served")
	}
}

func TestSerialAtLeast(t *testing.T) {
	tests := []struct {
		s, want uint32
		ok      bool
	}{
		{5, 5, true},
		{6, 5, true},
		{4, 5, false},
		{0, 0xFFFFFFFF, true},  // wrapped past
		{3, 0xFFFFFFF0, true},  // wrapped past
		{0xFFFFFFF0, 3, false}, // not yet wrapped
		{0x80000000, 1, true},  // just under half the space ahead: newer
		{0x80000002, 1, false}, // more than half the space ahead: older
	}
	for _, tt := range tests {
		if got := serialAtLeast(tt.s, tt.want); got != tt.ok {
			t.Errorf("serialAtLeast(%d, %d) = %v, want %v", tt.s, tt.want, got, tt.ok)
		}
	}
}

func TestChanged(t *testing.T) {
	setup := func(t *testing.T) *harness {
		h := newHarness(zoneA, zoneB, zoneC)
		zones := map[string]rrset.Zone{}
		for _, z := range []string{zoneA, zoneB, zoneC} {
			zones[z] = zoneOf(t, "new."+z+" 300 IN A 192.0.2.1")
			h.server.serve(z, 1, rrset.Zone{})
		}
		h.store.setState(stateOf(zones, zoneA, zoneB, zoneC))
		h.store.reload = map[string][]string{
			"records.d/b.yaml":    {zoneB},
			"records.d/bc.yaml":   {zoneC, zoneB},
			"records.d/none.yaml": nil,
		}
		return h
	}
	tests := []struct {
		name  string
		paths []string
		opts  Options
		want  []string // zones reconciled, in order
	}{
		{name: "one zone", paths: []string{"records.d/b.yaml"}, want: []string{zoneB}},
		{name: "zones in the order Reload gives", paths: []string{"records.d/bc.yaml"}, want: []string{zoneC, zoneB}},
		{name: "Reload decides, not Options.Zones", paths: []string{"records.d/b.yaml"}, opts: Options{Zones: []string{zoneA}}, want: []string{zoneB}},
		{name: "no zone touched", paths: []string{"records.d/none.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := setup(t)
			opts := tt.opts
			opts.Apply = true
			res := h.r.Changed(t.Context(), tt.paths, opts)

			if res.State != h.store.State() {
				t.Error("Result.State is not the store's state")
			}
			if res.Full {
				t.Error("Result.Full = true for a pass over changed files")
			}
			var got []string
			for _, z := range res.Zones {
				got = append(got, z.Zone)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("zones = %q, want %q", got, tt.want)
			}
			// Transferred and written in parallel (passpipe.go): in any
			// order.
			if got := slices.Sorted(slices.Values(h.server.transfers())); !slices.Equal(got, slices.Sorted(slices.Values(tt.want))) {
				t.Errorf("transfers = %q, want %q", got, tt.want)
			}
			var applied []string
			for _, p := range h.backend.applied() {
				applied = append(applied, p.Zone)
			}
			slices.Sort(applied)
			if !slices.Equal(applied, slices.Sorted(slices.Values(tt.want))) {
				t.Errorf("applied = %q, want %q", applied, tt.want)
			}
			scans, reloads := h.store.counts()
			if scans != 0 {
				t.Errorf("Scan called %d times, want 0: only the changed files are read", scans)
			}
			if len(reloads) != 1 || !slices.Equal(reloads[0], tt.paths) {
				t.Errorf("Reload got %q, want [%q]", reloads, tt.paths)
			}
		})
	}
}

// A standing conflict is logged when it appears or changes, not every pass.
func TestHeldConflictLoggedOnce(t *testing.T) {
	var logs logBuffer
	h := newHarness()
	h.r.Log = slog.New(slog.NewTextHandler(&logs, nil))
	h.server.serve(zoneA, 1, rrset.Zone{})
	st := stateOf(nil, zoneA)
	st.Held[zoneA]["x.example.com."] = desired.Conflict{Zone: zoneA, Name: "x.example.com.", Reason: "TTLs differ"}
	h.store.setState(st)

	count := func() int { return strings.Count(logs.String(), "conflict: name left as served") }
	h.r.RunOnce(t.Context(), Options{})
	h.r.RunOnce(t.Context(), Options{})
	if n := count(); n != 1 {
		t.Errorf("after two passes with the same conflict: %d warnings, want 1\n%s", n, logs.String())
	}
	st2 := stateOf(nil, zoneA)
	st2.Held[zoneA]["x.example.com."] = desired.Conflict{Zone: zoneA, Name: "x.example.com.", Reason: "CNAME and other data"}
	h.store.setState(st2)
	h.r.RunOnce(t.Context(), Options{})
	if n := count(); n != 2 {
		t.Errorf("after the conflict changed: %d warnings, want 2\n%s", n, logs.String())
	}
}

// The desired state's sets are shared and read-only (desired.State); joining
// the backend's base records must not write into them.
func TestRunOnceDoesNotModifyDesiredState(t *testing.T) {
	h := newHarness()
	glue := "ns1.example.com. 300 IN A 192.0.2.53"
	st := stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, glue)}, zoneA)
	h.store.setState(st)
	h.server.serve(zoneA, 1, rrset.Zone{})
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}

	h.r.RunOnce(t.Context(), Options{})

	set := st.Zone(zoneA).Get(rrset.Key{Name: "ns1.example.com.", Type: dns.TypeA})
	if got := set.Values(); !slices.Equal(got, []string{"192.0.2.53"}) {
		t.Errorf("desired set after a pass = %q, want it unchanged [192.0.2.53]", got)
	}
}
