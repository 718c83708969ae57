package desired

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func newZonesStore(t *testing.T, zones ...string) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	opts := testOptions(dir)
	opts.Zones = zones
	return NewStore(opts, nil), dir
}

func TestSetZonesAppliesAWaitingFileUntouched(t *testing.T) {
	t.Parallel()
	s, dir := newZonesStore(t, "example.com")
	mustScan(t, s) // the daemon runs: the file is written for a zone about to be added
	path := writeFile(t, dir, "staging.yaml", yamlFile(aRecord("web.staging.example.net", "10.0.0.1", 300)))
	mustScan(t, s)
	st := s.State()
	if len(st.Problems) != 1 || !strings.Contains(st.Problems[0].Msg, "not inside a managed zone") {
		t.Fatalf("Problems = %v, want the name outside every zone", st.Problems)
	}
	if len(st.Incomplete) != 0 {
		t.Fatalf("Incomplete = %v: a file waiting for its zone is read, and holds no deletion", st.Incomplete)
	}
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	if got := s.SetZones([]string{"example.com", "Staging.Example.NET"}); !slices.Equal(got, []string{"staging.example.net."}) {
		t.Errorf("SetZones = %q, want the added zone", got)
	}
	if got := s.Zones(); !slices.Equal(got, []string{"example.com.", "staging.example.net."}) {
		t.Errorf("Zones = %q", got)
	}
	zones := mustScan(t, s)
	if !slices.Contains(zones, "staging.example.net.") {
		t.Errorf("Scan = %q, want staging.example.net. among them", zones)
	}
	st = s.State()
	if len(st.Problems) != 0 || len(st.Incomplete) != 0 {
		t.Errorf("Problems = %v, Incomplete = %v; the file should apply now", st.Problems, st.Incomplete)
	}
	if got := zoneTexts(st.Zone("staging.example.net.")); !slices.Equal(got, []string{"web.staging.example.net. 300 IN A 10.0.0.1"}) {
		t.Errorf("staging.example.net. = %q", got)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("the file was touched")
	}
}

func TestSetZonesSubZoneMovesRecordsWithoutReading(t *testing.T) {
	t.Parallel()
	s, dir := newZonesStore(t, "example.com")
	s.racyWindow = 0 // a file just written is read again otherwise
	writeFile(t, dir, "a.yaml", yamlFile(
		aRecord("web.example.com", "10.0.0.1", 300),
		aRecord("x.sub.example.com", "10.0.0.2", 300)))
	mustScan(t, s)
	gen := s.State().Generation
	reads := s.reads

	if got := s.SetZones([]string{"example.com", "sub.example.com"}); !slices.Equal(got, []string{"example.com.", "sub.example.com."}) {
		t.Errorf("SetZones = %q, want both zones changed", got)
	}
	st := s.State()
	if st.Generation <= gen {
		t.Errorf("Generation %d after SetZones, was %d: want a new one", st.Generation, gen)
	}
	if got := zoneTexts(st.Zone("example.com.")); !slices.Equal(got, []string{"web.example.com. 300 IN A 10.0.0.1"}) {
		t.Errorf("example.com. = %q", got)
	}
	if got := zoneTexts(st.Zone("sub.example.com.")); !slices.Equal(got, []string{"x.sub.example.com. 300 IN A 10.0.0.2"}) {
		t.Errorf("sub.example.com. = %q", got)
	}
	if st.Records["example.com."] != 1 || st.Records["sub.example.com."] != 1 {
		t.Errorf("Records = %v", st.Records)
	}
	for _, z := range []string{"example.com.", "sub.example.com."} {
		if names, ok := s.ChangedSince(z, gen); !ok || !names["x.sub.example.com."] {
			t.Errorf("ChangedSince(%s) = %v %v: the moved name must be a change in both zones", z, names, ok)
		}
	}
	if got := s.DeclaredAt("x.sub.example.com"); len(got) != 1 {
		t.Errorf("DeclaredAt after the move = %v", got)
	}
	if got := s.FilesIn("sub.example.com"); !slices.Equal(got, []string{filepath.Join(dir, "a.yaml")}) {
		t.Errorf("FilesIn(sub.example.com) = %q", got)
	}
	mustScan(t, s)
	if s.reads != reads {
		t.Errorf("%d files read again; moving records needs none", s.reads-reads)
	}
	if st := s.State(); len(st.Problems) != 0 {
		t.Errorf("Problems = %v", st.Problems)
	}

	// And back: removing the sub-zone returns its names to the parent.
	gen = s.State().Generation
	if got := s.SetZones([]string{"example.com"}); !slices.Equal(got, []string{"example.com."}) {
		t.Errorf("SetZones = %q, want example.com.", got)
	}
	st = s.State()
	if _, ok := st.Zones["sub.example.com."]; ok {
		t.Errorf("removed zone still in State")
	}
	if got := zoneTexts(st.Zone("example.com.")); len(got) != 2 {
		t.Errorf("example.com. = %q, want both names", got)
	}
	if names, ok := s.ChangedSince("example.com.", gen); !ok || !names["x.sub.example.com."] {
		t.Errorf("ChangedSince = %v %v", names, ok)
	}
	mustScan(t, s)
	if st := s.State(); len(st.Problems) != 0 {
		t.Errorf("Problems = %v", st.Problems)
	}
}

func TestSetZonesRemoveZone(t *testing.T) {
	t.Parallel()
	s, dir := newZonesStore(t, "example.com", "other.net")
	a := writeFile(t, dir, "a.yaml", yamlFile(aRecord("a.other.net", "10.0.0.1", 300)))
	b := writeFile(t, dir, "b.yaml", yamlFile(aRecord("b.example.com", "10.0.0.2", 300)))
	c := writeFile(t, dir, "c.yaml", yamlFile(aRecord("c.other.net", "10.0.0.3", 300), aRecord("c.example.com", "10.0.0.3", 300)))
	mustScan(t, s)
	if got := s.FilesIn("Other.NET"); !slices.Equal(got, []string{a, c}) {
		t.Errorf("FilesIn(other.net) = %q, want %q", got, []string{a, c})
	}
	if got := s.FilesIn("example.com."); !slices.Equal(got, []string{b, c}) {
		t.Errorf("FilesIn(example.com) = %q", got)
	}

	if got := s.SetZones([]string{"example.com"}); len(got) != 0 {
		t.Errorf("SetZones = %q, want no remaining zone changed", got)
	}
	st := s.State()
	if _, ok := st.Zones["other.net."]; ok {
		t.Errorf("removed zone still in State.Zones")
	}
	if got := zoneTexts(st.Zone("example.com.")); len(got) != 2 {
		t.Errorf("example.com. = %q, want b and c untouched", got)
	}
	if got := s.FilesIn("other.net"); len(got) != 0 {
		t.Errorf("FilesIn(removed zone) = %q", got)
	}
	mustScan(t, s)
	st = s.State()
	var bad []string
	for _, p := range st.Problems {
		if !strings.Contains(p.Msg, "not inside a managed zone") {
			t.Errorf("unexpected problem %v", p)
		}
		bad = append(bad, p.File)
	}
	if !slices.Equal(bad, []string{a, c}) {
		t.Errorf("files invalid after the removal: %q, want %q", bad, []string{a, c})
	}
	if len(st.Incomplete) != 0 {
		t.Errorf("Incomplete = %v: their last good content is known", st.Incomplete)
	}
	if got := zoneTexts(st.Zone("example.com.")); len(got) != 2 {
		t.Errorf("c.yaml's last good content in example.com. must stay: %q", got)
	}

	// Re-adding the zone brings the last good content back at once, and
	// the files are valid again on the next Scan.
	if got := s.SetZones([]string{"example.com", "other.net"}); !slices.Equal(got, []string{"other.net."}) {
		t.Errorf("SetZones = %q", got)
	}
	if got := zoneTexts(s.State().Zone("other.net.")); len(got) != 2 {
		t.Errorf("other.net. = %q, want a and c", got)
	}
	mustScan(t, s)
	if st := s.State(); len(st.Problems) != 0 {
		t.Errorf("Problems = %v", st.Problems)
	}
}

func TestSetZonesSameSetIsNoChange(t *testing.T) {
	t.Parallel()
	s, dir := newZonesStore(t, "example.com")
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("web.example.com", "10.0.0.1", 300)))
	mustScan(t, s)
	gen := s.State().Generation
	if got := s.SetZones([]string{"Example.COM."}); got != nil {
		t.Errorf("SetZones = %q", got)
	}
	if s.State().Generation != gen {
		t.Errorf("the same zone set started a new generation")
	}
}

// Run with -race: SetZones beside Scan, Reload and every reader.
func TestSetZonesConcurrent(t *testing.T) {
	t.Parallel()
	s, dir := newZonesStore(t, "example.com")
	for i := range 20 {
		writeFile(t, dir, fmt.Sprintf("f%d.yaml", i), yamlFile(
			aRecord(fmt.Sprintf("h%d.example.com", i), "10.0.0.1", 300),
			aRecord(fmt.Sprintf("h%d.sub.example.com", i), "10.0.0.2", 300),
			aRecord(fmt.Sprintf("h%d.other.net", i), "10.0.0.3", 300)))
	}
	mustScan(t, s)
	sets := [][]string{{"example.com"}, {"example.com", "sub.example.com", "other.net"}, {"example.com", "other.net"}}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				switch (w + i) % 4 {
				case 0:
					s.SetZones(sets[i%len(sets)])
				case 1:
					if _, err := s.Scan(); err != nil {
						t.Error(err)
					}
				case 2:
					st := s.State()
					s.ChangedSince("example.com.", st.Generation)
				case 3:
					s.FilesIn("sub.example.com")
					s.DeclaredAt("h1.sub.example.com")
					s.Reload([]string{filepath.Join(dir, "f1.yaml")})
				}
			}
		}()
	}
	wg.Wait()
	s.SetZones(sets[1])
	mustScan(t, s)
	st := s.State()
	if len(st.Problems) != 0 {
		t.Errorf("Problems = %v", st.Problems)
	}
	for z, n := range map[string]int{"example.com.": 20, "sub.example.com.": 20, "other.net.": 20} {
		if st.Records[z] != n {
			t.Errorf("Records[%s] = %d, want %d", z, st.Records[z], n)
		}
	}
}
