package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/internal/verify"
)

// The signed zones' signatures as the scheduled check validated them.

// statusDNSSEC is dnssync_check_failures' count of zone-server pairs whose
// signed zone does not validate: a unit of its own, beside the RRset-server
// pairs of "failed" and "lagging".
const statusDNSSEC = "dnssec"

func (m *Metrics) newDNSSECMetrics() {
	m.dnssecExpiry = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "dnssync_dnssec_signature_expiry_seconds",
		Help: "Unix time at which the earliest signature served for a signed zone expires, by zone, over the primary and every secondary, as the latest scheduled check validated them (the DNSKEY set, the SOA and the denials' NSEC records). A check that reads no signature (the DNSKEY query failed, no key matches the anchor) keeps the last value seen; the series goes when the zone is no longer checked (unsigned, removed). Alert on it minus time(), and on dnssync_dnssec_valid.",
	}, []string{"zone"})
	m.dnssecValid = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "dnssync_dnssec_valid",
		Help: "1 when a signed zone validated at the primary and every secondary in the latest scheduled check (signatures, chain and proofs, no signature within the expiry margin), else 0; by zone, absent for a zone not checked.",
	}, []string{"zone"})
}

// observeDNSSEC sets each signed zone's earliest expiry over every server
// the check validated it at, and whether it validated at all of them. A
// zone checked but whose expiry could not be read (its keys unreadable, no
// key matching the anchor) keeps its last expiry: that is when the zone is
// most broken, and an alert on the expiry must not go quiet then. The
// series of zones the check no longer covers (unsigned, removed) go: a
// stale expiry must not keep an alert firing, or quiet one that should.
func (m *Metrics) observeDNSSEC(sigs []verify.ZoneSignature) {
	checked := map[string]float64{} // zone -> earliest expiry read now, 0: none
	valid := map[string]bool{}
	failures := 0
	for _, z := range sigs {
		t, seen := checked[z.Zone]
		if !seen {
			valid[z.Zone] = true
		}
		if !z.OK() {
			valid[z.Zone] = false
			failures++
		}
		if !z.Expires.IsZero() && (t == 0 || unix(z.Expires) < t) {
			t = unix(z.Expires)
		}
		checked[z.Zone] = t
	}
	for zone, t := range checked {
		if t == 0 {
			t = m.dnssecZones[zone] // the last known, if any
		}
		checked[zone] = t
		if t != 0 {
			m.dnssecExpiry.WithLabelValues(zone).Set(t)
		}
		m.dnssecValid.WithLabelValues(zone).Set(b2f(valid[zone]))
	}
	for zone := range m.dnssecZones {
		if _, ok := checked[zone]; !ok {
			m.dnssecExpiry.DeleteLabelValues(zone)
			m.dnssecValid.DeleteLabelValues(zone)
		}
	}
	m.dnssecZones = checked
	m.checkFailures.WithLabelValues(statusDNSSEC).Set(float64(failures))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
