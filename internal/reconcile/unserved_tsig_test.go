package reconcile

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/observed"
)

// A server asked for a zone it does not serve refuses the signed transfer
// unsigned (BIND, Knot), and the client reports the refusal as a TSIG
// failure. With an UPDATE backend the zone must then be named as not
// served, with what to add on the server, not blamed on the key; while a
// zone the server does serve keeps the TSIG error.
func TestTSIGRefusalOfAnUnservedZone(t *testing.T) {
	tsig := fmt.Errorf("%w (dns: bad authentication): check tsig_key", observed.ErrTSIGRefused)
	for _, tt := range []struct {
		name      string
		served    bool
		wantTSIG  bool
		wantWords string
	}{
		{name: "not served", served: false, wantTSIG: false, wantWords: "does not serve zone"},
		{name: "served, the key is wrong", served: true, wantTSIG: true, wantWords: "check tsig_key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(zoneA)
			h.r.CreatesZones = false // rfc2136
			if tt.served {
				h.server.serve(zoneA, 7, zoneOf(t))
			}
			h.server.failNext(zoneA, tsig)

			res := h.r.RunOnce(t.Context(), Options{Apply: true})

			if len(res.Zones) != 1 {
				t.Fatalf("Result.Zones = %+v, want one", res.Zones)
			}
			err := res.Zones[0].Err
			if err == nil {
				t.Fatal("zone error = nil, want one")
			}
			if got := errors.Is(err, observed.ErrTSIGRefused); got != tt.wantTSIG {
				t.Errorf("errors.Is(err, ErrTSIGRefused) = %v, want %v: %v", got, tt.wantTSIG, err)
			}
			if !strings.Contains(err.Error(), tt.wantWords) {
				t.Errorf("zone error %q does not say %q", err, tt.wantWords)
			}
			if len(h.backend.applied()) != 0 {
				t.Errorf("the backend was called: %v", h.backend.applied())
			}
		})
	}
}
