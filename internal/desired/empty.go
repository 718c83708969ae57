package desired

import (
	"fmt"
	"os"

	"github.com/dnssync/dnssync/internal/diff"
)

// drop removes deleted files, unless that would empty the store or the dir
// itself is unreadable: both look the same as mass deletion from here.
// found is the dir listing, or nil to list it now.
func (s *Store) drop(gone []string, found map[string]os.FileInfo, p *pass) error {
	// AcceptEmpty is for the very next look at the dir only.
	accept := s.acceptEmpty
	s.acceptEmpty = false
	if len(gone) == 0 {
		return nil
	}
	if found == nil {
		var err error
		if found, err = s.list(); err != nil {
			return err
		}
	}
	// Whether to believe it is the safety rules' to say.
	if diff.VanishedAtOnce(len(found), len(gone)) {
		if !accept {
			return fmt.Errorf("scan records dir %s: %d record files vanished at once: %w", s.opts.Dir, len(gone), ErrSuddenlyEmpty)
		}
		s.log.Warn("records dir emptied: accepting it, as told", "files", len(gone))
	}
	for _, path := range gone {
		f := s.files[path]
		if f == nil {
			continue
		}
		if f.hasGood {
			for z := range s.ix.replace(f, nil) {
				p.zones[z] = true
			}
		} else if len(f.problems) > 0 {
			p.resolved = true
		}
		delete(s.files, path)
		s.log.Info("record file removed", "file", path)
	}
	return nil
}

// AcceptEmpty lets the next Scan or Reload that finds every record file
// gone at once empty the store, once: the caller knows it is intended (the
// reconciler, once the server no longer serves what the files declared:
// `apply --force` accepted the deletion). It does not outlast that one
// emptying: the dir filled and emptied again is refused again.
func (s *Store) AcceptEmpty() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acceptEmpty = true
}
