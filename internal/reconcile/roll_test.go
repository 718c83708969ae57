package reconcile

import (
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/dnssec"
	"github.com/dnssync/dnssync/internal/observed"
)

// rollBackend is a floorBackend that signs zoneA with keys in a temporary
// key store (the fake writes nothing signed: the roll's steps are what is
// under test, the signing is dnssec's).
type rollBackend struct {
	*floorBackend
	sg *apply.Signing
}

func (b *rollBackend) Signs(zone string) bool               { return zone == zoneA }
func (b *rollBackend) SignaturesDue(*observed.Zone) bool    { return false }
func (b *rollBackend) SigningOf(zone string) *apply.Signing { return b.sg }

var _ apply.Roller = (*rollBackend)(nil)

// A roll's step waits for evidence: not taken while a secondary serves a
// serial older than the stage's, nor before the wait since the stage was
// seen served everywhere; then taken, with the zone written again.
func TestRollStepWaitsForSecondariesAndTime(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.backend.server = h.server
	ks := &dnssec.KeyStore{Dir: t.TempDir()}
	p := dnssec.DefaultPolicy()
	p.RollMargin = time.Minute
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if _, err := ks.Ensure(zoneA, p, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	rb := &rollBackend{floorBackend: &floorBackend{fakeBackend: h.backend}, sg: &apply.Signing{Policy: p, Keys: ks}}
	h.r.Backend = rb
	h.server.serve(zoneA, 10, zoneOf(t,
		"example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 10 3600 600 604800 300",
		"www.example.com. 600 IN A 192.0.2.1"))
	sec := &fakeSerial{serial: 10}
	h.r.Replication.Secondaries = []Secondary{{Name: "ns2", Zones: []string{zoneA}, Server: sec}}
	opts := Options{Apply: true, Check: true}
	pass := func(at time.Time) *dnssec.Roll {
		t.Helper()
		h.r.rollZone(t.Context(), rb, rb.sg, &ZoneResult{Zone: zoneA}, opts, "", at)
		_, roll, err := ks.LoadRoll(zoneA)
		if err != nil {
			t.Fatal(err)
		}
		return roll
	}

	if err := ks.WriteRequest(zoneA, dnssec.RollRequest{Action: dnssec.RequestStart, Kind: dnssec.CSK, Requested: now}); err != nil {
		t.Fatal(err)
	}
	h.backend.serial = 11
	roll := pass(now)
	if roll == nil || roll.Stage != dnssec.StagePublish || roll.Serial != 11 {
		t.Fatalf("after the request: roll %+v, want stage publish written at serial 11", roll)
	}
	if req, _ := ks.Request(zoneA); req != nil {
		t.Error("the request is still there once taken")
	}
	writes := len(h.backend.applied())

	// The secondary still serves 10: the stage is not served everywhere.
	roll = pass(now.Add(time.Hour))
	if !roll.Served.IsZero() || roll.Stage != dnssec.StagePublish {
		t.Fatalf("a secondary serves serial 10 < 11, and the roll went on: %+v", roll)
	}
	sec.serial = 11
	seen := now.Add(2 * time.Hour)
	roll = pass(seen)
	if !roll.Served.Equal(seen) || roll.Stage != dnssec.StagePublish {
		t.Fatalf("served everywhere at %s: roll %+v", seen, roll)
	}
	// Ipub: the DNSKEY TTL (none yet in the fake zone: the largest, 600s) and the margin.
	if want := seen.Add(600*time.Second + time.Minute); !roll.NextAfter.Equal(want) {
		t.Errorf("next step after %s, want %s", roll.NextAfter, want)
	}
	roll = pass(roll.NextAfter.Add(-time.Second))
	if roll.Stage != dnssec.StagePublish || len(h.backend.applied()) != writes {
		t.Fatalf("a step was taken before the wait: %+v", roll)
	}
	h.backend.serial = 12
	roll = pass(roll.NextAfter)
	if roll.Stage != dnssec.StageSwap || roll.Serial != 12 || len(h.backend.applied()) != writes+1 {
		t.Fatalf("the step was not taken once due: %+v, %d writes", roll, len(h.backend.applied())-writes)
	}
	keys, _, err := ks.LoadRoll(zoneA)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if active := k.IsActive(roll.StageAt); active != (k.Tag() == roll.New) {
			t.Errorf("key %s active %v at the swap", k, active)
		}
	}
	// A second start while the roll is in progress is refused and dropped.
	if err := ks.WriteRequest(zoneA, dnssec.RollRequest{Action: dnssec.RequestStart, Kind: dnssec.CSK}); err != nil {
		t.Fatal(err)
	}
	again := pass(roll.StageAt.Add(time.Minute))
	if again.New != roll.New || again.Stage != dnssec.StageSwap {
		t.Errorf("a second start changed the roll: %+v", again)
	}
	if req, _ := ks.Request(zoneA); req != nil {
		t.Error("the refused request is still there")
	}
}
