// Package metrics exports what reconcile passes did as Prometheus metrics
// (all named dnssync_*). It only reads reconcile results: the loop hands
// each one to Observe, and the registry it was built with serves them.
package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/internal/reconcile"
)

// Metrics holds the collectors. Observe is safe for concurrent use, though
// the loop is its only caller.
type Metrics struct {
	reconciles     *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	changes        *prometheus.CounterVec
	verifies       *prometheus.CounterVec
	propagation    prometheus.Histogram
	checkFailures  *prometheus.GaugeVec
	checks         *prometheus.CounterVec
	recordsDesired *prometheus.GaugeVec
	recordsServed  *prometheus.GaugeVec
	invalidFiles   prometheus.Gauge
	lastSuccess    *prometheus.GaugeVec
	backendErrors  *prometheus.CounterVec
	unsafeRefusals *prometheus.CounterVec

	mu    sync.Mutex
	zones map[string]bool // the zones with records gauges, to drop those no longer managed
}

// New creates the metrics and registers them with reg. It panics if they are
// already registered there (a wiring bug).
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		reconciles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dnssync_reconciles_total",
			Help: "Reconcile passes, by kind (full: every zone; changed: the zones of changed files) and result.",
		}, []string{"kind", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dnssync_reconcile_duration_seconds",
			Help:    "How long reconcile passes took, by kind.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60},
		}, []string{"kind"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dnssync_changes_applied_total",
			Help: "RRset changes applied to the DNS server, by zone and action.",
		}, []string{"zone", "action"}),
		verifies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dnssync_verify_total",
			Help: "Applied zone changes checked against the server's answers, by result (verified: every changed RRset served as planned).",
		}, []string{"result"}),
		propagation: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dnssync_propagation_seconds",
			Help:    "Time from applying a zone's changes until the server answered all of them, for verified changes.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30},
		}),
		checkFailures: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dnssync_check_failures",
			Help: "RRset-server pairs not answered as desired in the latest scheduled check, by kind (lagging: a resolver's cache within the TTL of a change; not counted as failed).",
		}, []string{"kind"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dnssync_checks_total",
			Help: "Scheduled resolution checks, by result.",
		}, []string{"result"}),
		recordsDesired: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dnssync_records_desired",
			Help: "Records (not RRsets) declared in records.d, by zone.",
		}, []string{"zone"}),
		recordsServed: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dnssync_records_served",
			Help: "Records confirmed served, by zone: the desired count as of the zone's latest pass that found it in sync or verified its changes (records of RRsets left to another owner excluded).",
		}, []string{"zone"}),
		invalidFiles: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dnssync_invalid_files",
			Help: "Record files currently invalid (their last good content, if any, stays in force).",
		}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dnssync_last_success_timestamp_seconds",
			Help: "Unix time of the last successful reconcile pass or scheduled check, by kind.",
		}, []string{"kind"}),
		backendErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dnssync_backend_errors_total",
			Help: "Errors of reconcile passes, by kind: the stage a zone failed in (transfer, unsafe, apply), or records when the records dir could not be read.",
		}, []string{"kind"}),
		unsafeRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dnssync_unsafe_plans_refused_total",
			Help: "Plans refused by the safety check, by zone.",
		}, []string{"zone"}),
		zones: map[string]bool{},
	}
	reg.MustRegister(m.reconciles, m.duration, m.changes, m.verifies, m.propagation,
		m.checkFailures, m.checks, m.recordsDesired, m.recordsServed, m.invalidFiles,
		m.lastSuccess, m.backendErrors, m.unsafeRefusals)

	// Series that exist from the start, so that rate() and alerts see a 0
	// before the first event rather than nothing.
	for _, kind := range []string{kindFull, kindChanged} {
		m.duration.WithLabelValues(kind)
		for _, result := range []string{"ok", "error"} {
			m.reconciles.WithLabelValues(kind, result)
		}
	}
	for _, result := range []string{"verified", "failed"} {
		m.verifies.WithLabelValues(result)
	}
	for _, result := range []string{"ok", "failed"} {
		m.checks.WithLabelValues(result)
	}
	for _, kind := range []string{"failed", "lagging"} {
		m.checkFailures.WithLabelValues(kind)
	}
	for _, kind := range []string{string(reconcile.StageTransfer), string(reconcile.StageUnsafe), string(reconcile.StageApply), kindRecords} {
		m.backendErrors.WithLabelValues(kind)
	}
	return m
}

const (
	kindFull    = "full"
	kindChanged = "changed"
	kindRecords = "records" // backend_errors: the records dir could not be read
)

// Observe records what one pass did.
func (m *Metrics) Observe(res reconcile.Result) {
	m.mu.Lock()
	defer m.mu.Unlock()

	kind := kindChanged
	if res.Full {
		kind = kindFull
	}
	result := "error"
	if res.Failed() == nil {
		result = "ok"
		m.lastSuccess.WithLabelValues("reconcile").Set(unix(res))
	}
	m.reconciles.WithLabelValues(kind, result).Inc()
	m.duration.WithLabelValues(kind).Observe(res.Duration.Seconds())
	if res.Err != nil {
		m.backendErrors.WithLabelValues(kindRecords).Inc()
	}

	if res.State != nil {
		m.setZones(res)
		m.invalidFiles.Set(float64(invalidFiles(res)))
	}
	for _, z := range res.Zones {
		m.observeZone(res, z)
	}

	if c := res.Check; c != nil {
		failed := len(c.Failed())
		m.checkFailures.WithLabelValues("failed").Set(float64(failed))
		m.checkFailures.WithLabelValues("lagging").Set(float64(len(c.Lagging())))
		if c.OK() {
			m.checks.WithLabelValues("ok").Inc()
			m.lastSuccess.WithLabelValues("verify").Set(float64(c.Time.UnixNano()) / 1e9)
		} else {
			m.checks.WithLabelValues("failed").Inc()
		}
	}
}

func (m *Metrics) observeZone(res reconcile.Result, z reconcile.ZoneResult) {
	if z.Err != nil {
		m.backendErrors.WithLabelValues(string(z.Stage)).Inc()
		if z.Stage == reconcile.StageUnsafe {
			m.unsafeRefusals.WithLabelValues(z.Zone).Inc()
		}
		// A refused plan may still have applied its creates of new names.
		if !z.Applied {
			return
		}
	}
	if z.Applied {
		for _, c := range z.Plan.Changes {
			m.changes.WithLabelValues(z.Zone, c.Action.String()).Inc()
		}
	}
	verified := false
	if z.Applied && !z.Plan.Empty() {
		switch {
		case len(z.Mismatches) > 0:
			m.verifies.WithLabelValues("failed").Inc()
		case z.Latency > 0:
			// Latency is set only when the verification ran; a pass that
			// applied without verifying confirmed nothing.
			verified = true
			m.verifies.WithLabelValues("verified").Inc()
			m.propagation.Observe(z.Latency.Seconds())
		}
	}
	if res.State != nil && z.Err == nil && (z.Plan.Empty() || verified) {
		if want, ok := res.State.Zones[z.Zone]; ok {
			n := res.State.Records[z.Zone]
			for _, k := range z.Plan.Foreign {
				if s := want[k]; s != nil {
					n -= len(s.RRs)
				}
			}
			m.recordsServed.WithLabelValues(z.Zone).Set(float64(n))
		}
	}
}

// setZones sets the desired record count of every managed zone and drops
// the series of zones no longer managed (after a config reload).
func (m *Metrics) setZones(res reconcile.Result) {
	for zone := range m.zones {
		if _, ok := res.State.Zones[zone]; !ok {
			m.recordsDesired.DeleteLabelValues(zone)
			m.recordsServed.DeleteLabelValues(zone)
			delete(m.zones, zone)
		}
	}
	for zone := range res.State.Zones {
		m.recordsDesired.WithLabelValues(zone).Set(float64(res.State.Records[zone]))
		m.zones[zone] = true
	}
}

// invalidFiles counts files, not problems: one file can have several.
func invalidFiles(res reconcile.Result) int {
	files := map[string]bool{}
	for _, p := range res.State.Problems {
		files[p.File] = true
	}
	return len(files)
}

func unix(res reconcile.Result) float64 {
	return float64(res.Start.Add(res.Duration).UnixNano()) / 1e9
}
