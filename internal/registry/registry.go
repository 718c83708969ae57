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
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/textcap"
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
	// LockTimeout bounds the wait for another writer's edit (0: 10s).
	LockTimeout time.Duration

	once sync.Once
	turn chan struct{} // one edit at a time in this process (lock.go)
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

// edit applies change to name's API file and writes it back, after refusing
// to shadow or remove what other files declare and checking the result as
// the loader will.
func (r *Registry) edit(ctx context.Context, name string, change func(f *apiFile, typ string) (bool, error), typ string) (Change, error) {
	canonical, err := CheckName(name)
	if err != nil {
		return Change{}, err
	}
	typ = strings.ToUpper(strings.TrimSpace(typ))
	if typ != "" {
		if _, ok := dns.StringToType[typ]; !ok {
			return Change{}, fmt.Errorf("%w: record_type: unknown type %s", ErrInvalid, textcap.Quote(typ, textcap.QuoteLen))
		}
	}
	unlock, err := r.lock(ctx)
	if err != nil {
		return Change{}, err
	}
	defer unlock()

	path := filepath.Join(r.Options.Dir, fileName(canonical))
	f, err := readAPIFile(r.Options.Dir, path, canonical)
	if err != nil {
		return Change{}, err
	}
	if err := r.checkOthers(f.name, typ, len(f.Records) > 0); err != nil {
		return Change{}, err
	}
	var c Change
	if c.Before, err = r.parse(path, f); err != nil {
		return Change{}, fmt.Errorf("%s no longer passes the checks (%v); remove it to start over", path, err)
	}
	c.Changed, err = change(f, typ)
	if err != nil || !c.Changed {
		c.After = c.Before
		return c, err
	}
	if f.entry("CNAME") != nil && len(f.Records) > 1 {
		return Change{}, fmt.Errorf("%w: %s: a CNAME cannot stand beside other records at the same name", ErrInvalid, strings.TrimSuffix(f.name, "."))
	}
	if len(f.Records) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return Change{}, fmt.Errorf("remove %s: %w", path, err)
		}
		return c, nil
	}
	data, err := f.marshal()
	if err != nil {
		return Change{}, err
	}
	if c.After, err = r.parse(path, f); err != nil {
		return Change{}, err
	}
	// The temp file is a dotfile in the same dir: the loader ignores it.
	if err := atomicfile.Write(path, r.Options.Dir, data, fileMode); err != nil {
		return Change{}, err
	}
	return c, nil
}

// parse checks f as the loader will read it and returns its records.
func (r *Registry) parse(path string, f *apiFile) ([]dns.RR, error) {
	if len(f.Records) == 0 {
		return nil, nil
	}
	data, err := f.marshal()
	if err != nil {
		return nil, err
	}
	rrs, problems := desired.ParseFile(r.Options, path, data)
	if len(problems) > 0 {
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.Msg
		}
		return nil, fmt.Errorf("%w: %s", ErrInvalid, strings.Join(msgs, "; "))
	}
	return rrs, nil
}

// checkOthers refuses a change at name that a person's file would clash
// with: the same type there, or a CNAME on either side. Removing is refused
// only when the API has nothing there and someone else does.
func (r *Registry) checkOthers(name, typ string, apiHas bool) error {
	if r.Declared == nil {
		return nil
	}
	var files []string
	for _, d := range r.Declared.DeclaredAt(name) {
		if IsAPIFile(d.File) {
			continue
		}
		t := dns.TypeToString[d.RR.Header().Rrtype]
		if typ == "" || t == typ || t == "CNAME" || typ == "CNAME" {
			files = append(files, fmt.Sprintf("%s:%d", d.File, d.Line))
		}
	}
	if len(files) == 0 || typ == "" && apiHas {
		return nil
	}
	slices.Sort(files)
	return fmt.Errorf("%w: %s is declared in %s; change that file instead", ErrConflict, strings.TrimSuffix(name, "."), strings.Join(slices.Compact(files), ", "))
}

// apiFile is the content of one API file.
type apiFile struct {
	name    string  // canonical owner name
	Records []entry `yaml:"records"`
}

type entry struct {
	Name   string   `yaml:"name"`
	Type   string   `yaml:"type"`
	Values []string `yaml:"values,flow"`
	TTL    *uint32  `yaml:"ttl,omitempty"`
}

func (e entry) equal(o entry) bool {
	sameTTL := e.TTL == nil && o.TTL == nil || e.TTL != nil && o.TTL != nil && *e.TTL == *o.TTL
	return e.Type == o.Type && sameTTL && slices.Equal(e.Values, o.Values)
}

func (f *apiFile) entry(typ string) *entry {
	for i := range f.Records {
		if f.Records[i].Type == typ {
			return &f.Records[i]
		}
	}
	return nil
}

const header = "# Written by the dnssync API for one name; it rewrites this file.\n# Declare records of your own in a file of your own.\n"

func (f *apiFile) marshal() ([]byte, error) {
	b, err := yaml.Marshal(struct {
		Records []entry `yaml:"records"`
	}{f.Records})
	if err != nil {
		return nil, err
	}
	return append([]byte(header), b...), nil
}

// readAPIFile reads the API's file at path in dir for the canonical name
// (none there: no records yet). It reads as the loader does
// (desired.ReadRecordFile): a FIFO there would otherwise block the edit in
// open() while it holds records.d's lock, stalling every writer, and a
// link to a huge file or a device would take the daemon's memory. Such a
// path is ErrUnreadable. A file that is not as the API writes it, or that
// holds another name, is an error too. No error quotes the file's content.
func readAPIFile(dir, path, name string) (*apiFile, error) {
	f := &apiFile{name: name}
	b, err := desired.ReadRecordFile(dir, path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v; remove it to start over", ErrUnreadable, path, err)
	}
	if err := yaml.Unmarshal(b, f); err != nil {
		return nil, fmt.Errorf("%s is not as the API writes it (not its YAML shape); remove it to start over", path)
	}
	for i := range f.Records {
		f.Records[i].Type = strings.ToUpper(f.Records[i].Type)
		if dns.CanonicalName(f.Records[i].Name) != name {
			return nil, fmt.Errorf("%s holds records of another name than %s; remove it to start over", path, strings.TrimSuffix(name, "."))
		}
	}
	return f, nil
}
