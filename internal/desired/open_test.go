package desired

import (
	"bytes"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fakeSecret stands for a TSIG key or an API token the daemon can read.
const fakeSecret = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0xMjM0NTY3ODk="

// loggedStore is a Store whose log the test can read.
func loggedStore(t *testing.T) (*Store, string, *syncWriter) {
	t.Helper()
	dir := t.TempDir()
	w := &syncWriter{w: new(bytes.Buffer)}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return NewStore(testOptions(dir), log), dir, w
}

// syncWriter lets parallel readers of files log into one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

// scanWithin fails the test if Scan does not return in time: a FIFO opened
// the wrong way blocks for ever.
func scanWithin(t *testing.T, s *Store) []string {
	t.Helper()
	type result struct {
		zones []string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		z, err := s.Scan()
		done <- result{z, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("Scan: %v", r.err)
		}
		return r.zones
	case <-time.After(10 * time.Second):
		t.Fatal("Scan hangs")
		return nil
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func wantProblem(t *testing.T, s *Store, path, msg string) {
	t.Helper()
	st := s.State()
	if !slices.ContainsFunc(st.Problems, func(p Problem) bool { return p.File == path && p.Msg == msg }) {
		t.Errorf("problems = %q, want %s: %s", problemTexts(st.Problems), path, msg)
	}
}

func wantServed(t *testing.T, s *Store, want ...string) {
	t.Helper()
	if got := zoneTexts(s.State().Zone("example.com.")); !slices.Equal(got, want) {
		t.Errorf("example.com. = %q, want %q", got, want)
	}
}

// A link to a file outside the records dir is not read at all: its content
// (here a secret that is valid YAML, and one that is a records file) shows
// up in no problem and no log line, and the file's last good content stays.
func TestSymlinkOutsideIsNotRead(t *testing.T) {
	s, dir, logs := loggedStore(t)
	outside := t.TempDir()
	for name, content := range map[string]string{
		"key.yaml":     "key: " + fakeSecret + "\n",
		"records.yaml": "records:\n  - name: " + strings.ToLower(fakeSecret[:20]) + ".example.com\n    type: A\n    value: " + fakeSecret + "\n",
		"token":        fakeSecret + "\n",
	} {
		if err := os.WriteFile(filepath.Join(outside, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	web := writeFile(t, dir, "web.yaml", yamlFile(aRecord("web.example.com", "10.0.0.1", 300)))
	mustScan(t, s)
	for _, target := range []string{"key.yaml", "records.yaml", "token", "../" + filepath.Base(outside) + "/token"} {
		os.Remove(web)
		if strings.HasPrefix(target, "..") {
			mustSymlink(t, target, web) // a relative way out counts too
		} else {
			mustSymlink(t, filepath.Join(outside, target), web)
		}
		scanWithin(t, s)
		wantProblem(t, s, web, "symlink target is outside the records dir; not read")
		wantServed(t, s, "web.example.com. 300 IN A 10.0.0.1")
	}
	for _, p := range s.State().Problems {
		if strings.Contains(p.Error(), fakeSecret[:12]) || strings.Contains(p.Error(), outside) {
			t.Errorf("problem leaks the target: %s", p.Error())
		}
	}
	if strings.Contains(logs.String(), fakeSecret[:12]) {
		t.Errorf("the log leaks the secret:\n%s", logs.String())
	}
}

// A Kubernetes ConfigMap mount: name.yaml -> ..data/name.yaml, ..data ->
// ..2026_x, all inside the dir. It is read, and an update (a new ..2026_y
// and ..data swapped to it) is seen.
func TestSymlinkInsideIsRead(t *testing.T) {
	s, dir := newTestStore(t)
	s.racyWindow = 0
	version := func(stamp, ip string) {
		d := filepath.Join(dir, "..2026_"+stamp)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, d, "web.yaml", yamlFile(aRecord("web.example.com", ip, 300)))
		tmp := filepath.Join(dir, "..data_tmp")
		mustSymlink(t, "..2026_"+stamp, tmp)
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	version("a", "10.0.0.1")
	mustSymlink(t, "..data/web.yaml", filepath.Join(dir, "web.yaml"))
	mustScan(t, s)
	wantServed(t, s, "web.example.com. 300 IN A 10.0.0.1")
	if st := s.State(); len(st.Problems) != 0 || st.Files != 1 {
		t.Errorf("problems %q, files %d", problemTexts(st.Problems), st.Files)
	}
	version("b", "10.0.0.2")
	if err := os.RemoveAll(filepath.Join(dir, "..2026_a")); err != nil {
		t.Fatal(err)
	}
	mustScan(t, s)
	wantServed(t, s, "web.example.com. 300 IN A 10.0.0.2")
}

// Loops and dangling links are problems, never a hang, and keep the last
// good content.
func TestSymlinkLoopAndDangling(t *testing.T) {
	s, dir := newTestStore(t)
	a := writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.1", 300)))
	b := writeFile(t, dir, "b.yaml", yamlFile(aRecord("b.example.com", "10.0.0.2", 300)))
	mustScan(t, s)
	os.Remove(a)
	os.Remove(b)
	mustSymlink(t, "b.yaml", a)
	mustSymlink(t, "a.yaml", b)
	c := filepath.Join(dir, "c.yaml")
	mustSymlink(t, "nowhere.yaml", c)
	scanWithin(t, s)
	wantProblem(t, s, a, "symlink cannot be resolved (a loop, or a link through a non-directory); not read")
	wantProblem(t, s, b, "symlink cannot be resolved (a loop, or a link through a non-directory); not read")
	wantProblem(t, s, c, "symlink target does not exist; not read")
	wantServed(t, s, "a.example.com. 300 IN A 10.0.0.1", "b.example.com. 300 IN A 10.0.0.2")
	// Reload says the same (a dangling link is not a deleted file).
	if zones := s.Reload([]string{a, c}); len(zones) != 0 {
		t.Errorf("Reload changed %q", zones)
	}
	wantServed(t, s, "a.example.com. 300 IN A 10.0.0.1", "b.example.com. 300 IN A 10.0.0.2")
}

// A FIFO, a directory or a socket where a record file was is unreadable:
// the last good content stays, the problem is reported, and nothing
// blocks. Putting a regular file back works.
func TestNonRegularFileIsUnreadable(t *testing.T) {
	for _, tc := range []struct {
		kind string
		make func(t *testing.T, path string)
	}{
		{"a FIFO", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"a directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"a socket", func(t *testing.T, path string) {
			l, err := net.Listen("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
		}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			s, dir := newTestStore(t)
			web := writeFile(t, dir, "web.yaml", yamlFile(aRecord("web.example.com", "10.0.0.1", 300)))
			writeFile(t, dir, "other.yaml", yamlFile(aRecord("other.example.com", "10.0.0.2", 300)))
			mustScan(t, s)
			os.Remove(web)
			tc.make(t, web)
			msg := "not a regular file (" + tc.kind + "); not read"

			done := make(chan []string, 1)
			go func() { done <- s.Reload([]string{web}) }()
			select {
			case zones := <-done:
				if len(zones) != 0 {
					t.Errorf("Reload changed %q", zones)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Reload hangs")
			}
			wantProblem(t, s, web, msg)
			scanWithin(t, s)
			wantProblem(t, s, web, msg)
			wantServed(t, s, "other.example.com. 300 IN A 10.0.0.2", "web.example.com. 300 IN A 10.0.0.1")

			if err := os.RemoveAll(web); err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, "web.yaml", yamlFile(aRecord("web.example.com", "10.0.0.9", 300)))
			s.Reload([]string{web})
			wantServed(t, s, "other.example.com. 300 IN A 10.0.0.2", "web.example.com. 300 IN A 10.0.0.9")
			if st := s.State(); len(st.Problems) != 0 {
				t.Errorf("problems after the fix: %q", problemTexts(st.Problems))
			}
		})
	}
}

// A FIFO named like a record file at the first scan is reported, not
// skipped: nobody knows what the file it replaced declared.
func TestNonRegularFileAtStartIsIncomplete(t *testing.T) {
	s, dir := newTestStore(t)
	path := filepath.Join(dir, "web.yaml")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	scanWithin(t, s)
	if st := s.State(); !slices.Equal(st.Incomplete, []string{path}) {
		t.Errorf("Incomplete = %q, want [%s]", st.Incomplete, path)
	}
}
