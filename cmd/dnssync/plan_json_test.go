package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/rrset"
)

func planSet(t *testing.T, lines ...string) *rrset.Set {
	t.Helper()
	var rrs []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatal(err)
		}
		rrs = append(rrs, rrset.Canonical(rr))
	}
	return rrset.New(rrs...)
}

// planResult is a planning pass over three zones with one of everything
// a plan can hold: example.com has a change of each action, a set left
// to another writer, a name in conflict, changes the safety rules refuse
// and a deletion held while a file is unread; example.net is in sync;
// example.org could not be read.
func planResult(t *testing.T) (reconcile.Result, diff.Sources) {
	key := func(name string, typ uint16) rrset.Key { return rrset.Key{Name: name, Type: typ} }
	plan := diff.Plan{
		Zone: "example.com.",
		Changes: []diff.Change{
			{Action: diff.Delete, Key: key("old.example.com.", dns.TypeA), Old: planSet(t, "old.example.com. 300 IN A 192.0.2.99")},
			{Action: diff.Create, Key: key("example.com.", dns.TypeTXT), New: planSet(t, `example.com. 300 IN TXT "v=spf1 \"a\" -all"`)},
			{Action: diff.Create, Key: key("web-01.example.com.", dns.TypeA), New: planSet(t, "web-01.example.com. 300 IN A 192.0.2.10")},
			{Action: diff.Update, Key: key("app.example.com.", dns.TypeA),
				Old: planSet(t, "app.example.com. 300 IN A 192.0.2.20"),
				New: planSet(t, "app.example.com. 60 IN A 192.0.2.20", "app.example.com. 60 IN A 192.0.2.21")},
		},
		Foreign:     []rrset.Key{key("theirs.example.com.", dns.TypeA)},
		Conflicts:   []string{"clash.example.com."},
		HeldDeletes: []diff.Change{{Action: diff.Delete, Key: key("gone.example.com.", dns.TypeAAAA), Old: planSet(t, "gone.example.com. 300 IN AAAA 2001:db8::9")}},
	}
	refused := diff.Plan{Zone: "example.com.", Changes: []diff.Change{
		{Action: diff.Update, Key: key("h0.example.com.", dns.TypeA), Old: planSet(t, "h0.example.com. 300 IN A 192.0.2.1"), New: planSet(t, "h0.example.com. 300 IN A 198.51.100.1")},
	}}
	refusal := fmt.Errorf("%w: zone example.com.: plan updates 4 of 10 records (40%%), more than the 30%% allowed (max_update_percent)", diff.ErrUnsafe)
	res := reconcile.Result{
		State: &desired.State{
			Problems: []desired.Problem{
				{File: "records.d/bad.yaml", Line: 4, Msg: "bad address"},
				{File: "records.d/bad.yaml", Line: 7, Msg: "bad address"},
				{File: "records.d/busy.yaml", Msg: "still being written", Writing: true},
			},
			Incomplete: []string{"records.d/busy.yaml"},
		},
		Zones: []reconcile.ZoneResult{
			{Zone: "example.com.", Plan: plan, Refused: refused, Refusal: refusal,
				Held: []desired.Conflict{{Zone: "example.com.", Name: "clash.example.com.", Reason: "CNAME beside other data: a.yaml:2, b.yaml:2"}}},
			{Zone: "example.net.", Plan: diff.Plan{Zone: "example.net."}},
			{Zone: "example.org.", Plan: diff.Plan{Zone: "example.org."}, Stage: reconcile.StageTransfer,
				Err: errors.New("axfr example.org. from 127.0.0.1:1053: connection refused")},
		},
	}
	files := map[string][]string{
		"example.com. TXT":        {"apex.yaml"},
		"web-01.example.com. A":   {"web-01.yaml"},
		"app.example.com. A":      {"app-a.yaml", "app-b.yaml"},
		"h0.example.com. A":       {"fleet.yaml"},
		"theirs.example.com. A":   {"theirs.yaml"},
		"clash.example.com. None": {"a.yaml", "b.yaml"},
		"old.example.com. A":      {"must-not-show.yaml"},
		"gone.example.com. AAAA":  {"must-not-show.yaml"},
	}
	src := func(k rrset.Key) []string {
		s := k.Name + " " + dns.TypeToString[k.Type]
		if k.Type == 0 {
			s = k.Name + " None"
		}
		return files[s]
	}
	return res, src
}

// TestPlanJSONShape pins `dnssync plan --json`: the golden file is the
// documented shape, byte for byte; it decodes strictly (a key
// client.Plan lacks fails) and encodes back the same; every list is [],
// never null; the summary agrees with the text plan's last line.
func TestPlanJSONShape(t *testing.T) {
	res, src := planResult(t)
	var buf bytes.Buffer
	if err := printPlanJSON(&buf, planJSON(res, src, false)); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.golden.json", buf.Bytes())

	var back client.Response[client.Plan]
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("strict decode into client.Response[client.Plan]: %v", err)
	}
	var again bytes.Buffer
	if err := printPlanJSON(&again, back.Data); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Errorf("decoded and encoded again, the plan differs:\n%s", again.Bytes())
	}
	if !onlyOldNewNull(buf.String()) {
		t.Errorf("a list is null:\n%s", buf.Bytes())
	}
	if strings.Contains(buf.String(), "must-not-show") {
		t.Error("a deletion names a source file: nothing declares what it deletes")
	}

	want := client.PlanSummary{Create: 2, Update: 1, Delete: 1, Held: 2, Conflicts: 2, UnknownZones: 1, InvalidFiles: 1, UnreadFiles: 1}
	if back.Data.Summary != want {
		t.Errorf("summary %+v, want %+v", back.Data.Summary, want)
	}
	var text bytes.Buffer
	printPlans(&text, res, src, true)
	last := text.String()[strings.LastIndex(strings.TrimSuffix(text.String(), "\n"), "\n")+1:]
	if wantLast := "Plan: 2 to create, 1 to update, 1 to delete; 2 held, 2 conflicts, 1 zone unknown, 1 invalid file, 1 file not read yet.\n"; last != wantLast {
		t.Errorf("text plan ends %q, want %q", last, wantLast)
	}
}

// onlyOldNewNull reports whether every null in s is an "old" or "new" of
// a change (a create has no old set, a delete no new one).
func onlyOldNewNull(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "null") && !strings.Contains(line, `"old": null`) && !strings.Contains(line, `"new": null`) {
			return false
		}
	}
	return true
}

// TestPlanJSONInSync: a plan with nothing to do says so in the summary,
// and an empty zone lists [] changes and conflicts.
func TestPlanJSONInSync(t *testing.T) {
	res := reconcile.Result{State: &desired.State{}, Zones: []reconcile.ZoneResult{{Zone: "example.com.", Plan: diff.Plan{Zone: "example.com."}}}}
	got := planJSON(res, func(rrset.Key) []string { return nil }, true)
	want := client.Plan{FormatVersion: 1, Zones: []client.ZonePlan{{Zone: "example.com", Status: "in_sync",
		Changes: []client.PlanChange{}, Conflicts: []client.PlanConflict{}}}, Summary: client.PlanSummary{InSync: true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("planJSON = %+v, want %+v", got, want)
	}
}

// TestPlanJSONReadme: the README's example of `plan --json` is the shape:
// it decodes strictly, and it shows every key the golden file has, and
// no other.
func TestPlanJSONReadme(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## The plan, for people and for CI\n")
	_, block, ok2 := strings.Cut(section, "```json\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README has no JSON example under \"## The plan, for people and for CI\"")
	}
	var r client.Response[client.Plan]
	dec := json.NewDecoder(strings.NewReader(block))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("the README's example is not a client.Plan: %v", err)
	}
	goldenJSON, err := os.ReadFile("testdata/plan.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keyPaths(t, []byte(block)), keyPaths(t, goldenJSON); !slices.Equal(got, want) {
		t.Errorf("the README's example shows the keys\n%q\nthe shape has\n%q", got, want)
	}
}

// keyPaths lists every object key in a JSON document as a path
// ("data.zones.changes.old.ttl"), arrays flattened, sorted and unique.
func keyPaths(t *testing.T, doc []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, sub := range v {
				p := strings.TrimPrefix(prefix+"."+k, ".")
				seen[p] = true
				walk(p, sub)
			}
		case []any:
			for _, sub := range v {
				walk(prefix, sub)
			}
		}
	}
	walk("", v)
	return slices.Sorted(maps.Keys(seen))
}

// TestPlanJSONHeldForZone: a deletion held because a file read names no
// managed zone is "waiting_zone", not "unread_file": the file was read,
// and the way out (add the zone, fix the name, apply --force) differs.
func TestPlanJSONHeldForZone(t *testing.T) {
	gone := diff.Change{Action: diff.Delete, Key: rrset.Key{Name: "gone.example.com.", Type: dns.TypeA}, Old: planSet(t, "gone.example.com. 300 IN A 192.0.2.9")}
	for _, tc := range []struct {
		unzoned []string
		want    string
	}{
		{nil, "unread_file"},
		{[]string{"records.d/web.yaml: www.example.con. is in no managed zone"}, "waiting_zone"},
	} {
		plan := diff.Plan{Zone: "example.com.", HeldDeletes: []diff.Change{gone}, HeldUnzoned: tc.unzoned}
		res := reconcile.Result{State: &desired.State{}, Zones: []reconcile.ZoneResult{{Zone: "example.com.", Plan: plan}}}
		got := planJSON(res, func(rrset.Key) []string { return nil }, false)
		if len(got.Zones) != 1 || len(got.Zones[0].Changes) != 1 || got.Zones[0].Changes[0].Held != tc.want {
			t.Errorf("unzoned %q: changes %+v, want one held %q", tc.unzoned, got.Zones, tc.want)
		}
	}
}
