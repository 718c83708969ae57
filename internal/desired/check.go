package desired

import (
	"cmp"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// LoadDir reads the records dir once: for CLI commands that need the desired
// state but no watching.
func LoadDir(opts Options, log *slog.Logger) (*State, error) {
	s := NewStore(opts, log)
	if _, err := s.Scan(); err != nil {
		return nil, err
	}
	return s.State(), nil
}

// Validate checks every file and the merge, for `dnssync validate`. It
// returns every problem sorted by file and line; a conflict appears once for
// each file involved, at that file's first line in it, with the reason
// naming all of them. The error is for a dir that cannot be read.
func Validate(opts Options) ([]Problem, error) {
	s := NewStore(opts, nil)
	if _, err := s.Scan(); err != nil {
		return nil, err
	}
	st := s.State()
	problems := st.Problems

	s.mu.Lock()
	for _, zv := range s.ix.zones {
		for name, at := range zv.heldAt {
			msg := fmt.Sprintf("conflict at %s: %s", name, zv.held[name].Reason)
			seen := make(map[string]bool)
			for _, l := range at { // sorted by file and line
				if !seen[l.file] {
					seen[l.file] = true
					problems = append(problems, Problem{File: l.file, Line: l.line, Msg: msg})
				}
			}
		}
	}
	s.mu.Unlock()

	slices.SortFunc(problems, func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), strings.Compare(a.Msg, b.Msg))
	})
	return problems, nil
}
