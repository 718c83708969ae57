// Package registry is how the HTTP API and the CLI change records.d. It
// writes only files of its own (api-<name>.yaml, see names.go), one per
// owner name, atomically, under one lock shared by every process (lock.go),
// and only after the loader's own checks pass on the new content; the one
// exception is `dnssync import`, which creates new files for a person and
// never replaces one (create.go). A record
// that a person's file declares is never touched: the files stay the one
// source of truth and every path goes through the same validation, diff,
// safety and verify.
package registry

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
)

// Errors callers branch on (the API maps them to status codes).
var (
	ErrInvalid  = errors.New("invalid record")
	ErrConflict = errors.New("declared by a file the API did not write")
	ErrNotFound = errors.New("no such record")
	// ErrUnreadable: the API's file for a name is there but is not a file
	// the loader would read (a FIFO, a directory, a link out of records.d,
	// far too large). That is the server's state, not the request's fault.
	ErrUnreadable = errors.New("the API's file cannot be read")
)

// Record is one record as the orchestrator names it.
type Record struct {
	Name  string
	Type  string // A, AAAA, CNAME, TXT, SRV, MX, CAA, PTR, NS
	Value string
	TTL   *uint32 // nil: [orchestrator.dns] ttl
}

// Declarations tells who declares what at a name: the daemon's live Store,
// or one read for a single CLI command.
type Declarations interface {
	DeclaredAt(name string) []desired.Declared
}

// Change is what an edit did to the API's file for one name.
type Change struct {
	Changed bool
	// Before and After are the file's records at the name, checked and
	// canonical as the loader reads them: what the server should answer
	// once the daemon has applied the change.
	Before, After []dns.RR
}

// Registry edits the API's files in Options.Dir. Every edit holds the
// records dir's lock (LockName) for its whole read-modify-write, so that
// edits by other processes (the CLI beside the daemon) are never lost.
type Registry struct {
	Options  desired.Options
	Declared Declarations
	// Zones, when set, is the managed zone set as it is now, which names
	// are checked against instead of Options.Zones: the daemon's Store
	// follows zones.d, and a record in a zone added since start-up is
	// accepted once the zone is managed.
	Zones ZoneLister
	// LockTimeout bounds the wait for another writer's edit (0: 10s).
	LockTimeout time.Duration

	once sync.Once
	turn chan struct{} // one edit at a time in this process (lock.go)
}

// ZoneLister is the live managed zone set (desired.Store).
type ZoneLister interface {
	Zones() []string
}

// options are the loader's options for a check now: Options, with the
// managed zones as Zones has them.
func (r *Registry) options() desired.Options {
	o := r.Options
	if r.Zones != nil {
		o.Zones = r.Zones.Zones()
	}
	return o
}

// filePrefix marks the files the API writes. People's files must not use it.
const filePrefix = "api-"

// IsAPIFile reports whether path is a file the API writes.
func IsAPIFile(path string) bool { return strings.HasPrefix(filepath.Base(path), filePrefix) }

// Register adds rec's value to its RRset (round robin). It reports whether
// anything changed: registering a record already there is not an error.
// ctx bounds the wait for the lock (lock.go).
func (r *Registry) Register(ctx context.Context, rec Record) (Change, error) {
	return r.edit(ctx, rec.Name, func(f *apiFile, typ string) (changed bool, err error) {
		e := f.entry(typ)
		if e == nil {
			f.Records = append(f.Records, entry{Name: f.name, Type: typ, Values: []string{rec.Value}, TTL: rec.TTL})
			return true, nil
		}
		if rec.TTL != nil && (e.TTL == nil || *e.TTL != *rec.TTL) {
			e.TTL, changed = rec.TTL, true
		}
		if !slices.Contains(e.Values, rec.Value) {
			e.Values, changed = append(e.Values, rec.Value), true
		}
		return changed, nil
	}, rec.Type)
}

// Update replaces the RRset of rec's name and type with rec's one value.
func (r *Registry) Update(ctx context.Context, rec Record) (Change, error) {
	return r.edit(ctx, rec.Name, func(f *apiFile, typ string) (bool, error) {
		e := f.entry(typ)
		if e == nil {
			f.Records = append(f.Records, entry{Name: f.name, Type: typ, Values: []string{rec.Value}, TTL: rec.TTL})
			return true, nil
		}
		next := entry{Name: e.Name, Type: typ, Values: []string{rec.Value}, TTL: rec.TTL}
		if next.TTL == nil {
			next.TTL = e.TTL
		}
		if e.equal(next) {
			return false, nil
		}
		*e = next
		return true, nil
	}, rec.Type)
}

// Unregister removes name's records of type typ ("" for every type) from
// the API's file, and the file when nothing is left.
func (r *Registry) Unregister(ctx context.Context, name, typ string) (Change, error) {
	return r.edit(ctx, name, func(f *apiFile, typ string) (bool, error) {
		n := len(f.Records)
		f.Records = slices.DeleteFunc(f.Records, func(e entry) bool { return typ == "" || e.Type == typ })
		if len(f.Records) == n {
			what := strings.TrimSuffix(f.name, ".")
			if typ != "" {
				what += " " + typ
			}
			return false, fmt.Errorf("%w: %s (not written through the API)", ErrNotFound, what)
		}
		return true, nil
	}, typ)
}
