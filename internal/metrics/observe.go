package metrics

import (
	"time"

	"github.com/dnssync/dnssync/internal/reconcile"
)

// Observe records what one pass did.
func (m *Metrics) Observe(res reconcile.Result) {
	m.mu.Lock()
	defer m.mu.Unlock()

	scope := scopeChanged
	if res.Full {
		scope = scopeFull
	}
	end := unix(res.Start.Add(res.Duration))
	m.lastAttempt.WithLabelValues(opReconcile).Set(end)
	result := "error"
	if res.Failed() == nil {
		result = "ok"
		m.lastSuccess.WithLabelValues(opReconcile).Set(end)
		if !changedDNS(res) {
			m.unchanged.WithLabelValues(scope).Inc()
		}
	}
	m.reconciles.WithLabelValues(scope, result).Inc()
	m.duration.WithLabelValues(scope).Observe(res.Duration.Seconds())
	if res.Err != nil {
		m.backendErrors.WithLabelValues(stageRecords).Inc()
	}

	if res.State != nil {
		m.setZones(res)
		m.invalidFiles.Set(float64(invalidFiles(res)))
	}
	for _, z := range res.Zones {
		m.observeZone(res, z)
	}

	if c := res.Check; c != nil {
		m.observeCheck(c.Sync)
		m.observeDNSSEC(c.DNSSEC)
		at := unix(c.Time)
		m.lastAttempt.WithLabelValues(opVerify).Set(at)
		m.checkFailures.WithLabelValues(statusFailed).Set(float64(len(c.Failed())))
		m.checkFailures.WithLabelValues(statusLagging).Set(float64(len(c.Lagging())))
		if c.OK() {
			m.checks.WithLabelValues("ok").Inc()
			m.lastSuccess.WithLabelValues(opVerify).Set(at)
		} else {
			m.checks.WithLabelValues("failed").Inc()
		}
	}
}

// changedDNS reports whether the pass applied a change to the server.
// Adopting records already served as desired changes nothing there.
func changedDNS(res reconcile.Result) bool {
	for _, z := range res.Zones {
		if z.Applied && !z.Plan.Empty() {
			return true
		}
	}
	return false
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
		if len(z.Drift) > 0 {
			m.drift.WithLabelValues(z.Zone).Add(float64(len(z.Drift)))
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
				if s := want.Get(k); s != nil {
					n -= len(s.RRs)
				}
			}
			m.recordsServed.WithLabelValues(z.Zone).Set(float64(n))
		}
	}
}

// setZones sets the desired record count of every managed zone, starts
// its drift counter at 0 (an alert on its increase then sees the first
// drift), and drops the series of zones no longer managed (after a config
// reload). A count that did not change is not set again: every pass for a
// change would otherwise look up the series of all of 10,000 zones.
func (m *Metrics) setZones(res reconcile.Result) {
	for zone := range m.zones {
		if _, ok := res.State.Zones[zone]; !ok {
			m.recordsDesired.DeleteLabelValues(zone)
			m.recordsServed.DeleteLabelValues(zone)
			m.drift.DeleteLabelValues(zone)
			delete(m.zones, zone)
		}
	}
	for zone := range res.State.Zones {
		n := res.State.Records[zone]
		last, seen := m.zones[zone]
		if seen && last == n {
			continue
		}
		m.recordsDesired.WithLabelValues(zone).Set(float64(n))
		if !seen {
			m.drift.WithLabelValues(zone)
		}
		m.zones[zone] = n
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

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
