package verify

import (
	"slices"

	"github.com/dnssync/dnssync/internal/diff"
)

// Stale records are the other half of "is it served as wanted": a set
// dnssync manages that a server still serves though no records file
// declares it any more (the file was removed while nothing applied, or
// auto_register is off, or the safety rules hold the deletion). Asking for
// the declared sets cannot find them; a zone transfer can. Which served
// sets are dnssync's, and which it would delete, is the plan's to say
// (diff.Compute, with the backend's own records and ownership): every set
// a plan deletes is stale until the deletion is applied.

// Stale returns a stale result for each deletion among changes, as served
// by server (the zone's transfer came from it); note says what becomes of
// them, e.g. "the next pass that applies deletes it".
func Stale(server string, changes []diff.Change, note string) []Result {
	var out []Result
	for _, c := range changes {
		if c.Action == diff.Delete {
			out = append(out, Result{Server: server, Key: c.Key, Served: c.Old, Status: StatusStale, Note: note})
		}
	}
	return out
}

// Add puts more results into the report, each counted as checked, in the
// report's order (by key, then server).
func (r *Report) Add(results ...Result) {
	if len(results) == 0 {
		return
	}
	r.Checked += len(results)
	// Clipped: a report's results may share their array with another
	// report's (a copy of the struct), which must not see these.
	r.Results = append(slices.Clip(r.Results), results...)
	slices.SortStableFunc(r.Results, compare)
}
