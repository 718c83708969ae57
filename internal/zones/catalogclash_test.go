package zones

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A zones.d file declaring the [catalog] zone is a problem of that file,
// and its zone is not in the set: the catalog's content is dnssync's own.
func TestCatalogDirLeavesOutTheCatalog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"cat.yaml":   "zone:\n  name: Catalog.Invalid\n",
		"other.yaml": "zone:\n  name: other.example\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, _, err := CatalogDir{Dir: NewDir(dir, nil), Catalog: "catalog.invalid."}.Scan()
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Names(); len(got) != 1 || got[0] != "other.example." {
		t.Errorf("zones = %v, want only other.example.", got)
	}
	p := s.Problems()
	if len(p) != 1 || p[0].File != filepath.Join(dir, "cat.yaml") || p[0].Line != 1 || !strings.Contains(p[0].Msg, "[catalog] zone") {
		t.Errorf("problems = %v, want one on cat.yaml:1 naming the [catalog] zone", p)
	}
	if s, _, _ := (CatalogDir{Dir: NewDir(dir, nil)}).Scan(); len(s.Names()) != 2 || len(s.Problems()) != 0 {
		t.Errorf("without a catalog: zones %v, problems %v; want both zones, no problem", s.Names(), s.Problems())
	}
}
