package audit

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
)

// The one rule for the writes to records.d that people and programs ask
// for, through the records API or a CLI command on the DNS host
// (`register` without --api), whichever door they use:
//
//   - A write is made only with the trail open. A CLI command opens it
//     first (OpenWriter) and makes no write when it cannot; the daemon
//     opens it before it serves the API, and does not start without it.
//   - Each write asked for, made or refused, is one line: who asked, the
//     action, the record, and what became of it. The line is written once
//     the write is done, and before it is reported to whoever asked.
//   - A line the trail could not take leaves the write as it was made:
//     undoing it could fail too, and would need a trail of its own. It is
//     an error that says so ("written, but not audited"), for the caller
//     to report: the API in its log, a CLI command by exiting non-zero.

// Writer audits writes to records.d by that rule. The zero Writer (no
// [audit] file) writes no lines and never fails.
type Writer struct {
	Log *Log
}

// OpenWriter opens the trail at path for a process that writes records.d
// ("" is no [audit] file: a Writer without a Log). When the file cannot
// be opened the error says that nothing was written: the caller makes no
// write.
func OpenWriter(path string) (Writer, error) {
	if path == "" {
		return Writer{}, nil
	}
	l, err := Open(path)
	if err != nil {
		return Writer{}, fmt.Errorf("%w; nothing written (every write to records.d is audited)", err)
	}
	return Writer{Log: l}, nil
}

// Close closes the trail.
func (w Writer) Close() error { return w.Log.Close() }

// Write is one write to records.d as asked.
type Write struct {
	// Who asked: Kind "api" with Client, TokenID, Method and Path, or
	// Kind "cli" with User and UID (CLI). Its other fields are left empty.
	Who    Event
	Action string // register, update, unregister
	Name   string
	Type   string // "" for an unregister of every type
	Value  string // "" for an unregister
}

// Outcome is what became of a write.
type Outcome struct {
	// Result is the write's status in the API's words ("accepted",
	// "unchanged", "verified", ...) or what went wrong after it was made.
	Result string
	Status int // the HTTP status the API answers with (0 for the CLI)
	// Changed: records.d was changed. Err: the write was not made, and
	// the line's result is Err's text.
	Changed bool
	Err     error
}

// Do makes the write (do) and writes its line. do makes the write and
// says what became of it; it runs once, whatever the trail does. The
// error is the trail's alone (nil when the line was written): the write
// stands either way.
func (w Writer) Do(asked Write, do func() Outcome) error {
	out := do()
	ev := asked.Who
	ev.Action, ev.Name, ev.Type, ev.Value = asked.Action, asked.Name, asked.Type, asked.Value
	ev.Result, ev.Status = out.Result, out.Status
	if out.Err != nil {
		ev.Result = out.Err.Error() // the trail keeps paths: it is the operator's
	}
	err := w.Log.Record(ev)
	if err == nil {
		return nil
	}
	what := "written, but not audited"
	switch {
	case out.Err != nil:
		what = "not written, and not audited"
	case !out.Changed:
		what = "nothing changed, and not audited"
	}
	return fmt.Errorf("%s %s: %s: %w", asked.Action, asked.Name, what, err)
}

// CLI is who runs this process, as the trail names a CLI user (Write's
// Who): the user name, or the uid when it has none (a container's uid
// without a passwd entry), and the uid.
func CLI() Event {
	name, uid := CLIUser()
	return Event{Kind: "cli", User: name, UID: &uid}
}

// CLIUser is CLI's user name and uid, for the lines of `dnssync apply`.
func CLIUser() (name string, uid int) {
	uid = os.Getuid()
	name = strconv.Itoa(uid)
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return name, uid
}
