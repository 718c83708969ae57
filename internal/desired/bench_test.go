package desired

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkLoad: reading records.d of 1,000 files x 100 records, cold.
func BenchmarkLoad100k(b *testing.B) {
	dir := b.TempDir()
	for f := 0; f < 1000; f++ {
		var s strings.Builder
		s.WriteString("records:\n")
		for i := f * 100; i < (f+1)*100; i++ {
			fmt.Fprintf(&s, "  - name: host-%06d.example.com\n    type: A\n    value: 10.%d.%d.%d\n", i, i>>16&255, i>>8&255, i&255)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("g%04d.yaml", f)), []byte(s.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	opts := Options{Dir: dir, Zones: []string{"example.com"}, DefaultTTL: 300}
	b.ReportAllocs()
	for b.Loop() {
		st, err := LoadDir(opts, nil)
		if err != nil || st.Records["example.com."] != 100000 {
			b.Fatalf("%v, %d records", err, st.Records["example.com."])
		}
	}
}

// BenchmarkReloadOneFile: one file of 100 changed in a store of 100,000
// records: the cost of a change must not grow with the fleet.
func BenchmarkReloadOneFile100k(b *testing.B) {
	dir := b.TempDir()
	write := func(f int, v int) string {
		var s strings.Builder
		s.WriteString("records:\n")
		for i := f * 100; i < (f+1)*100; i++ {
			fmt.Fprintf(&s, "  - name: host-%06d.example.com\n    type: A\n    value: 10.%d.%d.%d\n", i, v, i>>8&255, i&255)
		}
		path := filepath.Join(dir, fmt.Sprintf("g%04d.yaml", f))
		if err := os.WriteFile(path, []byte(s.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		return path
	}
	for f := 0; f < 1000; f++ {
		write(f, 0)
	}
	s := NewStore(Options{Dir: dir, Zones: []string{"example.com"}, DefaultTTL: 300}, nil)
	if _, err := s.Scan(); err != nil {
		b.Fatal(err)
	}
	gen := s.State().Generation
	b.ReportAllocs()
	v := 0
	for b.Loop() {
		v++
		path := write(7, v%200+1)
		if zones := s.Reload([]string{path}); len(zones) != 1 {
			b.Fatal(zones)
		}
		st := s.State()
		if names, ok := s.ChangedSince("example.com.", gen); !ok || len(names) != 100 {
			b.Fatalf("%d names changed (known %v), want 100", len(names), ok)
		}
		gen = st.Generation
	}
}

// benchRecords is the fleet size of the cold-start benchmarks: 100,000 by
// default, DNSSYNC_BENCH_RECORDS=1000000 for the million (a minute or more
// per run, and a few hundred MB of files).
func benchRecords(b *testing.B) int {
	n := 100_000
	if v := os.Getenv("DNSSYNC_BENCH_RECORDS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			b.Fatalf("DNSSYNC_BENCH_RECORDS=%q: want a number of records, at least 100", v)
		}
	}
	return n
}

// benchLayout writes n A records as cmd/dnssync-bench does: files of 100
// records, either all in zone bench.test (group-NNNN.yaml) or one zone per
// file (zone-NNNN.bench.test in zone-NNNN.yaml). It returns the zones.
func benchLayout(b *testing.B, dir string, n int, manyZones bool) []string {
	zone := func(int) string { return "bench.test" }
	file := func(f int) string { return fmt.Sprintf("group-%04d.yaml", f) }
	if manyZones {
		zone = func(f int) string { return fmt.Sprintf("zone-%04d.bench.test", f) }
		file = func(f int) string { return fmt.Sprintf("zone-%04d.yaml", f) }
	}
	var zones []string
	for f := 0; f*100 < n; f++ {
		if f == 0 || manyZones {
			zones = append(zones, zone(f))
		}
		fh, err := os.Create(filepath.Join(dir, file(f)))
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(fh)
		w.WriteString("records:\n")
		for i := f * 100; i < min(n, (f+1)*100); i++ {
			fmt.Fprintf(w, "  - name: host-%06d.%s.\n    type: A\n    value: 10.%d.%d.%d\n", i, zone(f), i>>16&255, i>>8&255, i&255)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := fh.Close(); err != nil {
			b.Fatal(err)
		}
	}
	return zones
}

// BenchmarkColdStart: a new Store's first Scan and State over the whole
// fleet, what the daemon does before it writes its first zone. live-MB is
// the heap the Store holds afterwards (after a GC), the desired state's
// share of the daemon's memory.
func BenchmarkColdStart(b *testing.B) {
	forLayouts(b, func(b *testing.B, n int, opts Options) {
		var s *Store
		b.ReportAllocs()
		for b.Loop() {
			s = nil
			s = NewStore(opts, nil)
			if _, err := s.Scan(); err != nil {
				b.Fatal(err)
			}
			st := s.State()
			total := 0
			for _, c := range st.Records {
				total += c
			}
			if total != n || len(st.Problems) > 0 {
				b.Fatalf("%d records, %d problems; want %d, none", total, len(st.Problems), n)
			}
		}
		b.StopTimer()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(s)
		s = nil
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "live-MB")
	})
}

// forLayouts runs bench on the benchmark's fleet of n records in one zone,
// and in one zone per file, each in a directory of its own.
func forLayouts(b *testing.B, bench func(b *testing.B, n int, opts Options)) {
	n := benchRecords(b)
	for _, many := range []bool{false, true} {
		name := fmt.Sprintf("records=%d/zones=1", n)
		if many {
			name = fmt.Sprintf("records=%d/zones=%d", n, (n+99)/100)
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			zones := benchLayout(b, dir, n, many)
			bench(b, n, Options{Dir: dir, Zones: zones, DefaultTTL: 300})
		})
	}
}

// BenchmarkState: State on a Store where nothing changed, as each pass
// calls it.
func BenchmarkState(b *testing.B) {
	forLayouts(b, func(b *testing.B, _ int, opts Options) {
		s := NewStore(opts, nil)
		if _, err := s.Scan(); err != nil {
			b.Fatal(err)
		}
		s.State()
		b.ReportAllocs()
		for b.Loop() {
			s.State()
		}
	})
}

// BenchmarkReload: one file of 100 records changed in the benchmark's
// fleet (one zone), then State and ChangedSince, as the daemon does per
// change: what it costs must be the file's, not the fleet's.
func BenchmarkReload(b *testing.B) {
	n := benchRecords(b)
	dir := b.TempDir()
	zones := benchLayout(b, dir, n, false)
	s := NewStore(Options{Dir: dir, Zones: zones, DefaultTTL: 300}, nil)
	if _, err := s.Scan(); err != nil {
		b.Fatal(err)
	}
	gen := s.State().Generation
	path := filepath.Join(dir, "group-0007.yaml")
	b.ReportAllocs()
	v := 0
	for b.Loop() {
		v++
		var s2 strings.Builder
		s2.WriteString("records:\n")
		for i := 700; i < 800; i++ {
			fmt.Fprintf(&s2, "  - name: host-%06d.bench.test.\n    type: A\n    value: 192.0.%d.%d\n", i, v%200+1, i&255)
		}
		if err := os.WriteFile(path, []byte(s2.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		if zones := s.Reload([]string{path}); len(zones) != 1 {
			b.Fatal(zones)
		}
		st := s.State()
		if names, ok := s.ChangedSince("bench.test.", gen); !ok || len(names) != 100 {
			b.Fatalf("%d names changed (known %v), want 100", len(names), ok)
		}
		gen = st.Generation
	}
}
