package audit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// helperEnv makes the test binary an appender (see TestHelperAppender).
const helperEnv = "DNSSYNC_AUDIT_HELPER"

// perWrite is how many lines each Record of an appender writes: 20 KiB in
// one write(2).
const perWrite = 20

// Several processes (the daemon and CLI commands) append to one file at
// once: every line of every process is there, whole.
func TestProcessesAppendWholeLines(t *testing.T) {
	const procs, lines = 6, 40
	path := filepath.Join(t.TempDir(), "audit.log")
	cmds := make([]*exec.Cmd, procs)
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestHelperAppender$", "-test.count=1")
		cmds[i].Env = append(os.Environ(), fmt.Sprintf("%s=%s,%d,%d", helperEnv, path, i, lines))
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("appender: %v", err)
		}
	}
	got := readEvents(t, path) // fails on a torn line
	seen := map[string]bool{}
	for _, e := range got {
		if len(e.Value) != MaxFieldBytes || e.Kind != "cli" {
			t.Fatalf("line damaged: kind %q, value of %d bytes", e.Kind, len(e.Value))
		}
		seen[e.Name] = true
	}
	if want := procs * lines * perWrite; len(got) != want || len(seen) != want {
		t.Fatalf("%d lines (%d distinct), want %d", len(got), len(seen), want)
	}
}

// TestHelperAppender is a child of TestProcessesAppendWholeLines; run
// alone it does nothing.
func TestHelperAppender(t *testing.T) {
	arg := os.Getenv(helperEnv)
	if arg == "" {
		t.Skip("helper process for TestProcessesAppendWholeLines")
	}
	parts := strings.Split(arg, ",")
	n, _ := strconv.Atoi(parts[2])
	l, err := Open(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	uid := os.Getuid()
	for i := 0; i < n; i++ {
		// Writes larger than a pipe's atomic write, each a single write
		// of several lines (a value is capped at MaxFieldBytes).
		evs := make([]Event, perWrite)
		for j := range evs {
			evs[j] = Event{Kind: "cli", User: "test", UID: &uid, Name: fmt.Sprintf("p%s-%d-%d.example.com.", parts[1], i, j), Value: strings.Repeat(parts[1], MaxFieldBytes), Result: "ok"}
		}
		if err := l.Record(evs...); err != nil {
			t.Fatal(err)
		}
	}
}
