package desired

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

const watchDeadline = 5 * time.Second // generous: CI machines stall

func startWatch(t *testing.T, dir string, debounce time.Duration) <-chan []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := NewStore(testOptions(dir), nil).Watch(ctx, debounce, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func nextBatch(t *testing.T, ch <-chan []string) []string {
	t.Helper()
	select {
	case b, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return b
	case <-time.After(watchDeadline):
		t.Fatal("no batch before the deadline")
		return nil
	}
}

func noBatch(t *testing.T, ch <-chan []string, within time.Duration) {
	t.Helper()
	select {
	case b := <-ch:
		t.Errorf("unexpected batch %q", b)
	case <-time.After(within):
	}
}

func TestWatchBurstIsOneBatch(t *testing.T) {
	dir := t.TempDir()
	const debounce = 200 * time.Millisecond
	ch := startWatch(t, dir, debounce)
	var path string
	for i := range 20 {
		path = writeFile(t, dir, "web.yaml", yamlFile(aRecord("web.example.com", "10.0.0.1", i)))
	}
	other := writeFile(t, dir, "db.yml", yamlFile(aRecord("db.example.com", "10.0.0.2", 300)))
	if got := nextBatch(t, ch); !slices.Equal(got, []string{other, path}) {
		t.Errorf("batch = %q, want [%s %s]", got, other, path)
	}
	noBatch(t, ch, 5*debounce)
}

func TestWatchSeesRenameInAndIgnoresOtherFiles(t *testing.T) {
	dir := t.TempDir()
	ch := startWatch(t, dir, 50*time.Millisecond)
	writeFile(t, dir, "notes.txt", "x")
	writeFile(t, dir, ".hidden.yaml", "x")
	writeFile(t, dir, "web.yaml~", "x")
	tmp := writeFile(t, dir, ".web.yaml.tmp", yamlFile(aRecord("web.example.com", "10.0.0.1", 300)))
	final := filepath.Join(dir, "web.yaml")
	if err := os.Rename(tmp, final); err != nil {
		t.Fatal(err)
	}
	if got := nextBatch(t, ch); !slices.Equal(got, []string{final}) {
		t.Errorf("batch = %q, want only %s", got, final)
	}
	// A temp file written outside the dir and renamed in is seen too.
	outside := filepath.Join(t.TempDir(), "x")
	if err := os.WriteFile(outside, []byte("records: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(dir, "moved.yaml")
	if err := os.Rename(outside, moved); err != nil {
		t.Fatal(err)
	}
	if got := nextBatch(t, ch); !slices.Equal(got, []string{moved}) {
		t.Errorf("batch = %q, want %s", got, moved)
	}
	// And a deletion.
	removeFile(t, dir, "web.yaml")
	if got := nextBatch(t, ch); !slices.Equal(got, []string{final}) {
		t.Errorf("batch = %q, want %s", got, final)
	}
}

func TestWatchClosesOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := NewStore(testOptions(t.TempDir()), nil).Watch(ctx, 10*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	deadline := time.After(watchDeadline)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("channel not closed after cancel")
		}
	}
}

func TestWatchMissingDir(t *testing.T) {
	s := NewStore(testOptions(filepath.Join(t.TempDir(), "nope")), nil)
	if _, err := s.Watch(context.Background(), time.Second, nil); err == nil {
		t.Error("no error for a missing dir")
	}
}

// A steady trickle of events must not postpone the batch forever.
func TestBatchWaitIsCapped(t *testing.T) {
	const d = time.Second
	t0 := time.Unix(1000, 0)
	b := &batcher{debounce: d, first: t0}
	for _, tc := range []struct {
		now  time.Duration
		want time.Duration
	}{
		{0, d},
		{5 * d, d},
		{9*d + d/2, d / 2},
		{10 * d, 0},
		{12 * d, 0},
	} {
		if got := b.wait(t0.Add(tc.now)); got != tc.want {
			t.Errorf("wait at +%v = %v, want %v", tc.now, got, tc.want)
		}
	}
}

// After the records dir is removed and created again, changes in the new
// dir are seen at once, not only by the next scheduled scan.
func TestWatchSeesDirCreatedAgain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "records.d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "old.yaml", yamlFile(aRecord("old.example.com", "10.0.0.1", 300)))
	ch := startWatch(t, dir, 20*time.Millisecond)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for round := range 2 { // and again: the new watch works like the first
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		path := writeFile(t, dir, fmt.Sprintf("new%d.yaml", round), yamlFile(aRecord("new.example.com", "10.0.0.2", 300)))
		deadline := time.After(watchDeadline)
	seen:
		for {
			select {
			case b := <-ch:
				// The file itself: the dir's own path (a full rescan)
				// would take files not back yet for deleted.
				if slices.Contains(b, dir) {
					t.Fatalf("round %d: batch %q asks for a full rescan", round, b)
				}
				if slices.Contains(b, path) {
					break seen
				}
			case <-deadline:
				t.Fatalf("round %d: %s never reported after the dir came back", round, path)
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
	}
}

// A file written in place is reported once its writer closes it, not while
// the writer pauses (where the kernel tells; Linux).
func TestWatchWaitsForWriterToClose(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("writers closing files are reported on Linux only")
	}
	dir := t.TempDir()
	const debounce = 20 * time.Millisecond
	path := writeFile(t, dir, "web.yaml", yamlFile(aRecord("web.example.com", "10.0.0.1", 300)))
	ch := startWatch(t, dir, debounce)
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.WriteString("records:\n"); err != nil {
		t.Fatal(err)
	}
	noBatch(t, ch, 15*debounce) // far past the debounce and its 10x cap
	if _, err := fh.WriteString(aRecord("web.example.com", "10.0.0.2", 300)); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	if got := nextBatch(t, ch); !slices.Equal(got, []string{path}) {
		t.Errorf("batch = %q, want %s", got, path)
	}
}

// A records dir replaced by one that holds only some of the files (a
// deploy part way through), whether the old one was removed or renamed
// away: each file in the new dir is offered, and nothing else. Neither the
// dir's own path (a full rescan) nor the old dir's removed files, which
// would delete the records of files not back yet.
func TestWatchDirReplacedOffersOnlyItsFiles(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "records.d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.yaml", "b.yaml"} {
		writeFile(t, dir, name, yamlFile(aRecord("a.example.com", "10.0.0.1", 300)))
	}
	// A long debounce: the old dir's events are all pending when it goes.
	ch := startWatch(t, dir, 300*time.Millisecond)
	for round, away := range []func() error{
		func() error { return os.RemoveAll(dir) },
		func() error { return os.Rename(dir, filepath.Join(parent, "old")) },
	} {
		next := filepath.Join(parent, "next")
		if err := os.Mkdir(next, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, next, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.2", 300)))
		if err := away(); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(next, dir); err != nil {
			t.Fatal(err)
		}
		a := filepath.Join(dir, "a.yaml")
		if got := nextBatch(t, ch); !slices.Equal(got, []string{a}) {
			t.Errorf("round %d: batch = %q, want only %s", round, got, a)
		}
		// b.yaml is not in the new dir: it is the scheduled Scan's.
		writeFile(t, dir, "b.yaml", yamlFile(aRecord("b.example.com", "10.0.0.2", 300)))
		if got := nextBatch(t, ch); !slices.Equal(got, []string{filepath.Join(dir, "b.yaml")}) {
			t.Errorf("round %d: batch = %q, want only b.yaml", round, got)
		}
	}
}

// A Scan leaves a record file alone while its writer has it open (Linux,
// where the watcher is told): the file keeps its last good records, a new
// one holds deletions (Incomplete); once closed, both are read.
func TestScanSkipsFilesOpenForWriting(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("writers closing files are reported on Linux only")
	}
	s, dir := settleStore(t, 20*time.Millisecond)
	path := writeFile(t, dir, "ten.yaml", tenFile("10.0.0.1"))
	overwrite(t, path, tenFile("10.0.0.1"), time.Minute)
	mustScan(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if _, err := s.Watch(ctx, 20*time.Millisecond, nil); err != nil {
		t.Fatal(err)
	}

	// ten.yaml truncated and two records of ten written; new.yaml begun.
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	two := yamlFile(aRecord("h0.example.com", "10.0.0.1", 300), aRecord("h1.example.com", "10.0.0.1", 300))
	if _, err := fh.WriteString(two); err != nil {
		t.Fatal(err)
	}
	newPath := filepath.Join(dir, "new.yaml")
	nh, err := os.OpenFile(newPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer nh.Close()
	if _, err := nh.WriteString(yamlFile(aRecord("new.example.com", "10.0.0.3", 300))); err != nil {
		t.Fatal(err)
	}
	waitWriting(t, s, true, path, newPath)
	// Both look settled: their mtimes are long past.
	old := time.Now().Add(-time.Minute)
	for _, p := range []string{path, newPath} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	mustScan(t, s)
	st := s.State()
	if n := st.Records["example.com."]; n != 10 || !slices.Equal(st.Incomplete, []string{newPath}) {
		t.Fatalf("while written: %d records (want the last good 10), incomplete %q (want %s)", n, st.Incomplete, newPath)
	}

	var rest strings.Builder // h2 to h9 changed: the final content is read
	for i := 2; i < 10; i++ {
		rest.WriteString(aRecord(fmt.Sprintf("h%d.example.com", i), "10.0.0.9", 300))
	}
	if _, err := fh.WriteString(rest.String()); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	nh.Close()
	waitWriting(t, s, false, path, newPath)
	mustScan(t, s)
	st = s.State()
	if n := st.Records["example.com."]; n != 11 || len(st.Incomplete) != 0 || len(st.Problems) != 0 {
		t.Errorf("once closed: %d records (want 11), incomplete %q, problems %q", n, st.Incomplete, problemTexts(st.Problems))
	}
	if want := "h9.example.com. 300 IN A 10.0.0.9"; !slices.Contains(zoneTexts(st.Zone("example.com.")), want) {
		t.Errorf("once closed: %q lacks %s", zoneTexts(st.Zone("example.com.")), want)
	}
}

// waitWriting polls until the Store's view of paths being written is open.
func waitWriting(t *testing.T, s *Store, open bool, paths ...string) {
	t.Helper()
	deadline := time.Now().Add(watchDeadline)
	for time.Now().Before(deadline) {
		if !slices.ContainsFunc(paths, func(p string) bool { return s.writing.holds(p, time.Now()) != open }) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("paths %q never seen open=%v by the watcher", paths, open)
}

// A writer that never closes its file holds it back for maxWriterHold,
// not for ever.
func TestWritersHoldIsBounded(t *testing.T) {
	var w writers
	t0 := time.Unix(1000, 0)
	w.wrote("a", t0)
	w.wrote("a", t0.Add(time.Second)) // a later write does not extend the hold
	for _, tc := range []struct {
		at   time.Duration
		want bool
	}{
		{0, true},
		{maxWriterHold - time.Millisecond, true},
		{maxWriterHold, false},
	} {
		if got := w.holds("a", t0.Add(tc.at)); got != tc.want {
			t.Errorf("holds at +%v = %v, want %v", tc.at, got, tc.want)
		}
	}
	if w.holds("b", t0) {
		t.Error("a path never written is held")
	}
	w.closed("a")
	if w.holds("a", t0) {
		t.Error("a closed path is still held")
	}
}
