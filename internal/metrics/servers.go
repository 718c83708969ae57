package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/verify"
)

// The metrics of each server of a zone: the primary, its secondaries and
// the resolvers, as the post-apply wait and the scheduled check found
// them.

func (m *Metrics) newServerMetrics() {
	m.serverSerial = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "dnssync_server_serial",
		Help: "The SOA serial an authoritative server (the primary, a secondary) serves, by server and zone, as last read.",
	}, []string{"server", "zone"})
	m.serverInSync = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "dnssync_server_in_sync",
		Help: "1 when the server serves the zone as the primary does (a secondary: the primary's serial; a resolver: the zone's records), 0 otherwise, by server and zone, as last checked.",
	}, []string{"server", "zone"})
	m.replication = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "dnssync_replication_seconds",
		Help:    "Time from a change applied on the primary until a secondary served it, by secondary (one observation per secondary and change).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60},
	}, []string{"server"})
}

// ObservePropagation records each server's state of a zone when the wait
// for its secondaries after a change ends (reconcile.Replication's
// OnPropagated: it outlives the pass), and each secondary's time to serve
// the change.
func (m *Metrics) ObservePropagation(p reconcile.Propagation) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.observeServers(p.Servers, true)
}

// observeServers records each server's state of a zone; afterChange: the
// statuses of a post-apply wait, whose times go into the histogram.
func (m *Metrics) observeServers(servers []verify.ServerStatus, afterChange bool) {
	for _, s := range servers {
		zone := s.Zone
		if s.Authoritative() && s.Serial != 0 {
			m.serverSerial.WithLabelValues(s.Name, zone).Set(float64(s.Serial))
		}
		in := 0.0
		if s.InSync {
			in = 1
		}
		m.serverInSync.WithLabelValues(s.Name, zone).Set(in)
		if afterChange && s.Role == verify.RoleSecondary && s.InSync {
			m.replication.WithLabelValues(s.Name).Observe(s.Took.Seconds())
		}
	}
}
