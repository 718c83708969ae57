package diff

import (
	"bytes"
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
)

func TestTallyFormat(t *testing.T) {
	tests := []struct {
		name  string
		tally Tally
		want  string
	}{
		{"nothing", Tally{}, "No changes. records.d and the served zones agree.\n"},
		{"changes", Tally{Create: 2, Update: 1, Delete: 3}, "Plan: 2 to create, 1 to update, 3 to delete.\n"},
		{"only a delete", Tally{Delete: 1}, "Plan: 0 to create, 0 to update, 1 to delete.\n"},
		{"held", Tally{Create: 1, Held: 4}, "Plan: 1 to create, 0 to update, 0 to delete; 4 held.\n"},
		{"one of each", Tally{Held: 1, Conflicts: 1, Unknown: 1, Invalid: 1},
			"Plan: 0 to create, 0 to update, 0 to delete; 1 held, 1 conflict, 1 zone unknown, 1 invalid file.\n"},
		{"many", Tally{Conflicts: 2, Unknown: 3, Invalid: 2},
			"Plan: 0 to create, 0 to update, 0 to delete; 2 conflicts, 3 zones unknown, 2 invalid files.\n"},
		// A zone that could not be read never lets the plan say that
		// all agrees.
		{"unknown only", Tally{Unknown: 1}, "Plan: 0 to create, 0 to update, 0 to delete; 1 zone unknown.\n"},
		// A file never read yet (a writer at work on it) makes the plan
		// exit 2: the line says why, never that all agrees.
		{"unread only", Tally{Unread: 1}, "Plan: 0 to create, 0 to update, 0 to delete; 1 file not read yet.\n"},
		{"unread files", Tally{Invalid: 1, Unread: 3}, "Plan: 0 to create, 0 to update, 0 to delete; 1 invalid file, 3 files not read yet.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.tally.Format(&buf); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Errorf("got %q, want %q", buf.String(), tt.want)
			}
			if err := tt.tally.Format(failWriter{}); err == nil {
				t.Error("Format to a failing writer returned nil")
			}
		})
	}
}

// TestTallyAdd counts what applies apart from what is held, over zones:
// the refused part and the deletions held for an unread file are held,
// sets left to another writer are conflicts.
func TestTallyAdd(t *testing.T) {
	observed := zoneOf(t, with(hosts(10)...)...)
	desired := zoneOf(t, with(append(readdress(hosts(10), 4), "new.example.com. 300 IN A 192.0.2.200")...)...)
	v := Judge(Compute(Input{Zone: zone, Desired: desired, Observed: observed}),
		Facts{Observed: observed, Safety: Safety{MaxDeletePercent: 30, MaxUpdatePercent: 30, MinRecords: 10}})
	var tally Tally
	tally.Add(v.Safe, v.Held) // 1 create applies, 4 updates held

	other := Input{
		Zone:     zone,
		Desired:  zoneOf(t, with("theirs.example.com. 300 IN A 192.0.2.1", "www.example.com. 300 IN A 192.0.2.1")...),
		Observed: zoneOf(t, with("theirs.example.com. 300 IN A 192.0.2.2", "www.example.com. 300 IN A 192.0.2.9", "old.example.com. 300 IN A 192.0.2.8")...),
		Managed:  func(k rrset.Key) bool { return k.Name != "theirs.example.com." },
	}
	unread := Judge(Compute(other), Facts{Observed: other.Observed, Unread: true,
		Safety: Safety{MaxDeletePercent: 30, MaxUpdatePercent: 30, MinRecords: 10}})
	tally.Add(unread.Safe, unread.Held) // 1 update applies, 1 delete held, 1 conflict

	want := Tally{Create: 1, Update: 1, Held: 5, Conflicts: 1}
	if tally != want {
		t.Errorf("tally %+v, want %+v", tally, want)
	}
	if tally.None() || !(Tally{}).None() {
		t.Error("None() wrong")
	}
}
