package reconcile

import (
	"testing"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// TestResultPendingLeavesNothingUndone: Pending is what `dnssync plan`
// exits 2 on, so every kind of thing a pass leaves undone counts, not
// only changes not applied: a deletion held while a records file is
// unread, a desired set left to another writer, a name left as served
// because records.d disagrees about it, and a file never read.
func TestResultPendingLeavesNothingUndone(t *testing.T) {
	www := rrset.Key{Name: "www.example.com.", Type: 1}
	create := []diff.Change{{Action: diff.Create, Key: www}}
	tests := []struct {
		name string
		res  Result
		want bool
	}{
		{"in sync", Result{State: &desired.State{}, Zones: []ZoneResult{{Zone: zoneA, Plan: diff.Plan{Zone: zoneA}}}}, false},
		{"no state", Result{Zones: []ZoneResult{{Zone: zoneA, Plan: diff.Plan{Zone: zoneA}}}}, false},
		{"changes applied", Result{Zones: []ZoneResult{{Zone: zoneA, Plan: diff.Plan{Zone: zoneA, Changes: create}, Applied: true}}}, false},
		{"changes not applied", Result{Zones: []ZoneResult{{Zone: zoneA, Plan: diff.Plan{Zone: zoneA, Changes: create}}}}, true},
		{"changes held by the safety rules", Result{Zones: []ZoneResult{{Zone: zoneA, Refused: diff.Plan{Zone: zoneA, Changes: create}}}}, true},
		{"deletions held while a file is unread", Result{Zones: []ZoneResult{{Zone: zoneA,
			Plan: diff.Plan{Zone: zoneA, HeldDeletes: []diff.Change{{Action: diff.Delete, Key: www}}}}}}, true},
		{"left to another writer", Result{Zones: []ZoneResult{{Zone: zoneA, Plan: diff.Plan{Zone: zoneA, Foreign: []rrset.Key{www}}}}}, true},
		{"conflict left as served", Result{Zones: []ZoneResult{{Zone: zoneA, Plan: diff.Plan{Zone: zoneA, Conflicts: []string{www.Name}}}}}, true},
		{"a file never read", Result{State: &desired.State{Incomplete: []string{"records.d/web.yaml"}},
			Zones: []ZoneResult{{Zone: zoneA, Plan: diff.Plan{Zone: zoneA}}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.res.Pending(); got != tt.want {
				t.Errorf("Pending() = %v, want %v", got, tt.want)
			}
		})
	}
}
