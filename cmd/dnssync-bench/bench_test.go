//go:build linux

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestParseStatCPU(t *testing.T) {
	// The command name may hold spaces and parentheses.
	stat := "4242 (dns sync) (x)) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 37 0 0 20 0 9 0 123456 1000000 2000 18446744073709551615\n"
	got, err := parseStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if got != 187 {
		t.Errorf("utime+stime = %d, want 187", got)
	}
	for _, bad := range []string{"", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 u s"} {
		if _, err := parseStatCPU(bad); err == nil {
			t.Errorf("parseStatCPU(%q): no error", bad)
		}
	}
	if d := ticksToDuration(187, 100); d != 1870*time.Millisecond {
		t.Errorf("187 ticks at 100 Hz = %v", d)
	}
	if hz := clockTicks(); hz <= 0 {
		t.Errorf("clockTicks() = %d", hz)
	}
}

func TestParseStatusKB(t *testing.T) {
	status := "Name:\tdnssync\nVmPeak:\t  900000 kB\nVmHWM:\t   51200 kB\nVmRSS:\t   40000 kB\n"
	got, err := parseStatusKB(strings.NewReader(status), "VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	if got != 50<<20 {
		t.Errorf("VmHWM = %d bytes, want %d", got, 50<<20)
	}
	if _, err := parseStatusKB(strings.NewReader(status), "VmSwap"); err == nil {
		t.Error("missing key: no error")
	}
	if _, err := parseStatusKB(strings.NewReader("VmHWM:\t12 MB\n"), "VmHWM"); err == nil {
		t.Error("unexpected unit: no error")
	}
}

func TestFormatting(t *testing.T) {
	for s, want := range map[float64]string{0.00084: "0.84 ms", 0.0123: "12.3 ms", 0.5234: "523 ms", 1.2449: "1.24 s", 65: "65.00 s"} {
		if got := fmtSeconds(s); got != want {
			t.Errorf("fmtSeconds(%v) = %q, want %q", s, got, want)
		}
	}
	if got := fmtBytes(150 << 20); got != "150.0 MiB" {
		t.Errorf("fmtBytes = %q", got)
	}
	r := durationResult(scenZonefile, "1000", metricCold, 1500*time.Millisecond, 500*time.Millisecond)
	if got := r.cells(); strings.Join(got, ";") != "zonefile;1000;cold;1.50 s;500 ms;3.00x" {
		t.Errorf("cells = %q", got)
	}
	noFloor := durationResult(scenZonefile, "1000", metricCPU, 12*time.Millisecond, -1)
	if noFloor.floor() != "-" || noFloor.ratio() != "-" {
		t.Errorf("no floor: %q %q", noFloor.floor(), noFloor.ratio())
	}
	var b bytes.Buffer
	markdownTable(&b, []result{r, {Scenario: "a|b", N: "1", Metric: metricTouched, Unit: unitText, DText: "x", F: nanF}})
	want := "| scenario | N | metric | dnssync | floor | ratio |\n|---|---|---|---|---|---|\n" +
		"| zonefile | 1000 | cold | 1.50 s | 500 ms | 3.00x |\n| a\\|b | 1 | one change touches | x | - | - |\n"
	if b.String() != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", b.String(), want)
	}
	if got := textRow([]string{"zonefile", "1000", "cold", "1.50 s", "500 ms", "3.00x"}); !strings.HasPrefix(got, "zonefile ") || !strings.HasSuffix(got, " 3.00x") {
		t.Errorf("textRow = %q", got)
	}
}

func TestEvaluate(t *testing.T) {
	ms := time.Millisecond
	rs := []result{
		durationResult(scenZonefile, "100000", metricCold, 2000*ms, 1000*ms),      // exactly 2x: met
		durationResult(scenZonefile, "100000", metricIncremental, 750*ms, 500*ms), // 150 ms over
		durationResult(scenZonefile, "100000", metricCPU, 20*ms, -1),              // met
		{Scenario: scenZonefile, N: "100000", Metric: metricRSS, Unit: unitBytes, D: 200 << 20, F: nanF},
		durationResult(scenRFC2136, "10000", metricIncremental, 50*ms, 5*ms), // not under 50 ms
		{Scenario: scenManyZones, N: "1000x100", Metric: metricTouched, Unit: unitText, DText: "only its file, 0 AXFRs", OK: true, F: nanF},
	}
	ts := evaluate(rs)
	if len(ts) != 9+16 { // issue 6, 13 and 14's, then issue 15's
		t.Fatalf("%d targets, want 25", len(ts))
	}
	want := []string{statusMet, statusNotMet + ", over by 150 ms", statusMet, statusNotMet + ", over by 50.0 MiB",
		statusNotMet + ", over by 0.00 ms", statusNotMeasured + " (no rfc2136 run at N=10000)", statusMet,
		statusNotMeasured + " (no zones.d run with 1000 zones)", statusNotMeasured + " (no signed runs at 10000 and 100000)"}
	for i, w := range want {
		if ts[i].Status != w {
			t.Errorf("target %d (%s): %q, want %q", i, ts[i].Name, ts[i].Status, w)
		}
	}
	if !strings.Contains(ts[0].Measured, "floor 1.00 s, limit 2.00 s") {
		t.Errorf("measured: %q", ts[0].Measured)
	}
	rs[5].OK = false
	if got := evaluate(rs)[6].Status; got != statusNotMet {
		t.Errorf("touched, not ok: %q", got)
	}

	// Issue 13's: zones.d's cold start, served and verified, beside the
	// same zones as [[zones]] and the floor.
	rs = append(rs,
		durationResult(scenManyZonesD, "1000x100", metricCold, 5000*ms, 1500*ms),
		durationResult(scenManyZones, "1000x100", metricCold, 4000*ms, 1400*ms),
		durationResult(scenManyZones, "1000x100", metricColdVerified, 4500*ms, -1))
	if got := evaluate(rs)[7]; got.Status != statusNotMeasured+" (no zones.d run with 1000 zones)" {
		t.Errorf("zones.d served, not verified: %+v", got)
	}
	rs = append(rs, durationResult(scenManyZonesD, "1000x100", metricColdVerified, 5600*ms, -1))
	got := evaluate(rs)[7]
	if got.Status != statusMet || got.Measured != "served 5.00 s, verified 5.60 s (floor 1.50 s); as [[zones]]: served 4.00 s, verified 4.50 s" {
		t.Errorf("zones.d: %+v", got)
	}
}

func TestTouches(t *testing.T) {
	a := map[string]fileID{"db.a": {ino: 1}, "db.b": {ino: 2}, "db.c": {ino: 3}}
	b := map[string]fileID{"db.a": {ino: 1}, "db.b": {ino: 9}, "db.d": {ino: 4}}
	if got := strings.Join(changedFiles(a, b), ","); got != "db.b,db.c,db.d" {
		t.Errorf("changedFiles = %s", got)
	}
	log := `[INFO] plugin/transfer: Outgoing transfer of 104 records of zone "zone-0000.bench.test." to 127.0.0.1 for 2026112801 SOA serial
[INFO] plugin/auto: Inserting zone ...
[INFO] plugin/transfer: Outgoing transfer of 3 records of zone "zone-0001.bench.test." to 127.0.0.1 for 1 SOA serial
`
	if got := strings.Join(transfers(log), ","); got != "zone-0000.bench.test.,zone-0001.bench.test." {
		t.Errorf("transfers = %s", got)
	}
	ok := touchResult([]touch{{files: []string{"db.z"}}, {files: []string{"db.z"}, axfrs: []string{"z."}}}, "db.z", "z.")
	if !ok.OK || ok.DText != "only its file, 0-1 AXFRs" {
		t.Errorf("ok: %+v", ok)
	}
	bad := touchResult([]touch{{files: []string{"db.y", "db.z"}}, {files: []string{"db.z"}}}, "db.z", "z.")
	if bad.OK || bad.DText != "1-2 files, 0 AXFRs" {
		t.Errorf("two files: %+v", bad)
	}
	if r := touchResult([]touch{{files: []string{"db.z"}, axfrs: []string{"y."}}}, "db.z", "z."); r.OK {
		t.Errorf("another zone's AXFR: %+v", r)
	}
	if got := compact([]string{"1 [db.z]", "1 [db.z]"}); got != "each of 2: 1 [db.z]" {
		t.Errorf("compact = %q", got)
	}
}

func TestMedianAndSizes(t *testing.T) {
	if got := median([]time.Duration{5, 1, 3, 2}); got != 2 {
		t.Errorf("median = %v", got)
	}
	if got := median([]time.Duration{5, 1, 3}); got != 3 {
		t.Errorf("median = %v", got)
	}
	got, err := parseSizes(" 1000, 10000,,100000")
	if err != nil || len(got) != 3 || got[2] != 100000 {
		t.Errorf("parseSizes = %v, %v", got, err)
	}
	if got, err := parseSizes(""); err != nil || len(got) != 0 {
		t.Errorf("parseSizes(\"\") = %v, %v", got, err)
	}
	for _, bad := range []string{"0", "x", "-5", "16777216"} {
		if _, err := parseSizes(bad); err == nil {
			t.Errorf("parseSizes(%q): no error", bad)
		}
	}
}

func TestLayout(t *testing.T) {
	one := oneZone(250)
	if one.files() != 3 || one.zones() != 1 || one.name(249) != "host-000249.bench.test." || value(70000) != "10.1.17.112" {
		t.Errorf("oneZone: files %d zones %d name %s value %s", one.files(), one.zones(), one.name(249), value(70000))
	}
	many := manyZones(3)
	if many.n != 300 || many.zones() != 3 || many.name(250) != "host-000250.zone-0002.bench.test." || many.file(2) != "zone-0002.yaml" {
		t.Errorf("manyZones: %d %d %s", many.n, many.zones(), many.name(250))
	}
	var y bytes.Buffer
	if err := one.writeRecordsFile(&y, 2, overrides{200: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(y.String(), "- name:"); n != 50 || !strings.Contains(y.String(), "host-000200.bench.test.\n    type: A\n    value: 192.0.2.1\n") {
		t.Errorf("records file (%d records):\n%s", n, y.String())
	}
	// The rendered zone parses, and holds SOA, NS, glue and its records.
	var z bytes.Buffer
	if err := many.renderZone(&z, 1, 7, overrides{150: "192.0.2.9"}); err != nil {
		t.Fatal(err)
	}
	zp := dns.NewZoneParser(&z, "", "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rrs) != 103 {
		t.Fatalf("%d records, want 103", len(rrs))
	}
	if soa, ok := rrs[0].(*dns.SOA); !ok || soa.Serial != 7 || soa.Hdr.Name != "zone-0001.bench.test." {
		t.Errorf("first record %v", rrs[0])
	}
	if a := rrs[3+50].(*dns.A); a.Hdr.Name != "host-000150.zone-0001.bench.test." || a.A.String() != "192.0.2.9" {
		t.Errorf("override: %v", a)
	}
}

func TestCPUModel(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nprocessor\t: 1\nmodel name\t: other\n"
	if got := cpuModel(strings.NewReader(info)); got != "Intel(R) Xeon(R) Processor" {
		t.Errorf("cpuModel = %q", got)
	}
	if got := cpuModel(strings.NewReader("")); got != "unknown CPU" {
		t.Errorf("cpuModel of nothing = %q", got)
	}
}

func TestTickWatch(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"db.a", "db.b"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w, err := watchTicks(dir, "db.a")
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	ctx := context.Background()
	go func() {
		time.Sleep(50 * time.Millisecond)
		os.ReadFile(filepath.Join(dir, "db.b")) // another zone's file: no tick
		os.ReadFile(filepath.Join(dir, "db.a"))
	}()
	before := time.Now()
	tick, ok := w.next(ctx, 2*time.Second)
	if !ok || tick.Sub(before) < 40*time.Millisecond {
		t.Fatalf("tick %v after %v, ok %v", tick, tick.Sub(before), ok)
	}
	if _, ok := w.next(ctx, 100*time.Millisecond); ok {
		t.Error("a tick without an open")
	}
}

// TestReplicationFlags: -replication sets the replication scenario's size
// (0 skips it), -only keeps just the named scenarios, and the run line
// shows the replication size.
func TestReplicationFlags(t *testing.T) {
	o, err := parseFlags(nil)
	if err != nil || o.replication != 1000 || len(o.sizes) != 3 || o.zones != 1000 {
		t.Fatalf("defaults: %+v, %v", o, err)
	}
	o, err = parseFlags([]string{"-only", "replication", "-replication", "500", "-runs", "3"})
	if err != nil {
		t.Fatal(err)
	}
	if o.replication != 500 || len(o.sizes) != 0 || len(o.rfcSizes) != 0 || o.zones != 0 {
		t.Errorf("-only replication: %+v, want only the replication scenario", o)
	}
	if got, want := runLine(o), "`dnssync-bench -sizes \"\" -signedsizes \"\" -rfcsizes \"\" -rfcservers dynupdate,bind,knot -zones 0 -zonesd 0 -replication 500 -steady 0s -steadysize 100000 -allocs 100000 -runs 3 -loglevel warn -cold-deadline 5m0s`"; got != want {
		t.Errorf("runLine = %q, want %q", got, want)
	}
	o, err = parseFlags([]string{"-only", "zonefile, rfc2136"})
	if err != nil || len(o.sizes) != 3 || len(o.rfcSizes) != 2 || o.zones != 0 || o.replication != 0 {
		t.Errorf("-only zonefile,rfc2136: %+v, %v", o, err)
	}
	for _, bad := range [][]string{{"-only", "replicaton"}, {"-replication", "-1"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q): no error", bad)
		}
	}
	r := durationResult(scenReplication, "1000", metricAllSecondaries, 600*time.Millisecond, 500*time.Millisecond)
	if got := strings.Join(r.cells(), ";"); got != "zonefile, 4 secondaries;1000;served on all 4 secondaries (median);600 ms;500 ms;1.20x" {
		t.Errorf("cells = %q", got)
	}
}
