package desired

import (
	"fmt"
	"slices"
	"strings"
)

// A records file whose every name is in no managed zone waits for its
// zone (an orchestrator writes the records of a host in a zone it is about
// to add). Its content is known to declare nothing managed, so once a
// Store runs, such a file holds no deletion. But the first Scan cannot
// tell it from a typo in a name some earlier process applied
// (www.example.con for www.example.com): the process never saw the file's
// good content, and believing it would delete the served name. So what
// the first Scan finds waiting holds deletions, with a reason that names
// the way out (Unzoned).

// maxUnzonedNames bounds the names one reason lists: a file may declare
// thousands, and a held line must stay a line.
const maxUnzonedNames = 3

// Unzoned is a file found waiting for a zone by the Store's first Scan.
type Unzoned struct {
	File  string   // the path as joined from Options.Dir
	Names []string // the names in no managed zone (canonical), in file order
}

// String is why the file holds deletions, and what lifts the hold:
// "records.d/web.yaml: www.example.con. is in no managed zone: add the
// zone, fix the name, or apply --force".
func (u Unzoned) String() string {
	names := u.Names[:min(len(u.Names), maxUnzonedNames)]
	list := strings.Join(names, ", ")
	if n := len(u.Names) - len(names); n > 0 {
		list += fmt.Sprintf(" and %d more", n)
	}
	verb := "is"
	if len(u.Names) > 1 {
		verb = "are"
	}
	return fmt.Sprintf("%s: %s %s in no managed zone: add the zone, fix the name, or apply --force", u.File, list, verb)
}

// Unread lists the files of Incomplete that were never read (invalid,
// unreadable, or a writer still at work): what they declare is unknown,
// and nothing lifts the hold on deletions but reading them. The rest of
// Incomplete is Unzoned.
func (st *State) Unread() []string {
	return slices.DeleteFunc(slices.Clone(st.Incomplete), func(path string) bool {
		return slices.ContainsFunc(st.Unzoned, func(u Unzoned) bool { return u.File == path })
	})
}

// UnzonedReasons is Unzoned as text, one reason a file (nil when none).
func (st *State) UnzonedReasons() []string {
	var out []string
	for _, u := range st.Unzoned {
		out = append(out, u.String())
	}
	return out
}
