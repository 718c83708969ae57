package reconcile

import (
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// A pass that applies remembers, per changed set, how long a resolver may
// keep what it cached before: the old set's TTL, not the new one's.
func TestCheckGetsCachedTTL(t *testing.T) {
	h, _ := checkHarness(t)
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	st := h.store.State()
	st.Zones[zoneA] = zoneOf(t, "www.example.com. 30 IN A 192.0.2.9") // served: TTL 300
	h.r.TrackChanges = true
	h.r.RunOnce(t.Context(), Options{Apply: true, Check: true})
	if got := h.r.changedAt[www]; got.At.IsZero() || got.Cached != 300*time.Second {
		t.Errorf("change of %s = %+v, want the old TTL, 5m0s, as what a cache may keep", www, got)
	}
}

// The window a cache may keep the old answer: the old set's TTL; for a set
// that did not exist, the negative TTL of the zone's SOA as served (a
// cache keeps the denial that long); a set changed again keeps the later
// end of both windows; a set deleted is forgotten.
func TestNoteChangesCached(t *testing.T) {
	t.Parallel()
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	api := rrset.Key{Name: "api.example.com.", Type: dns.TypeA}
	served := &observed.Zone{Name: zoneA, Sets: zoneOf(t,
		"example.com. 20 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 5",
		"www.example.com. 300 IN A 192.0.2.1")}
	now := time.Date(2026, 4, 15, 12, 0, 0, 0, time.UTC)
	r := &Reconciler{}
	r.noteChanges(planOf(
		change(www, one(t, "www.example.com. 300 IN A 192.0.2.1"), one(t, "www.example.com. 30 IN A 192.0.2.9")),
		change(api, nil, one(t, "api.example.com. 60 IN A 192.0.2.7"))), served, now)
	if got := r.changedAt[www]; got != (verify.Change{At: now, Cached: 300 * time.Second}) {
		t.Errorf("www: %+v, want the old TTL", got)
	}
	if got := r.changedAt[api]; got != (verify.Change{At: now, Cached: 20 * time.Second}) {
		t.Errorf("api (new name): %+v, want the zone's negative TTL, the SOA's 20s", got)
	}

	later := now.Add(100 * time.Second) // www's first window ends at now+300s
	r.noteChanges(planOf(change(www, one(t, "www.example.com. 30 IN A 192.0.2.9"), one(t, "www.example.com. 30 IN A 192.0.2.10"))), served, later)
	if got := r.changedAt[www]; got != (verify.Change{At: later, Cached: 200 * time.Second}) {
		t.Errorf("www changed again: %+v, want the first window's end kept", got)
	}
	r.noteChanges(planOf(change(api, one(t, "api.example.com. 60 IN A 192.0.2.7"), nil)), served, later)
	if _, ok := r.changedAt[api]; ok {
		t.Errorf("api deleted: still tracked")
	}
}

func planOf(changes ...diff.Change) diff.Plan {
	return diff.Plan{Zone: zoneA, Changes: changes}
}

// change is a change of k from old to new (nil: none).
func change(k rrset.Key, old, new *rrset.Set) diff.Change {
	a := diff.Update
	switch {
	case old == nil:
		a = diff.Create
	case new == nil:
		a = diff.Delete
	}
	return diff.Change{Action: a, Key: k, Old: old, New: new}
}

// one is the single set of the record line.
func one(t *testing.T, line string) *rrset.Set {
	t.Helper()
	for _, s := range zoneOf(t, line) {
		return s
	}
	return nil
}
