package desired

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The settle rules are timing: how long a file must be left alone, how
// many Settle periods one read may wait. Tests of that run on synctest's
// fake clock, the writer acting through the Store's injected sleep, so
// that each round is exact and costs no real time (file mtimes they
// compare are set from that clock too). A writer racing the reader on the
// real clock is TestInPlaceWriteNeverAppliedHalfWritten.

func settleStore(t *testing.T, settle time.Duration) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	opts := testOptions(dir)
	opts.Settle = settle
	return NewStore(opts, nil), dir
}

func tenFile(ip string) string {
	var recs []string
	for i := range 10 {
		recs = append(recs, aRecord(fmt.Sprintf("h%d.example.com", i), ip, 300))
	}
	return yamlFile(recs...)
}

// overwrite writes content into path in place (same inode), with its mtime
// set back by age so that it counts as stable already.
func overwrite(t *testing.T, path, content string, age time.Duration) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if age > 0 {
		old := time.Now().Add(-age)
		if err := os.Chtimes(path, old, old); err != nil {
			t.Fatal(err)
		}
	}
}

func recordCount(s *Store) int { return s.State().Records["example.com."] }

// A file rewritten in place in small writes, pausing less than Settle
// between them, is never applied half-written, however often it is
// reloaded meanwhile: every Reload sees the old ten records or the new ten.
// It runs on the real clock: the writer's pace is the test's input, and
// its writes must be free to land in the middle of a read.
func TestInPlaceWriteNeverAppliedHalfWritten(t *testing.T) {
	s, dir := settleStore(t, 100*time.Millisecond)
	path := writeFile(t, dir, "ten.yaml", tenFile("10.0.0.1"))
	overwrite(t, path, tenFile("10.0.0.1"), time.Minute)
	mustScan(t, s)
	content := tenFile("10.0.0.22") // each value cut short is a valid address too

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer fh.Close()
		for i := 0; i < len(content); i += 25 {
			time.Sleep(5 * time.Millisecond) // the writer under test is slow
			if _, err := fh.WriteString(content[i:min(i+25, len(content))]); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for reloads := 0; ; reloads++ {
		s.Reload([]string{path})
		if n := recordCount(s); n != 10 {
			t.Fatalf("after reload %d: %d records served, want 10 (half a file applied)", reloads, n)
		}
		select {
		case <-done:
			s.Reload([]string{path})
			if got := s.State().Zone("example.com."); got.Len() != 10 {
				t.Fatalf("%d sets after the write", got.Len())
			}
			wantFirst := "h0.example.com. 300 IN A 10.0.0.22"
			if got := zoneTexts(s.State().Zone("example.com."))[0]; got != wantFirst {
				t.Errorf("after the write: %s, want %s", got, wantFirst)
			}
			return
		default:
		}
	}
}

// Content that drops records, read from the same inode, is read again a
// Settle later before it applies: a writer that was still at work by then
// is caught, and a real removal applies.
func TestShrinkIsReadAgainBeforeItApplies(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testShrinkIsReadAgainBeforeItApplies)
}

func testShrinkIsReadAgainBeforeItApplies(t *testing.T) {
	s, dir := settleStore(t, 20*time.Millisecond)
	path := writeFile(t, dir, "ten.yaml", tenFile("10.0.0.1"))
	overwrite(t, path, tenFile("10.0.0.1"), time.Minute)
	mustScan(t, s)

	// Two records of ten, stable by their mtime: a writer that paused;
	// it finishes while the Store waits to read the file again.
	overwrite(t, path, yamlFile(aRecord("h0.example.com", "10.0.0.1", 300), aRecord("h1.example.com", "10.0.0.1", 300)), time.Minute)
	sleeps := 0
	s.sleep = func(d time.Duration) {
		if sleeps++; sleeps == 1 {
			overwrite(t, path, tenFile("10.0.0.1"), 0)
		}
		time.Sleep(d)
	}
	if zones := s.Reload([]string{path}); len(zones) != 0 {
		t.Errorf("a file put back as it was changed zones %q", zones)
	}
	if n := recordCount(s); n != 10 || sleeps == 0 {
		t.Fatalf("%d records after an in-place write caught half-way (slept %d times), want 10", n, sleeps)
	}

	// The same shrink, left alone, is a removal: it applies.
	s.sleep = time.Sleep
	overwrite(t, path, yamlFile(aRecord("h0.example.com", "10.0.0.1", 300), aRecord("h1.example.com", "10.0.0.1", 300)), time.Minute)
	if zones := s.Reload([]string{path}); len(zones) != 1 {
		t.Errorf("zones %q after a removal", zones)
	}
	if n := recordCount(s); n != 2 {
		t.Errorf("%d records after a removal, want 2", n)
	}

	// A file renamed into place (a new inode) is trusted at once.
	tmp := writeFile(t, dir, ".ten.yaml.tmp", yamlFile(aRecord("h0.example.com", "10.0.0.1", 300)))
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	slept := false
	s.sleep = func(d time.Duration) { slept = true; time.Sleep(d) }
	old := time.Now().Add(-time.Minute)
	os.Chtimes(path, old, old)
	s.Reload([]string{path})
	if n := recordCount(s); n != 1 || slept {
		t.Errorf("renamed in: %d records (want 1), waited %v (want no wait)", n, slept)
	}
}

// A file that never settles is left as it was, not applied half-written,
// and is read once it does.
func TestUnsettledFileKeepsLastGood(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testUnsettledFileKeepsLastGood)
}

func testUnsettledFileKeepsLastGood(t *testing.T) {
	const settle = 10 * time.Millisecond
	s, dir := settleStore(t, settle)
	path := writeFile(t, dir, "ten.yaml", tenFile("10.0.0.1"))
	overwrite(t, path, tenFile("10.0.0.1"), time.Minute)
	mustScan(t, s)
	// Every wait sees the file changed again.
	i := 0
	s.sleep = func(d time.Duration) {
		i++
		overwrite(t, path, yamlFile(aRecord(fmt.Sprintf("x%d.example.com", i), "10.0.0.1", 300)), 0)
		time.Sleep(d)
	}
	overwrite(t, path, yamlFile(aRecord("x0.example.com", "10.0.0.1", 300)), 0)
	start := time.Now()
	if zones := s.Reload([]string{path}); len(zones) != 0 || recordCount(s) != 10 {
		t.Errorf("a file that never settled changed zones %q, %d records", zones, recordCount(s))
	}
	// One busy writer stalls a Reload for maxSettleRounds Settles at most
	// (and one confirming read past them), never for as long as it writes.
	if waited, most := time.Since(start), (maxSettleRounds+1)*settle; i > maxSettleRounds+1 || waited > most || i == 0 {
		t.Errorf("waited %d times, %v; want at least once, at most %d times and %v", i, waited, maxSettleRounds+1, most)
	}
	s.sleep = time.Sleep
	if _, err := s.Scan(); err != nil {
		t.Fatal(err)
	}
	if n := recordCount(s); n != 1 {
		t.Errorf("%d records once the file settled, want 1", n)
	}
}

// A file still being written when a fresh Store first looks (the daemon
// starting, a one-shot command) is not taken for absent, which would
// delete what it serves: it is listed with a problem and as Incomplete,
// so deletions are held, and once it settles it is read as usual.
func TestFileStillWrittenAtStartIsIncomplete(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"Scan", "Reload"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) { testFileStillWrittenAtStart(t, how) })
		})
	}
}

func testFileStillWrittenAtStart(t *testing.T, how string) {
	s, dir := settleStore(t, 10*time.Millisecond)
	path := writeFile(t, dir, "ten.yaml", tenFile("10.0.0.1"))
	i := 0
	s.sleep = func(d time.Duration) { // every wait sees it changed again
		i++
		overwrite(t, path, tenFile(fmt.Sprintf("10.0.0.%d", i%2+1)), 0)
		time.Sleep(d)
	}
	load := func() {
		if how == "Scan" {
			mustScan(t, s)
		} else {
			s.Reload([]string{path})
		}
	}
	load()
	st := s.State()
	want := path + ": still being written; not read yet"
	if !slices.Equal(st.Incomplete, []string{path}) || !slices.Equal(problemTexts(st.Problems), []string{want}) || st.Files != 1 {
		t.Fatalf("while written: incomplete %q, problems %q, %d files; want %s incomplete with %q",
			st.Incomplete, problemTexts(st.Problems), st.Files, path, want)
	}

	s.sleep = time.Sleep
	overwrite(t, path, tenFile("10.0.0.1"), time.Minute)
	load()
	st = s.State()
	if len(st.Incomplete) != 0 || len(st.Problems) != 0 || st.Records["example.com."] != 10 {
		t.Errorf("once settled: incomplete %q, problems %q, %d records (want 10)",
			st.Incomplete, problemTexts(st.Problems), st.Records["example.com."])
	}
}
