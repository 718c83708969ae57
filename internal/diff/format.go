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

// FormatHeld writes the plan as Format does, then the changes the safety
// check holds back, under a line that says so.
func (p Plan) FormatHeld(w io.Writer, held Plan) error {
	for _, k := range p.Foreign {
		if _, err := fmt.Fprintf(w, "%s: ! %s is served but not dnssync's; left alone\n", p.Zone, k); err != nil {
			return err
		}
	}
	if p.Empty() && held.Empty() {
		_, err := fmt.Fprintf(w, "%s: in sync\n", p.Zone)
		return err
	}
	if !p.Empty() {
		if _, err := fmt.Fprintf(w, "%s: %s\n", p.Zone, changes(len(p.Changes))); err != nil {
			return err
		}
		if err := p.formatChanges(w); err != nil {
			return err
		}
	}
	if !held.Empty() {
		if _, err := fmt.Fprintf(w, "%s: %s held by the safety check (`dnssync apply --force` applies them)\n", p.Zone, changes(len(held.Changes))); err != nil {
			return err
		}
		return held.formatChanges(w)
	}
	return nil
}

func changes(n int) string {
	if n == 1 {
		return "1 change"
	}
	return fmt.Sprintf("%d changes", n)
}

func (p Plan) formatChanges(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range p.Changes {
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
