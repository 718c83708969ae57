package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/client"
)

// planJSON decodes `dnssync plan --json` strictly: stdout must be the
// JSON and nothing else, with no key client.Plan lacks.
func planJSON(t *testing.T, out string) client.Plan {
	t.Helper()
	var r client.Response[client.Plan]
	dec := json.NewDecoder(bytes.NewReader([]byte(out)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil || !r.Success {
		t.Fatalf("plan --json: not a client.Plan: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatalf("plan --json: more than the JSON on stdout:\n%s", out)
	}
	return r.Data
}

// changes lists a zone's changes as "action name type old -> new (sources) held".
func changes(z client.ZonePlan) []string {
	side := func(s *client.PlanRRset) string {
		if s == nil {
			return "-"
		}
		return fmt.Sprintf("%d %v", s.TTL, s.Values)
	}
	var out []string
	for _, c := range z.Changes {
		out = append(out, fmt.Sprintf("%s %s %s %s -> %s %v %q", c.Action, c.Name, c.RecordType, side(c.Old), side(c.New), c.Sources, c.Held))
	}
	return out
}

// TestPlanJSON: against a real CoreDNS, `dnssync plan --json` lists each
// change with its old and new sets and its source files, the summary
// counts them as the text plan's last line does, and the exit code is the
// text plan's: 2 pending, 0 in sync, 1 with the server down (the zone
// "unknown", with why).
func TestPlanJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	e.write("app.yaml", "records:\n  - name: app.example.com\n    type: A\n    value: 192.0.2.20\n")
	e.write("old.yaml", "records:\n  - name: old.example.com\n    type: A\n    value: 192.0.2.99\n")
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	e.write("app.yaml", "records:\n  - name: app.example.com\n    type: A\n    values: [192.0.2.20, 192.0.2.21]\n    ttl: 60\n")
	e.write("app-extra.yaml", "records:\n  - name: app.example.com\n    type: A\n    value: 192.0.2.22\n    ttl: 60\n")
	e.write("new.yaml", "records:\n  - name: new.example.com\n    type: TXT\n    value: v=spf1 \"a\" -all\n")
	e.remove("old.yaml")

	out, stderr, code := e.cli("plan", "--json")
	p := planJSON(t, out)
	if code != 2 || stderr != "" {
		t.Errorf("plan --json with changes: exit %d, want 2; stderr %q", code, stderr)
	}
	if len(p.Zones) != 2 || p.FormatVersion != 1 {
		t.Fatalf("plan --json: %+v, want format 1 and the two zones", p)
	}
	com, org := p.Zones[0], p.Zones[1]
	want := []string{
		`delete old.example.com A 300 [192.0.2.99] -> - [] ""`,
		`create new.example.com TXT - -> 300 [v=spf1 "a" -all] [new.yaml] ""`,
		`update app.example.com A 300 [192.0.2.20] -> 60 [192.0.2.20 192.0.2.21 192.0.2.22] [app-extra.yaml app.yaml] ""`,
	}
	if got := changes(com); com.Zone != "example.com" || com.Status != "pending" || !reflect.DeepEqual(got, want) {
		t.Errorf("example.com: %s %s, changes\n%q\nwant pending,\n%q", com.Zone, com.Status, got, want)
	}
	if org.Zone != "example.org" || org.Status != "in_sync" || len(org.Changes) != 0 || org.Error != "" {
		t.Errorf("example.org: %+v, want in_sync with no change", org)
	}
	if s := p.Summary; s != (client.PlanSummary{Create: 1, Update: 1, Delete: 1}) {
		t.Errorf("summary %+v, want 1 of each, not in sync", s)
	}

	// The text plan: the same changes, each with its files, and the last
	// line counting them.
	out, _, code = e.cli("plan")
	if code != 2 || !strings.HasSuffix(out, "\nPlan: 1 to create, 1 to update, 1 to delete.\n") ||
		!strings.Contains(out, "(new.yaml)") || !strings.Contains(out, "(app-extra.yaml, app.yaml)") {
		t.Errorf("plan: exit %d, want 2, each change with its files and the counts last:\n%s", code, out)
	}

	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	out, _, code = e.cli("plan", "--json")
	if p := planJSON(t, out); code != 0 || !p.Summary.InSync || p.Zones[0].Status != "in_sync" || len(p.Zones[0].Changes) != 0 {
		t.Errorf("plan --json in sync: exit %d, %+v; want 0, in_sync", code, p)
	}
	if out, _, code := e.cli("plan"); code != 0 || !strings.HasSuffix(out, "example.com.: in sync\nexample.org.: in sync\nNo changes. records.d and the served zones agree.\n") {
		t.Errorf("plan in sync: exit %d, want 0 and \"No changes.\" last:\n%s", code, out)
	}

	e.dns.Stop()
	out, stderr, code = e.cli("plan", "--json")
	p = planJSON(t, out)
	if code != 1 || p.Summary.InSync || p.Summary.UnknownZones != 2 || p.Zones[0].Status != "unknown" ||
		!strings.Contains(p.Zones[0].Error, "axfr") || !strings.Contains(stderr, "axfr") {
		t.Errorf("plan --json with CoreDNS down: exit %d, %+v; want 1, both zones unknown with the error (also on stderr %q)", code, p, stderr)
	}
	if out, _, _ := e.cli("plan"); !strings.HasSuffix(out, "\nPlan: 0 to create, 0 to update, 0 to delete; 2 zones unknown.\n") {
		t.Errorf("plan with CoreDNS down does not end saying the zones are unknown:\n%s", out)
	}
}

// TestPlanJSONHeld: a plan the safety rules refuse lists the held changes
// as held ("safety"), with the refusal, and the summary counts them apart
// from what applies; the text plan's last line says so too.
func TestPlanJSONHeld(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("fleet.yaml", addressFleet(20, 0))
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	e.write("fleet.yaml", addressFleet(20, 10))
	e.write("new.yaml", "records:\n  - name: new-01.example.com\n    type: A\n    value: 192.0.2.200\n")

	out, _, code := e.cli("plan", "--json")
	p := planJSON(t, out)
	com := p.Zones[0]
	held := 0
	for _, c := range com.Changes {
		if c.Held == "safety" {
			held++
		} else if c.Held != "" || c.Name != "new-01.example.com" {
			t.Errorf("change %+v: want only the create of new-01 to apply", c)
		}
	}
	if code != 2 || held != 10 || !com.Safety.Refused || !strings.Contains(com.Safety.Reason, "max_update_percent") {
		t.Errorf("plan --json: exit %d, %d held, safety %+v; want 2, 10 held, refused over max_update_percent", code, held, com.Safety)
	}
	if s := p.Summary; s != (client.PlanSummary{Create: 1, Held: 10}) {
		t.Errorf("summary %+v, want 1 to create and 10 held", s)
	}
	if out, _, _ := e.cli("plan"); !strings.HasSuffix(out, "\nPlan: 1 to create, 0 to update, 0 to delete; 10 held.\n") {
		t.Errorf("plan does not end counting the held changes:\n%s", out)
	}
}

// TestPlanConflict: a name records.d declares in ways that disagree (a
// CNAME beside an address) is left as served, and the plan says so: it is
// not "in sync" and exits 2, in text and in JSON, naming the files.
func TestPlanConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	if _, stderr, code := e.cli("apply"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	e.write("clash-a.yaml", "records:\n  - name: clash.example.com\n    type: A\n    value: 192.0.2.30\n")
	e.write("clash-b.yaml", "records:\n  - name: clash.example.com\n    type: CNAME\n    value: web-01.example.com\n")

	out, stderr, code := e.cli("plan")
	if code != 2 || strings.Contains(out, "example.com.: in sync") ||
		!strings.Contains(out, "example.com.: ! clash.example.com. is declared in ways that disagree; left as served (clash-a.yaml, clash-b.yaml)\n") ||
		!strings.HasSuffix(out, "\nPlan: 0 to create, 0 to update, 0 to delete; 1 conflict.\n") || !strings.Contains(stderr, "conflict: clash.example.com.") {
		t.Errorf("plan with a conflict: exit %d, want 2, the conflict shown and counted; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	out, _, code = e.cli("plan", "--json")
	p := planJSON(t, out)
	com := p.Zones[0]
	if code != 2 || com.Status != "pending" || p.Summary.Conflicts != 1 || p.Summary.InSync || len(com.Conflicts) != 1 {
		t.Fatalf("plan --json with a conflict: exit %d, %+v; want 2, example.com pending with one conflict", code, p)
	}
	if c := com.Conflicts[0]; c.Name != "clash.example.com" || c.Kind != "declarations" || c.RecordType != "" ||
		!strings.Contains(c.Reason, "clash-a.yaml") || !reflect.DeepEqual(c.Sources, []string{"clash-a.yaml", "clash-b.yaml"}) {
		t.Errorf("conflict %+v, want clash.example.com, declarations, naming both files", c)
	}
}
