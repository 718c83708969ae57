package main

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// The daemon's start-up failures (before its loop runs) are reported as
// every command's are: one line on stderr, "dnssync: run: <why>", exit 1;
// not a log line, and not both (the log goes to stderr too).
func TestRunStartupErrorsInTheErrorStyle(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	e := newEnv(t, "")
	e.configure(t, func(c *corednstest.Config) { c.API = &corednstest.API{Listen: addr} })
	missing := filepath.Join(t.TempDir(), "no-such.toml")

	for _, c := range []struct {
		name   string
		config string
		want   []string
	}{
		{"config not read", missing, []string{missing}},
		{"API address taken", e.cfg, []string{addr, "address already in use"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// A daemon that started after all ends with ctx: exit 0, and
			// the test fails on it.
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			code := run(ctx, []string{"run", "--config", c.config}, &stdout, &stderr)
			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if code != exitError || stdout.Len() != 0 || len(lines) != 1 || !strings.HasPrefix(lines[0], "dnssync: run: ") {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and one line \"dnssync: run: ...\" on stderr", code, stdout.String(), stderr.String(), exitError)
			}
			for _, w := range c.want {
				if !strings.Contains(lines[0], w) {
					t.Errorf("stderr %q does not say %q", lines[0], w)
				}
			}
		})
	}
}
