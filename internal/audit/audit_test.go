package audit

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func readEvents(t *testing.T, path string) []Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Event
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

func TestAppendsAcrossReopens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Record(Event{Kind: "api", Name: "a.example.com.", Result: "ok", TokenID: "ci"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	// A restart opens the same file again: nothing is lost.
	l, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Record(Event{Kind: "change", Zone: "example.com.", Result: "ok"}, Event{Kind: "refused", Result: "unsafe"}); err != nil {
		t.Fatal(err)
	}
	got := readEvents(t, path)
	if len(got) != 3 || got[0].Kind != "api" || got[1].Kind != "change" || got[2].Kind != "refused" {
		t.Fatalf("events = %+v", got)
	}
	if got[0].Time.IsZero() {
		t.Error("time not set")
	}
}

func TestReopenAfterRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Record(Event{Kind: "api", Result: "ok"})
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	l.Record(Event{Kind: "change", Result: "ok"})
	if old, cur := readEvents(t, path+".1"), readEvents(t, path); len(old) != 1 || len(cur) != 1 || cur[0].Kind != "change" {
		t.Fatalf("rotated %+v, current %+v", old, cur)
	}
}

// Concurrent writers never interleave within a line.
func TestConcurrentLinesStayWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Record(Event{Kind: "api", Value: strings.Repeat("x", 2000), Result: "ok"})
		}()
	}
	wg.Wait()
	if got := readEvents(t, path); len(got) != 20 {
		t.Fatalf("%d events, want 20", len(got))
	}
}

func TestNilLogRecordsNothing(t *testing.T) {
	var l *Log
	if err := l.Record(Event{Kind: "api"}); err != nil {
		t.Fatal(err)
	}
}
