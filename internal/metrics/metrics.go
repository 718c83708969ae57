// Package metrics exports what dnssync does as Prometheus metrics (all
// named dnssync_*). It only observes: the loop hands each reconcile result
// to Observe (observe.go), the API each request to ObserveRequest
// (requests.go), and the registry the metrics were built with serves them.
//
// Each label name keeps one meaning across every metric: scope (full or
// changed pass), result (how something ended), status (why an RRset is
// not served as desired), operation (reconcile or verify), stage (where a
// pass failed), zone, server (a primary's, secondary's or resolver's
// configured name: its address when it has none), action (create, update,
// delete), route, method and code (of an API request).
package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/internal/reconcile"
)

// Metrics holds the collectors. Its methods are safe for concurrent use:
// the loop observes passes while API handlers observe requests.
type Metrics struct {
	reconciles     *prometheus.CounterVec
	unchanged      *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	changes        *prometheus.CounterVec
	drift          *prometheus.CounterVec
	verifies       *prometheus.CounterVec
	propagation    prometheus.Histogram
	checkFailures  *prometheus.GaugeVec
	checks         *prometheus.CounterVec
	recordsDesired *prometheus.GaugeVec
	recordsServed  *prometheus.GaugeVec
	invalidFiles   prometheus.Gauge
	lastSuccess    *prometheus.GaugeVec
	lastAttempt    *prometheus.GaugeVec
	backendErrors  *prometheus.CounterVec
	unsafeRefusals *prometheus.CounterVec
	requests       *prometheus.CounterVec
	requestTime    *prometheus.HistogramVec
	// Per server of each zone (servers.go).
	serverSerial *prometheus.GaugeVec
	serverInSync *prometheus.GaugeVec
	replication  *prometheus.HistogramVec
	// The signed zones' earliest signature expiry and validity
	// (dnssec.go), and the zones checked with their last expiry (0: none).
	dnssecExpiry *prometheus.GaugeVec
	dnssecValid  *prometheus.GaugeVec
	dnssecZones  map[string]float64

	mu    sync.Mutex
	zones map[string]int // the zones with per-zone series (to drop those no longer managed), and the desired records last set
	// servers: the (server, zone) pairs a scheduled check set series of,
	// to drop those it no longer covers (servers.go).
	servers map[serverZone]bool
}

// Label values used in more than one place.
const (
	scopeFull     = "full"
	scopeChanged  = "changed"
	stageRecords  = "records" // backend_errors: the records dir could not be read
	opReconcile   = "reconcile"
	opVerify      = "verify"
	statusFailed  = "failed"
	statusLagging = "lagging"
)

// New creates the metrics and registers them with reg. It panics if they are
// already registered there (a wiring bug).
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		reconciles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dnssync_reconciles_total",
			Help: "Reconcile passes, by scope (full: every zone; changed: the zones of changed files) and result.",
		}, []string{"scope", "result"}),
		unchanged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dnssync_reconciles_unchanged_total",
			Help: "Reconcile passes that ended without error and changed nothing on the DNS server, by scope.",
		}, []string{"scope"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dnssync_reconcile_duration_seconds",
			Help:    "How long reconcile passes took, by scope.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60},
		}, []string{"scope"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dnssync_changes_applied_total",
			Help: "RRset changes applied to the DNS server, by zone and action.",
		}, []string{"zone", "action"}),
		drift: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dnssync_drift_corrected_total",
			Help: "RRsets put back after a change on the DNS server that records.d did not make (drift), by zone.",
		}, []string{"zone"}),
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
			Help: "Failures in the latest scheduled check, by status: failed and lagging count RRset-server pairs not answered as desired (lagging: a resolver's cache within the TTL of a change; not counted as failed); dnssec counts zone-server pairs where a signed zone does not validate.",
		}, []string{"status"}),
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
			Help: "Unix time of the end of the last successful reconcile pass or scheduled check, by operation.",
		}, []string{"operation"}),
		lastAttempt: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dnssync_last_attempt_timestamp_seconds",
			Help: "Unix time of the end of the last reconcile pass or scheduled check, successful or not, by operation.",
		}, []string{"operation"}),
		backendErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dnssync_backend_errors_total",
			Help: "Errors of reconcile passes, by stage: where a zone failed (transfer, unsafe, apply), or records when the records dir could not be read.",
		}, []string{"stage"}),
		unsafeRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dnssync_unsafe_plans_refused_total",
			Help: "Plans refused by the safety check, by zone.",
		}, []string{"zone"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dnssync_api_requests_total",
			Help: "HTTP requests answered, by route (the pattern matched, not the path asked; none: no route), method and status code.",
		}, []string{"route", "method", "code"}),
		requestTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dnssync_api_request_duration_seconds",
			Help:    "Time taken to answer HTTP requests, by route, method and status code (a write with ?wait=verified includes the wait).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method", "code"}),
		zones:   map[string]int{},
		servers: map[serverZone]bool{},
	}
	m.newServerMetrics()
	m.newDNSSECMetrics()
	reg.MustRegister(m.reconciles, m.unchanged, m.duration, m.changes, m.drift, m.verifies, m.propagation,
		m.checkFailures, m.checks, m.recordsDesired, m.recordsServed, m.invalidFiles,
		m.lastSuccess, m.lastAttempt, m.backendErrors, m.unsafeRefusals, m.requests, m.requestTime,
		m.serverSerial, m.serverInSync, m.replication, m.dnssecExpiry, m.dnssecValid)

	// Series that exist from the start, so that rate() and alerts see a 0
	// before the first event rather than nothing.
	for _, scope := range []string{scopeFull, scopeChanged} {
		m.duration.WithLabelValues(scope)
		m.unchanged.WithLabelValues(scope)
		for _, result := range []string{"ok", "error"} {
			m.reconciles.WithLabelValues(scope, result)
		}
	}
	for _, result := range []string{"verified", "failed"} {
		m.verifies.WithLabelValues(result)
	}
	for _, result := range []string{"ok", "failed"} {
		m.checks.WithLabelValues(result)
	}
	for _, status := range []string{statusFailed, statusLagging, statusDNSSEC} {
		m.checkFailures.WithLabelValues(status)
	}
	for _, stage := range []string{string(reconcile.StageTransfer), string(reconcile.StageUnsafe), string(reconcile.StageApply), stageRecords} {
		m.backendErrors.WithLabelValues(stage)
	}
	return m
}
