package registry

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// longName is a valid name of n octets in example.com (labels of at most
// 63 octets).
func longName(n int) string {
	const zone = ".example.com"
	var b strings.Builder
	for b.Len() < n-len(zone) {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strings.Repeat("a", min(63, n-len(zone)-b.Len())))
	}
	s := b.String()
	if strings.HasSuffix(s, ".") { // a label cut to nothing: make it one octet
		s += "b"
	}
	s = strings.TrimSuffix(s[:n-len(zone)], ".") + zone
	if len(s) != n {
		panic("longName: bad length")
	}
	return s
}

// Every valid name, however long, gets a file it can be written to, and
// register, update, list and unregister work on it.
func TestLongNames(t *testing.T) {
	for _, n := range []int{200, 218, 219, 230, 240, 246, 247, 250, 253} {
		name := longName(n)
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			r, store, dir := newRegistry(t)
			if _, err := r.Register(t.Context(), Record{Name: name, Type: "A", Value: "192.0.2.1"}); err != nil {
				t.Fatalf("register a %d-octet name: %v", n, err)
			}
			path := r.Path(name)
			if len(filepath.Base(path)) > 255 || filepath.Dir(path) != dir {
				t.Errorf("file name of %d bytes: %s", len(filepath.Base(path)), path)
			}
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("the file Path names: %v", err)
			}
			rescan(t, store)
			got := store.DeclaredAt(name)
			if len(got) != 1 || got[0].File != path || got[0].RR.Header().Name != name+"." {
				t.Fatalf("declared at a %d-octet name: %+v", n, got)
			}
			if ch, err := r.Update(t.Context(), Record{Name: strings.ToUpper(name) + ".", Type: "A", Value: "192.0.2.2"}); err != nil || !ch.Changed || len(ch.After) != 1 {
				t.Fatalf("update: %+v %v", ch, err)
			}
			if ch, err := r.Unregister(t.Context(), name, ""); err != nil || len(ch.Before) != 1 || len(ch.After) != 0 {
				t.Fatalf("unregister: %+v %v", ch, err)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "api-*")); len(left) != 0 {
				t.Errorf("files left after unregister: %v", left)
			}
		})
	}
}

// Names short enough keep their readable file name, so the files the API
// wrote before digests keep theirs; longer ones get a digest, one per name.
func TestShortNamesKeepTheirFileName(t *testing.T) {
	r, _, dir := newRegistry(t)
	if got, want := r.Path("Web-01.Example.com."), filepath.Join(dir, "api-web-01.example.com.yaml"); got != want {
		t.Errorf("Path = %s, want %s", got, want)
	}
	if got := filepath.Base(r.Path(longName(246))); got != "api-"+longName(246)+".yaml" {
		t.Errorf("a 246-octet name's file is %q, want api-<name>.yaml", got)
	}
	long := longName(253)
	base := filepath.Base(r.Path(long))
	if !strings.HasPrefix(base, "api-aaaa") || !strings.HasSuffix(base, ".yaml") || len(base) > 255 {
		t.Errorf("digest file name %q", base)
	}
	// Two long names that share their first 200 octets get different files.
	other := long[:200] + strings.Replace(long[200:], "a", "b", 1)
	if _, err := CheckName(other); err != nil {
		t.Fatal(err)
	}
	if r.Path(other) == r.Path(long) {
		t.Error("two names share a file")
	}
}

// A file of the API's that holds another name (edited by hand, or a digest
// collision) is refused, not silently taken over.
func TestFileOfAnotherName(t *testing.T) {
	r, _, dir := newRegistry(t)
	os.WriteFile(filepath.Join(dir, "api-a.example.com.yaml"), []byte("records:\n  - name: b.example.com.\n    type: A\n    values: [192.0.2.1]\n"), 0o644)
	if _, err := r.Register(t.Context(), Record{Name: "a.example.com", Type: "A", Value: "192.0.2.9"}); err == nil || !strings.Contains(err.Error(), "another name") {
		t.Errorf("register over a file of another name: %v", err)
	}
}

// A file that is not the API's YAML is refused without quoting it.
func TestBrokenFileNotQuoted(t *testing.T) {
	r, _, dir := newRegistry(t)
	os.WriteFile(filepath.Join(dir, "api-a.example.com.yaml"), []byte("SECRET-CONTENT: [\n"), 0o644)
	_, err := r.Register(t.Context(), Record{Name: "a.example.com", Type: "A", Value: "192.0.2.9"})
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("register over a broken file: %v", err)
	}
}

// Names that could never be records are ErrInvalid naming the field, and
// never reach the file system.
func TestInvalidNames(t *testing.T) {
	r, _, dir := newRegistry(t)
	for _, name := range []string{
		"", " ", "a\x00.example.com", "a\n.example.com", "a b.example.com", "../x", "../../etc/passwd", "a/b.example.com",
		"..", "a..example.com", ".example.com", strings.Repeat("a", 64) + ".example.com", longName(253) + "x",
		"a.*.example.com", `a\000.example.com`, "é.example.com", "a\t.example.com",
	} {
		for _, op := range []struct {
			name string
			do   func() error
		}{
			{"register", func() error {
				_, err := r.Register(t.Context(), Record{Name: name, Type: "A", Value: "192.0.2.1"})
				return err
			}},
			{"update", func() error {
				_, err := r.Update(t.Context(), Record{Name: name, Type: "A", Value: "192.0.2.1"})
				return err
			}},
			{"unregister", func() error { _, err := r.Unregister(t.Context(), name, ""); return err }},
		} {
			err := op.do()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "name") {
				t.Errorf("%s %q: %v, want ErrInvalid naming the field", op.name, name, err)
			}
			if err != nil && strings.ContainsRune(err.Error(), 0) {
				t.Errorf("%s %q: error holds a NUL: %q", op.name, name, err)
			}
		}
		if r.Path(name) != "" {
			t.Errorf("Path(%q) = %q, want none", name, r.Path(name))
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != LockName {
			t.Errorf("left in records.d: %q", e.Name())
		}
	}
}
