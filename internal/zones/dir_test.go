package zones

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/config"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func zoneFile(name string) string { return "zone:\n  name: " + name + "\n" }

func mustZone(t *testing.T, name string) config.Zone {
	t.Helper()
	z, err := config.BuildZone(config.ZoneSpec{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func problemTexts(s Set) string {
	var out []string
	for _, p := range s.Problems() {
		out = append(out, p.Error())
	}
	return strings.Join(out, "\n")
}

func TestLoadMergesConfigAndFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "b.yaml", zoneFile("b.test"))
	write(t, dir, "rev.yml", "zone:\n  name: 2.0.192.in-addr.arpa\n  reverse: true\n")
	write(t, dir, ".hidden.yaml", zoneFile("hidden.test"))
	write(t, dir, "notes.txt", zoneFile("txt.test"))
	write(t, dir, "c.yaml~", zoneFile("backup.test"))
	s, err := Load(dir, []config.Zone{mustZone(t, "a.test")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Names(), []string{"2.0.192.in-addr.arpa.", "a.test.", "b.test."}; !reflect.DeepEqual(got, want) {
		t.Errorf("names = %v, want %v", got, want)
	}
	if len(s.Problems()) != 0 {
		t.Errorf("problems: %s", problemTexts(s))
	}
	if src, _ := s.Source("A.TEST"); src.String() != "config [[zones]] #1" {
		t.Errorf("a.test source = %s", src)
	}
	if src, _ := s.Source("b.test."); src.String() != filepath.Join(dir, "b.yaml")+":1" {
		t.Errorf("b.test source = %s", src)
	}
	if rev := s.Reverse(); len(rev) != 1 || rev[0].Name != "2.0.192.in-addr.arpa." {
		t.Errorf("reverse = %+v", rev)
	}
	if z, ok := s.Zone("b.test"); !ok || z.Hostmaster != "hostmaster.b.test." {
		t.Errorf("Zone(b.test) = %+v, %v; want the defaults filled", z, ok)
	}
}

func TestLoadConflictsNameBothSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := write(t, dir, "a.yaml", "# first\nzone:\n  name: dup.test\n")
	b := write(t, dir, "b.yaml", zoneFile("Dup.Test."))
	c := write(t, dir, "c.yaml", "zone:\n  name: cfg.test\n  negative_ttl: 5\n")
	s, err := Load(dir, []config.Zone{mustZone(t, "cfg.test")})
	if err != nil {
		t.Fatal(err)
	}
	if src, _ := s.Source("dup.test"); src.File != a {
		t.Errorf("dup.test from %s, want the first file %s", src, a)
	}
	if z, _ := s.Zone("cfg.test"); z.NegativeTTL != 300 {
		t.Errorf("cfg.test = %+v, want the config's (negative_ttl 300)", z)
	}
	got := problemTexts(s)
	for _, want := range []string{
		a + ":2: zone dup.test. is declared in " + b + ":1 too; this file (first by name) is used",
		b + ":1: zone dup.test. is declared in " + a + ":2 too; that file (first by name) is used and this one ignored",
		c + ":1: zone cfg.test. is declared in config [[zones]] #1 too; the config's is used",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems:\n%s\nwant:\n%s", got, want)
		}
	}
}

func TestLoadDirs(t *testing.T) {
	t.Parallel()
	s, err := Load(filepath.Join(t.TempDir(), "missing"), []config.Zone{mustZone(t, "a.test")})
	if err != nil || !reflect.DeepEqual(s.Names(), []string{"a.test."}) {
		t.Errorf("missing dir: %v, %v; want the config's zones and no error", s.Names(), err)
	}
	notDir := write(t, t.TempDir(), "file", "x")
	if _, err := Load(notDir, nil); err == nil || !strings.Contains(err.Error(), "scan zones dir") {
		t.Errorf("unreadable dir: %v, want an error", err)
	}
}

func TestSymlinkOutOfTheDirIsRefused(t *testing.T) {
	t.Parallel()
	outside := write(t, t.TempDir(), "secret.yaml", zoneFile("secret.test"))
	dir := t.TempDir()
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	inside := write(t, dir, ".real", zoneFile("inside.test"))
	if err := os.Symlink(inside, filepath.Join(dir, "in.yaml")); err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Names(), []string{"inside.test."}) {
		t.Errorf("names = %v, want only the link inside the dir", s.Names())
	}
	got := problemTexts(s)
	if !strings.Contains(got, link+": cannot read: symlink target is outside") || strings.Contains(got, outside) {
		t.Errorf("problems = %q; want the link refused, its target not named", got)
	}
}

func TestDirKeepsLastGoodAndRereadsOnlyChanges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := NewDir(dir, nil)
	d.racyWindow = 0
	a := write(t, dir, "a.yaml", zoneFile("a.test"))
	write(t, dir, "b.yaml", zoneFile("b.test"))
	s, changed, err := d.Scan()
	if err != nil || !changed || len(s.Names()) != 2 || d.reads != 2 {
		t.Fatalf("first scan: %v, changed %v, %v, reads %d", s.Names(), changed, err, d.reads)
	}
	if _, changed, _ = d.Scan(); changed || d.reads != 2 {
		t.Errorf("unchanged dir: changed %v, reads %d; want no change and no read", changed, d.reads)
	}
	// An edit that breaks a.yaml keeps a.test, with the problem.
	write(t, dir, "a.yaml", "zone:\n  name: a.test\n  bogus: 1\n")
	s, changed, _ = d.Scan()
	if !changed || d.reads != 3 || !reflect.DeepEqual(s.Names(), []string{"a.test.", "b.test."}) ||
		!strings.Contains(problemTexts(s), a+":3: unknown field") {
		t.Errorf("invalid edit: %v, changed %v, reads %d, problems %q", s.Names(), changed, d.reads, problemTexts(s))
	}
	// Fixed: the new content, no problem.
	write(t, dir, "a.yaml", "zone:\n  name: a.test\n  negative_ttl: 7\n")
	s, _, _ = d.Scan()
	if z, _ := s.Zone("a.test"); z.NegativeTTL != 7 || len(s.Problems()) != 0 {
		t.Errorf("fixed: %+v, problems %q", z, problemTexts(s))
	}
	// Deleted: its zone goes.
	if err := os.Remove(a); err != nil {
		t.Fatal(err)
	}
	s, changed, _ = d.Scan()
	if !changed || !reflect.DeepEqual(s.Names(), []string{"b.test."}) {
		t.Errorf("deleted: %v, changed %v", s.Names(), changed)
	}
	// A file never good contributes no zone; a config reload merges.
	write(t, dir, "c.yaml", "zone: nope\n")
	d.SetConfig([]config.Zone{mustZone(t, "cfg.test")})
	s, _, _ = d.Scan()
	if !reflect.DeepEqual(s.Names(), []string{"b.test.", "cfg.test."}) || len(s.Problems()) != 1 {
		t.Errorf("never good + config: %v, problems %q", s.Names(), problemTexts(s))
	}
	// The dir becoming unreadable keeps the last Set.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Dir(dir), filepath.Base(dir), "now a file")
	s2, changed, err := d.Scan()
	if err == nil || changed || !s2.Equal(s) {
		t.Errorf("unreadable dir: %v, changed %v, %v; want an error and the last set", s2.Names(), changed, err)
	}
}

func TestWriteAndRemoveFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "zones.d")
	spec := config.ZoneSpec{Name: "Staging.Example.NET.", Nameservers: []string{"ns1.example.net"}, NegativeTTL: 60}
	path, err := WriteFile(dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "staging.example.net.yaml") {
		t.Errorf("path = %s", path)
	}
	s, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := config.BuildZone(spec)
	if z, ok := s.Zone("staging.example.net"); !ok || !reflect.DeepEqual(z, want) || len(s.Problems()) != 0 {
		t.Errorf("read back %+v (problems %q), want %+v", z, problemTexts(s), want)
	}
	for _, bad := range []config.ZoneSpec{{Name: "a/b.test"}, {Name: "a.test", Reverse: true}, {Name: ""}} {
		if p, err := WriteFile(dir, bad); err == nil {
			t.Errorf("WriteFile(%q) wrote %s; want it refused", bad.Name, p)
		}
	}
	if _, err := RemoveFile(dir, "../etc/passwd"); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("RemoveFile(../etc/passwd): %v, want the name refused", err)
	}
	if got, err := RemoveFile(dir, "STAGING.example.net."); err != nil || got != path {
		t.Fatalf("RemoveFile = %s, %v", got, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file still there: %v", err)
	}
	if _, err := RemoveFile(dir, "staging.example.net"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("RemoveFile again: %v, want fs.ErrNotExist", err)
	}
}

// A Scan that reads and drops nothing returns the last Set without merging
// the config's zones and the files again: the reconciler scans on every
// change of records.d, and with 10,000 zones the merge and its comparison
// were most of such a change's cost.
func TestDirMergesOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var cfg []config.Zone
	for i := range 100 {
		cfg = append(cfg, mustZone(t, fmt.Sprintf("z%d.test", i)))
	}
	d := NewDir(dir, cfg)
	d.racyWindow = 0
	first, _, err := d.Scan()
	if err != nil || d.merges != 1 {
		t.Fatalf("first scan: %v, %d merges", err, d.merges)
	}
	for range 3 {
		if s, changed, err := d.Scan(); err != nil || changed || !s.Equal(first) {
			t.Fatalf("unchanged: changed %v, %v", changed, err)
		}
	}
	if d.merges != 1 {
		t.Errorf("%d merges after scans that found nothing new, want 1", d.merges)
	}
	write(t, dir, "a.yaml", zoneFile("a.test"))
	if s, changed, _ := d.Scan(); !changed || len(s.Names()) != 101 || d.merges != 2 {
		t.Errorf("a file added: changed %v, %d zones, %d merges", changed, len(s.Names()), d.merges)
	}
	d.SetConfig(cfg[:50])
	if s, changed, _ := d.Scan(); !changed || len(s.Names()) != 51 || d.merges != 3 {
		t.Errorf("a config reload: changed %v, %d zones, %d merges", changed, len(s.Names()), d.merges)
	}
}
