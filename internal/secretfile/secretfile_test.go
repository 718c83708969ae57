package secretfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const secret = "SECRET-0123456789"
	for _, c := range []struct {
		mode os.FileMode
		want string // "" ok
	}{
		{0o600, ""},
		{0o640, ""},
		{0o660, ""},
		{0o400, ""},
		{0o644, "readable by every user (mode 0644)"},
		{0o604, "readable by every user"},
		{0o602, "writable by every user"},
		{0o666, "readable and writable by every user"},
	} {
		path := filepath.Join(dir, "key")
		if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, c.mode); err != nil {
			t.Fatal(err)
		}
		b, err := Read("some_file", path)
		switch {
		case c.want == "" && (err != nil || string(b) != secret+"\n"):
			t.Errorf("mode %04o: %q, %v", c.mode, b, err)
		case c.want != "" && (err == nil || !errors.Is(err, ErrOpenToAll) || b != nil):
			t.Errorf("mode %04o: %q, %v; want a refusal", c.mode, b, err)
		case c.want != "":
			for _, w := range []string{"some_file", path, c.want, "chmod 600 " + path} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("mode %04o: %q does not say %q", c.mode, err, w)
				}
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error quotes the secret: %v", err)
			}
		}
		os.Remove(path)
	}
}

// A FIFO, a directory or a huge file in the secret's place is refused at
// once: nothing blocks, nothing big is read.
func TestReadRefusesWhatIsNotASecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	f, err := os.OpenFile(big, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(64 << 20)
	f.Close()
	for _, c := range []struct{ path, want string }{
		{fifo, "not a regular file"},
		{dir, "not a regular file"},
		{big, "larger than"},
		{filepath.Join(dir, "none"), "no such file"},
	} {
		done := make(chan error, 1)
		go func() { _, err := Read("some_file", c.path); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "some_file") {
				t.Errorf("%s: %v; want %q", c.path, err, c.want)
			}
		case <-time.After(5 * time.Second):
			if fd, err := unix.Open(c.path, unix.O_WRONLY|unix.O_NONBLOCK, 0); err == nil {
				unix.Close(fd)
			}
			<-done
			t.Fatalf("%s: blocked for 5s", c.path)
		}
	}
}
