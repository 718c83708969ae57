package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/dnssync/dnssync/internal/config"
)

// journalFile is a file standing in for the journal's stream, and the
// $JOURNAL_STREAM systemd would set for it ("DEVICE:INODE").
func journalFile(t *testing.T) (*os.File, string) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "journal"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return f, fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}

func env(vars ...string) func(string) string {
	return func(k string) string {
		for i := 0; i+1 < len(vars); i += 2 {
			if vars[i] == k {
				return vars[i+1]
			}
		}
		return ""
	}
}

func logEach(log *slog.Logger) {
	log.Debug("debugging", "n", 1)
	log.Info("started", "zone", "example.com.")
	log.With("component", "api").Warn("slow", "ms", 900)
	log.WithGroup("g").Error("failed", "err", "boom")
}

// Under systemd (stderr is the stream $JOURNAL_STREAM names) every line
// starts with its journal priority and carries no time of its own, in the
// text and the JSON form.
func TestJournalPriorities(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the journal is systemd's, on Linux")
	}
	for _, format := range []config.LogFormat{config.LogAuto, config.LogText, config.LogJSON} {
		t.Run(string(format), func(t *testing.T) {
			t.Parallel()
			f, stream := journalFile(t)
			log := newLoggerFor(config.Log{Level: slog.LevelDebug, Format: format}, f, detectLogEnv(f, env("JOURNAL_STREAM", stream)))
			logEach(log)
			b, err := os.ReadFile(f.Name())
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			want := []struct{ prefix, msg string }{{"<7>", "debugging"}, {"<6>", "started"}, {"<4>", "slow"}, {"<3>", "failed"}}
			if len(lines) != len(want) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), b)
			}
			for i, w := range want {
				if !strings.HasPrefix(lines[i], w.prefix) || !strings.Contains(lines[i], w.msg) {
					t.Errorf("line %q, want it to start with %s and say %q", lines[i], w.prefix, w.msg)
				}
				if strings.Contains(lines[i], "time=") || strings.Contains(lines[i], `"time"`) {
					t.Errorf("line %q has a time of its own", lines[i])
				}
			}
			if !strings.Contains(lines[2], "component=api") && !strings.Contains(lines[2], `"component":"api"`) {
				t.Errorf("an attribute of With was lost: %q", lines[2])
			}
		})
	}
}

// $JOURNAL_STREAM inherited by a process whose stderr goes elsewhere (a
// pipe, a file) is not the journal: plain lines, with their time.
func TestJournalStreamOfAnotherFile(t *testing.T) {
	t.Parallel()
	_, stream := journalFile(t)
	other, _ := journalFile(t)
	for _, e := range []logEnv{
		detectLogEnv(other, env("JOURNAL_STREAM", stream)),
		detectLogEnv(&bytes.Buffer{}, env("JOURNAL_STREAM", stream)),
		detectLogEnv(other, env("JOURNAL_STREAM", "garbage")),
	} {
		if e.journal {
			t.Errorf("%+v: the journal, want not", e)
		}
	}
	newLoggerFor(config.Log{Level: slog.LevelInfo, Format: config.LogAuto}, other, detectLogEnv(other, env("JOURNAL_STREAM", stream))).Info("started")
	b, _ := os.ReadFile(other.Name())
	if !strings.HasPrefix(string(b), "time=") {
		t.Errorf("line %q, want a plain one with its time", b)
	}
}

// On a terminal, tint colours the lines unless $NO_COLOR is set.
func TestNoColor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		env    func(string) string
		colour bool
	}{
		{env(), true},
		{env("NO_COLOR", "1"), false},
	} {
		var buf bytes.Buffer
		e := detectLogEnv(&buf, c.env)
		e.terminal = true // as if stderr were one
		logEach(newLoggerFor(config.Log{Level: slog.LevelDebug, Format: config.LogAuto}, &buf, e))
		if got := strings.Contains(buf.String(), "\x1b["); got != c.colour {
			t.Errorf("NO_COLOR=%q: ANSI escapes %v, want %v:\n%q", c.env("NO_COLOR"), got, c.colour, buf.String())
		}
		if !strings.Contains(buf.String(), "started") {
			t.Errorf("no tint line: %q", buf.String())
		}
	}
}
