// Package audit keeps the trail of every DNS operation: each write through
// the API (who, with which token id, never the token) or the CLI (which
// user), each request the API refused before it could act (bad body, bad
// token), each change the reconciler applied, each plan it refused. One
// JSON object a line, appended with O_APPEND and fsynced before the
// operation is reported, so the trail survives crashes and restarts.
//
// Several processes append to one file (the daemon and each CLI command):
// each Record is one write(2) of whole lines, made under flock(2) on the
// file, so lines never interleave or tear, whoever writes them. Rotate it
// with logrotate's copytruncate, or move it away and send SIGHUP (the file
// is reopened).
package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Event is one line. Fields that do not apply are left out.
type Event struct {
	Time time.Time `json:"time"`
	// Kind is "api" (a request to the records API: a write, or a request
	// refused before it could act), "cli" (a write by a CLI command on the
	// DNS host), "change" (a change applied to DNS) or "refused" (a plan
	// the safety check refused).
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

// Log appends events to a file. A nil *Log records nothing.
type Log struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

// Open opens (creating) the audit file for appending.
func Open(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return &Log{path: path, f: f}, nil
}

// Record writes events, then syncs the file once.
func (l *Log) Record(events ...Event) error {
	if l == nil || len(events) == 0 {
		return nil
	}
	var buf []byte
	for _, e := range events {
		if e.Time.IsZero() {
			e.Time = time.Now().UTC()
		}
		b, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		buf = append(append(buf, b...), '\n')
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.append(buf); err != nil {
		return fmt.Errorf("audit %s: %w", l.path, err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("audit %s: %w", l.path, err)
	}
	return nil
}

// append writes buf at the end of the file while holding its flock, so
// that another process's lines never land inside ours even when the
// kernel splits a write. O_APPEND puts every write at the end.
func (l *Log) append(buf []byte) error {
	fd := int(l.f.Fd())
	for {
		err := unix.Flock(fd, unix.LOCK_EX)
		if err == nil {
			break
		}
		if err != unix.EINTR {
			return fmt.Errorf("lock: %w", err)
		}
	}
	defer unix.Flock(fd, unix.LOCK_UN)
	_, err := l.f.Write(buf)
	return err
}

// Reopen closes and opens the file again: after it was moved away for
// rotation, writing goes on in a new file at the same path.
func (l *Log) Reopen() error {
	if l == nil {
		return nil
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.f
	l.f = f
	return old.Close()
}

// Close closes the file.
func (l *Log) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}
