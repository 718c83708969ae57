package main

import (
	"path/filepath"
	"strings"
	"testing"
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
