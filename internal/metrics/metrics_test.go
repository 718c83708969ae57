package metrics

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newMetrics(t *testing.T) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	return New(reg), reg
}

func set(t *testing.T, lines ...string) *rrset.Set {
	t.Helper()
	var rrs []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatal(err)
		}
		rrs = append(rrs, rr)
	}
	return rrset.New(rrs...)
}

// state declares www (2 records) and mail (1 record) in example.com. and
// nothing in example.org.
func state(t *testing.T) *desired.State {
	com := rrset.Zone{}
	for _, s := range []*rrset.Set{
		set(t, "www.example.com. 300 IN A 192.0.2.1", "www.example.com. 300 IN A 192.0.2.2"),
		set(t, "mail.example.com. 300 IN A 192.0.2.3"),
	} {
		com[s.Key] = s
	}
	return &desired.State{Zones: map[string]rrset.Sets{"example.com.": com, "example.org.": rrset.Zone{}}, Records: map[string]int{"example.com.": com.Count()}, Files: 1}
}

var (
	www  = rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	mail = rrset.Key{Name: "mail.example.com.", Type: dns.TypeA}
	old  = rrset.Key{Name: "old.example.com.", Type: dns.TypeA}
)

func inSync(zone string) reconcile.ZoneResult {
	return reconcile.ZoneResult{Zone: zone, Plan: diff.Plan{Zone: zone}}
}

func applied(zone string, latency time.Duration, miss ...verify.Result) reconcile.ZoneResult {
	return reconcile.ZoneResult{
		Zone: zone, Applied: true, Latency: latency, Mismatches: miss,
		Plan: diff.Plan{Zone: zone, Changes: []diff.Change{
			{Action: diff.Delete, Key: old},
			{Action: diff.Create, Key: www},
			{Action: diff.Update, Key: mail},
		}},
	}
}

func TestReconciles(t *testing.T) {
	m, reg := newMetrics(t)
	m.Observe(reconcile.Result{Full: true, Start: t0, Duration: 2 * time.Second, State: state(t), Zones: []reconcile.ZoneResult{inSync("example.com.")}})
	m.Observe(reconcile.Result{Start: t0, Duration: 10 * time.Millisecond, State: state(t),
		Zones: []reconcile.ZoneResult{{Zone: "example.com.", Err: errors.New("refused"), Stage: reconcile.StageTransfer}}})
	m.Observe(reconcile.Result{Full: true, Start: t0.Add(time.Hour), Err: errors.New("records: gone")})

	for _, tt := range []struct {
		scope, result string
		want          float64
	}{{"full", "ok", 1}, {"full", "error", 1}, {"changed", "ok", 0}, {"changed", "error", 1}} {
		if got := testutil.ToFloat64(m.reconciles.WithLabelValues(tt.scope, tt.result)); got != tt.want {
			t.Errorf("reconciles_total{scope=%s,result=%s} = %v, want %v", tt.scope, tt.result, got, tt.want)
		}
	}
	// The failed passes after it leave the success time alone, and are
	// the last attempt.
	if got, want := testutil.ToFloat64(m.lastSuccess.WithLabelValues("reconcile")), float64(t0.Add(2*time.Second).Unix()); got != want {
		t.Errorf("last_success{reconcile} = %v, want %v", got, want)
	}
	if got, want := testutil.ToFloat64(m.lastAttempt.WithLabelValues("reconcile")), float64(t0.Add(time.Hour).Unix()); got != want {
		t.Errorf("last_attempt{reconcile} = %v, want %v", got, want)
	}
	if got := testutil.ToFloat64(m.backendErrors.WithLabelValues("records")); got != 1 {
		t.Errorf("backend_errors{records} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.backendErrors.WithLabelValues("transfer")); got != 1 {
		t.Errorf("backend_errors{transfer} = %v, want 1", got)
	}
	if n, err := testutil.GatherAndCount(reg, "dnssync_reconcile_duration_seconds"); err != nil || n != 2 {
		t.Errorf("duration histograms: %d, %v; want 2 (full, changed)", n, err)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP dnssync_reconcile_duration_seconds How long reconcile passes took, by scope.
# TYPE dnssync_reconcile_duration_seconds histogram
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="0.001"} 0
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="0.0025"} 0
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="0.005"} 0
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="0.01"} 1
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="0.025"} 1
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="0.05"} 1
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="0.1"} 1
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="0.25"} 1
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="0.5"} 1
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="1"} 1
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="2.5"} 1
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="5"} 1
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="10"} 1
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="20"} 1
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="30"} 1
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="60"} 1
dnssync_reconcile_duration_seconds_bucket{scope="changed",le="+Inf"} 1
dnssync_reconcile_duration_seconds_sum{scope="changed"} 0.01
dnssync_reconcile_duration_seconds_count{scope="changed"} 1
dnssync_reconcile_duration_seconds_bucket{scope="full",le="0.001"} 1
dnssync_reconcile_duration_seconds_bucket{scope="full",le="0.0025"} 1
dnssync_reconcile_duration_seconds_bucket{scope="full",le="0.005"} 1
dnssync_reconcile_duration_seconds_bucket{scope="full",le="0.01"} 1
dnssync_reconcile_duration_seconds_bucket{scope="full",le="0.025"} 1
dnssync_reconcile_duration_seconds_bucket{scope="full",le="0.05"} 1
dnssync_reconcile_duration_seconds_bucket{scope="full",le="0.1"} 1
dnssync_reconcile_duration_seconds_bucket{scope="full",le="0.25"} 1
dnssync_reconcile_duration_seconds_bucket{scope="full",le="0.5"} 1
dnssync_reconcile_duration_seconds_bucket{scope="full",le="1"} 1
dnssync_reconcile_duration_seconds_bucket{scope="full",le="2.5"} 2
dnssync_reconcile_duration_seconds_bucket{scope="full",le="5"} 2
dnssync_reconcile_duration_seconds_bucket{scope="full",le="10"} 2
dnssync_reconcile_duration_seconds_bucket{scope="full",le="20"} 2
dnssync_reconcile_duration_seconds_bucket{scope="full",le="30"} 2
dnssync_reconcile_duration_seconds_bucket{scope="full",le="60"} 2
dnssync_reconcile_duration_seconds_bucket{scope="full",le="+Inf"} 2
dnssync_reconcile_duration_seconds_sum{scope="full"} 2
dnssync_reconcile_duration_seconds_count{scope="full"} 2
`), "dnssync_reconcile_duration_seconds"); err != nil {
		t.Error(err)
	}
}

func TestChangesAndVerify(t *testing.T) {
	m, _ := newMetrics(t)
	st := state(t)
	m.Observe(reconcile.Result{Full: true, Start: t0, State: st, Zones: []reconcile.ZoneResult{
		applied("example.com.", 200*time.Millisecond),
		applied("example.org.", time.Second, verify.Result{Key: www}),
		// Planned, not applied (auto_register off): nothing counted.
		{Zone: "example.net.", Plan: applied("example.net.", 0).Plan},
		// Applied without verifying: nothing confirmed.
		applied("example.edu.", 0),
	}})

	for _, tt := range []struct {
		zone, action string
		want         float64
	}{
		{"example.com.", "create", 1}, {"example.com.", "update", 1}, {"example.com.", "delete", 1},
		{"example.org.", "create", 1}, {"example.edu.", "create", 1}, {"example.net.", "create", 0},
	} {
		if got := testutil.ToFloat64(m.changes.WithLabelValues(tt.zone, tt.action)); got != tt.want {
			t.Errorf("changes_applied_total{zone=%s,action=%s} = %v, want %v", tt.zone, tt.action, got, tt.want)
		}
	}
	if got := testutil.ToFloat64(m.verifies.WithLabelValues("verified")); got != 1 {
		t.Errorf("verify_total{verified} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.verifies.WithLabelValues("failed")); got != 1 {
		t.Errorf("verify_total{failed} = %v, want 1", got)
	}
	if err := testutil.CollectAndCompare(m.propagation, strings.NewReader(`
# HELP dnssync_propagation_seconds Time from applying a zone's changes until the server answered all of them, for verified changes.
# TYPE dnssync_propagation_seconds histogram
dnssync_propagation_seconds_bucket{le="0.001"} 0
dnssync_propagation_seconds_bucket{le="0.0025"} 0
dnssync_propagation_seconds_bucket{le="0.005"} 0
dnssync_propagation_seconds_bucket{le="0.01"} 0
dnssync_propagation_seconds_bucket{le="0.025"} 0
dnssync_propagation_seconds_bucket{le="0.05"} 0
dnssync_propagation_seconds_bucket{le="0.1"} 0
dnssync_propagation_seconds_bucket{le="0.25"} 1
dnssync_propagation_seconds_bucket{le="0.5"} 1
dnssync_propagation_seconds_bucket{le="1"} 1
dnssync_propagation_seconds_bucket{le="2.5"} 1
dnssync_propagation_seconds_bucket{le="5"} 1
dnssync_propagation_seconds_bucket{le="10"} 1
dnssync_propagation_seconds_bucket{le="20"} 1
dnssync_propagation_seconds_bucket{le="30"} 1
dnssync_propagation_seconds_bucket{le="+Inf"} 1
dnssync_propagation_seconds_sum 0.2
dnssync_propagation_seconds_count 1
`)); err != nil {
		t.Error(err)
	}
}

func TestRecordsGauges(t *testing.T) {
	m, reg := newMetrics(t)
	st := state(t)
	st.Problems = []desired.Problem{
		{File: "records.d/a.yaml", Line: 1, Msg: "x"},
		{File: "records.d/a.yaml", Line: 2, Msg: "y"},
		{File: "records.d/b.yaml", Msg: "z"},
	}
	m.Observe(reconcile.Result{Full: true, Start: t0, State: st, Zones: []reconcile.ZoneResult{
		inSync("example.com."),
		// example.org. failed: nothing confirmed served there.
		{Zone: "example.org.", Err: errors.New("refused"), Stage: reconcile.StageTransfer},
	}})
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP dnssync_records_desired Records (not RRsets) declared in records.d, by zone.
# TYPE dnssync_records_desired gauge
dnssync_records_desired{zone="example.com."} 3
dnssync_records_desired{zone="example.org."} 0
# HELP dnssync_records_served Records confirmed served, by zone: the desired count as of the zone's latest pass that found it in sync or verified its changes (records of RRsets left to another owner excluded).
# TYPE dnssync_records_served gauge
dnssync_records_served{zone="example.com."} 3
# HELP dnssync_invalid_files Record files currently invalid (their last good content, if any, stays in force).
# TYPE dnssync_invalid_files gauge
dnssync_invalid_files 2
`), "dnssync_records_desired", "dnssync_records_served", "dnssync_invalid_files"); err != nil {
		t.Error(err)
	}

	// A mismatch leaves the served count as it was; a foreign set is not
	// counted as served; a zone no longer managed loses its series.
	st = state(t)
	delete(st.Zones, "example.org.")
	st.Zones["example.com."].(rrset.Zone)[old] = set(t, "old.example.com. 60 IN A 192.0.2.9")
	st.Records["example.com."]++
	res := reconcile.Result{Start: t0, State: st, Zones: []reconcile.ZoneResult{applied("example.com.", time.Second, verify.Result{Key: www})}}
	m.Observe(res)
	if got := testutil.ToFloat64(m.recordsServed.WithLabelValues("example.com.")); got != 3 {
		t.Errorf("records_served after a mismatch = %v, want 3 (unchanged)", got)
	}
	if got := testutil.ToFloat64(m.recordsDesired.WithLabelValues("example.com.")); got != 4 {
		t.Errorf("records_desired = %v, want 4", got)
	}
	if n := testutil.CollectAndCount(m.recordsDesired); n != 1 {
		t.Errorf("%d records_desired series, want 1 (example.org. is no longer managed)", n)
	}
	if got := testutil.ToFloat64(m.invalidFiles); got != 0 {
		t.Errorf("invalid_files = %v, want 0", got)
	}

	foreign := inSync("example.com.")
	foreign.Plan.Foreign = []rrset.Key{www}
	m.Observe(reconcile.Result{Start: t0, State: st, Zones: []reconcile.ZoneResult{foreign}})
	if got := testutil.ToFloat64(m.recordsServed.WithLabelValues("example.com.")); got != 2 {
		t.Errorf("records_served with www foreign = %v, want 2 (4 desired less www's 2)", got)
	}
}

func TestChecks(t *testing.T) {
	m, _ := newMetrics(t)
	bad := verify.Report{Time: t0, Checked: 4, Results: []verify.Result{
		{Server: "a", Key: www, Err: errors.New("timeout")},
		{Server: "b", Key: www, Status: verify.StatusLagging},
		{Server: "b", Key: mail, Status: verify.StatusLagging},
	}}
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Check: &bad})
	if got := testutil.ToFloat64(m.checkFailures.WithLabelValues("failed")); got != 1 {
		t.Errorf("check_failures{failed} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.checkFailures.WithLabelValues("lagging")); got != 2 {
		t.Errorf("check_failures{lagging} = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.lastSuccess.WithLabelValues("verify")); got != 0 {
		t.Errorf("last_success{verify} = %v after a failed check, want 0", got)
	}
	if got, want := testutil.ToFloat64(m.lastAttempt.WithLabelValues("verify")), float64(bad.Time.Unix()); got != want {
		t.Errorf("last_attempt{verify} = %v after a failed check, want %v", got, want)
	}

	good := verify.Report{Time: t0.Add(time.Minute), Checked: 4}
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Check: &good})
	m.Observe(reconcile.Result{Start: t0, State: state(t)}) // no check: gauges stay
	if got := testutil.ToFloat64(m.checkFailures.WithLabelValues("failed")); got != 0 {
		t.Errorf("check_failures{failed} = %v after a clean check, want 0", got)
	}
	if got := testutil.ToFloat64(m.checks.WithLabelValues("ok")); got != 1 {
		t.Errorf("checks_total{ok} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.checks.WithLabelValues("failed")); got != 1 {
		t.Errorf("checks_total{failed} = %v, want 1", got)
	}
	if got, want := testutil.ToFloat64(m.lastSuccess.WithLabelValues("verify")), float64(good.Time.Unix()); got != want {
		t.Errorf("last_success{verify} = %v, want %v", got, want)
	}
}

func TestUnsafeRefused(t *testing.T) {
	m, _ := newMetrics(t)
	refused := reconcile.ZoneResult{Zone: "example.com.", Err: diff.ErrUnsafe, Stage: reconcile.StageUnsafe}
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Zones: []reconcile.ZoneResult{refused}})
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Zones: []reconcile.ZoneResult{refused}})
	if got := testutil.ToFloat64(m.unsafeRefusals.WithLabelValues("example.com.")); got != 2 {
		t.Errorf("unsafe_plans_refused{example.com.} = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.backendErrors.WithLabelValues("unsafe")); got != 2 {
		t.Errorf("backend_errors{unsafe} = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.reconciles.WithLabelValues("full", "error")); got != 2 {
		t.Errorf("reconciles{full,error} = %v, want 2", got)
	}

	// A refused plan whose creates of new names applied counts them.
	partly := applied("example.com.", time.Second)
	partly.Err, partly.Stage = diff.ErrUnsafe, reconcile.StageUnsafe
	before := testutil.ToFloat64(m.changes.WithLabelValues("example.com.", "create"))
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Zones: []reconcile.ZoneResult{partly}})
	if got := testutil.ToFloat64(m.changes.WithLabelValues("example.com.", "create")) - before; got != 1 {
		t.Errorf("changes_total{create} rose by %v for a partly applied refused plan, want 1", got)
	}
}

// Every metric is named dnssync_*, has help text and passes promlint.
func TestLint(t *testing.T) {
	m, reg := newMetrics(t)
	RegisterBuildInfo(reg, "dev")
	m.ObserveRequest("/api/v1/dns/records", "GET", 200, time.Millisecond) // a series, so that it is linted
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) < 8 {
		t.Errorf("%d metric families before any pass, want the labelled series pre-created", len(mfs))
	}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "dnssync_") || mf.GetHelp() == "" {
			t.Errorf("%s: want a dnssync_ name and help", mf.GetName())
		}
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// A pass that changed no zone's desired count looks up none of the zones'
// series: with 10,000 zones every pass for a change did.
func TestRecordsDesiredSetOnlyWhenChanged(t *testing.T) {
	m, _ := newMetrics(t)
	st := &desired.State{Zones: map[string]rrset.Sets{}, Records: map[string]int{}}
	for i := range 1000 {
		z := fmt.Sprintf("z%d.example.", i)
		st.Zones[z], st.Records[z] = rrset.Zone{}, i
	}
	res := reconcile.Result{Start: t0, State: st}
	m.setZones(res)
	// Marked behind setZones's back: a series set again loses the mark.
	m.recordsDesired.WithLabelValues("z5.example.").Set(-1)
	m.setZones(res)
	if got := testutil.ToFloat64(m.recordsDesired.WithLabelValues("z5.example.")); got != -1 {
		t.Errorf("records_desired of an unchanged zone set again (%v)", got)
	}
	st.Records["z7.example."] = 70
	m.setZones(res)
	if got := testutil.ToFloat64(m.recordsDesired.WithLabelValues("z7.example.")); got != 70 {
		t.Errorf("records_desired of the zone changed = %v, want 70", got)
	}
}
