package diff

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/miekg/dns"
)

// Format writes the plan for a person: one line per RRset, marked + create,
// ~ update (with what it was), - delete. Values are bounded as ShowValues
// bounds them.
func (p Plan) Format(w io.Writer) error { return p.FormatHeld(w, Plan{Zone: p.Zone}) }

// InSync reports whether the plan leaves nothing undone: no change, no
// deletion held back, no desired set left to another writer. Empty is
// about what to apply; InSync is what a person may be told.
func (p Plan) InSync() bool {
	return p.Empty() && len(p.HeldDeletes) == 0 && len(p.Foreign) == 0
}

// FormatHeld writes the plan as Format does, then the changes the safety
// check holds back, under a line that says so, then the deletions held
// while a records file is unread. "in sync" is written only when nothing
// at all is pending or held.
func (p Plan) FormatHeld(w io.Writer, held Plan) error {
	for _, k := range p.Foreign {
		if _, err := fmt.Fprintf(w, "%s: ! %s is served but not dnssync's; left alone\n", p.Zone, k); err != nil {
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
		if err := formatChanges(w, p.Changes); err != nil {
			return err
		}
	}
	if !held.Empty() {
		if _, err := fmt.Fprintf(w, "%s: %s held by the safety check (`dnssync apply --force` applies them)\n", p.Zone, changes(len(held.Changes))); err != nil {
			return err
		}
		if err := formatChanges(w, held.Changes); err != nil {
			return err
		}
	}
	if len(p.HeldDeletes) > 0 {
		if _, err := fmt.Fprintf(w, "%s: %s held: a records file was never read successfully, so what it declares is unknown\n",
			p.Zone, deletions(len(p.HeldDeletes))); err != nil {
			return err
		}
		return formatChanges(w, p.HeldDeletes)
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

func formatChanges(w io.Writer, cs []Change) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range cs {
		shown := c.New
		if shown == nil {
			shown = c.Old
		}
		line := fmt.Sprintf("  %s %s\t%s\t%d\t%s", c.Action.Symbol(), c.Key.Name, dns.TypeToString[c.Key.Type],
			shown.TTL, ShowValues(shown.Values()))
		if c.Action == Update {
			line += fmt.Sprintf("\t(was %d %s)", c.Old.TTL, ShowValues(c.Old.Values()))
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}
