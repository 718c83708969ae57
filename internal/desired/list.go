package desired

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Which paths are record files: the naming rule, the dir's listing, and
// the paths the watcher reports.

// isRecordFile is the naming rule for records.d: *.yaml and *.yml, except
// dotfiles (editor and writer temp files, Kubernetes' ..data).
func isRecordFile(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// list returns the paths named like record files in the dir with their stat
// (nil when stat failed for a reason other than the path being gone, or for
// a dangling link). Paths that are not regular files are listed too: they
// are unreadable record files, not absent ones.
func (s *Store) list() (map[string]os.FileInfo, error) {
	entries, err := os.ReadDir(s.opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("scan records dir %s: %w", s.opts.Dir, err)
	}
	found := make(map[string]os.FileInfo)
	for _, e := range entries {
		if !isRecordFile(e.Name()) {
			continue
		}
		path := filepath.Join(s.opts.Dir, e.Name())
		// Stat, not the entry's own type: record files may be symlinks
		// (a Kubernetes ConfigMap mount is made of them).
		fi, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
				continue // removed since the listing
			}
			fi = nil // a dangling link: there, and unreadable
		}
		found[path] = fi
	}
	return found, nil
}

// pathOf maps a path from the watcher to the Store's key for it.
func (s *Store) pathOf(raw string) (string, bool) {
	name := filepath.Base(raw)
	if !isRecordFile(name) || !sameDir(filepath.Dir(raw), s.opts.Dir) {
		return "", false
	}
	return filepath.Join(s.opts.Dir, name), true
}

func sameDir(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
