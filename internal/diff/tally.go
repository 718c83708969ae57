package diff

import (
	"fmt"
	"io"
	"strings"
)

// Tally counts what the plans of a pass do, over every zone: the line that
// ends a text plan and the summary of `dnssync plan --json` are both made
// from it, so that they never disagree.
type Tally struct {
	// Create, Update and Delete count the changes that apply: what
	// `dnssync apply` would do now.
	Create, Update, Delete int
	// Held counts the changes that wait: held by the safety rules (until
	// `dnssync apply --force`), and deletions held while a records file
	// was never read.
	Held int
	// Conflicts counts what records.d asks for that is left as served: a
	// desired set another writer owns, and a name whose declarations
	// disagree.
	Conflicts int
	// Unknown counts the zones whose plan is unknown: the server could not
	// be read. Invalid counts the records files that are invalid.
	Unknown, Invalid int
	// Unread counts the records files never read successfully (a writer
	// is at work on one): until they are, their deletions are held and
	// the plan is not in sync, even when nothing else stands.
	Unread int
}

// Add counts one zone: p is what applies, held what the safety rules hold
// back.
func (t *Tally) Add(p, held Plan) {
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			t.Create++
		case Update:
			t.Update++
		default:
			t.Delete++
		}
	}
	t.Held += len(held.Changes) + len(p.HeldDeletes)
	t.Conflicts += len(p.Foreign) + len(p.Conflicts)
}

// None reports whether nothing at all is to do, held, left alone or
// unknown: the one case a plan may say that records.d and the servers
// agree.
func (t Tally) None() bool { return t == Tally{} }

// Format writes the last line of a plan, in the words operators know
// from other tools: "Plan: 1 to create, 0 to update, 0 to delete.", and
// after a semicolon what else stands (held changes, conflicts, unknown
// zones, invalid files, files not read yet), each only when there is some. Only when nothing
// stands at all: "No changes. records.d and the served zones agree."
func (t Tally) Format(w io.Writer) error {
	if t.None() {
		_, err := fmt.Fprintln(w, "No changes. records.d and the served zones agree.")
		return err
	}
	line := fmt.Sprintf("Plan: %d to create, %d to update, %d to delete", t.Create, t.Update, t.Delete)
	var also []string
	if t.Held > 0 {
		also = append(also, fmt.Sprintf("%d held", t.Held))
	}
	if t.Conflicts > 0 {
		also = append(also, count(t.Conflicts, "conflict", "conflicts"))
	}
	if t.Unknown > 0 {
		also = append(also, count(t.Unknown, "zone unknown", "zones unknown"))
	}
	if t.Invalid > 0 {
		also = append(also, count(t.Invalid, "invalid file", "invalid files"))
	}
	if t.Unread > 0 {
		also = append(also, count(t.Unread, "file not read yet", "files not read yet"))
	}
	if len(also) > 0 {
		line += "; " + strings.Join(also, ", ")
	}
	_, err := fmt.Fprintln(w, line+".")
	return err
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
