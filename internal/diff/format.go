package diff

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/miekg/dns"
)

// Format writes the plan for a person: one line per RRset, marked + create,
// ~ update (with what it was), - delete.
func (p Plan) Format(w io.Writer) error {
	for _, k := range p.Foreign {
		if _, err := fmt.Fprintf(w, "%s: ! %s is served but not dnssync's; left alone\n", p.Zone, k); err != nil {
			return err
		}
	}
	if p.Empty() {
		_, err := fmt.Fprintf(w, "%s: in sync\n", p.Zone)
		return err
	}
	noun := "changes"
	if len(p.Changes) == 1 {
		noun = "change"
	}
	if _, err := fmt.Fprintf(w, "%s: %d %s\n", p.Zone, len(p.Changes), noun); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range p.Changes {
		shown := c.New
		if shown == nil {
			shown = c.Old
		}
		line := fmt.Sprintf("  %s %s\t%s\t%d\t%s", c.Action.Symbol(), c.Key.Name, dns.TypeToString[c.Key.Type],
			shown.TTL, strings.Join(shown.Values(), ", "))
		if c.Action == Update {
			line += fmt.Sprintf("\t(was %d %s)", c.Old.TTL, strings.Join(c.Old.Values(), ", "))
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}
