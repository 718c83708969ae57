package reconcile

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// floorBackend is a fakeBackend that chooses serials, recording the
// floors each write was given.
type floorBackend struct {
	*fakeBackend
	mu     sync.Mutex
	floors [][]apply.Floor
}

func (b *floorBackend) ApplyAbove(ctx context.Context, served *observed.Zone, p diff.Plan, floors []apply.Floor) (apply.Result, error) {
	b.mu.Lock()
	b.floors = append(b.floors, floors)
	b.mu.Unlock()
	return b.Apply(ctx, served, p)
}

// fakeSerial answers a secondary's serial: serial, err, or (hang) nothing
// until asked no more.
type fakeSerial struct {
	serial uint32
	err    error
	hang   bool
	mu     sync.Mutex
	asked  []string
}

func (s *fakeSerial) Serial(ctx context.Context, zone string) (uint32, error) {
	s.mu.Lock()
	s.asked = append(s.asked, zone)
	s.mu.Unlock()
	if s.hang {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	return s.serial, s.err
}

// Before a write, each secondary of the zone is asked for its serial, and
// the answers are the backend's floors: one that fails or never answers is
// left out and holds the write up by floorTimeout at most; a secondary of
// another zone is not asked.
func TestApplyGathersSecondariesSerials(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness()
		fb := &floorBackend{fakeBackend: h.backend}
		h.r.Backend = fb
		h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "www.example.com. 60 IN A 192.0.2.2")}, zoneA))
		h.server.serve(zoneA, 1, zoneOf(t, "www.example.com. 300 IN A 192.0.2.1"))
		ahead, failing, dead, other := &fakeSerial{serial: 2026113007}, &fakeSerial{err: errors.New("connection refused")}, &fakeSerial{hang: true}, &fakeSerial{serial: 9}
		h.r.Replication.Secondaries = []Secondary{
			{Name: "ns2", Zones: []string{zoneA}, Server: ahead},
			{Name: "ns3", Zones: []string{zoneA}, Server: failing},
			{Name: "ns4", Zones: []string{zoneA}, Server: dead},
			{Name: "ns5", Zones: []string{zoneB}, Server: other},
		}

		start := time.Now()
		res := h.r.RunOnce(t.Context(), Options{Apply: true})
		if took := time.Since(start); took > floorTimeout {
			t.Errorf("the pass took %s: a dead secondary held the write up past %s", took, floorTimeout)
		}
		if err := res.Zones[0].Err; err != nil || !res.Zones[0].Applied {
			t.Fatalf("zone not applied: %v", err)
		}
		want := [][]apply.Floor{{{Server: "ns2", Serial: 2026113007}}}
		if !slices.EqualFunc(fb.floors, want, slices.Equal) {
			t.Errorf("floors %v, want %v", fb.floors, want)
		}
		if len(other.asked) != 0 {
			t.Errorf("a secondary of another zone was asked for %v", other.asked)
		}
		if len(dead.asked) != 1 || len(failing.asked) != 1 {
			t.Errorf("asked the failing secondary %v and the dead one %v, want once each", failing.asked, dead.asked)
		}
	})
}

// A pass that writes nothing asks no secondary.
func TestNoWriteAsksNoSecondary(t *testing.T) {
	h := newHarness()
	fb := &floorBackend{fakeBackend: h.backend}
	h.r.Backend = fb
	sec := &fakeSerial{serial: 5}
	h.r.Replication.Secondaries = []Secondary{{Name: "ns2", Zones: []string{zoneA}, Server: sec}}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.1")}, zoneA))
	h.server.serve(zoneA, 1, zoneOf(t, "www.example.com. 300 IN A 192.0.2.1"))
	h.r.RunOnce(t.Context(), Options{Apply: true})
	if len(sec.asked) != 0 || len(fb.floors) != 0 {
		t.Errorf("an empty plan asked the secondary %v and wrote with floors %v", sec.asked, fb.floors)
	}
}

// A secondary that does not answer for a floor is not asked again in the
// same pass: a pass writing many zones pays its timeout once, not once a
// zone. One that answers is asked for every zone.
func TestDeadSecondaryAskedOncePerPass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(zoneA, zoneB)
		fb := &floorBackend{fakeBackend: h.backend}
		h.r.Backend = fb
		h.store.setState(stateOf(map[string]rrset.Zone{
			zoneA: zoneOf(t, "www.example.com. 60 IN A 192.0.2.2"),
			zoneB: zoneOf(t, "www.example.net. 60 IN A 192.0.2.2"),
		}, zoneA, zoneB))
		h.server.serve(zoneA, 1, zoneOf(t, "www.example.com. 300 IN A 192.0.2.1"))
		h.server.serve(zoneB, 1, zoneOf(t, "www.example.net. 300 IN A 192.0.2.1"))
		live, dead := &fakeSerial{serial: 7}, &fakeSerial{hang: true}
		h.r.Replication.Secondaries = []Secondary{
			{Name: "ns2", Addr: "127.0.0.2:53", Zones: []string{zoneA, zoneB}, Server: live},
			{Name: "ns3", Addr: "127.0.0.3:53", Zones: []string{zoneA, zoneB}, Server: dead},
		}
		start := time.Now()
		res := h.r.RunOnce(t.Context(), Options{Apply: true})
		took := time.Since(start)
		for _, z := range res.Zones {
			if z.Err != nil || !z.Applied {
				t.Fatalf("zone %s not applied: %v", z.Zone, z.Err)
			}
		}
		if len(dead.asked) != 1 || took > floorTimeout {
			t.Errorf("the dead secondary was asked for %v and the pass took %s, want once and at most %s", dead.asked, took, floorTimeout)
		}
		if len(live.asked) != 2 {
			t.Errorf("the live secondary was asked for %v, want both zones", live.asked)
		}
		// The next pass asks it again: it may be back.
		h.store.setState(stateOf(map[string]rrset.Zone{
			zoneA: zoneOf(t, "www.example.com. 60 IN A 192.0.2.3"),
			zoneB: zoneOf(t, "www.example.net. 60 IN A 192.0.2.2"),
		}, zoneA, zoneB))
		h.r.RunOnce(t.Context(), Options{Apply: true})
		if len(dead.asked) != 2 {
			t.Errorf("the dead secondary was asked for %v over two passes, want once a pass", dead.asked)
		}
	})
}
