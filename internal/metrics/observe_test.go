package metrics

import (
	"errors"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/rrset"
)

// A pass that ended well and applied nothing counts as unchanged; one that
// applied something, or failed, does not.
func TestUnchangedPasses(t *testing.T) {
	m, _ := newMetrics(t)
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Zones: []reconcile.ZoneResult{inSync("example.com.")}})
	m.Observe(reconcile.Result{Start: t0, State: state(t)}) // a pass for files that touched no zone
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Zones: []reconcile.ZoneResult{applied("example.com.", time.Second)}})
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t),
		Zones: []reconcile.ZoneResult{{Zone: "example.com.", Err: errors.New("refused"), Stage: reconcile.StageTransfer}}})
	// Planned, not applied (auto_register off): nothing changed on the server.
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Zones: []reconcile.ZoneResult{{Zone: "example.com.", Plan: applied("example.com.", 0).Plan}}})
	for scope, want := range map[string]float64{"full": 2, "changed": 1} {
		if got := testutil.ToFloat64(m.unchanged.WithLabelValues(scope)); got != want {
			t.Errorf("reconciles_unchanged_total{scope=%s} = %v, want %v", scope, got, want)
		}
	}
}

// Drift put back is counted per zone, from 0 for every managed zone; a
// plan not applied puts nothing back.
func TestDriftCounted(t *testing.T) {
	m, reg := newMetrics(t)
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Zones: []reconcile.ZoneResult{inSync("example.com.")}})
	put := applied("example.com.", time.Second)
	put.Drift = []rrset.Key{old, www}
	planned := put
	planned.Applied = false
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Zones: []reconcile.ZoneResult{put}})
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Zones: []reconcile.ZoneResult{planned}})
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP dnssync_drift_corrected_total RRsets put back after a change on the DNS server that records.d did not make (drift), by zone.
# TYPE dnssync_drift_corrected_total counter
dnssync_drift_corrected_total{zone="example.com."} 2
dnssync_drift_corrected_total{zone="example.org."} 0
`), "dnssync_drift_corrected_total"); err != nil {
		t.Error(err)
	}
}

func TestBuildInfo(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	RegisterBuildInfo(reg, "v1.2.3")
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP dnssync_build_info Always 1; its labels are the version dnssync was built as and the Go version that built it.
# TYPE dnssync_build_info gauge
dnssync_build_info{goversion="`+runtime.Version()+`",version="v1.2.3"} 1
`), "dnssync_build_info"); err != nil {
		t.Error(err)
	}
}

// Requests are counted by the route they matched, never the path asked:
// a name per request would make a series per name.
func TestRequests(t *testing.T) {
	m, reg := newMetrics(t)
	m.ObserveRequest("/api/v1/dns/records/{name}", http.MethodDelete, 200, 20*time.Millisecond)
	m.ObserveRequest("/api/v1/dns/records/{name}", http.MethodDelete, 200, 30*time.Millisecond)
	m.ObserveRequest("/api/v1/dns/records/{name}", http.MethodDelete, 404, time.Millisecond)
	m.ObserveRequest("", "BREW", 404, time.Millisecond)
	for _, tt := range []struct {
		route, method, code string
		want                float64
	}{
		{"/api/v1/dns/records/{name}", "DELETE", "200", 2},
		{"/api/v1/dns/records/{name}", "DELETE", "404", 1},
		{"none", "other", "404", 1},
	} {
		if got := testutil.ToFloat64(m.requests.WithLabelValues(tt.route, tt.method, tt.code)); got != tt.want {
			t.Errorf("api_requests_total{%s,%s,%s} = %v, want %v", tt.route, tt.method, tt.code, got, tt.want)
		}
	}
	if n, err := testutil.GatherAndCount(reg, "dnssync_api_request_duration_seconds"); err != nil || n != 3 {
		t.Errorf("duration histograms: %d, %v; want 3", n, err)
	}
}

// Each label name keeps one meaning: its values come from one set (or,
// for the open ones, are of one kind), whatever the metric. A label name
// not listed here (such as the old "kind", which meant four things) fails.
func TestLabelsOneMeaning(t *testing.T) {
	m, reg := newMetrics(t)
	RegisterBuildInfo(reg, "dev")
	refused := reconcile.ZoneResult{Zone: "example.com.", Err: diff.ErrUnsafe, Stage: reconcile.StageUnsafe}
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Zones: []reconcile.ZoneResult{applied("example.org.", time.Second), refused}})
	m.ObserveRequest("/healthz", "GET", 200, time.Millisecond)
	enums := map[string][]string{
		"scope":     {"full", "changed"},
		"result":    {"ok", "error", "verified", "failed"},
		"status":    {"failed", "lagging", "dnssec"},
		"operation": {"reconcile", "verify"},
		"stage":     {"transfer", "unsafe", "apply", "records"},
		"action":    {"create", "update", "delete"},
	}
	open := map[string]func(string) bool{
		"zone":      func(v string) bool { return strings.HasSuffix(v, ".") },
		"route":     func(v string) bool { return v == "none" || strings.HasPrefix(v, "/") },
		"method":    func(v string) bool { return v == strings.ToUpper(v) || v == "other" },
		"code":      func(v string) bool { return len(v) == 3 },
		"version":   func(v string) bool { return v != "" },
		"goversion": func(v string) bool { return strings.HasPrefix(v, "go") },
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, metric := range mf.GetMetric() {
			for _, l := range metric.GetLabel() {
				name, v := l.GetName(), l.GetValue()
				if vals, ok := enums[name]; ok {
					if !slices.Contains(vals, v) {
						t.Errorf("%s{%s=%q}: %s means one of %q", mf.GetName(), name, v, name, vals)
					}
				} else if ok := open[name]; ok == nil || !ok(v) {
					t.Errorf("%s{%s=%q}: label name unknown or value not of its meaning", mf.GetName(), name, v)
				}
			}
		}
	}
}
