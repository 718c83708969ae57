package desired

import (
	"slices"
	"strings"
	"testing"
)

// TestWaitingFileHoldsNoDeletions: a file that appears after the Store's
// first Scan and whose only problem is a name in no managed zone yet is
// read: what it declares is known and is nothing in any managed zone, so
// it must not hold deletions anywhere (it is not Incomplete). It is still
// an invalid file, reported with file and line. A file that also has
// another problem, or that declares records in a managed zone beside the
// waiting ones, is unknown or unapplied content: Incomplete, as before.
func TestWaitingFileHoldsNoDeletions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		content        string
		wantIncomplete bool
	}{
		{"every name waits for a zone", yamlFile(
			aRecord("www.later.example", "10.0.0.1", 300),
			aRecord("api.later.example", "10.0.0.2", 300)), false},
		{"a name in a managed zone beside it", yamlFile(
			aRecord("www.later.example", "10.0.0.1", 300),
			aRecord("web.example.com", "10.0.0.2", 300)), true},
		{"another problem beside it", yamlFile(
			aRecord("www.later.example", "10.0.0.1", 300),
			aRecord("bad.example.com", "not-an-address", 300)), true},
		{"not YAML", "records: [", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, dir := newZonesStore(t, "example.com")
			writeFile(t, dir, "keep.yaml", yamlFile(aRecord("keep.example.com", "10.0.0.9", 300)))
			mustScan(t, s)
			path := writeFile(t, dir, "wait.yaml", tt.content)
			mustScan(t, s)
			st := s.State()
			if got := len(st.Incomplete) > 0; got != tt.wantIncomplete {
				t.Errorf("Incomplete = %q, want incomplete %v", st.Incomplete, tt.wantIncomplete)
			}
			if len(st.Unzoned) != 0 {
				t.Errorf("Unzoned = %v, want none (no file was waiting at the first Scan)", st.Unzoned)
			}
			if len(st.Problems) == 0 || st.Problems[0].File != path {
				t.Fatalf("Problems = %v, want wait.yaml reported invalid", st.Problems)
			}
			if !tt.wantIncomplete && (st.Problems[0].Line != 2 || !strings.Contains(st.Problems[0].Msg, "not inside a managed zone")) {
				t.Errorf("Problems = %q, want line 2, not inside a managed zone", problemTexts(st.Problems))
			}
		})
	}
}

// TestWaitingFileAtFirstScanHoldsDeletions (review of issue 13): a file
// found waiting by the Store's first Scan may be a typo in a name dnssync
// serves (www.example.con for www.example.com), made while no process was
// running: every new process (a one-shot apply, a daemon restart) would
// otherwise delete the served name. So it is Incomplete, and Unzoned says
// which file and names, for a message naming the way out.
func TestWaitingFileAtFirstScanHoldsDeletions(t *testing.T) {
	t.Parallel()
	s, dir := newZonesStore(t, "example.com")
	writeFile(t, dir, "keep.yaml", yamlFile(aRecord("keep.example.com", "10.0.0.9", 300)))
	path := writeFile(t, dir, "web.yaml", yamlFile(
		aRecord("www.example.con", "10.0.0.1", 300),
		aRecord("api.example.con", "10.0.0.2", 300)))
	mustScan(t, s)
	st := s.State()
	if !slices.Equal(st.Incomplete, []string{path}) {
		t.Errorf("Incomplete = %q, want %q: found waiting by the first Scan", st.Incomplete, path)
	}
	want := []Unzoned{{File: path, Names: []string{"www.example.con.", "api.example.con."}}}
	if !slices.EqualFunc(st.Unzoned, want, func(a, b Unzoned) bool { return a.File == b.File && slices.Equal(a.Names, b.Names) }) {
		t.Fatalf("Unzoned = %v, want %v", st.Unzoned, want)
	}
	got := st.Unzoned[0].String()
	for _, part := range []string{path + ": ", "www.example.con., api.example.con. are in no managed zone", "add the zone, fix the name, or apply --force"} {
		if !strings.Contains(got, part) {
			t.Errorf("reason %q lacks %q", got, part)
		}
	}
	if unread := st.Unread(); len(unread) != 0 {
		t.Errorf("Unread = %q, want none: the file was read", unread)
	}

	// Rescanning does not make it known: it is the same file.
	mustScan(t, s)
	if st := s.State(); !slices.Equal(st.Incomplete, []string{path}) {
		t.Errorf("after a second Scan: Incomplete = %q", st.Incomplete)
	}
	// Its zone arrives: it applies, and holds nothing any more.
	s.SetZones([]string{"example.com", "example.con"})
	mustScan(t, s)
	st = s.State()
	if len(st.Incomplete) != 0 || len(st.Unzoned) != 0 || len(st.Problems) != 0 {
		t.Fatalf("with its zone: Incomplete = %q, Unzoned = %v, Problems = %q", st.Incomplete, st.Unzoned, problemTexts(st.Problems))
	}
}

// TestGoodFileTurnedWaitingKeepsLastGood: a file with good content that
// turns waiting (a typo while the Store runs) keeps its last good content
// in force, and holds nothing: what it served stays served.
func TestGoodFileTurnedWaitingKeepsLastGood(t *testing.T) {
	t.Parallel()
	s, dir := newZonesStore(t, "example.com")
	writeFile(t, dir, "web.yaml", yamlFile(aRecord("www.example.com", "10.0.0.1", 300)))
	mustScan(t, s)
	writeFile(t, dir, "web.yaml", yamlFile(aRecord("www.example.con", "10.0.0.1", 300)))
	mustScan(t, s)
	st := s.State()
	if len(st.Incomplete) != 0 || len(st.Unzoned) != 0 || len(st.Problems) != 1 {
		t.Fatalf("Incomplete = %q, Unzoned = %v, Problems = %q", st.Incomplete, st.Unzoned, problemTexts(st.Problems))
	}
	if got := zoneTexts(st.Zone("example.com.")); !slices.Equal(got, []string{"www.example.com. 300 IN A 10.0.0.1"}) {
		t.Errorf("example.com. = %q, want the last good content", got)
	}
}

// TestWaitingFileAppliesWhenItsZoneArrives: a waiting file written after
// the first Scan (not Incomplete) applies as soon as its zone is managed.
func TestWaitingFileAppliesWhenItsZoneArrives(t *testing.T) {
	t.Parallel()
	s, dir := newZonesStore(t, "example.com")
	mustScan(t, s)
	writeFile(t, dir, "wait.yaml", yamlFile(aRecord("www.later.example", "10.0.0.1", 300)))
	mustScan(t, s)
	if st := s.State(); len(st.Incomplete) != 0 || len(st.Problems) != 1 {
		t.Fatalf("Incomplete = %q, Problems = %q", st.Incomplete, problemTexts(st.Problems))
	}
	s.SetZones([]string{"example.com", "later.example"})
	mustScan(t, s)
	st := s.State()
	if len(st.Incomplete) != 0 || len(st.Problems) != 0 {
		t.Fatalf("Incomplete = %q, Problems = %q", st.Incomplete, problemTexts(st.Problems))
	}
	if got := zoneTexts(st.Zone("later.example.")); !slices.Equal(got, []string{"www.later.example. 300 IN A 10.0.0.1"}) {
		t.Errorf("later.example. = %q", got)
	}
}
