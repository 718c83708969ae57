package registry

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// An API file that is not a regular file the loader would read is refused
// at once, with ErrUnreadable naming the file and quoting nothing in it;
// the lock is released, so writes of other names go on; and the file is
// left for a person to look at.
func TestUnreadableAPIFileRefused(t *testing.T) {
	outside := t.TempDir()
	// What a link out of records.d points at: well-formed records for the
	// name, which must not be taken in.
	secret := filepath.Join(outside, "secret.yaml")
	if err := os.WriteFile(secret, []byte("records:\n  - {name: out.example.com, type: A, values: [192.0.2.99]}\n# SECRET-CONTENT\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		make func(t *testing.T, dir, path string)
		msg  string
	}{
		{"fifo.example.com", func(t *testing.T, _, path string) {
			if err := unix.Mkfifo(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "a FIFO"},
		{"dir.example.com", func(t *testing.T, _, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "a directory"},
		{"out.example.com", func(t *testing.T, _, path string) {
			if err := os.Symlink(secret, path); err != nil {
				t.Fatal(err)
			}
		}, "outside the records dir"},
		{"big.example.com", func(t *testing.T, dir, path string) {
			// A sparse file far larger than any record file, inside the
			// dir: read whole, it would take that much memory.
			big := filepath.Join(dir, ".big")
			f, err := os.Create(big)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Truncate(64 << 20); err != nil {
				t.Fatal(err)
			}
			f.Close()
			if err := os.Symlink(big, path); err != nil {
				t.Fatal(err)
			}
		}, "larger than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _, dir := newRegistry(t)
			path := filepath.Join(dir, fileName(c.name+"."))
			c.make(t, dir, path)
			done := make(chan error, 1)
			go func() {
				_, err := r.Register(t.Context(), Record{Name: c.name, Type: "A", Value: "192.0.2.1"})
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				// A blocked open of a FIFO returns once a writer comes.
				if fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK, 0); err == nil {
					unix.Close(fd)
				}
				<-done
				t.Fatal("register blocked for 5s on the API file")
			}
			if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("register: %v; want ErrUnreadable naming %s and %q", err, path, c.msg)
			}
			if err != nil && (strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "192.0.2.99") || strings.Contains(err.Error(), outside)) {
				t.Errorf("the error quotes what the link points at: %v", err)
			}
			if _, err := os.Lstat(path); err != nil {
				t.Errorf("the file was removed: %v", err)
			}
			// The lock was released: another name is written at once.
			r.LockTimeout = time.Second
			if _, err := r.Register(t.Context(), Record{Name: "other.example.com", Type: "A", Value: "192.0.2.2"}); err != nil {
				t.Errorf("register another name afterwards: %v", err)
			}
		})
	}
}
