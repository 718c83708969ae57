package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Another process holding the file's lock (a stopped CLI command, or
// `flock audit.log sleep 1d`) makes Record give up after LockTimeout with
// an error naming what was not recorded, instead of blocking the caller
// (the daemon's loop) for as long as the holder likes. Once the lock is
// free again, lines are written as before.
func TestRecordGivesUpOnAHeldLock(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.LockTimeout = 100 * time.Millisecond
	// A second open file description contends as another process would.
	other, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := unix.Flock(int(other.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	for _, name := range []string{"a.example.com.", "b.example.com."} { // the second waits behind the first
		go func() {
			done <- l.Record(Event{Kind: "change", Action: "create", Zone: "example.com.", Name: name, Type: "A", Value: "192.0.2.1", Result: "ok"})
		}()
	}
	deadline := time.After(10 * time.Second)
	for range 2 {
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not recorded") || !strings.Contains(err.Error(), "change create example.com.") {
				t.Errorf("Record with the file locked elsewhere: %v, want an error naming the event", err)
			}
			if err != nil && strings.Contains(err.Error(), "192.0.2.1") {
				t.Errorf("error quotes the value: %v", err)
			}
		case <-deadline:
			t.Fatal("Record still blocked 10s after its LockTimeout")
		}
	}
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Errorf("written without the lock: %q", b)
	}
	unix.Flock(int(other.Fd()), unix.LOCK_UN)
	if err := l.Record(Event{Kind: "change", Name: "c.example.com.", Result: "ok"}); err != nil {
		t.Fatalf("Record once the lock is free: %v", err)
	}
	if got := readEvents(t, path); len(got) != 1 || got[0].Name != "c.example.com." {
		t.Errorf("events = %+v", got)
	}
}

// A request may carry a value or a path of 64 KiB: the line keeps at most
// MaxFieldBytes of each, cut on a character boundary, saying so.
func TestFieldsAreCapped(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	long := strings.Repeat("é", 32<<10) // 64 KiB, two bytes a character
	ev := Event{Kind: "api", Method: "PUT", Path: "/api/v1/dns/records/" + long, Name: long, Value: long, Old: long, New: long, Result: "refused: " + long}
	if err := l.Record(ev); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 8*MaxFieldBytes {
		t.Errorf("line of %d bytes", len(b))
	}
	got := readEvents(t, path)[0]
	for field, v := range map[string]string{"path": got.Path, "name": got.Name, "value": got.Value, "old": got.Old, "new": got.New, "result": got.Result} {
		if !strings.Contains(v, "more bytes)") || len(v) > MaxFieldBytes+64 || strings.ContainsRune(v, '\uFFFD') {
			t.Errorf("%s: %d bytes %.40q...: want at most %d, cut on a character, saying so", field, len(v), v, MaxFieldBytes)
		}
	}
	if short := (Event{Value: "192.0.2.1"}).capped(); short.Value != "192.0.2.1" {
		t.Errorf("a short value changed: %q", short.Value)
	}
}
