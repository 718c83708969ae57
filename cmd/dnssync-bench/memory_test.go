//go:build linux

package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseMemoryTexts(t *testing.T) {
	t.Parallel()
	status := "Name:\tdnssync\nVmHWM:\t  261120 kB\nVmRSS:\t  102400 kB\nThreads:\t12\n"
	if n, err := parseStatusCount(strings.NewReader(status), "Threads"); err != nil || n != 12 {
		t.Errorf("Threads: %d, %v", n, err)
	}
	if _, err := parseStatusCount(strings.NewReader("Threads:\tmany\n"), "Threads"); err == nil {
		t.Error("Threads: many: no error")
	}
	if _, err := parseStatusCount(strings.NewReader(status), "Cpus_allowed"); err == nil {
		t.Error("no such line: no error")
	}
	if n, err := parseStatusKB(strings.NewReader(status), "VmRSS"); err != nil || n != 100<<20 {
		t.Errorf("VmRSS: %d, %v", n, err)
	}

	// The end of a heap profile in text (debug=1), as net/http/pprof writes it.
	heap := "heap profile: 3: 1024 [40: 90000] @ heap/1048576\n1: 512 [1: 512] @ 0x1 0x2\n\n# runtime.MemStats\n# Alloc = 9961472\n# TotalAlloc = 79540224\n# HeapAlloc = 9961472\n# HeapSys = 50331648\n"
	if n, err := parseMemStat(heap, "HeapAlloc"); err != nil || n != 9961472 {
		t.Errorf("HeapAlloc: %d, %v", n, err)
	}
	if _, err := parseMemStat("heap profile: 0: 0 [0: 0] @ heap/1\n", "HeapAlloc"); err == nil {
		t.Error("no MemStats: no error")
	}

	if n, err := parseGoroutineTotal("goroutine profile: total 13\n5 @ 0x1 0x2\n"); err != nil || n != 13 {
		t.Errorf("goroutines: %d, %v", n, err)
	}
	for _, bad := range []string{"", "<html>404</html>", "goroutine profile: total x\n"} {
		if _, err := parseGoroutineTotal(bad); err == nil {
			t.Errorf("goroutines %q: no error", bad)
		}
	}
}

// TestSettleRSS reads this test's own process: the RSS it returns is one
// it saw, and it stops at its quiet period rather than its maximum.
func TestSettleRSS(t *testing.T) {
	t.Parallel()
	start := time.Now()
	got, err := settleRSS(context.Background(), os.Getpid(), 10*time.Millisecond, 50*time.Millisecond, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	hwm, err := peakRSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if got <= 0 || got > hwm {
		t.Errorf("settled RSS %d, peak %d", got, hwm)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v: the quiet period did not end it", el)
	}
	if _, err := settleRSS(context.Background(), 1<<30, time.Millisecond, time.Millisecond, time.Millisecond); err == nil {
		t.Error("no such process: no error")
	}
}

// pprofTop is `go tool pprof -top -sample_index=alloc_space` as it prints.
const pprofTop = `File: dnssync
Build ID: 5cc622b71f4ede9612b933c6184b628db86c114a
Type: alloc_space
Time: 2026-12-01 05:56:52 UTC
Showing nodes accounting for 60.50MB, 79.75% of 75.86MB total
Dropped 120 nodes (cum <= 0.38MB)
Showing top 3 nodes out of 160
      flat  flat%   sum%        cum   cum%
   14.21MB 18.73% 18.73%    14.21MB 18.73%  github.com/dnssync/dnssync/internal/audit/passaudit.passEvents
   12.50MB 16.48% 35.21%    12.50MB 16.48%  gopkg.in/yaml%2ev3.(*parser).node
         0     0% 35.21%    20.10MB 26.50%  main.main
    1.88MB  2.68% 37.89%     1.88MB  2.68%  slices.Insert[go.shape.[]github.com/dnssync/dnssync/internal/apply.setText,go.shape.struct { github.com/dnssync/dnssync/internal/apply.key github.com/dnssync/dnssync/internal/rrset.Key; github.com/dnssync/dnssync/internal/apply.text string }]
`

func TestParsePprofTop(t *testing.T) {
	t.Parallel()
	got, err := parsePprofTop(pprofTop)
	if err != nil {
		t.Fatal(err)
	}
	want := topAllocs{Total: "75.86MB", Rows: []allocsRow{
		{"14.21MB", "18.73%", "github.com/dnssync/dnssync/internal/audit/passaudit.passEvents"},
		{"12.50MB", "16.48%", "gopkg.in/yaml.v3.(*parser).node"},
		{"0", "0%", "main.main"},
		{"1.88MB", "2.68%", "slices.Insert[...]"},
	}}
	if got.Total != want.Total || len(got.Rows) != len(want.Rows) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	for i := range want.Rows {
		if got.Rows[i] != want.Rows[i] {
			t.Errorf("row %d: %+v, want %+v", i, got.Rows[i], want.Rows[i])
		}
	}
	notes := got.notes("zonefile N=100000")
	if len(notes) != 5 || !strings.Contains(notes[0], "75.86MB allocated in all") ||
		notes[2] != "zonefile N=100000: allocations #2: 12.50MB (16.48%) in `gopkg.in/yaml.v3.(*parser).node`" {
		t.Errorf("notes:\n%s", strings.Join(notes, "\n"))
	}
	for _, bad := range []string{"", "go: no such tool \"pprof\"\n", "      flat  flat%   sum%        cum   cum%\n  1MB 1%\n"} {
		if _, err := parsePprofTop(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestReadyWatchCountsPasses: every STATUS= is the end of a pass (the
// first with READY=1); a watchdog ping is not, and the last one is kept.
func TestReadyWatchCountsPasses(t *testing.T) {
	t.Parallel()
	w, err := listenReady(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	path, _ := strings.CutPrefix(w.env(), "NOTIFY_SOCKET=")
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, msg := range []string{"READY=1\nSTATUS=1 zones, 10 records; first", "WATCHDOG=1", "STATUS=1 zones, 10 records; second", "STATUS=failing zones: bench.test."} {
		if _, err := conn.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.passes.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // polling a counter the reader goroutine sets
	}
	if n := w.passes.Load(); n != 3 {
		t.Fatalf("passes %d, want 3", n)
	}
	if last := deref(w.last.Load()); last != "failing zones: bench.test." || checkFirstPass(last, 1) == nil {
		t.Errorf("last status %q", last)
	}
}

// TestMemoryReport: the memory rows render with CoreDNS's number in the
// floor column and the ratio beside it.
func TestMemoryReport(t *testing.T) {
	t.Parallel()
	rs := []result{
		{Scenario: scenZonefile, N: "100000", Metric: metricRSS, Unit: unitBytes, D: 270 << 20, F: 108 << 20},
		{Scenario: scenZonefile, N: "100000", Metric: metricRSSSettled, Unit: unitBytes, D: 120 << 20, F: 96 << 20},
		{Scenario: scenZonefile, N: "100000", Metric: metricHeapLive, Unit: unitBytes, D: 60 << 20, F: nanF},
	}
	var b bytes.Buffer
	markdownTable(&b, rs)
	for _, want := range []string{
		"| zonefile | 100000 | peak RSS | 270.0 MiB | 108.0 MiB | 2.50x |",
		"| zonefile | 100000 | cold: RSS once settled | 120.0 MiB | 96.0 MiB | 1.25x |",
		"| zonefile | 100000 | cold: heap live after forced GC | 60.0 MiB | - | - |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
