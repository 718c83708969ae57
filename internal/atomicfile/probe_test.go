package atomicfile

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// autoDefault is CoreDNS auto's default regexp (plugin/auto/setup.go,
// v1.15.0). auto matches it, unanchored, against the base name of every
// file under its directory, recursively, dotfiles included (walk.go).
var autoDefault = regexp.MustCompile(`db\.(.*)`)

// TestTempNamesNeverMatchAuto: no temporary file name Write can create is
// one that CoreDNS's auto would load as a zone, and every one is
// recognised by IsTemp (so a stale one can be cleaned up).
func TestTempNamesNeverMatchAuto(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 2000; i++ {
		f, err := os.CreateTemp(dir, TempPattern)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		name := filepath.Base(f.Name())
		if autoDefault.MatchString(name) {
			t.Fatalf("temp name %q matches auto's %s", name, autoDefault)
		}
		if !IsTemp(name) {
			t.Fatalf("IsTemp(%q) = false", name)
		}
		if !strings.HasPrefix(name, ".") || strings.Contains(name, "db.") {
			t.Fatalf("temp name %q: want a dotfile without \"db.\"", name)
		}
	}
	for _, name := range []string{"db.example.com", ".dnssync-.tmp", "x.tmp", ".dnssync-1", ".db.example.com.123.tmp"} {
		if IsTemp(name) {
			t.Errorf("IsTemp(%q) = true", name)
		}
	}
}

func TestProbe(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "db.example.com")
	if err := os.WriteFile(keep, []byte("zone"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Probe(dir); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != "db.example.com" {
		t.Errorf("after Probe %s holds %v, want only db.example.com", dir, names)
	}
}

func TestProbeFailure(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) string
		want  string
	}{
		{
			name:  "missing dir",
			setup: func(t *testing.T) string { return filepath.Join(t.TempDir(), "missing") },
			want:  "no such file or directory",
		},
		{
			name: "not a dir",
			setup: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "file")
				if err := os.WriteFile(p, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			},
			want: "not a directory",
		},
		{
			name: "read-only dir",
			setup: func(t *testing.T) string {
				if os.Geteuid() == 0 {
					t.Skip("root writes into a mode 0555 dir; e2e TestFaultZoneDirReadOnly covers a read-only mount")
				}
				d := t.TempDir()
				if err := os.Chmod(d, 0o555); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.Chmod(d, 0o755) })
				return d
			},
			want: "permission denied",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.setup(t)
			err := Probe(dir)
			if err == nil {
				t.Fatal("Probe succeeded")
			}
			if !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q: want it to name %s and say %q", err, dir, tt.want)
			}
		})
	}
}

func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	files := map[string]time.Time{
		".dnssync-111.tmp":       old,        // stale: removed
		".dnssync-222.tmp":       time.Now(), // may be in use: kept
		"db.example.com":         old,
		".db.example.com.33.tmp": old, // not ours
		"notes.tmp":              old,
	}
	for name, mtime := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".dnssync-444.tmp"), 0o755); err != nil { // a dir: not ours to remove
		t.Fatal(err)
	}
	n, err := RemoveTemps(dir, time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("removed %d, want 1", n)
	}
	want := []string{".db.example.com.33.tmp", ".dnssync-222.tmp", ".dnssync-444.tmp", "db.example.com", "notes.tmp"}
	if got := entries(t, dir); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("left %v, want %v", got, want)
	}
	if n, err := RemoveTemps(filepath.Join(dir, "missing"), time.Now()); n != 0 || err != nil {
		t.Errorf("missing dir: %d, %v; want 0, nil", n, err)
	}
}
