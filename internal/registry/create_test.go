package registry

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	webFile  = "records:\n  - name: web.example.com\n    type: A\n    value: 192.0.2.1\n"
	mailFile = "records:\n  - name: mail.example.com\n    type: A\n    value: 192.0.2.2\n"
)

func newFiles() []NewFile {
	return []NewFile{{Name: "web.example.com.yaml", Data: []byte(webFile)}, {Name: "mail.example.com.yaml", Data: []byte(mailFile)}}
}

// dirFiles lists the record files (no dotfiles) in dir.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestCreate: new files are written whole, with the registry's mode, and
// the loader reads them.
func TestCreate(t *testing.T) {
	t.Parallel()
	r, store, dir := newRegistry(t)
	if err := r.Create(t.Context(), newFiles()); err != nil {
		t.Fatal(err)
	}
	for _, f := range newFiles() {
		b, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil || string(b) != string(f.Data) {
			t.Errorf("%s: %q %v", f.Name, b, err)
		}
		if fi, err := os.Stat(filepath.Join(dir, f.Name)); err != nil || fi.Mode().Perm() != fileMode {
			t.Errorf("%s: mode %v %v, want %v", f.Name, fi.Mode().Perm(), err, os.FileMode(fileMode))
		}
	}
	rescan(t, store)
	if len(store.DeclaredAt("web.example.com")) != 1 || len(store.DeclaredAt("mail.example.com")) != 1 {
		t.Error("the loader does not read the files created")
	}
}

// TestCreateRefusesToReplace: when any file to create exists, the error
// names it and nothing at all is written.
func TestCreateRefusesToReplace(t *testing.T) {
	t.Parallel()
	for _, there := range []string{"web.example.com.yaml", "mail.example.com.yaml"} {
		t.Run(there, func(t *testing.T) {
			t.Parallel()
			r, _, dir := newRegistry(t)
			mine := "# a person's file\nrecords: []\n"
			if err := os.WriteFile(filepath.Join(dir, there), []byte(mine), 0o644); err != nil {
				t.Fatal(err)
			}
			err := r.Create(t.Context(), newFiles())
			if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), filepath.Join(dir, there)) {
				t.Fatalf("create: %v, want ErrExists naming %s", err, there)
			}
			if got := dirFiles(t, dir); !slices.Equal(got, []string{there}) {
				t.Errorf("records.d holds %v, want only %s", got, there)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, there)); string(b) != mine {
				t.Errorf("%s was changed: %q", there, b)
			}
			got, err := r.Existing([]string{"web.example.com.yaml", "mail.example.com.yaml"})
			if err != nil || !slices.Equal(got, []string{filepath.Join(dir, there)}) {
				t.Errorf("Existing = %v, %v", got, err)
			}
		})
	}
	t.Run("a dangling link", func(t *testing.T) {
		t.Parallel()
		r, _, dir := newRegistry(t)
		if err := os.Symlink("nowhere", filepath.Join(dir, "web.example.com.yaml")); err != nil {
			t.Fatal(err)
		}
		if err := r.Create(t.Context(), newFiles()); !errors.Is(err, ErrExists) {
			t.Fatalf("create over a dangling link: %v", err)
		}
	})
}

// TestCreateRefusesNames: names that are not a person's record file in
// records.d (a path, a dotfile, another suffix, the API's prefix) and
// content the loader would refuse are refused before anything is written.
func TestCreateRefusesNames(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, data, want string }{
		{"../web.yaml", webFile, "not a plain file name"},
		{"sub/web.yaml", webFile, "not a plain file name"},
		{".web.yaml", webFile, "starts with a dot"},
		{"web.json", webFile, "does not end in .yaml"},
		{"api-web.example.com.yaml", webFile, "marks the API's files"},
		{"other.yaml", "records:\n  - name: web.example.org\n    type: A\n    value: 192.0.2.1\n", "does not pass the checks"},
		{"web.yaml", mailFile, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, _, dir := newRegistry(t)
			files := []NewFile{{Name: "web.yaml", Data: []byte(webFile)}, {Name: tt.name, Data: []byte(tt.data)}}
			if tt.want == "given twice" {
				files[0].Data = []byte(mailFile)
			}
			err := r.Create(t.Context(), files)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("create: %v, want %q", err, tt.want)
			}
			if got := dirFiles(t, dir); len(got) > 0 {
				t.Errorf("written: %v", got)
			}
		})
	}
}

// TestCreateUnderTheLock: while another writer holds records.d's lock,
// nothing is created (ErrLocked once the wait is over).
func TestCreateUnderTheLock(t *testing.T) {
	t.Parallel()
	r, _, dir := newRegistry(t)
	release, err := lockDir(t.Context(), dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r.LockTimeout = 50 * time.Millisecond
	if err := r.Create(t.Context(), newFiles()); !errors.Is(err, ErrLocked) {
		t.Fatalf("create while locked: %v, want ErrLocked", err)
	}
	if got := dirFiles(t, dir); len(got) > 0 {
		t.Errorf("written while locked: %v", got)
	}
	release()
	if err := r.Create(t.Context(), newFiles()); err != nil {
		t.Fatalf("create once released: %v", err)
	}
}

// TestCreateAllOrNone: a write that fails midway takes the files written
// before it away again. (Not parallel: it replaces the writer.)
func TestCreateAllOrNone(t *testing.T) {
	r, _, dir := newRegistry(t)
	real := writeFile
	t.Cleanup(func() { writeFile = real })
	n := 0
	writeFile = func(path, tmpDir string, data []byte, perm os.FileMode) error {
		if n++; n == 2 {
			return errors.New("disk full")
		}
		return real(path, tmpDir, data, perm)
	}
	err := r.Create(t.Context(), newFiles())
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("create: %v", err)
	}
	if got := dirFiles(t, dir); len(got) > 0 {
		t.Errorf("left behind: %v", got)
	}
}
