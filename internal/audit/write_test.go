package audit

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// Each write asked for is one line, made or refused, naming who asked,
// the write and what became of it; the line follows the write.
func TestWriterRecordsEachWrite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.log")
	w, err := OpenWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	uid := 1000
	who := Event{Kind: "cli", User: "alice", UID: &uid}
	asked := Write{Who: who, Action: "register", Name: "web.example.com", Type: "A", Value: "192.0.2.1"}
	if err := w.Do(asked, func() Outcome {
		if got := readEvents(t, path); len(got) != 0 {
			t.Errorf("a line before the write was made: %+v", got)
		}
		return Outcome{Result: "accepted", Changed: true}
	}); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("web.example.com A is declared by a file: records.d/web.yaml")
	if err := w.Do(asked, func() Outcome { return Outcome{Result: "ignored", Err: refused} }); err != nil {
		t.Fatal(err)
	}
	api := Write{Who: Event{Kind: "api", Client: "127.0.0.1:5000", TokenID: "ci", Method: "DELETE", Path: "/api/v1/dns/records/web.example.com"},
		Action: "unregister", Name: "web.example.com"}
	if err := w.Do(api, func() Outcome { return Outcome{Result: "accepted", Status: 200, Changed: true} }); err != nil {
		t.Fatal(err)
	}
	got := readEvents(t, path)
	if len(got) != 3 {
		t.Fatalf("%d lines, want 3: %+v", len(got), got)
	}
	if g := got[0]; g.Kind != "cli" || g.User != "alice" || g.UID == nil || *g.UID != 1000 || g.Action != "register" ||
		g.Name != "web.example.com" || g.Type != "A" || g.Value != "192.0.2.1" || g.Result != "accepted" || g.Status != 0 {
		t.Errorf("a CLI write: %+v", g)
	}
	if g := got[1]; g.Result != refused.Error() {
		t.Errorf("a refused write: result %q, want the error %q", g.Result, refused)
	}
	if g := got[2]; g.Kind != "api" || g.Client != "127.0.0.1:5000" || g.TokenID != "ci" || g.Method != "DELETE" ||
		g.Action != "unregister" || g.Status != 200 || g.Value != "" || g.User != "" {
		t.Errorf("an API write: %+v", g)
	}
}

// A line the trail cannot take (a full disk: /dev/full opens, and every
// write fails) leaves the write made, and the error says what became of
// the write and that it is not audited.
func TestWriterLineNotWritten(t *testing.T) {
	t.Parallel()
	w, err := OpenWriter("/dev/full")
	if err != nil {
		t.Skip("no /dev/full:", err)
	}
	defer w.Close()
	asked := Write{Who: CLI(), Action: "register", Name: "web.example.com", Type: "A", Value: "192.0.2.1"}
	for _, c := range []struct {
		out  Outcome
		want string
	}{
		{Outcome{Result: "accepted", Changed: true}, "register web.example.com: written, but not audited: "},
		{Outcome{Result: "unchanged"}, "register web.example.com: nothing changed, and not audited: "},
		{Outcome{Err: errors.New("records.d unreadable")}, "register web.example.com: not written, and not audited: "},
	} {
		made := 0
		err := w.Do(asked, func() Outcome { made++; return c.out })
		if made != 1 || err == nil || !strings.HasPrefix(err.Error(), c.want) || !strings.Contains(err.Error(), "not recorded") {
			t.Errorf("%+v: write made %d times, err %v; want it made once and an error starting %q", c.out, made, err, c.want)
		}
	}
}

// A write is not made unless it can be audited: a trail that cannot be
// opened is an error saying nothing was written. Without an [audit] file
// writes are made and no line is written.
func TestOpenWriter(t *testing.T) {
	t.Parallel()
	if _, err := OpenWriter(filepath.Join(t.TempDir(), "no-such-dir", "audit.log")); err == nil || !strings.Contains(err.Error(), "nothing written") {
		t.Errorf("OpenWriter in a missing dir: err %v, want one saying nothing was written", err)
	}
	w, err := OpenWriter("")
	if err != nil {
		t.Fatal(err)
	}
	made := false
	if err := w.Do(Write{Who: CLI(), Action: "unregister", Name: "web.example.com"}, func() Outcome { made = true; return Outcome{Changed: true} }); err != nil || !made {
		t.Errorf("without an audit file: made %v, err %v; want made, no error", made, err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("Close without a file: %v", err)
	}
}
