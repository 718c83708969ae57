package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// fleet writes n A records into records.d as n/100 files of 100, the shape
// an orchestrator leaves (one file per server group).
func fleet(tb testing.TB, dir, zone string, n int) {
	tb.Helper()
	for f := 0; f < (n+99)/100; f++ {
		var b strings.Builder
		b.WriteString("records:\n")
		for i := f * 100; i < min(n, (f+1)*100); i++ {
			fmt.Fprintf(&b, "  - name: host-%06d.%s\n    type: A\n    value: 10.%d.%d.%d\n", i, zone, i>>16&255, i>>8&255, i&255)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("group-%04d.yaml", f)), []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// startBigDynupdate is CoreDNS dynupdate with room for n records.
func startBigDynupdate(tb testing.TB, n int) updateServer {
	return startPrimary(tb, corednstest.CoreDNS, corednstest.UpdateZone{MaxRecords: n + 100, MaxBytes: (n + 100) * 200})
}

// BenchmarkRFC2136ColdSync10k: `dnssync apply` of 10,000 records into an
// empty CoreDNS dynupdate zone, until every record is verified served.
func BenchmarkRFC2136ColdSync10k(b *testing.B) {
	const n = 10000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv := startBigDynupdate(b, n)
		e := newRFC2136Env(b, srv)
		fleet(b, e.records, "example.org", n)
		b.StartTimer()
		if _, stderr, code := e.cli("apply"); code != 0 {
			b.Fatalf("apply: exit %d: %s", code, stderr)
		}
		b.StopTimer()
		srv.Stop()
	}
}

// BenchmarkRFC2136OneChange10k: with 10,000 records served, one record
// changed by renaming its file in, until CoreDNS answers the new value.
func BenchmarkRFC2136OneChange10k(b *testing.B) {
	benchOneChange(b, func(tb testing.TB) *env { return newRFC2136Env(tb, startBigDynupdate(tb, 10000)) }, "example.org", 10000)
}

// BenchmarkZonefileOneChange10k: the same through a zone file and CoreDNS's
// auto plugin (reload 1s): bounded below by the reload tick.
func BenchmarkZonefileOneChange10k(b *testing.B) {
	benchOneChange(b, func(tb testing.TB) *env { return newEnv(tb) }, "example.com", 10000)
}

func benchOneChange(b *testing.B, newEnv func(testing.TB) *env, zone string, n int) {
	e := newEnv(b)
	fleet(b, e.records, zone, n)
	if _, stderr, code := e.cli("apply"); code != 0 {
		b.Fatalf("apply: exit %d: %s", code, stderr)
	}
	d := e.start()
	d.waitLog("first pass done")
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ip := fmt.Sprintf("192.0.2.%d", i%250+1)
		start := time.Now()
		e.write("group-0000.yaml", strings.Replace(readFile(b, filepath.Join(e.records, "group-0000.yaml")),
			"name: host-000000."+zone+"\n    type: A\n    value: "+lastValue(b, e, zone), "name: host-000000."+zone+"\n    type: A\n    value: "+ip, 1))
		e.served("host-000000."+zone, dns.TypeA, set(b, fmt.Sprintf("host-000000.%s 300 IN A %s", zone, ip)))
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
}

func readFile(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// lastValue is host-000000's value as records.d has it now.
func lastValue(tb testing.TB, e *env, zone string) string {
	s := readFile(tb, filepath.Join(e.records, "group-0000.yaml"))
	_, rest, _ := strings.Cut(s, "name: host-000000."+zone+"\n    type: A\n    value: ")
	v, _, _ := strings.Cut(rest, "\n")
	return v
}
