package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/internal/verify"
)

// The signed zones' signatures as the scheduled check validated them.

func (m *Metrics) newDNSSECMetrics() {
	m.dnssecExpiry = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "dnssync_dnssec_signature_expiry_seconds",
		Help: "Unix time at which the earliest signature served for a signed zone expires, by zone, over the primary and every secondary, as the latest scheduled check validated them (the DNSKEY set, the SOA and the denials' NSEC records). Alert on it minus time(); absent for a zone not signed.",
	}, []string{"zone"})
}

// observeDNSSEC sets each signed zone's earliest expiry over every server
// the check validated it at, and drops the series of zones the check no
// longer covers (unsigned, removed): a stale expiry must not keep an
// alert firing, or quiet one that should.
func (m *Metrics) observeDNSSEC(sigs []verify.ZoneSignature) {
	earliest := map[string]float64{}
	for _, z := range sigs {
		if z.Expires.IsZero() {
			continue
		}
		if t, ok := earliest[z.Zone]; !ok || unix(z.Expires) < t {
			earliest[z.Zone] = unix(z.Expires)
		}
	}
	for zone, t := range earliest {
		m.dnssecExpiry.WithLabelValues(zone).Set(t)
	}
	for zone := range m.dnssecZones {
		if _, ok := earliest[zone]; !ok {
			m.dnssecExpiry.DeleteLabelValues(zone)
		}
	}
	m.dnssecZones = earliest
}
