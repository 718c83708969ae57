package desired

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

const watchDeadline = 5 * time.Second // generous: CI machines stall

func startWatch(t *testing.T, dir string, debounce time.Duration) <-chan []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := Watch(ctx, dir, debounce, nil)
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
	ch, err := Watch(ctx, t.TempDir(), 10*time.Millisecond, nil)
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
	if _, err := Watch(context.Background(), filepath.Join(t.TempDir(), "nope"), time.Second, nil); err == nil {
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
	old := writeFile(t, dir, "old.yaml", yamlFile(aRecord("old.example.com", "10.0.0.1", 300)))
	ch := startWatch(t, dir, 20*time.Millisecond)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if got := nextBatch(t, ch); !slices.Equal(got, []string{old}) {
		t.Errorf("batch = %q, want the removed %s", got, old)
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
				// The file itself, or the dir: a full rescan, which reads it.
				if slices.Contains(b, path) || slices.Contains(b, dir) {
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
