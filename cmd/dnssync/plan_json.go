package main

import (
	"encoding/json"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/rrset"
)

// `dnssync plan --json`: the pass's plans in client.Plan's shape, the one
// definition of it (README: "dnssync plan --json"). Only JSON goes to
// stdout; problems stay on stderr, as in the text plan.

// declaredIn names the records.d files (base names, as `records list`
// shows them) that declare a key, or anything at its name for Type 0.
// Asked only for what a plan shows, one name at a time: the cost is that
// of the change, not of records.d.
func declaredIn(store *desired.Store) diff.Sources {
	byName := map[string][]desired.Declared{}
	return func(k rrset.Key) []string {
		decl, ok := byName[k.Name]
		if !ok {
			decl = store.DeclaredAt(k.Name)
			byName[k.Name] = decl
		}
		var files []string
		for _, d := range decl {
			if k.Type != 0 && d.RR.Header().Rrtype != k.Type {
				continue
			}
			if f := filepath.Base(d.File); !slices.Contains(files, f) {
				files = append(files, f)
			}
		}
		slices.Sort(files)
		return files
	}
}

// The values of client.ZonePlan.Status, client.PlanChange.Held and
// client.PlanConflict.Kind.
const (
	statusInSync  = "in_sync"
	statusPending = "pending"
	statusUnknown = "unknown"

	heldSafety = "safety"
	heldUnread = "unread_file"
	heldZone   = "waiting_zone"

	conflictForeign      = "foreign"
	conflictDeclarations = "declarations"
)

// planJSON is the pass's plans as `dnssync plan --json` prints them;
// inSync is whether plan exits 0.
func planJSON(res reconcile.Result, src diff.Sources, inSync bool) client.Plan {
	out := client.Plan{FormatVersion: client.PlanFormatVersion, Zones: make([]client.ZonePlan, 0, len(res.Zones))}
	for _, z := range res.Zones {
		out.Zones = append(out.Zones, zonePlanJSON(z, src))
	}
	t := tally(res)
	out.Summary = client.PlanSummary{
		Create: t.Create, Update: t.Update, Delete: t.Delete,
		Held: t.Held, Conflicts: t.Conflicts, UnknownZones: t.Unknown, InvalidFiles: t.Invalid, UnreadFiles: t.Unread,
		InSync: inSync,
	}
	return out
}

func zonePlanJSON(z reconcile.ZoneResult, src diff.Sources) client.ZonePlan {
	zp := client.ZonePlan{Zone: display(z.Zone), Status: statusPending, Changes: []client.PlanChange{}, Conflicts: []client.PlanConflict{}}
	if z.Err != nil {
		zp.Error = z.Err.Error()
	}
	switch {
	case zoneUnknown(z):
		// What is served is unknown, so is every change: none is listed.
		zp.Status = statusUnknown
		return zp
	case z.Plan.InSync() && z.Refused.Empty():
		zp.Status = statusInSync
	}
	for _, c := range z.Plan.Changes {
		zp.Changes = append(zp.Changes, changeJSON(c, src, ""))
	}
	for _, c := range z.Refused.Changes {
		zp.Changes = append(zp.Changes, changeJSON(c, src, heldSafety))
	}
	// A deletion is held because a file was never read, or because a
	// file read names no managed zone since this process's start (a
	// typo's twin: diff.Safety's Unzoned): the two ways out differ.
	held := heldUnread
	if len(z.Plan.HeldUnzoned) > 0 {
		held = heldZone
	}
	for _, c := range z.Plan.HeldDeletes {
		zp.Changes = append(zp.Changes, changeJSON(c, src, held))
	}
	for _, k := range z.Plan.Foreign {
		zp.Conflicts = append(zp.Conflicts, client.PlanConflict{Name: display(k.Name), RecordType: dns.TypeToString[k.Type],
			Kind: conflictForeign, Reason: "served, and not dnssync's: another writer owns it; left alone", Sources: nonNil(src(k))})
	}
	for _, name := range z.Plan.Conflicts {
		reason := "records files disagree; left as served"
		for _, h := range z.Held {
			if h.Name == name {
				reason = h.Reason
			}
		}
		zp.Conflicts = append(zp.Conflicts, client.PlanConflict{Name: display(name), Kind: conflictDeclarations,
			Reason: reason, Sources: nonNil(src(rrset.Key{Name: name}))})
	}
	if z.Refusal != nil {
		zp.Safety = client.PlanSafety{Refused: true, Reason: z.Refusal.Error()}
	}
	return zp
}

func changeJSON(c diff.Change, src diff.Sources, held string) client.PlanChange {
	pc := client.PlanChange{Action: c.Action.String(), Name: display(c.Key.Name), RecordType: dns.TypeToString[c.Key.Type],
		Old: setJSON(c.Old), New: setJSON(c.New), Sources: []string{}, Held: held}
	if c.New != nil {
		pc.Sources = nonNil(src(c.Key))
	}
	return pc
}

func setJSON(s *rrset.Set) *client.PlanRRset {
	if s == nil {
		return nil
	}
	return &client.PlanRRset{TTL: s.TTL, Values: rrset.Texts(s)}
}

// display is a name as every JSON shape shows it: no trailing dot.
func display(name string) string { return strings.TrimSuffix(name, ".") }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// printPlanJSON prints p in the API's envelope, as every --json of the
// CLI does.
func printPlanJSON(w io.Writer, p client.Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(client.Response[client.Plan]{Success: true, Data: p})
}
