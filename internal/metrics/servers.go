package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

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
		Help:    "Time from a change applied on the primary until a secondary served it, by secondary (one observation as each secondary is seen serving a change).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60},
	}, []string{"server"})
}

// ObserveSecondary records one secondary's outcome of the wait after a
// change, as soon as it is known (reconcile.Replication's OnSecondary: the
// wait outlives the pass): its time to serve the change into the
// histogram, or, lagging, its serial and not being in sync. A secondary
// that served the change is not set in sync here: the wait's outcome may
// be older than a scheduled check's reading of the same server, and only
// the check (which reads every server) says a server is in sync.
func (m *Metrics) ObserveSecondary(s verify.ServerStatus) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s.Role != verify.RoleSecondary {
		return
	}
	if s.InSync {
		m.replication.WithLabelValues(s.Name).Observe(s.Took.Seconds())
		return
	}
	m.servers[serverZone{s.Name, s.Zone}] = true // dropped by a check that no longer covers it
	if s.Serial != 0 {
		m.serverSerial.WithLabelValues(s.Name, s.Zone).Set(float64(s.Serial))
	}
	m.serverInSync.WithLabelValues(s.Name, s.Zone).Set(0)
}

// observeCheck records each server's state of each zone as a scheduled
// check found it, and drops the series of (server, zone) pairs the check
// no longer covers (a secondary or zone removed from the config or
// zones.d): a check covers every managed zone on every server, so a
// pair it did not report is gone, and its last value (in sync 0) must
// not keep an alert firing.
func (m *Metrics) observeCheck(servers []verify.ServerStatus) {
	seen := make(map[serverZone]bool, len(servers))
	for _, s := range servers {
		k := serverZone{s.Name, s.Zone}
		seen[k] = true
		m.servers[k] = true
		if s.Authoritative() && s.Serial != 0 {
			m.serverSerial.WithLabelValues(k.server, k.zone).Set(float64(s.Serial))
		}
		in := 0.0
		if s.InSync {
			in = 1
		}
		m.serverInSync.WithLabelValues(k.server, k.zone).Set(in)
	}
	for k := range m.servers {
		if !seen[k] {
			m.serverSerial.DeleteLabelValues(k.server, k.zone)
			m.serverInSync.DeleteLabelValues(k.server, k.zone)
			delete(m.servers, k)
		}
	}
}

// serverZone is the labels of a per-server series.
type serverZone struct{ server, zone string }
