package desired

import (
	"fmt"
	"os"
	"path/filepath"
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
