package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// streamingServer is a fakeServer that also streams, as observed.Client does.
type streamingServer struct {
	*fakeServer
	streams int
}

func (s *streamingServer) Stream(ctx context.Context, zone string, fn func(dns.RR) error) (uint32, error) {
	s.streams++
	z, err := s.Transfer(ctx, zone)
	if err != nil {
		return 0, err
	}
	for _, rr := range z.Sets.Records() {
		if err := fn(rr); err != nil {
			return 0, err
		}
	}
	return z.Serial, nil
}

// A plan larger than bulkVerify is verified by one streamed transfer, not a
// query per set; what the server did not take is still named.
func TestBulkVerify(t *testing.T) {
	for _, tc := range []struct {
		name     string
		drop     int // sets the server fails to take
		wantMiss int
	}{
		{"all served", 0, 0},
		{"some not served", 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness()
			ss := &streamingServer{fakeServer: h.server}
			h.r.Observed = ss
			want := rrset.Zone{}
			var recs []string
			for i := 0; i < bulkVerify+36; i++ {
				recs = append(recs, fmt.Sprintf("h%03d.example.com. 300 IN A 192.0.2.%d", i, i%250))
			}
			for k, s := range zoneOf(t, recs...) {
				want[k] = s
			}
			h.store.setState(stateOf(map[string]rrset.Zone{zoneA: want}, zoneA))
			h.server.serve(zoneA, 1, zoneOf(t, baseOf(zoneA)...))
			h.backend.base = map[string][]dns.RR{zoneA: mustRRs(t, baseOf(zoneA)...)}
			h.backend.server = h.server
			h.backend.serial = 2
			h.verifier.serials = []uint32{2}
			res := h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true})
			if tc.drop > 0 {
				// The server lost some: the next pass's bulk verify names them.
				// Only wanted sets are dropped, chosen in sorted order: map
				// order could pick the glue ns1 A, which no one wants, and
				// the count would then be short by one.
				lost := slices.SortedFunc(maps.Keys(want), func(a, b rrset.Key) int {
					return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.Type, b.Type))
				})[:tc.drop]
				h.server.mu.Lock()
				z := h.server.zones[zoneA]
				for _, k := range lost {
					delete(z.Sets, k)
				}
				h.server.mu.Unlock()
				ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
				res.Zones[0].Mismatches = h.r.verifyByTransfer(ctx, zoneA, map[rrset.Key]*rrset.Set(want))
				cancel()
			}
			zr := res.Zones[0]
			if !zr.Applied || len(zr.Mismatches) != tc.wantMiss {
				t.Fatalf("Applied %v, %d mismatches (%v), want %d", zr.Applied, len(zr.Mismatches), zr.Mismatches, tc.wantMiss)
			}
			if ss.streams == 0 {
				t.Error("verified without streaming the zone")
			}
			if calls := h.verifier.calls(); len(calls) > 0 && calls[len(calls)-1] == "wait" {
				t.Errorf("queried per set (%q) for a bulk change", calls)
			}
		})
	}
}
