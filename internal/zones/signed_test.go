package zones

import (
	"testing"

	"github.com/dnssync/dnssync/client"
)

// A zone marked dnssec is added through the API (Editor) and read back
// from zones.d like any other, and stays marked: zones.d did not accept
// the key once.
func TestEditorAddsSignedZone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := &Editor{Dir: dir}
	if _, err := e.Add(t.Context(), client.Zone{Name: "signed.example", DNSSEC: true}); err != nil {
		t.Fatalf("Add of a signed zone = %v", err)
	}
	s, _, err := CatalogDir{Dir: NewDir(dir, nil)}.Scan()
	if err != nil {
		t.Fatal(err)
	}
	if z, ok := s.Zone("signed.example."); !ok || !z.DNSSEC || len(s.Problems()) != 0 {
		t.Errorf("zones.d after the add: signed.example %+v (found %v), problems %v; want it, marked dnssec", z, ok, s.Problems())
	}
}
