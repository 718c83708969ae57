//go:build linux

package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Metrics: the rows of the table.
const (
	metricCold        = "cold"
	metricColdWritten = "cold: zone files in place"
	// metricColdVerified: until dnssync's first pass, which verifies
	// every zone it wrote, was done (READY=1).
	metricColdVerified = "cold: first pass verified"
	metricIncremental  = "incremental (median)"
	metricWritten      = "zone file in place (median)"
	metricCPU          = "CPU per change"
	metricRSS          = "peak RSS"
	metricTouched      = "one change touches"
	// metricAllSecondaries: one change until served on every secondary.
	metricAllSecondaries = "served on all 4 secondaries (median)"
)

// Scenarios.
const (
	scenZonefile  = "zonefile"
	scenManyZones = "zonefile, many zones"
	// scenManyZonesD: the same zones declared in zones.d.
	scenManyZonesD = "zonefile, zones.d"
	scenRFC2136    = "rfc2136"
	// scenReplication: a zonefile primary and four secondaries.
	scenReplication = "zonefile, 4 secondaries"
	// scenSigned: one zone with dnssec = true, signed by dnssync.
	scenSigned = "zonefile, signed"
)

// unit says how a result's numbers read.
type unit int

const (
	unitDuration unit = iota // seconds
	unitBytes
	unitText
)

// result is one row of the table. Numbers are seconds or bytes; a NaN
// floor means there is none.
type result struct {
	Scenario string
	N        string
	Metric   string
	Unit     unit
	D, F     float64
	DText    string // unitText
	OK       bool   // unitText: the check passed
}

func durationResult(scen, n, metric string, d, f time.Duration) result {
	ff := math.NaN()
	if f >= 0 {
		ff = f.Seconds()
	}
	return result{Scenario: scen, N: n, Metric: metric, Unit: unitDuration, D: d.Seconds(), F: ff}
}

func (r result) dnssync() string {
	switch r.Unit {
	case unitText:
		return r.DText
	case unitBytes:
		return fmtBytes(r.D)
	}
	return fmtSeconds(r.D)
}

func (r result) floor() string {
	if r.Unit == unitText || math.IsNaN(r.F) {
		return "-"
	}
	if r.Unit == unitBytes {
		return fmtBytes(r.F)
	}
	return fmtSeconds(r.F)
}

func (r result) ratio() string {
	if r.Unit == unitText || math.IsNaN(r.F) || r.F <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", r.D/r.F)
}

// fmtSeconds: "0.84 ms", "12.3 ms", "523 ms", "1.24 s".
func fmtSeconds(s float64) string {
	ms := s * 1000
	switch {
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f ms", ms)
	case ms < 1000:
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.2f s", s)
}

func fmtBytes(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }

var columns = []string{"scenario", "N", "metric", "dnssync", "floor", "ratio"}

func (r result) cells() []string {
	return []string{r.Scenario, r.N, r.Metric, r.dnssync(), r.floor(), r.ratio()}
}

// textWidths are the columns' widths on a terminal.
var textWidths = []int{24, 8, 36, 22, 10, 6}

// textRow is one line of the table as printed while it runs.
func textRow(cells []string) string {
	var b strings.Builder
	for i, c := range cells {
		if i == len(cells)-1 {
			b.WriteString(c)
			break
		}
		fmt.Fprintf(&b, "%-*s ", textWidths[i], c)
	}
	return strings.TrimRight(b.String(), " ")
}

// markdownTable writes results as a Markdown table.
func markdownTable(w io.Writer, rs []result) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(columns, " | "))
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(columns)))
	for _, r := range rs {
		c := r.cells()
		for i := range c {
			c[i] = strings.ReplaceAll(c[i], "|", `\|`)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(c, " | "))
	}
}
