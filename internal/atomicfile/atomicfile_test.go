package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// dirs returns a target dir and a separate temp dir on the same filesystem.
func dirs(t *testing.T) (dir, tmp string) {
	t.Helper()
	root := t.TempDir()
	dir, tmp = filepath.Join(root, "zones"), filepath.Join(root, "tmp")
	for _, d := range []string{dir, tmp} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, tmp
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name    string
		old     []byte      // nil: no file before
		oldPerm os.FileMode // of the old file
		data    []byte
		perm    os.FileMode
	}{
		{name: "new file", data: []byte("hello\n"), perm: 0o644},
		{name: "replace content", old: []byte("old content that is longer than the new\n"), oldPerm: 0o644, data: []byte("new\n"), perm: 0o644},
		{name: "replace with empty", old: []byte("old\n"), oldPerm: 0o644, data: []byte{}, perm: 0o644},
		{name: "private", data: []byte("secret\n"), perm: 0o600},
		{name: "permissions change on replace", old: []byte("old\n"), oldPerm: 0o600, data: []byte("new\n"), perm: 0o640},
		{name: "permissions not masked by umask", data: []byte("x"), perm: 0o666},
		{name: "large", data: bytes.Repeat([]byte("0123456789abcdef"), 1<<16), perm: 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, tmp := dirs(t)
			path := filepath.Join(dir, "db.example.com")
			if tt.old != nil {
				if err := os.WriteFile(path, tt.old, tt.oldPerm); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.oldPerm); err != nil {
					t.Fatal(err)
				}
			}
			if err := Write(path, tmp, tt.data, tt.perm); err != nil {
				t.Fatalf("Write: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Errorf("content = %.60q (%d bytes), want %.60q (%d bytes)", got, len(got), tt.data, len(tt.data))
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.perm || !fi.Mode().IsRegular() {
				t.Errorf("mode = %v, want %v", fi.Mode(), tt.perm)
			}
			if names := entries(t, dir); len(names) != 1 || names[0] != "db.example.com" {
				t.Errorf("%s holds %v, want only db.example.com", dir, names)
			}
			if names := entries(t, tmp); len(names) != 0 {
				t.Errorf("temp dir holds %v after success", names)
			}
		})
	}
}

func TestWriteSameDir(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := Write(path, dir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != "f" {
		t.Errorf("%s holds %v, want only f", dir, names)
	}
}

func TestWriteFailure(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir, tmp string) (path, tmpDir string)
	}{
		{
			name: "temp dir missing",
			setup: func(t *testing.T, dir, tmp string) (string, string) {
				return filepath.Join(dir, "db.example.com"), filepath.Join(tmp, "missing")
			},
		},
		{
			name: "target dir missing",
			setup: func(t *testing.T, dir, tmp string) (string, string) {
				return filepath.Join(dir, "missing", "db.example.com"), tmp
			},
		},
		{
			name: "target is a non-empty directory",
			setup: func(t *testing.T, dir, tmp string) (string, string) {
				path := filepath.Join(dir, "db.example.com")
				if err := os.MkdirAll(filepath.Join(path, "inside"), 0o755); err != nil {
					t.Fatal(err)
				}
				return path, tmp
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, tmp := dirs(t)
			keep := filepath.Join(dir, "keep")
			if err := os.WriteFile(keep, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			path, tmpDir := tt.setup(t, dir, tmp)
			err := Write(path, tmpDir, []byte("new"), 0o644)
			if err == nil {
				t.Fatal("Write succeeded")
			}
			if !strings.Contains(err.Error(), "write "+path) {
				t.Errorf("error %q does not name %s", err, path)
			}
			if names := entries(t, tmp); len(names) != 0 {
				t.Errorf("temp dir holds %v after a failure", names)
			}
			for _, name := range entries(t, dir) {
				if strings.HasSuffix(name, ".tmp") {
					t.Errorf("temp file %s in the target dir", name)
				}
			}
			if b, err := os.ReadFile(keep); err != nil || string(b) != "old" {
				t.Errorf("unrelated file changed: %q, %v", b, err)
			}
		})
	}
}

// TestWriteWithFillFails: a fill that fails part way leaves the old file
// whole and no temporary file behind; one that succeeds replaces it.
func TestWriteWithFillFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db.example.com")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := fmt.Errorf("source changed")
	err := WriteWith(path, dir, 0o644, func(f *os.File) error {
		if _, err := f.WriteString("half of the n"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "write "+path) {
		t.Fatalf("WriteWith: %v, want %v naming %s", err, boom, path)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "old" {
		t.Errorf("after a failed fill: %q, %v; want the old content", b, err)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("%s holds %v after a failed fill, want only the file", dir, names)
	}
	if err := WriteWith(path, dir, 0o600, func(f *os.File) error {
		_, err := f.WriteString("new")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if b, _ := os.ReadFile(path); string(b) != "new" || err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("after a fill: %q, mode %v (%v); want \"new\", 0600", b, fi.Mode(), err)
	}
}

// TestWriteReadersSeeWholeFiles: a reader racing the writer sees the old
// content or the new, never a mix or a truncated file.
func TestWriteReadersSeeWholeFiles(t *testing.T) {
	dir, tmp := dirs(t)
	path := filepath.Join(dir, "db.example.com")
	a := bytes.Repeat([]byte("a"), 256<<10)
	b := bytes.Repeat([]byte("b"), 128<<10)
	if err := Write(path, tmp, a, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var bad []string
	var mu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, a) && !bytes.Equal(got, b) {
				mu.Lock()
				bad = append(bad, fmt.Sprintf("%d bytes starting %.8q (err %v)", len(got), got, err))
				mu.Unlock()
			}
		}
	}()
	for i := range 100 {
		data := a
		if i%2 == 0 {
			data = b
		}
		if err := Write(path, tmp, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	if len(bad) > 0 {
		t.Errorf("%d partial reads, first: %s", len(bad), bad[0])
	}
}

// Callers that arrive while a sync of their directory is under way share
// the next one: one sync for all of them, and each gets its result.
func TestSyncDirShared(t *testing.T) {
	dir := t.TempDir()
	ds := dirSyncOf(dir)
	ds.turn.Lock() // a sync under way
	const n = 20
	errs := make(chan error, n)
	for range n {
		go func() { errs <- SyncDir(dir) }()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds.mu.Lock()
		joined := 0
		if ds.pending != nil {
			joined = ds.pending.callers
		}
		ds.mu.Unlock()
		if joined == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d callers joined the next sync", joined, n)
		}
		runtime.Gosched()
	}
	before := ds.syncs.Load()
	ds.turn.Unlock()
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := ds.syncs.Load() - before; got != 1 {
		t.Errorf("%d callers made %d syncs, want 1", n, got)
	}
	// A caller that comes after a sync ended gets a sync of its own, and
	// an error reaches it.
	if err := SyncDir(dir); err != nil || ds.syncs.Load()-before != 2 {
		t.Errorf("SyncDir after the shared one: %v, %d syncs in all; want nil and 2", err, ds.syncs.Load()-before)
	}
	if err := SyncDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("SyncDir of a missing directory = nil, want an error")
	}
}
