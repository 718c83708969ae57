package reconcile

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/observed"
)

// wroteBackend is a zone file backend that says which zones it wrote.
type wroteBackend struct {
	*fakeBackend
	wrote map[string]bool
}

func (b wroteBackend) Wrote(zone string) bool { return b.wrote[zone] }

// A zone the backend never wrote is asked its SOA before any transfer: a
// cold start creating 10,000 zones asked each for a transfer the server
// refused, then for its SOA twice; now it asks the SOA twice. A zone the
// backend wrote is transferred first, as a served zone should be, and a
// zone it never wrote that the server serves is still transferred.
func TestUnwrittenZoneAskedSOAFirst(t *testing.T) {
	const (
		fresh  = "fresh.test."  // never written, not served: created
		served = "served.test." // never written, served: transferred
		gone   = "gone.test."   // written once, not served now: created
	)
	h := newHarness(fresh, served, gone)
	h.r.CreatesZones = true
	h.backend.base = map[string][]dns.RR{}
	for _, z := range []string{fresh, served, gone} {
		h.backend.base[z] = mustRRs(t, baseOf(z)...)
	}
	h.r.Backend = wroteBackend{h.backend, map[string]bool{gone: true}}
	h.server.serve(served, 7, zoneOf(t, baseOf(served)...))

	res := h.r.RunOnce(t.Context(), Options{Apply: true})
	if err := res.Failed(); err != nil {
		t.Fatalf("Failed() = %v", err)
	}
	got := h.server.transfers()
	if slices.Contains(got, fresh) {
		t.Errorf("transfers %v: %s, never written, was asked for a transfer before its SOA said it is served", got, fresh)
	}
	for _, z := range []string{served, gone} {
		if !slices.Contains(got, z) {
			t.Errorf("transfers %v: %s was not transferred", got, z)
		}
	}
	applied := map[string]bool{}
	for _, zr := range res.Zones {
		applied[zr.Zone] = zr.Applied
	}
	if !applied[fresh] || !applied[gone] {
		t.Errorf("applied %v: want %s and %s created", applied, fresh, gone)
	}
	if applied[served] {
		t.Errorf("applied %v: %s is served as desired and needs no change", applied, served)
	}
}

// A zone never written that the server serves but does not transfer is
// a refused transfer, as for any zone: its SOA answer, asked first, says
// served, and nothing in the zone changes.
func TestUnwrittenZoneServedButNotTransferred(t *testing.T) {
	h := newHarness(zoneA)
	h.r.CreatesZones = true
	h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
	h.r.Backend = wroteBackend{h.backend, nil}
	h.server.serve(zoneA, 7, zoneOf(t, baseOf(zoneA)...))
	h.server.refuse[zoneA] = true

	res := h.r.RunOnce(t.Context(), Options{Apply: true})
	if err := res.Failed(); !errors.Is(err, observed.ErrTransferRefused) {
		t.Errorf("Failed() = %v, want the refused transfer (observed.ErrTransferRefused)", err)
	}
	if got := h.backend.applied(); len(got) != 0 {
		t.Errorf("applied %d plans to a zone the server serves but would not transfer, want none", len(got))
	}
}

// scanWaitsForProbes is a store whose Scan (reading records.d) waits
// until the server was asked want SOA queries, or a deadline.
type scanWaitsForProbes struct {
	*fakeStore
	server *fakeServer
	want   int
	asked  int // SOA queries asked when Scan returned
}

func (s *scanWaitsForProbes) Scan() ([]string, error) {
	deadline := time.Now().Add(5 * time.Second)
	for len(s.server.probeTimes()) < s.want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	s.asked = len(s.server.probeTimes())
	return s.fakeStore.Scan()
}

// A full pass asks the zones the backend never wrote for their SOA while
// it reads records.d, not after: at 10,000 zones each took two seconds.
// The early answer is the first of the two a zone is created on.
func TestUnwrittenZonesAskedWhileRecordsRead(t *testing.T) {
	zones := []string{"a.test.", "b.test.", "c.test."}
	h := newHarness(zones...)
	h.r.CreatesZones = true
	h.backend.base = map[string][]dns.RR{}
	for _, z := range zones {
		h.backend.base[z] = mustRRs(t, baseOf(z)...)
	}
	h.r.Backend = wroteBackend{h.backend, nil}
	store := &scanWaitsForProbes{fakeStore: h.store, server: h.server, want: len(zones)}
	h.r.Store = store

	res := h.r.RunOnce(t.Context(), Options{Apply: true})
	if err := res.Failed(); err != nil {
		t.Fatalf("Failed() = %v", err)
	}
	if store.asked < len(zones) {
		t.Errorf("%d SOA queries asked while records.d was read, want %d (one per zone never written)", store.asked, len(zones))
	}
	if got := len(h.server.probeTimes()); got != 2*len(zones) {
		t.Errorf("%d SOA queries in all, want %d (two per zone created)", got, 2*len(zones))
	}
	for _, zr := range res.Zones {
		if !zr.Applied {
			t.Errorf("zone %s not created", zr.Zone)
		}
	}
}
