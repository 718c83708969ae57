package desired

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

func newTestStore(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	return NewStore(testOptions(dir), nil), dir
}

func mustScan(t *testing.T, s *Store) []string {
	t.Helper()
	zones, err := s.Scan()
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return zones
}

func aRecord(name, ip string, ttl int) string {
	return fmt.Sprintf("  - name: %s\n    type: A\n    value: %s\n    ttl: %d\n", name, ip, ttl)
}

func yamlFile(recs ...string) string { return "records:\n" + strings.Join(recs, "") }

func TestScanLoadsFilesIntoZones(t *testing.T) {
	s, dir := newTestStore(t)
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("web.example.com", "10.0.0.1", 300)))
	writeFile(t, dir, "b.yml", yamlFile(aRecord("x.sub.example.com", "10.0.0.2", 300)))
	// None of these is a record file.
	writeFile(t, dir, ".hidden.yaml", yamlFile(aRecord("hidden.example.com", "10.0.0.3", 300)))
	writeFile(t, dir, "c.yaml.tmp", "garbage: [")
	writeFile(t, dir, "c.yaml~", "garbage: [")
	writeFile(t, dir, ".c.yaml.swp", "garbage: [")
	writeFile(t, dir, "notes.txt", "garbage: [")

	zones := mustScan(t, s)
	if want := []string{"example.com.", "sub.example.com."}; !slices.Equal(zones, want) {
		t.Errorf("zones = %q, want %q", zones, want)
	}
	st := s.State()
	if st.Files != 2 || len(st.Problems) != 0 || len(st.Incomplete) != 0 {
		t.Errorf("Files=%d Problems=%v Incomplete=%v; want 2 files, no problems", st.Files, st.Problems, st.Incomplete)
	}
	if got := zoneTexts(st.Zone("example.com.")); !slices.Equal(got, []string{"web.example.com. 300 IN A 10.0.0.1"}) {
		t.Errorf("example.com. = %q", got)
	}
	if got := zoneTexts(st.Zone("sub.example.com.")); !slices.Equal(got, []string{"x.sub.example.com. 300 IN A 10.0.0.2"}) {
		t.Errorf("sub.example.com. = %q", got)
	}
	if z, ok := st.Zones["10.in-addr.arpa."]; !ok || z == nil || z.Len() != 0 {
		t.Errorf("every managed zone must be present, empty here: %v %v", z, ok)
	}
}

func TestLastGoodContentKept(t *testing.T) {
	s, dir := newTestStore(t)
	path := writeFile(t, dir, "web.yaml", yamlFile(aRecord("web.example.com", "10.0.0.1", 300)))
	mustScan(t, s)

	writeFile(t, dir, "web.yaml", "records:\n  - name: web.example.com\n    type: A\n    value: \"10.0")
	if zones := mustScan(t, s); len(zones) != 0 {
		t.Errorf("an invalid file changed zones %q; its last good content should stay", zones)
	}
	st := s.State()
	if got := zoneTexts(st.Zone("example.com.")); !slices.Equal(got, []string{"web.example.com. 300 IN A 10.0.0.1"}) {
		t.Errorf("last good content gone: %q", got)
	}
	if len(st.Problems) != 1 || st.Problems[0].File != path || st.Problems[0].Line != 4 {
		t.Errorf("Problems = %v, want one for %s line 4", st.Problems, path)
	}
	if len(st.Incomplete) != 0 {
		t.Errorf("Incomplete = %v; the file has last good content", st.Incomplete)
	}

	writeFile(t, dir, "web.yaml", yamlFile(aRecord("web.example.com", "10.0.0.9", 300)))
	if zones := mustScan(t, s); !slices.Equal(zones, []string{"example.com."}) {
		t.Errorf("zones = %q after the fix", zones)
	}
	st = s.State()
	if got := zoneTexts(st.Zone("example.com.")); !slices.Equal(got, []string{"web.example.com. 300 IN A 10.0.0.9"}) {
		t.Errorf("after the fix: %q", got)
	}
	if len(st.Problems) != 0 {
		t.Errorf("Problems after the fix: %v", st.Problems)
	}
}

func TestIncompleteWhenNeverGood(t *testing.T) {
	s, dir := newTestStore(t)
	writeFile(t, dir, "good.yaml", yamlFile(aRecord("web.example.com", "10.0.0.1", 300)))
	bad := writeFile(t, dir, "bad.yaml", yamlFile(aRecord("db.example.com", "10.0.0.300", 300)))
	mustScan(t, s)
	st := s.State()
	if !slices.Equal(st.Incomplete, []string{bad}) {
		t.Errorf("Incomplete = %q, want [%s]", st.Incomplete, bad)
	}
	if want := bad + `:4: invalid A value "10.0.0.300": not an IPv4 address`; len(st.Problems) != 1 || st.Problems[0].Error() != want {
		t.Errorf("Problems = %v, want %s", st.Problems, want)
	}
	if st.Files != 2 {
		t.Errorf("Files = %d, want 2 (invalid files count)", st.Files)
	}

	// Fixing it releases the deletions the caller held: every zone.
	writeFile(t, dir, "bad.yaml", yamlFile(aRecord("db.example.com", "10.0.0.3", 300)))
	if zones := mustScan(t, s); len(zones) != 3 {
		t.Errorf("zones = %q, want all three", zones)
	}
	if st := s.State(); len(st.Incomplete) != 0 || len(st.Problems) != 0 {
		t.Errorf("after the fix: Incomplete=%v Problems=%v", st.Incomplete, st.Problems)
	}
}

func TestMergeAcrossFiles(t *testing.T) {
	s, dir := newTestStore(t)
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("app.example.com", "10.0.0.1", 300), aRecord("app.example.com", "10.0.0.2", 300)))
	writeFile(t, dir, "b.yaml", yamlFile(aRecord("App.Example.com.", "10.0.0.2", 300), aRecord("app.example.com", "10.0.0.3", 300)))
	mustScan(t, s)
	st := s.State()
	want := []string{
		"app.example.com. 300 IN A 10.0.0.1",
		"app.example.com. 300 IN A 10.0.0.2",
		"app.example.com. 300 IN A 10.0.0.3",
	}
	if got := zoneTexts(st.Zone("example.com.")); !slices.Equal(got, want) {
		t.Errorf("merged:\n got %q\nwant %q", got, want)
	}
	if n := st.Zone("example.com.").Len(); n != 1 {
		t.Errorf("%d RRsets, want 1", n)
	}
}

func TestConflictsAreHeld(t *testing.T) {
	s, dir := newTestStore(t)
	a := writeFile(t, dir, "a.yaml", yamlFile(
		aRecord("web.example.com", "10.0.0.1", 300),
		"  - name: www.example.com\n    type: CNAME\n    value: web.example.com\n",
		aRecord("ok.example.com", "10.0.0.5", 300),
	))
	b := writeFile(t, dir, "b.yaml", yamlFile(
		aRecord("web.example.com", "10.0.0.2", 600),
		aRecord("www.example.com", "10.0.0.3", 300),
	))
	mustScan(t, s)
	st := s.State()

	held := st.Held["example.com."]
	if len(held) != 2 {
		t.Fatalf("held = %v, want web and www", held)
	}
	wantWeb := fmt.Sprintf("A records have different TTLs: 300 at %s:2 vs 600 at %s:2", a, b)
	if c := held["web.example.com."]; c.Reason != wantWeb || c.Zone != "example.com." || c.Name != "web.example.com." {
		t.Errorf("web conflict = %+v\nwant reason %s", c, wantWeb)
	}
	wantWWW := fmt.Sprintf("CNAME beside other data: A at %s:6 vs CNAME at %s:6", b, a)
	if c := held["www.example.com."]; c.Reason != wantWWW {
		t.Errorf("www conflict = %q\nwant %q", c.Reason, wantWWW)
	}
	// Held names are left out; everything else applies.
	if got := zoneTexts(st.Zone("example.com.")); !slices.Equal(got, []string{"ok.example.com. 300 IN A 10.0.0.5"}) {
		t.Errorf("zone = %q, want only ok.example.com.", got)
	}

	// Resolving the conflict releases the name.
	writeFile(t, dir, "b.yaml", yamlFile(aRecord("web.example.com", "10.0.0.2", 300)))
	mustScan(t, s)
	st = s.State()
	if len(st.Held["example.com."]) != 0 {
		t.Errorf("still held: %v", st.Held["example.com."])
	}
	if n := st.Zone("example.com.").Len(); n != 3 {
		t.Errorf("%d sets, want web A, www CNAME, ok A", n)
	}
}

func TestCNAMETargetsConflict(t *testing.T) {
	s, dir := newTestStore(t)
	cname := func(target string) string {
		return "records:\n  - name: www.example.com\n    type: CNAME\n    value: " + target + "\n"
	}
	a := writeFile(t, dir, "a.yaml", cname("x.example.net"))
	b := writeFile(t, dir, "b.yaml", cname("y.example.net"))
	writeFile(t, dir, "c.yaml", cname("X.example.net."))
	mustScan(t, s)
	want := fmt.Sprintf("CNAME has 2 different targets: x.example.net. at %s:2, %s:2 vs y.example.net. at %s:2", a, filepath.Join(filepath.Dir(a), "c.yaml"), b)
	if got := s.State().Held["example.com."]["www.example.com."].Reason; got != want {
		t.Errorf("reason:\n got %q\nwant %q", got, want)
	}
}

func TestDeletedFileTakesItsRecords(t *testing.T) {
	s, dir := newTestStore(t)
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.1", 300)))
	writeFile(t, dir, "b.yaml", yamlFile(aRecord("b.sub.example.com", "10.0.0.2", 300)))
	mustScan(t, s)
	removeFile(t, dir, "b.yaml")
	if zones := mustScan(t, s); !slices.Equal(zones, []string{"sub.example.com."}) {
		t.Errorf("zones = %q", zones)
	}
	st := s.State()
	if st.Zone("sub.example.com.").Len() != 0 || st.Zone("example.com.").Len() != 1 || st.Files != 1 {
		t.Errorf("after delete: %v, Files=%d", st.Zones, st.Files)
	}
}

func TestSuddenlyEmptyKeepsContent(t *testing.T) {
	s, dir := newTestStore(t)
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.1", 300)))
	writeFile(t, dir, "b.yaml", yamlFile(aRecord("b.example.com", "10.0.0.2", 300)))
	mustScan(t, s)
	removeFile(t, dir, "a.yaml")
	removeFile(t, dir, "b.yaml")
	writeFile(t, dir, "README", "not a record file")

	_, err := s.Scan()
	if !errors.Is(err, ErrSuddenlyEmpty) {
		t.Fatalf("Scan error = %v, want ErrSuddenlyEmpty", err)
	}
	if st := s.State(); st.Zone("example.com.").Len() != 2 || st.Files != 2 {
		t.Errorf("content dropped: %v", st.Zones)
	}

	s.AcceptEmpty() // as the reconciler does once the server no longer serves them
	if zones := mustScan(t, s); !slices.Equal(zones, []string{"example.com."}) {
		t.Errorf("zones = %q", zones)
	}
	if st := s.State(); st.Zone("example.com.").Len() != 0 || st.Files != 0 {
		t.Errorf("emptiness not accepted: %v", st.Zones)
	}
}

func TestFirstScanOfEmptyDirIsFine(t *testing.T) {
	s, _ := newTestStore(t)
	if zones := mustScan(t, s); len(zones) != 0 {
		t.Errorf("zones = %q", zones)
	}
	if st := s.State(); st.Files != 0 || len(st.Zones) != 3 {
		t.Errorf("Files=%d zones=%d", st.Files, len(st.Zones))
	}
}

func TestMissingDirKeepsContent(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "records.d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := NewStore(testOptions(dir), nil)
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.1", 300)))
	mustScan(t, s)
	if err := os.Rename(dir, dir+".moved"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Scan(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Scan error = %v, want not exist", err)
	}
	if zones := s.Reload([]string{filepath.Join(dir, "a.yaml")}); len(zones) != 0 {
		t.Errorf("Reload of a file in a vanished dir changed %q", zones)
	}
	if st := s.State(); st.Zone("example.com.").Len() != 1 {
		t.Errorf("content dropped: %v", st.Zones)
	}
}

func TestScanRereadsOnlyChangedFiles(t *testing.T) {
	s, dir := newTestStore(t)
	s.racyWindow = 0 // every write below changes the size or the inode
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.1", 300)))
	writeFile(t, dir, "b.yaml", yamlFile(aRecord("b.sub.example.com", "10.0.0.2", 300)))
	writeFile(t, dir, "c.yaml", "records:\n  - name: 1.0.0.10.in-addr.arpa\n    type: PTR\n    value: a.example.com\n")
	mustScan(t, s)
	if s.reads != 3 {
		t.Fatalf("reads = %d after the first scan, want 3", s.reads)
	}
	if zones := mustScan(t, s); len(zones) != 0 || s.reads != 3 {
		t.Errorf("an unchanged dir: zones %q, reads %d (want none, 3)", zones, s.reads)
	}
	writeFile(t, dir, "b.yaml", yamlFile(aRecord("b.sub.example.com", "10.0.0.22", 300)))
	if zones := mustScan(t, s); !slices.Equal(zones, []string{"sub.example.com."}) || s.reads != 4 {
		t.Errorf("one changed file: zones %q, reads %d (want [sub.example.com.], 4)", zones, s.reads)
	}
	// Same content, new inode (temp-then-rename): re-read, but no zone changed.
	tmp := writeFile(t, dir, ".a.yaml.tmp", yamlFile(aRecord("a.example.com", "10.0.0.1", 300)))
	if err := os.Rename(tmp, filepath.Join(dir, "a.yaml")); err != nil {
		t.Fatal(err)
	}
	if zones := mustScan(t, s); len(zones) != 0 || s.reads != 5 {
		t.Errorf("same content renamed in: zones %q, reads %d (want none, 5)", zones, s.reads)
	}
}

func TestReload(t *testing.T) {
	s, dir := newTestStore(t)
	a := writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.1", 300)))
	b := writeFile(t, dir, "b.yaml", yamlFile(aRecord("b.example.com", "10.0.0.2", 300)))
	mustScan(t, s)

	// Moving a record between zones affects both.
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.sub.example.com", "10.0.0.1", 300)))
	if zones := s.Reload([]string{a}); !slices.Equal(zones, []string{"example.com.", "sub.example.com."}) {
		t.Errorf("moved record: zones %q", zones)
	}
	// Invalid, then still invalid: nothing changes.
	writeFile(t, dir, "a.yaml", "records: {")
	if zones := s.Reload([]string{a}); len(zones) != 0 {
		t.Errorf("invalid file: zones %q", zones)
	}
	writeFile(t, dir, "a.yaml", "records: [")
	if zones := s.Reload([]string{a}); len(zones) != 0 {
		t.Errorf("still invalid file: zones %q", zones)
	}
	// Paths that are not record files of this dir are ignored.
	if zones := s.Reload([]string{filepath.Join(dir, "x.txt"), "/elsewhere/b.yaml", filepath.Join(dir, ".b.yaml")}); len(zones) != 0 {
		t.Errorf("ignored paths: zones %q", zones)
	}
	// A deleted file takes its records, even while invalid.
	removeFile(t, dir, "a.yaml")
	if zones := s.Reload([]string{a}); !slices.Equal(zones, []string{"sub.example.com."}) {
		t.Errorf("deleted: zones %q", zones)
	}
	// The last file removed on its own is honoured (the last server gone).
	removeFile(t, dir, "b.yaml")
	if zones := s.Reload([]string{b}); !slices.Equal(zones, []string{"example.com."}) {
		t.Errorf("last file deleted: zones %q", zones)
	}
	if st := s.State(); st.Zone("example.com.").Len() != 0 || st.Files != 0 || !st.FilesSeen {
		t.Errorf("after the last file: %v, Files %d, FilesSeen %v", st.Zones, st.Files, st.FilesSeen)
	}
	if _, err := s.Scan(); err != nil {
		t.Errorf("Scan of a dir emptied file by file: %v", err)
	}

	// Two files vanishing in one batch, leaving none, are refused.
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.1", 300)))
	writeFile(t, dir, "b.yaml", yamlFile(aRecord("b.example.com", "10.0.0.2", 300)))
	mustScan(t, s)
	removeFile(t, dir, "a.yaml")
	removeFile(t, dir, "b.yaml")
	if zones := s.Reload([]string{a, b}); len(zones) != 0 {
		t.Errorf("all files deleted at once: zones %q", zones)
	}
	if st := s.State(); st.Zone("example.com.").Len() != 2 || st.Files != 2 {
		t.Errorf("content dropped when all files vanished: %v", st.Zones)
	}
	if _, err := s.Scan(); !errors.Is(err, ErrSuddenlyEmpty) {
		t.Errorf("Scan error = %v, want ErrSuddenlyEmpty", err)
	}
}

func TestStateIsNotMutatedLater(t *testing.T) {
	s, dir := newTestStore(t)
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.1", 300)))
	mustScan(t, s)
	old := s.State()
	before := zoneTexts(old.Zone("example.com."))

	writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.2", 300), aRecord("b.example.com", "10.0.0.3", 300)))
	writeFile(t, dir, "bad.yaml", "nope")
	mustScan(t, s)
	_ = s.State()
	if after := zoneTexts(old.Zone("example.com.")); !slices.Equal(before, after) || len(old.Problems) != 0 {
		t.Errorf("an earlier State changed: %q -> %q, problems %v", before, after, old.Problems)
	}
	// States share the zones' sets (a change copies the shards it
	// touches: a copy of 100,000 sets per State was the largest cost of a
	// pass, issue 15), and a change after two States changes neither.
	a, b := s.State(), s.State()
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("c.example.com", "10.0.0.4", 300)))
	mustScan(t, s)
	c := s.State()
	for name, st := range map[string]*State{"first": a, "second": b} {
		if got := zoneTexts(st.Zone("example.com.")); len(got) != 2 {
			t.Errorf("the %s State changed after a change: %q", name, got)
		}
	}
	if got := zoneTexts(c.Zone("example.com.")); len(got) != 1 {
		t.Errorf("the State after the change: %q, want c.example.com only", got)
	}
}

// With many files in one zone, one changed file must cost its own names,
// not a merge of everything.
func TestStateMergesIncrementally(t *testing.T) {
	s, dir := newTestStore(t)
	s.racyWindow = 0
	const files, perFile = 200, 50
	for f := range files {
		var recs []string
		for r := range perFile {
			recs = append(recs, aRecord(fmt.Sprintf("h%d-%d.example.com", f, r), "10.0.0.1", 300))
		}
		writeFile(t, dir, fmt.Sprintf("f%03d.yaml", f), yamlFile(recs...))
	}
	mustScan(t, s)
	if n := s.State().Zone("example.com.").Len(); n != files*perFile {
		t.Fatalf("%d sets, want %d", n, files*perFile)
	}
	start := s.ix.merges
	s.State()
	if s.ix.merges != start {
		t.Errorf("State without changes merged %d names", s.ix.merges-start)
	}
	writeFile(t, dir, "f007.yaml", yamlFile(aRecord("h7-0.example.com", "10.0.0.2", 300), aRecord("new.example.com", "10.0.0.2", 300)))
	mustScan(t, s)
	st := s.State()
	if merged := s.ix.merges - start; merged > perFile+1 {
		t.Errorf("one changed file re-merged %d names, want at most %d", merged, perFile+1)
	}
	if n := st.Zone("example.com.").Len(); n != files*perFile-perFile+2 {
		t.Errorf("%d sets after the change", n)
	}
	k := rrset.Key{Name: "h7-0.example.com.", Type: dns.TypeA}
	if got := st.Zone("example.com.").Get(k).String(); got != "300 [10.0.0.2]" {
		t.Errorf("%s = %s", k, got)
	}
}

// An in-place rewrite of the same size within one mtime tick must still be
// seen by the next Scan.
func TestScanSeesSameSizeRewrite(t *testing.T) {
	s, dir := newTestStore(t)
	path := writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.1", 300)))
	mustScan(t, s)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.2", 300)))
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil { // same tick
		t.Fatal(err)
	}
	if zones := mustScan(t, s); !slices.Equal(zones, []string{"example.com."}) {
		t.Errorf("same-size rewrite not seen: zones %q", zones)
	}
	if got := zoneTexts(s.State().Zone("example.com.")); !slices.Equal(got, []string{"a.example.com. 300 IN A 10.0.0.2"}) {
		t.Errorf("zone = %q", got)
	}
}

// The dir's own path in a batch (the watcher lost events) rescans it:
// files deleted while events were lost go too, not only changed ones.
func TestReloadOfTheDirRescans(t *testing.T) {
	s, dir := newTestStore(t)
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.1", 300)))
	writeFile(t, dir, "b.yaml", yamlFile(aRecord("b.example.com", "10.0.0.2", 300)))
	mustScan(t, s)
	removeFile(t, dir, "a.yaml")
	writeFile(t, dir, "c.yaml", yamlFile(aRecord("c.example.com", "10.0.0.3", 300)))
	if zones := s.Reload([]string{dir}); !slices.Equal(zones, []string{"example.com."}) {
		t.Errorf("zones %q, want example.com.", zones)
	}
	got := zoneTexts(s.State().Zone("example.com."))
	want := []string{
		"b.example.com. 300 IN A 10.0.0.2",
		"c.example.com. 300 IN A 10.0.0.3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("after the rescan: %q, want %q", got, want)
	}
}

// A conflict that hundreds of files take part in is reported in bounded
// form: the reason goes into log lines and health messages.
func TestConflictReasonBounded(t *testing.T) {
	s, dir := newTestStore(t)
	for i := range 300 {
		writeFile(t, dir, fmt.Sprintf("f%03d.yaml", i), yamlFile(aRecord("web.example.com", "10.0.0.1", 100+i)))
	}
	mustScan(t, s)
	reason := s.State().Held["example.com."]["web.example.com."].Reason
	if !strings.Contains(reason, "different TTLs") || !strings.Contains(reason, "295 more") || len(reason) > 1024 {
		t.Errorf("reason of %d bytes: %q", len(reason), reason)
	}
}

// The index shares each file's records, a run of one name at a time
// (merge.go, replace): a name declared again further down the file, or in
// another file too, must add to its own records without writing over the
// next name's, and a file read again must leave the others as they were.
func TestIndexSharesRecordsSafely(t *testing.T) {
	s, dir := newTestStore(t)
	s.racyWindow = 0
	writeFile(t, dir, "a.yaml", yamlFile(
		aRecord("x.example.com", "10.0.0.1", 300),
		aRecord("y.example.com", "10.0.0.2", 300),
		aRecord("x.example.com", "10.0.0.3", 300),
		aRecord("z.example.com", "10.0.0.4", 300)))
	writeFile(t, dir, "b.yaml", yamlFile(aRecord("y.example.com", "10.0.0.5", 300)))
	mustScan(t, s)
	want := []string{
		"x.example.com. 300 IN A 10.0.0.1", "x.example.com. 300 IN A 10.0.0.3",
		"y.example.com. 300 IN A 10.0.0.2", "y.example.com. 300 IN A 10.0.0.5",
		"z.example.com. 300 IN A 10.0.0.4",
	}
	if got := zoneTexts(s.State().Zone("example.com.")); !slices.Equal(got, want) {
		t.Errorf("merged:\n%q\nwant\n%q", got, want)
	}
	writeFile(t, dir, "b.yaml", yamlFile(aRecord("y.example.com", "10.0.0.6", 300), aRecord("x.example.com", "10.0.0.7", 300)))
	mustScan(t, s)
	want = []string{
		"x.example.com. 300 IN A 10.0.0.1", "x.example.com. 300 IN A 10.0.0.3", "x.example.com. 300 IN A 10.0.0.7",
		"y.example.com. 300 IN A 10.0.0.2", "y.example.com. 300 IN A 10.0.0.6",
		"z.example.com. 300 IN A 10.0.0.4",
	}
	if got := zoneTexts(s.State().Zone("example.com.")); !slices.Equal(got, want) {
		t.Errorf("after b.yaml changed:\n%q\nwant\n%q", got, want)
	}
}

// The reconciler asks ChangedSince of every zone after a change, and each
// call flushes: a flush looks at the zones with names to merge, not at
// every zone. With 10,000 zones, a walk of all of them per flush made a
// change in one zone cost a second of CPU.
func TestFlushLooksOnlyAtChangedZones(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions(dir)
	const zones = 500
	opts.Zones = nil
	for z := range zones {
		opts.Zones = append(opts.Zones, fmt.Sprintf("z%d.example.", z))
		writeFile(t, dir, fmt.Sprintf("z%d.yaml", z), yamlFile(aRecord(fmt.Sprintf("www.z%d.example", z), "10.0.0.1", 300)))
	}
	s := NewStore(opts, nil)
	s.racyWindow = 0
	mustScan(t, s)
	gen := s.State().Generation
	writeFile(t, dir, "z7.yaml", yamlFile(aRecord("www.z7.example", "10.0.0.2", 300)))
	mustScan(t, s)
	start := s.ix.looked
	changed := 0
	for _, z := range opts.Zones {
		if names, ok := s.ChangedSince(z, gen); !ok || len(names) > 0 {
			changed++
		}
	}
	if changed != 1 {
		t.Errorf("%d zones changed, want 1 (z7.example.)", changed)
	}
	if looked := s.ix.looked - start; looked > 1 {
		t.Errorf("%d ChangedSince calls looked at %d zones, want 1 (the one changed)", zones, looked)
	}
}

// TestStateAllocatesNothingPerQuietZone: a State of many zones, none with
// a hold or a PTR opt-out, allocates nothing per zone beyond its own maps.
// Each State cloned every zone's empty hold list: at 10,000 zones, 15% of
// a change's CPU (issue 15).
func TestStateAllocatesNothingPerQuietZone(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions(dir)
	opts.Zones = nil
	for i := range 1000 {
		opts.Zones = append(opts.Zones, fmt.Sprintf("zone-%04d.example.", i))
	}
	s := NewStore(opts, nil)
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.zone-0001.example", "10.0.0.1", 300)))
	mustScan(t, s)
	st := s.State()
	if got := zoneTexts(st.Zone("zone-0001.example.")); len(got) != 1 || len(st.Held["zone-0001.example."]) != 0 {
		t.Fatalf("State: zone-0001 holds %q, held %v", got, st.Held["zone-0001.example."])
	}
	if allocs := testing.AllocsPerRun(5, func() { s.State() }); allocs > 100 {
		t.Errorf("a State of 1,000 quiet zones allocates %.0f times, want a few maps", allocs)
	}
}
