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

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/textcap"
)

// The one read-modify-write every edit goes through: lock, read the API's
// file, refuse clashes with people's files, check as the loader will, write.

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
	rrs, problems := desired.ParseFile(r.options(), path, data)
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
