// Package audit keeps the trail of every DNS operation: each write through
// the API (who, with which token id, never the token) or the CLI (which
// user), each request the API refused before it could act (bad body, bad
// token), each change the reconciler applied, each plan it refused. One
// JSON object a line, appended with O_APPEND and fsynced before the
// operation is reported, so the trail survives crashes and restarts.
// The reconciler's lines come from passaudit, an observer of pass results
// beside health and metrics (a package of its own, so that this one, which
// the API uses, does not depend on the reconciler); the API's and the
// CLI's writes to records.d are recorded through Writer (write.go).
//
// Several processes append to one file (the daemon and each CLI command):
// each Record is one write(2) of whole lines, made under flock(2) on the
// file, so lines never interleave or tear, whoever writes them. The wait
// for that lock is bounded: a stopped CLI command or a person's `flock` on
// the file must not stall the daemon's loop (and its watchdog), so after
// LockTimeout Record gives up with an error that names the lines it could
// not write, for the caller's log. Rotate the file with logrotate's
// copytruncate, or move it away and send SIGHUP (the file is reopened).
//
// Free-text fields are capped (MaxFieldBytes): a request may carry a 64 KiB
// value or path, and one line of the trail must stay readable.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dnssync/dnssync/internal/flock"
	"github.com/dnssync/dnssync/internal/textcap"
)

// Event is one line. Fields that do not apply are left out.
type Event struct {
	Time time.Time `json:"time"`
	// Kind is "api" (a request to the records API: a write, or a request
	// refused before it could act), "cli" (a write by a CLI command on the
	// DNS host), "change" (a change applied to DNS), "drift" (a change
	// applied to DNS that put back what the server got from elsewhere than
	// records.d: Old is what it served, New what records.d wants) or
	// "refused" (a plan the safety check refused).
	Kind string `json:"kind"`

	Client  string `json:"client,omitempty"`   // remote address
	TokenID string `json:"token_id,omitempty"` // which token, never the token
	Method  string `json:"method,omitempty"`
	Path    string `json:"path,omitempty"`
	User    string `json:"user,omitempty"` // the CLI's user name (its uid when it has none)
	UID     *int   `json:"uid,omitempty"`  // the CLI's uid

	Zone   string `json:"zone,omitempty"`
	Name   string `json:"name,omitempty"`
	Type   string `json:"type,omitempty"`
	Value  string `json:"value,omitempty"`
	Action string `json:"action,omitempty"` // register, update, unregister; create, update, delete
	Old    string `json:"old,omitempty"`
	New    string `json:"new,omitempty"`

	Result string `json:"result"` // "ok", "unchanged", or what went wrong
	Status int    `json:"status,omitempty"`
}

// MaxFieldBytes caps each free-text field of a line (see Event.capped):
// a real record value (a DKIM key: under 1 KiB) stays whole.
const MaxFieldBytes = 1024

// DefaultLockTimeout bounds the wait for the file's lock: another writer
// holds it for one write, microseconds; anything longer is a stopped
// process or a person, and the daemon's loop must go on.
const DefaultLockTimeout = 5 * time.Second

// Log appends events to a file. A nil *Log records nothing.
type Log struct {
	path string
	// LockTimeout bounds Record's wait, for this process's other writers
	// and for the file's lock together (0: DefaultLockTimeout).
	LockTimeout time.Duration
	turn        chan struct{} // one writer at a time in this process; guards f
	f           *os.File
}

// Open opens (creating) the audit file for appending.
func Open(path string) (*Log, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return &Log{path: path, turn: make(chan struct{}, 1), f: f}, nil
}

// Record writes events, then syncs the file once. It waits at most
// LockTimeout for the file; an error names the events not recorded (kind,
// action, name), so that the caller's log keeps what the trail could not.
func (l *Log) Record(events ...Event) error {
	if l == nil || len(events) == 0 {
		return nil
	}
	var buf []byte
	for _, e := range events {
		if e.Time.IsZero() {
			e.Time = time.Now().UTC()
		}
		b, err := json.Marshal(e.capped())
		if err != nil {
			return fmt.Errorf("audit: %w; not recorded: %s", err, describe(events))
		}
		buf = append(append(buf, b...), '\n')
	}
	timeout := l.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	select {
	case l.turn <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("audit %s: this process's other writes held it for more than %s; not recorded: %s", l.path, timeout, describe(events))
	}
	defer func() { <-l.turn }()
	if err := l.append(ctx, buf, timeout); err != nil {
		return fmt.Errorf("audit %s: %w; not recorded: %s", l.path, err, describe(events))
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("audit %s: written, but not fsynced: %w", l.path, err)
	}
	return nil
}

// append writes buf at the end of the file while holding its flock, so
// that another process's lines never land inside ours even when the
// kernel splits a write. O_APPEND puts every write at the end. ctx ends
// the wait for the lock; timeout is for the message.
func (l *Log) append(ctx context.Context, buf []byte, timeout time.Duration) error {
	fd := int(l.f.Fd())
	if err := flock.Lock(ctx, fd, true, timeout); err != nil {
		return err
	}
	defer flock.Unlock(fd)
	_, err := l.f.Write(buf)
	return err
}

// capped is e with each free-text field cut to MaxFieldBytes.
func (e Event) capped() Event {
	for _, s := range []*string{&e.Client, &e.TokenID, &e.Method, &e.Path, &e.User, &e.Zone, &e.Name, &e.Type,
		&e.Value, &e.Action, &e.Old, &e.New, &e.Result} {
		*s = textcap.Cut(*s, MaxFieldBytes)
	}
	return e
}

// maxDescribed bounds how many events an error names.
const maxDescribed = 10

// describe names events for an error: kind, action, name and type of
// each (no values: they are long, and the log is not the trail).
func describe(events []Event) string {
	parts := make([]string, 0, min(len(events), maxDescribed)+1)
	for _, e := range events[:min(len(events), maxDescribed)] {
		var words []string
		for _, w := range []string{e.Kind, e.Action, e.Zone, e.Name, e.Type, e.Method, e.Path} {
			if w != "" {
				words = append(words, textcap.Cut(w, 256))
			}
		}
		parts = append(parts, strconv.Quote(strings.Join(words, " ")))
	}
	if more := len(events) - maxDescribed; more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(parts, ", ")
}

// Reopen closes and opens the file again: after it was moved away for
// rotation, writing goes on in a new file at the same path.
func (l *Log) Reopen() error {
	if l == nil {
		return nil
	}
	f, err := openFile(l.path)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	l.turn <- struct{}{} // a Record's wait is bounded
	defer func() { <-l.turn }()
	old := l.f
	l.f = f
	return old.Close()
}

// Close closes the file.
func (l *Log) Close() error {
	if l == nil {
		return nil
	}
	l.turn <- struct{}{}
	defer func() { <-l.turn }()
	return l.f.Close()
}
