package zones

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
)

// Load reads the zones dir once and merges it with the config's zones. A
// missing dir is no files; one that cannot be listed is an error. Invalid
// files are problems, and their zones are not in the Set: a caller that
// must keep a zone whose file turns invalid (the reconciler) uses a Dir.
func Load(dir string, fromConfig []config.Zone) (Set, error) {
	s, _, err := NewDir(dir, fromConfig).Scan()
	return s, err
}

// Dir is the zones dir read incrementally: each file's last good zone is
// kept, so a file that turns invalid (a half-done edit) keeps its zone, as
// a records file keeps its records, with the problem reported; and only
// files whose stat changed are read again. A deleted file takes its zone
// with it. Its methods are safe for concurrent use.
type Dir struct {
	mu         sync.Mutex
	dir        string
	fromConfig []config.Zone
	files      map[string]*dirFile // by path as joined from dir
	set        Set
	// merged: set is the merge of fromConfig and files as they are. A
	// Scan that reads nothing and drops nothing returns set as it is: the
	// reconciler scans on every change of records.d, and merging and
	// comparing 10,000 zones each time cost most of such a change.
	merged bool
	reads  int // files read so far; tests check that unchanged files are not re-read
	merges int // merges so far; tests check that a Scan that found nothing new merges nothing

	// racyWindow: a file modified this recently before it was read is
	// read again on the next Scan even if its stat looks unchanged (an
	// in-place rewrite of the same size within one timestamp tick).
	racyWindow time.Duration
}

// dirFile is what the Dir knows of one file.
type dirFile struct {
	info     os.FileInfo // stat before the last read; nil forces a re-read
	racy     bool
	good     *declared // last good zone; nil when never good
	problems []Problem // of the current content; nil when it is good
}

// NewDir returns a Dir over dir with the config's zones; Scan reads it.
func NewDir(dir string, fromConfig []config.Zone) *Dir {
	return &Dir{dir: dir, fromConfig: fromConfig, files: make(map[string]*dirFile), racyWindow: 2 * time.Second}
}

// SetConfig replaces the config's zones (a reload); the next Scan merges
// them.
func (d *Dir) SetConfig(fromConfig []config.Zone) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fromConfig = fromConfig
	d.merged = false
}

// Scan lists the dir, reads new and changed files, drops deleted ones and
// returns the merged Set, and whether it differs from the last Scan's
// (zones, sources or problems). When the dir cannot be listed it returns
// the last Set, unchanged, and the error. A missing dir is an empty one.
func (d *Dir) Scan() (Set, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	found, err := d.list()
	if err != nil {
		return d.set, false, err
	}
	for path := range d.files {
		if _, ok := found[path]; !ok {
			delete(d.files, path)
			d.merged = false
		}
	}
	for _, path := range slices.Sorted(maps.Keys(found)) {
		fi := found[path]
		f := d.files[path]
		if f == nil {
			f = &dirFile{}
			d.files[path] = f
		}
		if f.info != nil && fi != nil && !f.racy && unchanged(f.info, fi) {
			continue
		}
		if gone := d.read(path, fi, f); gone {
			delete(d.files, path)
		}
		d.merged = false
	}
	if d.merged {
		return d.set, false, nil
	}
	var decl []declared
	var problems []Problem
	for _, path := range slices.Sorted(maps.Keys(d.files)) {
		f := d.files[path]
		if f.good != nil {
			decl = append(decl, *f.good)
		}
		problems = append(problems, f.problems...)
	}
	s := merge(d.fromConfig, decl, problems)
	d.merges++
	changed := !s.Equal(d.set)
	d.set, d.merged = s, true
	return s, changed, nil
}

// read reads and parses one file into f, keeping f's last good zone when
// the file cannot be read or is invalid. It reports a file gone since the
// listing.
func (d *Dir) read(path string, fi os.FileInfo, f *dirFile) (gone bool) {
	d.reads++
	data, err := desired.ReadRecordFile(d.dir, path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return true
	case err != nil:
		f.info = nil // read again next time
		f.problems = []Problem{{File: path, Msg: "cannot read: " + err.Error()}}
		return false
	}
	f.info = fi
	f.racy = fi != nil && time.Since(fi.ModTime()) < d.racyWindow
	decl, p := parseFile(path, data)
	if p != nil {
		f.problems = []Problem{*p}
		return false
	}
	f.good, f.problems = &decl, nil
	return false
}

// list returns the paths named like zone files with their stat (nil for a
// dangling link: there, and unreadable).
func (d *Dir) list() (map[string]os.FileInfo, error) {
	entries, err := os.ReadDir(d.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]os.FileInfo{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("scan zones dir %s: %w", d.dir, err)
	}
	found := make(map[string]os.FileInfo)
	for _, e := range entries {
		if !isZoneFile(e.Name()) {
			continue
		}
		path := filepath.Join(d.dir, e.Name())
		fi, err := os.Stat(path) // through links: a ConfigMap mount is made of them
		if err != nil {
			if _, lerr := os.Lstat(path); errors.Is(lerr, fs.ErrNotExist) {
				continue // removed since the listing
			}
			fi = nil
		}
		found[path] = fi
	}
	return found, nil
}

// isZoneFile is records.d's naming rule: *.yaml and *.yml, no dotfiles
// (editors' and writers' temp files, Kubernetes' ..data).
func isZoneFile(name string) bool {
	return !strings.HasPrefix(name, ".") && (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml"))
}

func unchanged(a, b os.FileInfo) bool {
	return a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) && os.SameFile(a, b)
}
