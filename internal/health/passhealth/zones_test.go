package passhealth

import (
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/zones"
)

// An invalid zones.d file degrades readiness with a reason naming it as
// validate does, and clears once the zones dir reads clean; a pass that
// did not read the zones dir (Observe) leaves the reason as it was.
func TestZoneFileProblemsDegradeAndClear(t *testing.T) {
	t.Parallel()
	tr := health.NewTracker()
	bad := []zones.Problem{{File: "/etc/dnssync/zones.d/bad.yaml", Line: 3, Msg: "negative_ttl: not a number"}}
	ObserveZones(tr, full(ok("example.com.")), bad)
	st := tr.Status()
	r := hasKind(st, health.KindInvalidZoneFiles)
	if st.OK() || r == nil || !strings.Contains(r.Message, "/etc/dnssync/zones.d/bad.yaml:3: negative_ttl") {
		t.Fatalf("after an invalid zone file: %+v, want degraded with %s naming the file", st, health.KindInvalidZoneFiles)
	}
	Observe(tr, changed(ok("example.com.")))
	if hasKind(tr.Status(), health.KindInvalidZoneFiles) == nil {
		t.Error("a pass that did not read the zones dir cleared its reason")
	}
	ObserveZones(tr, full(ok("example.com.")), nil)
	if st := tr.Status(); !st.OK() {
		t.Errorf("after the zones dir reads clean: %+v, want ok", st)
	}
}
