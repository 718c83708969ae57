//go:build linux

package main

import (
	"fmt"
	"math"
	"strings"
)

// Issue 15's tolerances for "no growth" over the steady scenario. Both
// samples are taken just after a pass ended and after a forced
// collection, so neither holds a pass's working set; what is left to vary
// is the RSS of pages the last collection freed and the scavenger has not
// returned yet (a few percent of the heap, depending on where the
// scavenger was), and the goroutine of the bench's own pprof request
// being served. A leak of one goroutine a pass, or of a record's worth of
// memory a pass, exceeds these within a few minutes of passes.
const (
	steadyRSSGrowth        = 0.10 // at most 10% more RSS at the end
	steadyGoroutinesGrowth = 3    // at most 3 more goroutines at the end
)

// finder looks a result up by scenario, N and metric.
type finder func(scen, n, metric string) (result, bool)

// issue15Targets are issue 15's targets the bench measures.
func issue15Targets(find finder) []target {
	const ms = 1e-3
	ts := []target{
		rssRatioTarget(find, "100000", "100,000"),
		rssRatioTarget(find, "1000000", "1,000,000"),
		floorTarget(find, "zonefile, 100,000 records in one zone: cold within 1.5x the floor",
			scenZonefile, "100000", metricCold, func(f float64) float64 { return 1.5 * f }),
		floorTarget(find, "zonefile, 1,000,000 records in one zone: cold within 1.5x the floor",
			scenZonefile, "1000000", metricCold, func(f float64) float64 { return 1.5 * f }),
		floorTarget(find, "zonefile, 1,000,000 records: a change served within the floor + 100 ms",
			scenZonefile, "1000000", metricIncremental, func(f float64) float64 { return f + 100*ms }),
		fixedTarget(find, "zonefile, 1,000,000 records: daemon CPU per change at most 100 ms",
			scenZonefile, "1000000", metricCPU, 100*ms),
		floorTarget(find, "10,000 zones x 100 records: cold within 2x the floor",
			scenManyZones, manyZonesLabel(10000), metricCold, func(f float64) float64 { return 2 * f }),
		touchTarget(find, "10,000 zones x 100 records: a change in one zone touches only that zone (its file, its AXFR)", 10000),
		steadyTarget(find),
	}
	for _, s := range rfcServers {
		ts = append(ts,
			fixedTarget(find, fmt.Sprintf("rfc2136 on %s, 10,000 records: dnssync's own share of a change (records.d rename to UPDATE on the wire, debounce 0) at most 5 ms", s.title),
				s.scen, "10000", metricOwnShare, 5*ms),
			floorTarget(find, fmt.Sprintf("rfc2136 on %s, 10,000 records: cold sync within 1.2x the floor (the same UPDATEs sent alone)", s.title),
				s.scen, "10000", metricCold, func(f float64) float64 { return 1.2 * f }))
	}
	return append(ts, bestRFCTarget(find))
}

// bestRFCTarget: at 1,000,000 records, one change served in under 100 ms
// (median) through the rfc2136 backend on the best of the servers run.
func bestRFCTarget(find finder) target {
	const lim = 0.1
	name := "rfc2136, 1,000,000 records: one change served in under 100 ms (median) on the best server"
	var (
		best  result
		title string
		all   []string
	)
	for _, s := range rfcServers {
		r, ok := find(s.scen, "1000000", metricIncremental)
		if !ok {
			continue
		}
		all = append(all, s.title+" "+r.dnssync())
		if title == "" || r.D < best.D {
			best, title = r, s.title
		}
	}
	if title == "" {
		return notMeasured(name, "no rfc2136 run at N=1000000")
	}
	t := target{Name: name, Measured: fmt.Sprintf("best %s: %s (floor %s); all: %s", title, best.dnssync(), best.floor(), strings.Join(all, ", ")), Status: statusMet}
	if best.D >= lim {
		t.Status = fmt.Sprintf("%s, over by %s", statusNotMet, fmtSeconds(best.D-lim))
	}
	return t
}

func notMeasured(name, why string) target {
	return target{Name: name, Measured: "-", Status: statusNotMeasured + " (" + why + ")"}
}

// rssRatioTarget: dnssync's peak RSS at most the floor CoreDNS's own peak
// serving the same zone in the same run.
func rssRatioTarget(find finder, n, label string) target {
	name := fmt.Sprintf("zonefile, %s records: peak RSS at most CoreDNS's own serving the same zone (ratio <= 1.0)", label)
	r, ok := find(scenZonefile, n, metricRSS)
	if !ok || math.IsNaN(r.F) || r.F <= 0 {
		return notMeasured(name, fmt.Sprintf("no zonefile run at N=%s", n))
	}
	t := target{Name: name, Measured: fmt.Sprintf("%s against CoreDNS's %s: ratio %.2f", fmtBytes(r.D), fmtBytes(r.F), r.D/r.F), Status: statusMet}
	if r.D > r.F {
		t.Status = fmt.Sprintf("%s, over by %s (%.2fx)", statusNotMet, fmtBytes(r.D-r.F), r.D/r.F)
	}
	return t
}

// floorTarget: a duration within a limit computed from its floor.
func floorTarget(find finder, name, scen, n, metric string, limit func(floor float64) float64) target {
	r, ok := find(scen, n, metric)
	if !ok || math.IsNaN(r.F) {
		return notMeasured(name, fmt.Sprintf("no %s run at N=%s", scen, n))
	}
	lim := limit(r.F)
	t := target{Name: name, Measured: fmt.Sprintf("%s (floor %s, limit %s, %s)", r.dnssync(), r.floor(), fmtSeconds(lim), r.ratio()), Status: statusMet}
	if r.D > lim {
		t.Status = fmt.Sprintf("%s, over by %s", statusNotMet, fmtSeconds(r.D-lim))
	}
	return t
}

// fixedTarget: a duration at most lim.
func fixedTarget(find finder, name, scen, n, metric string, lim float64) target {
	r, ok := find(scen, n, metric)
	if !ok {
		return notMeasured(name, fmt.Sprintf("no %s run at N=%s", scen, n))
	}
	t := target{Name: name, Measured: fmt.Sprintf("%s (limit %s)", r.dnssync(), fmtSeconds(lim)), Status: statusMet}
	if r.D > lim {
		t.Status = fmt.Sprintf("%s, over by %s", statusNotMet, fmtSeconds(r.D-lim))
	}
	return t
}

// touchTarget: the many-zones row "one change touches" passed.
func touchTarget(find finder, name string, zones int) target {
	r, ok := find(scenManyZones, manyZonesLabel(zones), metricTouched)
	if !ok {
		return notMeasured(name, fmt.Sprintf("no run with -zones %d", zones))
	}
	t := target{Name: name, Measured: r.DText, Status: statusMet}
	if !r.OK {
		t.Status = statusNotMet
	}
	return t
}

// steadyTarget: no growth in RSS or goroutines over the steady scenario
// at 100,000 records, within the tolerances above.
func steadyTarget(find finder) target {
	name := fmt.Sprintf("steady state at 100,000 records: no growth in RSS (at most +%.0f%%) or goroutines (at most +%d) over scheduled passes back to back",
		100*steadyRSSGrowth, steadyGoroutinesGrowth)
	r, ok1 := find(scenSteady, "100000", metricSteadyRSS)
	g, ok2 := find(scenSteady, "100000", metricSteadyGoroutines)
	if !ok1 || !ok2 {
		return notMeasured(name, "no -steady run at -steadysize 100000")
	}
	t := target{Name: name, Measured: "RSS " + r.DText + "; goroutines " + g.DText, Status: statusMet}
	if p, ok := find(scenSteady, "100000", metricSteadyPasses); ok {
		t.Measured = p.DText + "; " + t.Measured
	}
	var over []string
	if lim := r.F * (1 + steadyRSSGrowth); r.D > lim {
		over = append(over, "RSS by "+fmtBytes(r.D-lim))
	}
	if lim := g.F + steadyGoroutinesGrowth; g.D > lim {
		over = append(over, fmt.Sprintf("goroutines by %.0f", g.D-lim))
	}
	if len(over) > 0 {
		t.Status = statusNotMet + ", over: " + strings.Join(over, ", ")
	}
	return t
}
