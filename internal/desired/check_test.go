package desired

import (
	"bytes"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

func TestValidateReportsFileProblemsAndConflicts(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.yaml", yamlFile(aRecord("web.example.com", "10.0.0.1", 300)))
	b := writeFile(t, dir, "b.yaml", yamlFile(aRecord("ok.example.com", "10.0.0.5", 300), aRecord("web.example.com", "10.0.0.2", 600)))
	c := writeFile(t, dir, "c.yaml", "records:\n  - name: x.example.com\n    type: A\n    vlaue: 10.0.0.1\n")
	problems, err := Validate(testOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	reason := fmt.Sprintf("conflict at web.example.com.: A records have different TTLs: 300 at %s:2 vs 600 at %s:6", a, b)
	want := []string{
		a + ":2: " + reason,
		b + ":6: " + reason,
		c + `:4: unknown field "vlaue" in record (want name, type, value, values, ttl, ptr)`,
	}
	if got := problemTexts(problems); !slices.Equal(got, want) {
		t.Errorf("Validate:\n got %q\nwant %q", got, want)
	}
}

func TestValidateMissingDir(t *testing.T) {
	if _, err := Validate(testOptions(t.TempDir() + "/nope")); err == nil {
		t.Error("Validate of a missing dir: no error")
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("web.example.com", "10.0.0.1", 300)))
	st, err := LoadDir(testOptions(dir), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 1 || st.Zone("example.com.").Len() != 1 {
		t.Errorf("LoadDir: %+v", st)
	}
}

func TestProblemError(t *testing.T) {
	if got := (Problem{File: "records.d/a.yaml", Line: 7, Msg: "bad"}).Error(); got != "records.d/a.yaml:7: bad" {
		t.Errorf("with line: %q", got)
	}
	if got := (Problem{File: "records.d/a.yaml", Msg: "cannot read: permission denied"}).Error(); got != "records.d/a.yaml: cannot read: permission denied" {
		t.Errorf("without line: %q", got)
	}
}

// A rejected file is logged once per change, not once per scan.
func TestRejectedFileLoggedOncePerChange(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	dir := t.TempDir()
	s := NewStore(testOptions(dir), log)
	path := writeFile(t, dir, "a.yaml", "records: [")
	count := func() int { return strings.Count(buf.String(), `msg="record file rejected"`) }

	mustScan(t, s)
	mustScan(t, s)
	s.Reload([]string{path}) // re-read, same problem
	if n := count(); n != 1 {
		t.Errorf("logged %d times for one change, want 1:\n%s", n, buf.String())
	}
	if !strings.Contains(buf.String(), "component=desired") || !strings.Contains(buf.String(), "level=WARN") {
		t.Errorf("log lacks component or level:\n%s", buf.String())
	}
	writeFile(t, dir, "a.yaml", "records: {")
	mustScan(t, s)
	if n := count(); n != 2 {
		t.Errorf("logged %d times for two changes, want 2", n)
	}
}

// The examples shipped in the repository's records.d must stay valid.
func TestRepositoryExamplesAreValid(t *testing.T) {
	opts := Options{Dir: "../../records.d", Zones: []string{"example.com"}, DefaultTTL: 300}
	problems, err := Validate(opts)
	if err != nil {
		t.Skipf("no examples: %v", err)
	}
	if len(problems) > 0 {
		t.Errorf("examples invalid: %q", problemTexts(problems))
	}
	st, err := LoadDir(opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Files == 0 || st.Zone("example.com.").Len() == 0 {
		t.Errorf("examples loaded nothing: %+v", st)
	}
}
