package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// check-config reads the API's token file as the daemon will, and so
// refuses one that other users can read, naming the fix; a file only its
// owner and group can read passes.
func TestCheckConfigRefusesOpenTokenFile(t *testing.T) {
	for _, c := range []struct {
		mode os.FileMode
		code int
		want string
	}{
		{0o600, exitOK, ""},
		{0o640, exitOK, ""},
		{0o644, exitError, "readable by every user"},
		{0o662, exitError, "writable by every user"},
	} {
		e := newEnv(t, "")
		tokens := filepath.Join(filepath.Dir(e.dir), "tokens")
		if err := os.WriteFile(tokens, []byte("ci:0123456789abcdef-secret\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(tokens, c.mode); err != nil {
			t.Fatal(err)
		}
		e.configure(t, func(c *corednstest.Config) { c.API = &corednstest.API{Listen: "127.0.0.1:0", TokenFile: tokens} })
		code, stdout, stderr := e.run(t, "check-config")
		// On stderr, in the error style, since check-config's errors are.
		if code != c.code || !strings.Contains(stderr, c.want) || c.want != "" && (!strings.Contains(stderr, "chmod 600") || !strings.HasPrefix(stderr, "dnssync: ")) {
			t.Errorf("mode %04o: exit %d, stdout %q, stderr %q; want exit %d saying %q", c.mode, code, stdout, stderr, c.code, c.want)
		}
		if strings.Contains(stdout+stderr, "0123456789abcdef-secret") {
			t.Errorf("mode %04o: the token is in the output", c.mode)
		}
	}
}
