package registry

// Creating record files: what `dnssync import` writes. The registry's
// other edits rewrite the API's own files one name at a time; this one
// adds whole files of a person's kind (their names are the caller's, never
// api-*), and only new ones: a file in records.d is someone's, and an
// import must not replace it.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/desired"
)

// fileMode is the mode of every record file the registry writes.
const fileMode = 0o644

// writeFile is atomicfile.Write; a test makes it fail midway.
var writeFile = atomicfile.Write

// ErrExists: a file to create is there already.
var ErrExists = errors.New("already exists")

// NewFile is a record file to create in records.d.
type NewFile struct {
	Name string // a base name: *.yaml, no dotfile, not api-*
	Data []byte
}

// Existing returns the files among names that records.d holds already
// (anything at the path counts: a file, a link, a directory), sorted as
// given, or the error that kept it from telling.
func (r *Registry) Existing(names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		path := filepath.Join(r.Options.Dir, n)
		_, err := os.Lstat(path)
		switch {
		case err == nil:
			out = append(out, path)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("look for %s: %w", path, err)
		}
	}
	return out, nil
}

// Create writes files into records.d, all or none. Under the records
// dir's lock (lock.go) it checks every name and every file's content as
// the loader will read it, then that none of them exists (ErrExists names
// the ones that do), and only then writes each one atomically; if a write
// fails, the ones written before it are removed again. Nothing is ever
// replaced.
//
// A writer that does not take the lock (a person's editor) could create
// one of the names between the check and the rename; that window is one
// write long.
func (r *Registry) Create(ctx context.Context, files []NewFile) error {
	dir := r.Options.Dir
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		if err == nil {
			err = errors.New("not a directory")
		}
		return fmt.Errorf("records dir %s: %w", dir, err)
	}
	names := make([]string, len(files))
	seen := map[string]bool{}
	for i, f := range files {
		if err := checkNewName(f.Name); err != nil {
			return err
		}
		if seen[f.Name] {
			return fmt.Errorf("file %s given twice", f.Name)
		}
		seen[f.Name] = true
		names[i] = f.Name
		path := filepath.Join(dir, f.Name)
		if _, problems := desired.ParseFile(r.options(), path, f.Data); len(problems) > 0 {
			return fmt.Errorf("%w: %s does not pass the checks: %v", ErrInvalid, path, problems[0])
		}
	}
	unlock, err := r.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	there, err := r.Existing(names)
	if err != nil {
		return err
	}
	if len(there) > 0 {
		return fmt.Errorf("%s %w; nothing written (move it away, or choose another --group-by)", strings.Join(there, ", "), ErrExists)
	}
	var written []string
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		if err := writeFile(path, dir, f.Data, fileMode); err != nil {
			for _, w := range written {
				os.Remove(w)
			}
			return fmt.Errorf("%w; the %d files written before it removed again", err, len(written))
		}
		written = append(written, path)
	}
	return nil
}

// checkNewName refuses a name that is not a plain record file name in
// records.d, or that is the API's (the API would take it for its own).
func checkNewName(name string) error {
	switch {
	case name == "" || name != filepath.Base(name) || strings.ContainsAny(name, `/\`):
		return fmt.Errorf("%w: file name %q is not a plain file name", ErrInvalid, name)
	case strings.HasPrefix(name, "."):
		return fmt.Errorf("%w: file name %q starts with a dot (the loader ignores dotfiles)", ErrInvalid, name)
	case !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml"):
		return fmt.Errorf("%w: file name %q does not end in .yaml or .yml", ErrInvalid, name)
	case strings.HasPrefix(name, filePrefix):
		return fmt.Errorf("%w: file name %q starts with %q, which marks the API's files", ErrInvalid, name, filePrefix)
	}
	return nil
}
