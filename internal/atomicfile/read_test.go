package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// ReadRegular reads a regular file, says a missing one is missing (nil,
// no error) and an empty one empty, and refuses a link or a FIFO without
// blocking on it.
func TestReadRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file, empty, link, fifo := filepath.Join(dir, "f"), filepath.Join(dir, "e"), filepath.Join(dir, "l"), filepath.Join(dir, "p")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, st, err := ReadRegular(file); string(b) != "x" || st == nil || err != nil {
		t.Errorf("a file: %q, %v, %v", b, st, err)
	}
	if b, _, err := ReadRegular(empty); b == nil || len(b) != 0 || err != nil {
		t.Errorf("an empty file: %#v, %v", b, err)
	}
	if b, _, err := ReadRegular(filepath.Join(dir, "none")); b != nil || err != nil {
		t.Errorf("a missing file: %q, %v", b, err)
	}
	for _, p := range []string{link, fifo, dir} {
		if _, _, err := ReadRegular(p); !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: %v, want ErrNotRegular", filepath.Base(p), err)
		}
	}
}
