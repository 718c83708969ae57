package diff

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
)

// hosts returns n A records h0..h(n-1).example.com.
func hosts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("h%d.example.com. 300 IN A 192.0.2.%d", i, i+1)
	}
	return out
}

// news returns n A records new0..new(n-1).example.com.
func news(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("new%d.example.com. 300 IN A 203.0.113.%d", i, i+1)
	}
	return out
}

// apexNS returns n NS records at the apex.
func apexNS(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("example.com. 3600 IN NS ns%d.example.net.", i+1)
	}
	return out
}

const soa = "example.com. 3600 IN SOA ns1.example.net. hostmaster.example.com. 0 3600 600 604800 300"

// readdress moves the first n of records to 198.51.100.x.
func readdress(records []string, n int) []string {
	out := slices.Clone(records)
	for i := range out[:n] {
		out[i] = strings.Replace(out[i], "192.0.2.", "198.51.100.", 1)
	}
	return out
}

func lines(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// keys builds a key set from "name TYPE" strings.
func keys(t *testing.T, names ...string) map[rrset.Key]bool {
	t.Helper()
	out := map[rrset.Key]bool{}
	for _, n := range names {
		f := strings.Fields(n)
		for k := range zoneOf(t, f[0]+" 300 IN "+f[1]+" "+map[string]string{"A": "192.0.2.1", "CNAME": "x.example.com.", "TXT": `"x"`}[f[1]]) {
			out[k] = true
		}
	}
	return out
}

// byName sorts "action name type" lines as a plan orders one action.
func byName(out []string) []string {
	slices.SortFunc(out, func(a, b string) int { return rrset.CompareNames(strings.Fields(a)[1], strings.Fields(b)[1]) })
	return out
}

// deletes renders the deletes of hosts h<i>, i in is, in plan order.
func deletes(is ...int) []string {
	out := make([]string, len(is))
	for j, i := range is {
		out[j] = fmt.Sprintf("delete h%d.example.com. A", i)
	}
	return byName(out)
}

// updates renders the updates of hosts h0..h(n-1), in plan order.
func updates(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("update h%d.example.com. A", i))
	}
	return byName(out)
}

// creates renders the creates of new0..new(n-1), in plan order.
func creates(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("create new%d.example.com. A", i))
	}
	return byName(out)
}

// keyLines renders the keys the changes lines touch, as outcome.hold has them.
func keyLines(changes []string) []string {
	var out []string
	for _, c := range changes {
		out = append(out, strings.SplitN(c, " ", 2)[1])
	}
	slices.Sort(out)
	return out
}

// wipe is what deleting everything served as with(hosts(3)...) plans.
var wipe = []string{"delete example.com. NS", "delete example.com. SOA", "delete h0.example.com. A", "delete h1.example.com. A", "delete h2.example.com. A", "delete ns1.example.com. A"}

func span(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// outcome is a decision as the table compares it. Plans render as
// summary does; nil and empty lists are the same.
type outcome struct {
	safe, held, heldDeletes []string
	refusal                 string // contained in Verdict.Refusal; "" for none
	notInRefusal            string
	hold                    []string // Verdict.Hold's keys, sorted
	release                 bool
	blocked                 string // contained in Verdict.Blocked; "" for none
	refused                 bool   // for the rules that answer yes or no
}

// judge returns a decision by Judge of the plan from observed to desired,
// checking what holds of every verdict on the way.
func judge(observed, desired []string, f Facts) func(*testing.T) outcome {
	return func(t *testing.T) outcome {
		f.Observed = zoneOf(t, observed...)
		p := Compute(Input{Zone: zone, Desired: zoneOf(t, desired...), Observed: f.Observed})
		v := Judge(p, f)
		// Nothing lost, nothing doubled: the parts make the plan.
		if n := len(v.Safe.Changes) + len(v.Held.Changes) + len(v.Safe.HeldDeletes); n != len(p.Changes) {
			t.Errorf("%d safe + %d held + %d held deletes, plan has %d changes", len(v.Safe.Changes), len(v.Held.Changes), len(v.Safe.HeldDeletes), len(p.Changes))
		}
		if v.Safe.Zone != zone || v.Held.Zone != zone {
			t.Errorf("zones %q and %q, want %q", v.Safe.Zone, v.Held.Zone, zone)
		}
		if v.Refusal != nil && !errors.Is(v.Refusal, ErrUnsafe) {
			t.Errorf("refusal %v does not wrap ErrUnsafe", v.Refusal)
		}
		if v.Refusal == nil && !v.Held.Empty() {
			t.Errorf("changes held without a refusal: %q", summary(v.Held))
		}
		// A refusal made now holds everything that takes away; one kept
		// from before holds only its own keys.
		if v.Refusal != nil && f.Held == nil && v.Safe.Removed() != 0 {
			t.Errorf("refused, yet the safe part removes %d records", v.Safe.Removed())
		}
		o := outcome{safe: summary(v.Safe), held: summary(v.Held), heldDeletes: summary(Plan{Changes: v.Safe.HeldDeletes}), release: v.Release}
		if v.Refusal != nil {
			o.refusal = v.Refusal.Error()
		}
		if v.Blocked != nil {
			o.blocked = v.Blocked.Error()
		}
		if v.Hold != nil {
			for k := range v.Hold.Keys {
				o.hold = append(o.hold, k.String())
			}
			slices.Sort(o.hold)
		}
		return o
	}
}

func TestSafetyRules(t *testing.T) {
	def := Safety{MaxDeletePercent: 30, MaxUpdatePercent: 30, MinRecords: 10}
	first := fmt.Errorf("%w: the first refusal", ErrUnsafe)
	served100 := lines([]string{soa}, apexNS(1), hosts(100))
	grown := lines(served100, news(20)) // after the creates of a refused plan applied
	refusedDeletes := deletes(span(0, 35)...)
	hold35 := keyLines(refusedDeletes)
	heldBefore := func(t *testing.T, refusal error, n int) *Hold {
		var names []string
		for i := range n {
			names = append(names, fmt.Sprintf("h%d.example.com. A", i))
		}
		return &Hold{Keys: keys(t, names...), Refusal: refusal}
	}
	tests := []struct {
		rule, name string
		decide     func(*testing.T) outcome
		want       outcome
	}{
		// 1. Unread files.
		{rule: "unread", name: "deletions held, creates and updates apply",
			decide: judge(with("a.example.com. 300 IN A 192.0.2.1", "old.example.com. 300 IN A 192.0.2.1"),
				with("a.example.com. 300 IN A 192.0.2.2", "b.example.com. 300 IN A 192.0.2.3"), Facts{Safety: def, Unread: true}),
			want: outcome{safe: []string{"create b.example.com. A", "update a.example.com. A"}, heldDeletes: []string{"delete old.example.com. A"}}},
		{rule: "unread", name: "the share rule measures what may apply, not the held deletions",
			decide: judge(with(hosts(10)...), with(hosts(10)[5:]...), Facts{Safety: def, Unread: true}),
			want:   outcome{heldDeletes: deletes(0, 1, 2, 3, 4)}},
		{rule: "unread", name: "not lifted by --force",
			decide: judge(with(hosts(10)...), with(hosts(10)[5:]...), Facts{Safety: def, Unread: true, Force: true}),
			want:   outcome{heldDeletes: deletes(0, 1, 2, 3, 4), release: true}},

		// 2. --force.
		{rule: "force", name: "a refused plan applies whole; the hold ends once it is applied",
			decide: judge(grown, lines([]string{soa}, apexNS(1), hosts(100)[35:], news(20)), Facts{Safety: def, Force: true, Held: heldBefore(t, first, 35)}),
			want:   outcome{safe: refusedDeletes, hold: hold35, release: true}},
		{rule: "force", name: "an empty dir that never had a file deletes",
			decide: judge(with(hosts(3)...), nil, Facts{Safety: def, Force: true, NeverFilled: true}),
			want:   outcome{safe: wipe, release: true}},
		{rule: "force", name: "not blocked when the held state is unknown",
			decide: judge(with(hosts(10)...), with(hosts(10)[1:]...), Facts{Safety: def, Force: true, HeldUnknown: errors.New("held.json: bad")}),
			want:   outcome{safe: deletes(0), release: true}},

		// 3. Share.
		{rule: "share", name: "nothing deleted",
			decide: judge(lines([]string{soa}, apexNS(1), hosts(10)), lines([]string{soa}, apexNS(1), hosts(10)), Facts{Safety: def})},
		{rule: "share", name: "below min_records everything may go",
			decide: judge(lines([]string{soa}, apexNS(1), hosts(9)), lines([]string{soa}, apexNS(1)), Facts{Safety: def}),
			want:   outcome{safe: deletes(span(0, 9)...)}},
		{rule: "share", name: "SOA and apex NS do not reach min_records",
			decide: judge(lines([]string{soa}, apexNS(4), hosts(9)), lines([]string{soa}, apexNS(4)), Facts{Safety: def}),
			want:   outcome{safe: deletes(span(0, 9)...)}},
		{rule: "share", name: "exactly the threshold is allowed",
			decide: judge(lines([]string{soa}, apexNS(1), hosts(10)), lines([]string{soa}, apexNS(1), hosts(10)[3:]), Facts{Safety: def}),
			want:   outcome{safe: deletes(0, 1, 2)}},
		{rule: "share", name: "above the threshold is refused and remembered",
			decide: judge(lines([]string{soa}, apexNS(1), hosts(10)), lines([]string{soa}, apexNS(1), hosts(10)[4:]), Facts{Safety: def}),
			want: outcome{held: deletes(0, 1, 2, 3), refusal: "zone example.com.: plan deletes 4 of 10 records (40%), more than the 30% allowed (max_delete_percent); check records.d, or run `dnssync apply --force`",
				hold: []string{"h0.example.com. A", "h1.example.com. A", "h2.example.com. A", "h3.example.com. A"}}},
		{rule: "share", name: "apex NS do not dilute the share",
			decide: judge(lines([]string{soa}, apexNS(20), hosts(10)), lines([]string{soa}, apexNS(20), hosts(10)[4:]), Facts{Safety: def}),
			want:   outcome{held: deletes(0, 1, 2, 3), refusal: "deletes 4 of 10 records", hold: []string{"h0.example.com. A", "h1.example.com. A", "h2.example.com. A", "h3.example.com. A"}}},
		{rule: "share", name: "deleted apex NS are not counted",
			decide: judge(lines([]string{soa}, apexNS(5), hosts(10)), lines([]string{soa}, apexNS(1), hosts(10)[3:]), Facts{Safety: def}),
			want:   outcome{safe: append(deletes(0, 1, 2), "update example.com. NS")}},
		{rule: "share", name: "delegation NS below the apex are counted",
			decide: judge(lines([]string{soa}, apexNS(1), hosts(8), []string{"sub.example.com. 300 IN NS ns1.sub.example.com.", "sub.example.com. 300 IN NS ns2.sub.example.com."}),
				lines([]string{soa}, apexNS(1), hosts(8)[2:]), Facts{Safety: def}),
			want: outcome{held: lines(deletes(0, 1), []string{"delete sub.example.com. NS"}), refusal: "deletes 4 of 10 records",
				hold: []string{"h0.example.com. A", "h1.example.com. A", "sub.example.com. NS"}}},
		{rule: "share", name: "values dropped from an update count as updates",
			decide: judge(lines([]string{soa}, apexNS(1), []string{
				"rr.example.com. 300 IN A 192.0.2.1", "rr.example.com. 300 IN A 192.0.2.2", "rr.example.com. 300 IN A 192.0.2.3",
				"rr.example.com. 300 IN A 192.0.2.4", "rr.example.com. 300 IN A 192.0.2.5", "rr.example.com. 300 IN A 192.0.2.6",
				"rr.example.com. 300 IN A 192.0.2.7", "rr.example.com. 300 IN A 192.0.2.8", "rr.example.com. 300 IN A 192.0.2.9",
				"rr.example.com. 300 IN A 192.0.2.10"}),
				lines([]string{soa}, apexNS(1), []string{
					"rr.example.com. 300 IN A 192.0.2.1", "rr.example.com. 300 IN A 192.0.2.2", "rr.example.com. 300 IN A 192.0.2.3",
					"rr.example.com. 300 IN A 192.0.2.4", "rr.example.com. 300 IN A 192.0.2.5", "rr.example.com. 300 IN A 192.0.2.6",
					"rr.example.com. 300 IN A 192.0.2.11"}), Facts{Safety: def}),
			want: outcome{held: []string{"update rr.example.com. A"}, refusal: "plan updates 4 of 10 records (40%), more than the 30% allowed (max_update_percent)",
				notInRefusal: "deletes", hold: []string{"rr.example.com. A"}}},
		{rule: "share", name: "updates are not counted as deletions",
			decide: judge(lines([]string{soa}, apexNS(1), hosts(10)), lines([]string{soa}, apexNS(1), readdress(hosts(10), 4)),
				Facts{Safety: Safety{MaxDeletePercent: 30, MaxUpdatePercent: 50, MinRecords: 10}}),
			want: outcome{safe: []string{"update h0.example.com. A", "update h1.example.com. A", "update h2.example.com. A", "update h3.example.com. A"}}},
		{rule: "share", name: "readdressing most of a zone is refused as updates; a new name is still created",
			decide: judge(lines([]string{soa}, apexNS(1), hosts(50)), lines([]string{soa}, apexNS(1), readdress(hosts(50), 40), news(1)), Facts{Safety: def}),
			want: outcome{safe: []string{"create new0.example.com. A"}, held: updates(40),
				refusal: "zone example.com.: plan updates 40 of 50 records (80%), more than the 30% allowed (max_update_percent); check records.d", notInRefusal: "deletes",
				hold: keyLines(updates(40))}},
		{rule: "share", name: "deletes and updates each within their share",
			decide: judge(lines([]string{soa}, apexNS(1), hosts(20)), lines([]string{soa}, apexNS(1), readdress(hosts(20), 5)[:15]), Facts{Safety: def}),
			want:   outcome{safe: lines(deletes(span(15, 20)...), updates(5))}},
		{rule: "share", name: "deletes and updates both above their share",
			decide: judge(lines([]string{soa}, apexNS(1), hosts(10)), lines([]string{soa}, apexNS(1), readdress(hosts(10), 4)[:6]), Facts{Safety: def}),
			want: outcome{held: lines(deletes(6, 7, 8, 9), updates(4)),
				refusal: "plan deletes 4 of 10 records (40%), more than the 30% allowed (max_delete_percent) and updates 4 of 10 records (40%)",
				hold:    []string{"h0.example.com. A", "h1.example.com. A", "h2.example.com. A", "h3.example.com. A", "h6.example.com. A", "h7.example.com. A", "h8.example.com. A", "h9.example.com. A"}}},
		{rule: "share", name: "zero update percent refuses any update",
			decide: judge(lines([]string{soa}, apexNS(1), hosts(3)), lines([]string{soa}, apexNS(1), readdress(hosts(3), 1)), Facts{Safety: Safety{MaxDeletePercent: 100}}),
			want:   outcome{held: updates(1), refusal: "updates 1 of 3 records", hold: []string{"h0.example.com. A"}}},
		{rule: "share", name: "TTL-only updates remove nothing",
			decide: judge(lines([]string{soa}, apexNS(1), hosts(10)),
				lines([]string{strings.Replace(soa, "3600 IN", "60 IN", 1)}, apexNS(1), strings.Split(strings.ReplaceAll(strings.Join(hosts(10), "\n"), " 300 IN", " 60 IN"), "\n")),
				Facts{Safety: Safety{MaxDeletePercent: 0, MaxUpdatePercent: 0, MinRecords: 1}}),
			want: outcome{safe: lines([]string{"update example.com. SOA"}, updates(10))}},
		{rule: "share", name: "an empty zone refuses nothing",
			decide: judge(nil, lines([]string{soa}, apexNS(1), hosts(1)), Facts{}),
			want:   outcome{safe: []string{"create example.com. NS", "create example.com. SOA", "create h0.example.com. A"}}},
		{rule: "share", name: "zero percent refuses any delete",
			decide: judge(lines([]string{soa}, apexNS(1), hosts(3)), lines([]string{soa}, apexNS(1), hosts(3)[1:]), Facts{}),
			want:   outcome{held: deletes(0), refusal: "deletes 1 of 3 records", hold: []string{"h0.example.com. A"}}},
		{rule: "share", name: "100 percent allows everything",
			decide: judge(lines([]string{soa}, apexNS(1), hosts(30)), lines([]string{soa}, apexNS(1)), Facts{Safety: Safety{MaxDeletePercent: 100, MinRecords: 10}}),
			want:   outcome{safe: deletes(span(0, 30)...)}},
		{rule: "share", name: "a create at a name whose served data is held waits with it",
			decide: judge(with(append(hosts(9), "alias.example.com. 300 IN CNAME h1.example.com.")...),
				with(append(hosts(9)[5:],
					"alias.example.com. 300 IN A 192.0.2.100",                        // replaces the CNAME: held with its delete
					"h5.example.com. 300 IN AAAA 2001:db8::5",                        // beside a served set nothing changes: safe
					"h0.example.com. 300 IN TXT \"moved\"")...), Facts{Safety: def}), // at a name whose A is deleted: held
			want: outcome{safe: []string{"create h5.example.com. AAAA"},
				held:    lines([]string{"delete alias.example.com. CNAME"}, deletes(0, 1, 2, 3, 4), []string{"create alias.example.com. A", "create h0.example.com. TXT"}),
				refusal: "deletes 6 of 11 records",
				hold:    []string{"alias.example.com. CNAME", "h0.example.com. A", "h1.example.com. A", "h2.example.com. A", "h3.example.com. A", "h4.example.com. A"}}},

		// 4. Held before: the review's two-pass case. 100 served; the plan
		// deletes 35 and creates 20; pass 1 refuses 35% and applies the
		// creates; pass 2 sees 35 of 120 (29%) and must hold them still.
		{rule: "share", name: "pass 1: 35 of 100 refused, the 20 creates apply",
			decide: judge(served100, lines([]string{soa}, apexNS(1), hosts(100)[35:], news(20)), Facts{Safety: def}),
			want:   outcome{safe: creates(20), held: refusedDeletes, refusal: "deletes 35 of 100 records (35%)", hold: hold35}},
		{rule: "held before", name: "pass 2: 35 of 120 stay held, the first refusal word for word",
			decide: judge(grown, lines([]string{soa}, apexNS(1), hosts(100)[35:], news(20)), Facts{Safety: def, Held: heldBefore(t, first, 35)}),
			want:   outcome{held: refusedDeletes, refusal: "the first refusal", hold: hold35}},
		{rule: "held before", name: "files came back: what is still asked for stays held, said anew",
			decide: judge(grown, lines([]string{soa}, apexNS(1), hosts(100)[5:], news(20)), Facts{Safety: def, Held: heldBefore(t, first, 35)}),
			want: outcome{held: deletes(0, 1, 2, 3, 4), notInRefusal: "the first refusal",
				refusal: "zone example.com.: 5 changes to served RRsets (deleting 5 records), refused by the safety rules on an earlier pass, are still planned and stay held",
				hold:    []string{"h0.example.com. A", "h1.example.com. A", "h2.example.com. A", "h3.example.com. A", "h4.example.com. A"}}},
		{rule: "held before", name: "a hold read from another process's record is said anew",
			decide: judge(grown, lines([]string{soa}, apexNS(1), hosts(100)[35:], news(20)), Facts{Safety: def, Held: heldBefore(t, nil, 35)}),
			want:   outcome{held: refusedDeletes, refusal: "35 changes to served RRsets (deleting 35 records), refused by the safety rules on an earlier pass", hold: hold35}},
		{rule: "held before", name: "nothing of it planned any more: the hold ends, other deletions apply",
			decide: judge(grown, lines([]string{soa}, apexNS(1), hosts(100)[:50], hosts(100)[52:], news(20)), Facts{Safety: def, Held: heldBefore(t, first, 35)}),
			want:   outcome{safe: deletes(50, 51)}},
		{rule: "held before", name: "turned into an update, still held; other changes and the create beside it apply",
			decide: judge(grown, lines([]string{soa}, apexNS(1), readdress(hosts(100), 1), news(21)[1:], []string{"h0.example.com. 300 IN TXT \"x\"", "new0.example.com. 300 IN A 203.0.113.99"}),
				Facts{Safety: def, Held: &Hold{Keys: keys(t, "h0.example.com. A", "gone.example.com. A"), Refusal: first}}),
			want: outcome{safe: []string{"create new20.example.com. A", "update new0.example.com. A"}, held: []string{"create h0.example.com. TXT", "update h0.example.com. A"},
				refusal: "1 changes to served RRsets (replacing 1)", hold: []string{"h0.example.com. A"}}},

		// 5. Never filled.
		{rule: "never filled", name: "an empty dir that never had a file deletes nothing, and is not remembered",
			decide: judge(with(hosts(3)...), nil, Facts{Safety: def, NeverFilled: true}),
			want: outcome{held: wipe,
				refusal: "zone example.com.: the records dir is empty and has had no record file since dnssync started (is records.dir right?); refusing to delete 4 records"}},
		{rule: "never filled", name: "nothing to delete: nothing refused",
			decide: judge(nil, with(), Facts{Safety: def, NeverFilled: true}),
			want:   outcome{safe: []string{"create example.com. NS", "create example.com. SOA", "create ns1.example.com. A"}}},

		// 6. Held state unknown.
		{rule: "held state unknown", name: "nothing applies",
			decide: judge(with(hosts(10)...), with(hosts(10)[1:]...), Facts{Safety: def, HeldUnknown: errors.New("held.json: not one dnssync wrote")}),
			want:   outcome{safe: deletes(0), blocked: "zone example.com.: nothing applied: held.json: not one dnssync wrote"}},

		// 7. Vanished at once.
		{rule: "vanished", name: "every file gone in one look is not believed", decide: vanished(0, 2), want: outcome{refused: true}},
		{rule: "vanished", name: "the last file removed on its own is", decide: vanished(0, 1)},
		{rule: "vanished", name: "files gone while others stay are", decide: vanished(1, 50)},

		// 8. Emptied dir applied.
		{rule: "emptied applied", name: "a declared set still served: not yet",
			decide: emptied([]string{"www.example.com. 300 IN A 192.0.2.1", "db.example.com. 300 IN A 192.0.2.1"}, with("db.example.com. 300 IN A 192.0.2.1")),
			want:   outcome{refused: true}},
		{rule: "emptied applied", name: "only the backend's own records left: applied",
			decide: emptied([]string{"www.example.com. 300 IN A 192.0.2.1", "ns1.example.com. 300 IN A 127.0.0.1"}, with())},
		{rule: "emptied applied", name: "served with other data counts as served",
			decide: emptied([]string{"www.example.com. 300 IN A 192.0.2.1"}, with("www.example.com. 300 IN A 192.0.2.9")),
			want:   outcome{refused: true}},
	}
	for _, tt := range tests {
		t.Run(tt.rule+": "+tt.name, func(t *testing.T) {
			got := tt.decide(t)
			for _, l := range []struct {
				what      string
				got, want []string
			}{
				{"safe", got.safe, tt.want.safe}, {"held", got.held, tt.want.held},
				{"held deletes", got.heldDeletes, tt.want.heldDeletes}, {"hold", got.hold, tt.want.hold},
			} {
				if len(l.got)+len(l.want) > 0 && !slices.Equal(l.got, l.want) {
					t.Errorf("%s = %q\nwant %q", l.what, l.got, l.want)
				}
			}
			switch {
			case tt.want.refusal == "" && got.refusal != "":
				t.Errorf("refused: %s", got.refusal)
			case !strings.Contains(got.refusal, tt.want.refusal):
				t.Errorf("refusal = %q, want it to say %q", got.refusal, tt.want.refusal)
			case tt.want.notInRefusal != "" && strings.Contains(got.refusal, tt.want.notInRefusal):
				t.Errorf("refusal = %q, must not say %q", got.refusal, tt.want.notInRefusal)
			}
			if (got.blocked == "") != (tt.want.blocked == "") || !strings.Contains(got.blocked, tt.want.blocked) {
				t.Errorf("blocked = %q, want %q", got.blocked, tt.want.blocked)
			}
			if got.release != tt.want.release || got.refused != tt.want.refused {
				t.Errorf("release %v, refused %v; want %v, %v", got.release, got.refused, tt.want.release, tt.want.refused)
			}
		})
	}
}

func vanished(left, gone int) func(*testing.T) outcome {
	return func(*testing.T) outcome { return outcome{refused: VanishedAtOnce(left, gone)} }
}

// emptied: the vanished files declared declared; the zone serves served;
// the backend's own records are base's.
func emptied(declared, served []string) func(*testing.T) outcome {
	return func(t *testing.T) outcome {
		return outcome{refused: !EmptiedApplied(zoneOf(t, declared...), zoneOf(t, served...), zoneOf(t, base...))}
	}
}

// TestCounts: what the share rule counts. A TTL-only change and added
// values take nothing away; SOA and apex NS are never counted.
func TestCounts(t *testing.T) {
	tests := []struct {
		name                      string
		observed, desired         []string
		removed, deleted, updated int
	}{
		{"deletes", lines([]string{soa}, apexNS(1), hosts(10)), lines([]string{soa}, apexNS(1), hosts(10)[4:]), 4, 4, 0},
		{"apex NS not counted", lines([]string{soa}, apexNS(5), hosts(10)), lines([]string{soa}, apexNS(1), hosts(10)[3:]), 3, 3, 0},
		{"updates", lines([]string{soa}, apexNS(1), hosts(10)), lines([]string{soa}, apexNS(1), readdress(hosts(10), 4)[:6]), 8, 4, 4},
		{"values added", []string{"a.example.com. 300 IN A 192.0.2.1"}, []string{"a.example.com. 300 IN A 192.0.2.1", "a.example.com. 300 IN A 192.0.2.2"}, 0, 0, 0},
		{"TTL only", lines([]string{soa}, hosts(10)), lines([]string{strings.Replace(soa, "3600 IN", "60 IN", 1)}, strings.Split(strings.ReplaceAll(strings.Join(hosts(10), "\n"), " 300 IN", " 60 IN"), "\n")), 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Compute(Input{Zone: zone, Desired: zoneOf(t, tt.desired...), Observed: zoneOf(t, tt.observed...)})
			if r, d, u := p.Removed(), p.Deleted(), p.Updated(); r != tt.removed || d != tt.deleted || u != tt.updated {
				t.Errorf("removed %d, deleted %d, updated %d; want %d, %d, %d (plan %q)", r, d, u, tt.removed, tt.deleted, tt.updated, summary(p))
			}
		})
	}
}
