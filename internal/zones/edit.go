package zones

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/config"
)

// The one place that decides whether a zone may be added or removed, for
// the zones API and `dnssync zones` alike: the same refusals, in the same
// words, whichever door is used.

// Errors an Editor's callers branch on (the API's status codes), with
// errors.Is. An Editor's refusal matches one of them, and its text is the
// reason alone, starting with the field it is about where there is one.
var (
	ErrInvalid   = errors.New("invalid zone")           // 422
	ErrConflict  = errors.New("zone conflict")          // 409
	ErrNotFound  = errors.New("no such zone")           // 404
	ErrNotServed = errors.New("zone not on the server") // 422: rfc2136 cannot create zones
)

// refusal is a refused edit: its kind (one of the Err* above) and why.
type refusal struct {
	kind error
	msg  string
}

func (r *refusal) Error() string        { return r.msg }
func (r *refusal) Is(target error) bool { return target == r.kind }

func refuse(kind error, format string, args ...any) error {
	return &refusal{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// RecordFiles says which records files declare records in a zone
// (desired.Store.FilesIn).
type RecordFiles interface {
	FilesIn(zone string) []string
}

// Editor lists the managed zones and adds and removes zones.d files. Its
// methods are safe for concurrent use; one edit runs at a time in a
// process (two processes editing one zone at once end with one file
// either way: each write replaces it whole).
type Editor struct {
	Dir        string        // zones.d
	Config     []config.Zone // [[zones]]
	Catalog    string        // [catalog] zone, canonical; "" when off
	Records    RecordFiles   // records.d; nil: no check
	RecordsDir string        // to name Records' files relative to it
	// Served, when set, says whether the server serves the zone (nil
	// error) before it is added: set for the rfc2136 backend, which
	// cannot create zones. Its error names the server.
	Served func(ctx context.Context, zone string) error

	mu sync.Mutex
}

// List returns every managed zone, sorted by name.
func (e *Editor) List() ([]client.Zone, error) {
	set, err := Load(e.Dir, e.Config)
	if err != nil {
		return nil, err
	}
	out := make([]client.Zone, 0, len(set.Names()))
	for _, z := range set.Zones() {
		src, _ := set.Source(z.Name)
		out = append(out, e.toClient(z, src))
	}
	return out, nil
}

// Add checks z as config.BuildZone does and writes it to zones.d. A zone
// declared already (in [[zones]] or zones.d), the catalog zone, or a zone
// the server does not serve (Served) is refused.
func (e *Editor) Add(ctx context.Context, z client.Zone) (client.Zone, error) {
	if z.Source != "" {
		return client.Zone{}, refuse(ErrInvalid, "source: set by dnssync, not in a request")
	}
	spec := config.ZoneSpec{Name: z.Name, Nameservers: z.Nameservers, NameserverAddresses: z.NameserverAddresses,
		Hostmaster: z.Hostmaster, Refresh: z.Refresh, Retry: z.Retry, Expire: z.Expire, NegativeTTL: z.NegativeTTL,
		SOATTL: z.SOATTL, Reverse: z.Reverse, DNSSEC: z.DNSSEC}
	built, err := config.BuildZone(spec)
	if err != nil {
		return client.Zone{}, refuse(ErrInvalid, "%v", err)
	}
	if _, err := FileName(built.Name); err != nil {
		return client.Zone{}, refuse(ErrInvalid, "name: %v", err)
	}
	if e.Catalog != "" && built.Name == e.Catalog {
		return client.Zone{}, refuse(ErrConflict, "%s is the [catalog] zone, whose content is dnssync's own", built.Name)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	set, err := Load(e.Dir, e.Config)
	if err != nil {
		return client.Zone{}, err
	}
	if src, ok := set.Source(built.Name); ok {
		return client.Zone{}, refuse(ErrConflict, "zone %s is declared already, in %s", built.Name, e.describe(src))
	}
	// A file of that name that is not a zone now (invalid: a person's
	// edit under way) is not replaced.
	base, _ := FileName(built.Name)
	for _, b := range []string{base, strings.TrimSuffix(base, ".yaml") + ".yml"} {
		if _, err := os.Lstat(filepath.Join(e.Dir, b)); err == nil {
			return client.Zone{}, refuse(ErrConflict, "zones.d/%s exists and is not valid now; fix or remove it", b)
		}
	}
	if e.Served != nil {
		if err := e.Served(ctx, built.Name); err != nil {
			return client.Zone{}, refuse(ErrNotServed, "%s", serverHint(built.Name, err))
		}
	}
	path, err := WriteFile(e.Dir, spec)
	if err != nil {
		return client.Zone{}, err
	}
	return e.toClient(built, Source{File: path, Line: 1}), nil
}

// Remove removes the zones.d file declaring the zone named name. A zone
// of [[zones]] is refused (remove it there), and so is one in which
// records.d declares records, unless force; those files are returned
// (relative to records.d) either way.
func (e *Editor) Remove(_ context.Context, name string, force bool) (client.Zone, []string, error) {
	if _, ok := dns.IsDomainName(name); !ok || strings.TrimSpace(name) == "" || name == "." {
		return client.Zone{}, nil, refuse(ErrInvalid, "name: %s is not a zone name", excerpt(name))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	set, err := Load(e.Dir, e.Config)
	if err != nil {
		return client.Zone{}, nil, err
	}
	z, ok := set.Zone(name)
	if !ok {
		return client.Zone{}, nil, refuse(ErrNotFound, "%s is not a managed zone", dns.CanonicalName(name))
	}
	src, _ := set.Source(name)
	if src.File == "" {
		return client.Zone{}, nil, refuse(ErrConflict, "zone %s is declared in the config (%s): remove it there (it is then retired at the next reload: its records deleted under the safety rules, then its zone file)", z.Name, src)
	}
	var files []string
	if e.Records != nil {
		for _, f := range e.Records.FilesIn(z.Name) {
			if rel, err := filepath.Rel(e.RecordsDir, f); err == nil && !strings.HasPrefix(rel, "..") {
				f = rel
			}
			files = append(files, f)
		}
	}
	if len(files) > 0 && !force {
		return client.Zone{}, files, refuse(ErrConflict, "records.d declares records in zone %s, in %s; remove them first, or force the removal (they turn invalid)", z.Name, strings.Join(prefixed("records.d/", files), ", "))
	}
	if err := os.Remove(src.File); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return client.Zone{}, files, fmt.Errorf("remove zone %s: %w", z.Name, err)
	}
	if err := syncDir(e.Dir); err != nil {
		return client.Zone{}, files, err
	}
	return e.toClient(z, src), files, nil
}

// toClient is z as the API shows it, every default written out.
func (e *Editor) toClient(z config.Zone, src Source) client.Zone {
	s := z.Spec()
	out := client.Zone{Name: strings.TrimSuffix(s.Name, "."), Hostmaster: strings.TrimSuffix(s.Hostmaster, "."),
		NameserverAddresses: []string{}, Refresh: s.Refresh, Retry: s.Retry, Expire: s.Expire,
		NegativeTTL: s.NegativeTTL, SOATTL: s.SOATTL, Reverse: s.Reverse, DNSSEC: s.DNSSEC, Source: "config"}
	for _, ns := range s.Nameservers {
		out.Nameservers = append(out.Nameservers, strings.TrimSuffix(ns, "."))
	}
	out.NameserverAddresses = append(out.NameserverAddresses, s.NameserverAddresses...)
	if src.File != "" {
		out.Source = e.rel(src.File)
	}
	return out
}

// describe names a source for a message: "config [[zones]] #N" or
// "zones.d/FILE:LINE", never the server's own path.
func (e *Editor) describe(src Source) string {
	if src.File == "" {
		return src.String()
	}
	return fmt.Sprintf("zones.d/%s:%d", e.rel(src.File), src.Line)
}

// rel is a zones.d file relative to the dir.
func (e *Editor) rel(path string) string {
	if rel, err := filepath.Rel(e.Dir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return filepath.Base(path)
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

// serverHint says that the server does not serve zone, and what to add
// there: the rfc2136 backend sends UPDATEs to a zone; it cannot create
// one.
func serverHint(zone string, err error) string {
	z := strings.TrimSuffix(zone, ".")
	return fmt.Sprintf("the server does not serve zone %s (%v); the rfc2136 backend cannot create zones: add it on the server first, then add it here. "+
		`BIND: zone "%s" { type primary; file "db.%s"; update-policy { grant KEYNAME zonesub ANY; }; }; `+
		`Knot: zone: [{domain: %s, acl: [update_acl]}]; `+
		`CoreDNS: a server block %s { dynupdate { ... } transfer { to * } } with tsig`, z, err, z, z, z, z)
}
