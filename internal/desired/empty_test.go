package desired

import (
	"errors"
	"testing"
)

// AcceptEmpty lets the next look at the dir empty the store, once: a dir
// filled and emptied at once again is refused again.
func TestAcceptEmptyOnce(t *testing.T) {
	t.Parallel()
	s, dir := newTestStore(t)
	fill := func() {
		writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.1", 300)))
		writeFile(t, dir, "b.yaml", yamlFile(aRecord("b.example.com", "10.0.0.2", 300)))
		mustScan(t, s)
	}
	empty := func() {
		removeFile(t, dir, "a.yaml")
		removeFile(t, dir, "b.yaml")
	}
	fill()
	empty()
	if _, err := s.Scan(); !errors.Is(err, ErrSuddenlyEmpty) {
		t.Fatalf("Scan error = %v, want ErrSuddenlyEmpty", err)
	}
	s.AcceptEmpty()
	mustScan(t, s)
	if st := s.State(); st.Zone("example.com.").Len() != 0 || st.Files != 0 {
		t.Fatalf("after AcceptEmpty: %d sets, %d files; want none", st.Zone("example.com.").Len(), st.Files)
	}

	fill()
	empty()
	if _, err := s.Scan(); !errors.Is(err, ErrSuddenlyEmpty) {
		t.Errorf("second emptying: Scan error = %v, want ErrSuddenlyEmpty (AcceptEmpty is for once)", err)
	}

	// Not used up by a look that finds nothing gone, it is not kept for
	// later either.
	s2, dir2 := newTestStore(t)
	writeFile(t, dir2, "a.yaml", yamlFile(aRecord("a.example.com", "10.0.0.1", 300)))
	writeFile(t, dir2, "b.yaml", yamlFile(aRecord("b.example.com", "10.0.0.2", 300)))
	mustScan(t, s2)
	s2.AcceptEmpty()
	mustScan(t, s2) // nothing gone
	removeFile(t, dir2, "a.yaml")
	removeFile(t, dir2, "b.yaml")
	if _, err := s2.Scan(); !errors.Is(err, ErrSuddenlyEmpty) {
		t.Errorf("Scan error = %v, want ErrSuddenlyEmpty: AcceptEmpty is for the next look only", err)
	}
}
