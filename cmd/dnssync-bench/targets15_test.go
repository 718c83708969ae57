//go:build linux

package main

import (
	"strings"
	"testing"
	"time"
)

// issue15 evaluates rs and returns issue 15's targets by a word of their
// name.
func issue15(t *testing.T, rs []result, name string) target {
	t.Helper()
	var found []target
	for _, tg := range evaluate(rs) {
		if strings.Contains(tg.Name, name) {
			found = append(found, tg)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d targets named %q: %+v", len(found), name, found)
	}
	return found[0]
}

func TestIssue15Targets(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	peak := func(n string, d, f float64) result {
		return result{Scenario: scenZonefile, N: n, Metric: metricRSS, Unit: unitBytes, D: d, F: f}
	}
	for _, tc := range []struct {
		name, target string
		rs           []result
		status       string // a prefix
		measured     string // a part
	}{
		{"ratio, none", "100,000 records: peak RSS at most CoreDNS", nil, statusNotMeasured + " (no zonefile run at N=100000)", "-"},
		{"ratio, no floor", "100,000 records: peak RSS at most CoreDNS", []result{peak("100000", 200<<20, nanF)}, statusNotMeasured, "-"},
		{"ratio, over", "100,000 records: peak RSS at most CoreDNS", []result{peak("100000", 270<<20, 108<<20)},
			statusNotMet + ", over by 162.0 MiB (2.50x)", "270.0 MiB against CoreDNS's 108.0 MiB: ratio 2.50"},
		{"ratio, equal", "1,000,000 records: peak RSS at most CoreDNS", []result{peak("1000000", 600<<20, 600<<20)}, statusMet, "ratio 1.00"},
		{"cold 1.5x, met", "100,000 records in one zone: cold within 1.5x",
			[]result{durationResult(scenZonefile, "100000", metricCold, 1500*ms, 1000*ms)}, statusMet, "(floor 1.00 s, limit 1.50 s, 1.50x)"},
		{"cold 1.5x at a million, over", "1,000,000 records in one zone: cold within 1.5x",
			[]result{durationResult(scenZonefile, "1000000", metricCold, 21900*ms, 4000*ms)}, statusNotMet + ", over by 15.90 s", "21.90 s"},
		{"change at a million", "1,000,000 records: a change served",
			[]result{durationResult(scenZonefile, "1000000", metricIncremental, 5500*ms, 4800*ms)}, statusNotMet + ", over by 600 ms", "limit 4.90 s"},
		{"CPU at a million", "1,000,000 records: daemon CPU",
			[]result{durationResult(scenZonefile, "1000000", metricCPU, 80*ms, -1)}, statusMet, "80.0 ms (limit 100 ms)"},
		{"10,000 zones cold", "10,000 zones x 100 records: cold",
			[]result{durationResult(scenManyZones, "10000x100", metricCold, 30*time.Second, 10*time.Second)}, statusNotMet + ", over by 10.00 s", "3.00x"},
		{"10,000 zones touch, none", "10,000 zones x 100 records: a change", nil, statusNotMeasured + " (no run with -zones 10000)", "-"},
		{"10,000 zones touch", "10,000 zones x 100 records: a change",
			[]result{{Scenario: scenManyZones, N: "10000x100", Metric: metricTouched, Unit: unitText, DText: "only its file, 0 AXFRs", OK: true, F: nanF}}, statusMet, "only its file"},
	} {
		got := issue15(t, tc.rs, tc.target)
		if !strings.HasPrefix(got.Status, tc.status) || !strings.Contains(got.Measured, tc.measured) {
			t.Errorf("%s: %+v\nwant status %q, measured containing %q", tc.name, got, tc.status, tc.measured)
		}
	}
}

func TestSteadyTarget(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	rows := func(n string, rss0, rss1, g0, g1 int64) []result {
		return steadyResults(n, 2*time.Minute, 90,
			steadySample{rss: rss0, heap: 60 * mib, goroutines: g0, threads: 10},
			steadySample{rss: rss1, heap: 61 * mib, goroutines: g1, threads: 11})
	}
	for _, tc := range []struct {
		name   string
		rs     []result
		status string
	}{
		{"not run", nil, statusNotMeasured + " (no -steady run at -steadysize 100000)"},
		{"another size", rows("10000", 100*mib, 100*mib, 13, 13), statusNotMeasured},
		{"flat", rows("100000", 100*mib, 104*mib, 13, 16), statusMet},
		{"at the RSS limit", rows("100000", 100*mib, 110*mib, 13, 13), statusMet},
		{"RSS grows", rows("100000", 100*mib, 130*mib, 13, 13), statusNotMet + ", over: RSS by 20.0 MiB"},
		{"goroutines leak", rows("100000", 100*mib, 100*mib, 13, 103), statusNotMet + ", over: goroutines by 87"},
		{"both", rows("100000", 100*mib, 130*mib, 13, 103), statusNotMet + ", over: RSS by 20.0 MiB, goroutines by 87"},
	} {
		got := issue15(t, tc.rs, "steady state")
		if got.Status != tc.status && !(tc.status == statusNotMeasured && strings.HasPrefix(got.Status, tc.status)) {
			t.Errorf("%s: %+v, want %q", tc.name, got, tc.status)
		}
	}
	got := issue15(t, rows("100000", 100*mib, 104*mib, 13, 16), "steady state")
	if want := "90 passes in 2m0s; RSS 100.0 MiB -> 104.0 MiB (+4.0%); goroutines 13 -> 16 (+3)"; got.Measured != want {
		t.Errorf("measured %q, want %q", got.Measured, want)
	}
}

func TestSteadyRows(t *testing.T) {
	t.Parallel()
	rs := steadyResults("100000", 20*time.Second, 12,
		steadySample{rss: 50 << 20, heap: 12 << 20, goroutines: 13, threads: 10},
		steadySample{rss: 51 << 20, heap: 12 << 20, goroutines: 12, threads: 12})
	var got []string
	for _, r := range rs {
		got = append(got, textRow(r.cells()))
	}
	want := []string{
		"zonefile, steady state   100000   steady: scheduled passes             12 passes in 20s       -          -",
		"zonefile, steady state   100000   steady: RSS, start -> end            50.0 MiB -> 51.0 MiB (+2.0%) -          -",
		"zonefile, steady state   100000   steady: heap live, start -> end      12.0 MiB -> 12.0 MiB (+0.0%) -          -",
		"zonefile, steady state   100000   steady: goroutines, start -> end     13 -> 12 (-1)          -          -",
		"zonefile, steady state   100000   steady: threads, start -> end        10 -> 12 (+2)          -          -",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if g := growth(0, 5); g != "-" {
		t.Errorf("growth from 0: %q", g)
	}
}

func TestIssue15Flags(t *testing.T) {
	t.Parallel()
	o, err := parseFlags([]string{"-only", "steady", "-steady", "20s", "-steadysize", "10000", "-allocs", "10000"})
	if err != nil {
		t.Fatal(err)
	}
	if o.steady != 20*time.Second || o.steadySize != 10000 || o.allocs != 10000 || o.sizes != nil || o.zones != 0 {
		t.Errorf("options %+v", o)
	}
	o, err = parseFlags([]string{"-only", "zonefile", "-steady", "2m", "-sizes", "1000000", "-zones", "10000"})
	if err != nil {
		t.Fatal(err)
	}
	if o.steady != 0 || len(o.sizes) != 1 || o.sizes[0] != 1000000 {
		t.Errorf("-only zonefile: %+v", o)
	}
	if o, _ := parseFlags(nil); o.steady != 0 || o.allocs != 100000 || o.zones != 1000 {
		t.Errorf("defaults: the big rows must be opt-in: %+v", o)
	}
	for _, bad := range [][]string{{"-steady", "-1s"}, {"-steadysize", "0"}, {"-allocs", "-1"}, {"-zones", "10001"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestRFC2136Targets(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	for _, tc := range []struct {
		name, target string
		rs           []result
		status       string // a prefix
		measured     string // a part
	}{
		{"own share, none", "rfc2136 on BIND, 10,000 records: dnssync's own share", nil,
			statusNotMeasured + " (no rfc2136, BIND run at N=10000)", "-"},
		{"own share, another size", "rfc2136 on Knot, 10,000 records: dnssync's own share",
			[]result{durationResult(scenRFC2136Knot, "1000", metricOwnShare, 2*ms, -1)}, statusNotMeasured, "-"},
		{"own share, met", "rfc2136 on Knot, 10,000 records: dnssync's own share",
			[]result{durationResult(scenRFC2136Knot, "10000", metricOwnShare, 5*ms, -1)}, statusMet, "5.00 ms (limit 5.00 ms)"},
		{"own share, over", "rfc2136 on CoreDNS dynupdate, 10,000 records: dnssync's own share",
			[]result{durationResult(scenRFC2136, "10000", metricOwnShare, 12*ms, -1)}, statusNotMet + ", over by 7.00 ms", "12.0 ms"},
		{"cold, met", "rfc2136 on BIND, 10,000 records: cold sync within 1.2x",
			[]result{durationResult(scenRFC2136BIND, "10000", metricCold, 1200*ms, 1000*ms)}, statusMet, "(floor 1.00 s, limit 1.20 s, 1.20x)"},
		{"cold, over", "rfc2136 on CoreDNS dynupdate, 10,000 records: cold sync within 1.2x",
			[]result{durationResult(scenRFC2136, "10000", metricCold, 3000*ms, 2000*ms)}, statusNotMet + ", over by 600 ms", "1.50x"},
		{"cold, not run on Knot", "rfc2136 on Knot, 10,000 records: cold sync",
			[]result{durationResult(scenRFC2136, "10000", metricCold, 3000*ms, 2000*ms)}, statusNotMeasured + " (no rfc2136, Knot run at N=10000)", "-"},
		{"a million, none", "rfc2136, 1,000,000 records",
			[]result{durationResult(scenRFC2136BIND, "10000", metricIncremental, 20*ms, 5*ms)}, statusNotMeasured + " (no rfc2136 run at N=1000000)", "-"},
		{"a million, the best met", "rfc2136, 1,000,000 records", []result{
			durationResult(scenRFC2136, "1000000", metricIncremental, 900*ms, 800*ms),
			durationResult(scenRFC2136BIND, "1000000", metricIncremental, 99*ms, 30*ms),
			durationResult(scenRFC2136Knot, "1000000", metricIncremental, 150*ms, 20*ms),
		}, statusMet, "best BIND: 99.0 ms (floor 30.0 ms); all: CoreDNS dynupdate 900 ms, BIND 99.0 ms, Knot 150 ms"},
		{"a million, at the limit", "rfc2136, 1,000,000 records",
			[]result{durationResult(scenRFC2136Knot, "1000000", metricIncremental, 100*ms, 20*ms)}, statusNotMet + ", over by 0.00 ms", "best Knot"},
	} {
		got := issue15(t, tc.rs, tc.target)
		if !strings.HasPrefix(got.Status, tc.status) || !strings.Contains(got.Measured, tc.measured) {
			t.Errorf("%s: %+v\nwant status %q, measured containing %q", tc.name, got, tc.status, tc.measured)
		}
	}
}
