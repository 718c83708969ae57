package desired

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// A writer that truncated a file of ten records, wrote three and paused
// past maxWriterHold with the file still open gets no deletion through,
// whether a Scan or a watcher's Reload reads it: the file keeps its last
// good records, with a problem saying why, until the writer closes it.
// Content that only adds records applies meanwhile. Once closed, the file
// is read as usual, the same bytes included.
func TestStillOpenPastHoldKeepsLastGood(t *testing.T) {
	s, dir := settleStore(t, 20*time.Millisecond)
	path := writeFile(t, dir, "ten.yaml", tenFile("10.0.0.1"))
	overwrite(t, path, tenFile("10.0.0.1"), time.Minute)
	mustScan(t, s)
	if n := recordCount(s); n != 10 {
		t.Fatalf("%d records to start with, want 10", n)
	}
	// The watcher saw the writer's first write longer ago than the hold.
	s.writing.wrote(path, time.Now().Add(-maxWriterHold-time.Second))
	var three []string
	for i := range 3 {
		three = append(three, aRecord(fmt.Sprintf("h%d.example.com", i), "10.0.0.1", 300))
	}
	stillOpen := []string{path + ": still open for writing after 10s; keeping its last good records"}

	for _, read := range []struct {
		name string
		load func()
	}{
		{"Scan", func() { mustScan(t, s) }},
		{"Reload", func() { s.Reload([]string{path}) }},
	} {
		overwrite(t, path, yamlFile(three...), time.Minute) // settled, by its mtime
		read.load()
		st := s.State()
		if n := st.Records["example.com."]; n != 10 {
			t.Fatalf("%s of 3 of 10 records still being written: %d records, want the last good 10", read.name, n)
		}
		if got := problemTexts(st.Problems); !slices.Equal(got, stillOpen) || len(st.Incomplete) > 0 {
			t.Errorf("%s: problems %q, incomplete %q; want %q", read.name, got, st.Incomplete, stillOpen)
		}
	}

	// Only additions: nothing is lost by applying them.
	overwrite(t, path, tenFile("10.0.0.1")+aRecord("h10.example.com", "10.0.0.1", 300), time.Minute)
	mustScan(t, s)
	if st := s.State(); st.Records["example.com."] != 11 || len(st.Problems) > 0 {
		t.Fatalf("additions while open: %d records (want 11), problems %q", st.Records["example.com."], problemTexts(st.Problems))
	}
	overwrite(t, path, yamlFile(three...), time.Minute)
	mustScan(t, s)
	if n := recordCount(s); n != 11 {
		t.Fatalf("3 records while still open: %d records, want the last good 11", n)
	}

	// The writer closes the file as it is: three records are what it meant.
	s.writing.closed(path)
	mustScan(t, s)
	if st := s.State(); st.Records["example.com."] != 3 || len(st.Problems) > 0 {
		t.Errorf("once closed: %d records (want 3), problems %q", st.Records["example.com."], problemTexts(st.Problems))
	}
}

// The batcher hands over a path whose writer has kept it open past the
// hold, but keeps knowing that the writer has it open, so that the Store
// can refuse its deletions; only a close, a removal or lost events forget.
func TestBatcherRemembersWriterPastHold(t *testing.T) {
	const path = "/records.d/ten.yaml"
	w := &writers{}
	b := &batcher{pending: map[string]bool{path: true}, ready: make(map[string]bool), writing: w}
	t0 := time.Now()
	w.wrote(path, t0)
	if b.flush(t0.Add(time.Second)); b.ready[path] {
		t.Fatal("a path open for a second was handed over")
	}
	if b.flush(t0.Add(maxWriterHold)); !b.ready[path] {
		t.Fatal("a path open past the hold was not handed over")
	}
	if !w.open(path) || w.holds(path, t0.Add(maxWriterHold)) {
		t.Errorf("past the hold: open %v (want true), holds %v (want false)", w.open(path), w.holds(path, t0.Add(maxWriterHold)))
	}
	w.closed(path)
	if w.open(path) {
		t.Error("a closed path is still open")
	}
	w.wrote(path, t0)
	w.reset()
	if w.open(path) {
		t.Error("a path is still open after reset")
	}
}
