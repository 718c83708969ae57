package diff

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// Sources names the records.d files that declare a desired RRset (a Key
// of Type 0: anything at the name), so that a plan shown to a person says
// where each change comes from. The caller knows the files (the plan is
// pure and knows none); nil shows none.
type Sources func(rrset.Key) []string

// maxShownSources bounds the files named beside one change: a name may be
// declared by thousands of files, and one plan line must stay a line.
const maxShownSources = 3

// Format writes the plan for a person: one line per RRset, marked + create,
// ~ update (with what it was), - delete. Values are bounded as ShowValues
// bounds them.
func (p Plan) Format(w io.Writer) error { return p.FormatHeld(w, Plan{Zone: p.Zone}) }

// InSync reports whether the plan leaves nothing undone: no change, no
// deletion held back, no desired set left to another writer, no name left
// as served because records.d disagrees about it. Empty is about what to
// apply; InSync is what a person may be told.
func (p Plan) InSync() bool {
	return p.Empty() && len(p.HeldDeletes) == 0 && len(p.Foreign) == 0 && len(p.Conflicts) == 0
}

// FormatHeld writes the plan as Format does, then the changes the safety
// check holds back, under a line that says so, then the deletions held
// while a records file is unread. "in sync" is written only when nothing
// at all is pending or held.
func (p Plan) FormatHeld(w io.Writer, held Plan) error { return p.FormatSources(w, held, nil) }

// FormatSources writes the plan as FormatHeld does, with the files src
// names beside each desired set: "(web-01.yaml)" after a create or an
// update, and after what is left as served. A delete has none: no file
// declares what it deletes.
func (p Plan) FormatSources(w io.Writer, held Plan, src Sources) error {
	for _, k := range p.Foreign {
		if _, err := fmt.Fprintf(w, "%s: ! %s is served but not dnssync's; left alone%s\n", p.Zone, k, from(" ", src, k)); err != nil {
			return err
		}
	}
	for _, name := range p.Conflicts {
		if _, err := fmt.Fprintf(w, "%s: ! %s is declared in ways that disagree; left as served%s\n",
			p.Zone, name, from(" ", src, rrset.Key{Name: name})); err != nil {
			return err
		}
	}
	if p.InSync() && held.Empty() {
		_, err := fmt.Fprintf(w, "%s: in sync\n", p.Zone)
		return err
	}
	if !p.Empty() {
		if _, err := fmt.Fprintf(w, "%s: %s\n", p.Zone, changes(len(p.Changes))); err != nil {
			return err
		}
		if err := formatChanges(w, p.Changes, src); err != nil {
			return err
		}
	}
	if !held.Empty() {
		if _, err := fmt.Fprintf(w, "%s: %s held by the safety check (`dnssync apply --force` applies them)\n", p.Zone, changes(len(held.Changes))); err != nil {
			return err
		}
		if err := formatChanges(w, held.Changes, src); err != nil {
			return err
		}
	}
	if len(p.HeldDeletes) > 0 {
		why := "a records file was never read successfully, so what it declares is unknown"
		if len(p.HeldUnzoned) > 0 {
			why = strings.Join(p.HeldUnzoned, "; ")
		}
		if _, err := fmt.Fprintf(w, "%s: %s held: %s\n", p.Zone, deletions(len(p.HeldDeletes)), why); err != nil {
			return err
		}
		return formatChanges(w, p.HeldDeletes, src)
	}
	return nil
}

// FormatUnknown writes that a zone's plan is unknown because what the
// server serves could not be read: a plan that could not observe must
// never read as "in sync".
func FormatUnknown(w io.Writer, zone string, err error) error {
	_, werr := fmt.Fprintf(w, "%s: unknown (cannot read the zone: %v)\n", zone, err)
	return werr
}

func changes(n int) string {
	if n == 1 {
		return "1 change"
	}
	return fmt.Sprintf("%d changes", n)
}

func deletions(n int) string {
	if n == 1 {
		return "1 deletion"
	}
	return fmt.Sprintf("%d deletions", n)
}

// formatChanges writes one aligned line per change. With sources, the
// files come last, in a column of their own: the "(was ...)" column is
// kept (empty) on the other lines of a block that has an update, so that
// the files line up.
func formatChanges(w io.Writer, cs []Change, src Sources) error {
	hasUpdate := false
	for _, c := range cs {
		hasUpdate = hasUpdate || c.Action == Update
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range cs {
		shown := c.New
		if shown == nil {
			shown = c.Old
		}
		line := fmt.Sprintf("  %s %s\t%s\t%d\t%s", c.Action.Symbol(), c.Key.Name, dns.TypeToString[c.Key.Type],
			shown.TTL, ShowValues(shown.Values()))
		files := ""
		if c.New != nil {
			files = from("", src, c.Key)
		}
		switch {
		case c.Action == Update:
			line += fmt.Sprintf("\t(was %d %s)", c.Old.TTL, ShowValues(c.Old.Values()))
		case hasUpdate && files != "":
			line += "\t"
		}
		if files != "" {
			line += "\t" + files
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// from is "(a.yaml, b.yaml)", the files src names for k, after prefix;
// "" when there are none.
func from(prefix string, src Sources, k rrset.Key) string {
	if src == nil {
		return ""
	}
	files := src(k)
	if len(files) == 0 {
		return ""
	}
	shown := files[:min(len(files), maxShownSources)]
	s := strings.Join(shown, ", ")
	if more := len(files) - len(shown); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return prefix + "(" + s + ")"
}
