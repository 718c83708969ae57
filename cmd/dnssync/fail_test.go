package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Under systemd every line of a command's error carries the journal's
// error priority, so `journalctl -p warning` shows why ExecStartPre's
// check-config failed (journald files a line without one at info). A
// config with two problems makes a two-line error. Outside the journal the
// lines are as before. Not parallel: it sets $JOURNAL_STREAM.
func TestFailCarriesJournalPriority(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(cfg, []byte("[verify]\ntimeout = \"soon\"\n[safety]\nmax_delete_percent = 500\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, stream := journalFile(t)
	t.Setenv("JOURNAL_STREAM", stream)
	if code := run(context.Background(), []string{"check-config", "--config", cfg}, io.Discard, f); code != exitError {
		t.Fatalf("check-config of a bad config: exit %d, want %d", code, exitError)
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) < 2 {
		t.Fatalf("stderr %q: want an error of several lines", b)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "<3>") {
			t.Errorf("line %q has no <3> (LOG_ERR) prefix; stderr:\n%s", l, b)
		}
	}
	if !strings.HasPrefix(lines[0], "<3>dnssync: ") {
		t.Errorf("first line %q: want <3>dnssync: ...", lines[0])
	}

	// Not the journal: plain lines.
	code, _, stderr := runArgs(t, "check-config", "--config", cfg)
	if code != exitError || strings.Contains(stderr, "<3>") || !strings.HasPrefix(stderr, "dnssync: ") {
		t.Errorf("check-config to a buffer: exit %d, stderr %q; want plain dnssync: lines", code, stderr)
	}
}
