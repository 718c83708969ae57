package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// plan and export list an invalid records file on stderr exactly as
// validate does, "file:line: message", one line each, so that one grep or
// editor jump serves all three.
func TestInvalidFilesListedAsValidateListsThem(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	e.write(t, "bad.yaml", "records:\n  - name: x.example.com\n    type: A\n    value: nope\n")
	where := filepath.Join(e.dir, "bad.yaml") + ":4: "
	_, _, want := e.run(t, "validate")
	if !strings.HasPrefix(want, where) {
		t.Fatalf("validate: stderr %q, want a line starting %q", want, where)
	}
	for _, args := range [][]string{{"plan"}, {"export", "example.com"}} {
		code, _, stderr := e.run(t, args...)
		if code != exitError || !strings.Contains("\n"+stderr, "\n"+want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and the line validate prints, %q", args, code, stderr, exitError, want)
		}
	}
}

// zones.d's problems are listed as records.d's are, "file:line: message",
// by validate and by plan, and both exit 1: an invalid zone file, and one
// declaring the catalog zone (whose content is dnssync's own).
func TestZoneFileProblemsListedByValidateAndPlan(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	e.configure(t, func(c *corednstest.Config) { c.Catalog = "catalog.invalid" })
	zd := e.zonesDir()
	if err := os.Mkdir(zd, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"bad.yaml":     "zone:\n  name: bad.example\n  negative_ttl: soon\n",
		"catalog.yaml": "zone:\n  name: catalog.invalid\n",
	} {
		if err := os.WriteFile(filepath.Join(zd, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"validate"}, {"plan"}} {
		code, _, stderr := e.run(t, args...)
		if code != exitError {
			t.Errorf("%v: exit %d, want %d", args, code, exitError)
		}
		for _, want := range []string{filepath.Join(zd, "bad.yaml") + ":3: ", filepath.Join(zd, "catalog.yaml") + ":1: zone catalog.invalid. is the [catalog] zone"} {
			if !strings.Contains("\n"+stderr, "\n"+want) {
				t.Errorf("%v: stderr %q, want a line starting %q", args, stderr, want)
			}
		}
	}
}
