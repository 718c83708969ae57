package desired

import (
	"slices"
	"strings"
	"testing"
)

// TestWaitingFileHoldsNoDeletions: a file whose only problem is a name in
// no managed zone yet is read: what it declares is known and is nothing in
// any managed zone, so it must not hold deletions anywhere (it is not
// Incomplete). It is still an invalid file, reported with file and line.
// A file that also has another problem, or that declares records in a
// managed zone beside the waiting ones, is unknown or unapplied content:
// Incomplete, as before.
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
			path := writeFile(t, dir, "wait.yaml", tt.content)
			mustScan(t, s)
			st := s.State()
			if got := len(st.Incomplete) > 0; got != tt.wantIncomplete {
				t.Errorf("Incomplete = %q, want incomplete %v", st.Incomplete, tt.wantIncomplete)
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

// TestWaitingFileAppliesWhenItsZoneArrives: the waiting file (not
// Incomplete) applies as soon as its zone is managed.
func TestWaitingFileAppliesWhenItsZoneArrives(t *testing.T) {
	t.Parallel()
	s, dir := newZonesStore(t, "example.com")
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
	if got := zoneTexts(st.Zones["later.example."]); !slices.Equal(got, []string{"www.later.example. 300 IN A 10.0.0.1"}) {
		t.Errorf("later.example. = %q", got)
	}
}
