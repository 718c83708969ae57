package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// aheadBackend is a fakeBackend that writes above its floors, as the
// real backends do: the server then serves the zone at one past the
// newest of the served serial and the floors.
type aheadBackend struct {
	*fakeBackend
	mu     sync.Mutex
	writes []aheadWrite
}

// aheadWrite is one ApplyAbove call.
type aheadWrite struct {
	plan   diff.Plan
	floors []apply.Floor
}

func (b *aheadBackend) ApplyAbove(ctx context.Context, served *observed.Zone, p diff.Plan, floors []apply.Floor) (apply.Result, error) {
	serial := served.Serial
	for _, f := range floors {
		if int32(f.Serial-serial) > 0 {
			serial = f.Serial
		}
	}
	b.mu.Lock()
	b.writes = append(b.writes, aheadWrite{plan: p, floors: floors})
	b.mu.Unlock()
	b.fakeBackend.mu.Lock()
	b.fakeBackend.serial = serial + 1
	b.fakeBackend.mu.Unlock()
	return b.Apply(ctx, served, p)
}

func (b *aheadBackend) serialOnly() []aheadWrite {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []aheadWrite
	for _, w := range b.writes {
		if w.plan.Empty() {
			out = append(out, w)
		}
	}
	return out
}

// servedSerial answers the primary's serial as the fake server serves it.
type servedSerial struct {
	*fakeVerifier
	server *fakeServer
}

func (v servedSerial) Serial(ctx context.Context, zone string) (uint32, error) {
	v.server.mu.Lock()
	defer v.server.mu.Unlock()
	if z, ok := v.server.zones[zone]; ok {
		return z.Serial, nil
	}
	return 0, fmt.Errorf("soa %s: refused", zone)
}

// aheadHarness is zoneA served in sync at serial 10 by a primary with
// one secondary, ns2, answering secondary; the backend writes above
// floors.
func aheadHarness(t *testing.T, secondary uint32) (*harness, *aheadBackend) {
	h := newHarness(zoneA)
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.1")}, zoneA))
	h.server.serve(zoneA, 10, zoneOf(t, "www.example.com. 300 IN A 192.0.2.1"))
	h.backend.server = h.server
	b := &aheadBackend{fakeBackend: h.backend}
	h.r.Backend = b
	h.r.Verifier = servedSerial{fakeVerifier: h.verifier, server: h.server}
	h.r.Checker = &fakeChecker{report: verify.Report{Servers: []string{"ns1"}}}
	h.r.Replication = Replication{Primary: "127.0.0.1:53", Secondaries: []Secondary{
		{Name: "ns2", Addr: "127.0.0.2:53", Zones: []string{zoneA}, Server: &fakeSerial{serial: secondary}},
	}}
	return h, b
}

// A scheduled check of an applying pass that finds a secondary serving a
// newer serial than the primary writes the zone once more, serial only,
// above it; the next check, the primary now ahead, writes nothing. Not
// ahead, not applying, not a scheduled check, or the zone's changes held
// by the safety rules: no write.
func TestSecondaryAheadSerialOnlyWrite(t *testing.T) {
	scheduled := Options{Apply: true, Verify: true, Check: true}
	tests := []struct {
		name      string
		secondary uint32
		opts      Options
		setup     func(t *testing.T, h *harness)
		want      int // serial-only writes
	}{
		{name: "ahead", secondary: 50, opts: scheduled, want: 1},
		{name: "ahead, not verifying", secondary: 50, opts: Options{Apply: true, Check: true}, want: 1},
		{name: "ahead across the top of the serial space", secondary: 3, opts: scheduled, setup: func(t *testing.T, h *harness) {
			h.server.serve(zoneA, 4294967290, zoneOf(t, "www.example.com. 300 IN A 192.0.2.1"))
		}, want: 1},
		{name: "in sync", secondary: 10, opts: scheduled},
		{name: "behind", secondary: 9, opts: scheduled},
		{name: "unreachable", secondary: 0, opts: scheduled},
		{name: "older in serial arithmetic", secondary: 10 + 1<<31 + 5, opts: scheduled},
		{name: "plan only", secondary: 50, opts: Options{Check: true}},
		{name: "not a scheduled check", secondary: 50, opts: Options{Apply: true, Verify: true}},
		{name: "held by the safety rules", secondary: 50, opts: scheduled, setup: func(t *testing.T, h *harness) {
			lines := []string{"www.example.com. 300 IN A 192.0.2.1"}
			for i := range 12 {
				lines = append(lines, fmt.Sprintf("h%d.example.com. 300 IN A 192.0.2.%d", i, i+10))
			}
			h.server.serve(zoneA, 10, zoneOf(t, lines...))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, b := aheadHarness(t, tt.secondary)
				logs := &logBuffer{}
				h.r.Log = slog.New(slog.NewTextHandler(logs, nil))
				if tt.setup != nil {
					tt.setup(t, h)
				}
				before := h.server.zones[zoneA].Serial
				res := h.r.RunOnce(t.Context(), tt.opts)
				writes := b.serialOnly()
				if len(writes) != tt.want {
					t.Fatalf("%d serial-only writes, want %d (zone result %+v)", len(writes), tt.want, res.Zones)
				}
				if refused := res.Zones[0].Refusal != nil; refused != strings.HasPrefix(tt.name, "held") {
					t.Errorf("plan refused: %v (%v)", refused, res.Zones[0].Refusal)
				}
				if tt.want == 0 {
					if n := res.Zones[0].Raised; n != 0 {
						t.Errorf("Raised %d with no serial-only write", n)
					}
					return
				}
				zr := res.Zones[0]
				if zr.Raised != 1 || !zr.Applied || zr.Serial != tt.secondary+1 {
					t.Errorf("zone result Raised %d, Applied %v, Serial %d; want 1, true, %d", zr.Raised, zr.Applied, zr.Serial, tt.secondary+1)
				}
				if f := writes[0].floors; len(f) != 1 || f[0].Server != "ns2" || f[0].Serial != tt.secondary {
					t.Errorf("floors %v, want ns2 at %d", f, tt.secondary)
				}
				line := logs.String()
				if !strings.Contains(line, "level=INFO") || !strings.Contains(line, "secondary=ns2") ||
					!strings.Contains(line, fmt.Sprintf("its_serial=%d", tt.secondary)) || !strings.Contains(line, fmt.Sprintf("primary_serial=%d", before)) {
					t.Errorf("log %q, want an Info line naming ns2 and both serials", line)
				}
				if err := res.Failed(); err != nil {
					t.Errorf("pass failed: %v", err)
				}
				// The primary is now ahead of the secondary: nothing more.
				h.r.RunOnce(t.Context(), tt.opts)
				if n := len(b.serialOnly()); n != 1 {
					t.Errorf("%d serial-only writes after a second check, want still 1", n)
				}
			})
		})
	}
}
