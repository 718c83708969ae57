package desired

import (
	"context"
	"os"
	"path/filepath"
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
