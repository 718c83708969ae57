package verify

import (
	"encoding/json"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// TestStale: each deletion of a plan is a stale result (served, wanted
// gone), which fails the check, reads as stale with what becomes of it,
// and is "stale" in the one JSON shape; creates and updates are not.
func TestStale(t *testing.T) {
	t.Parallel()
	old := set(t, "old.example.com. 300 IN A 192.0.2.9")
	www := set(t, "www.example.com. 300 IN A 192.0.2.1")
	oldKey := rrset.Key{Name: "old.example.com.", Type: dns.TypeA}
	wwwKey := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	changes := []diff.Change{
		{Action: diff.Delete, Key: oldKey, Old: old},
		{Action: diff.Create, Key: wwwKey, New: www},
	}
	got := Stale("127.0.0.1:53", changes, "the next pass deletes it")
	if len(got) != 1 {
		t.Fatalf("Stale = %v, want the one deletion", got)
	}
	r := got[0]
	if r.Key != oldKey || r.Served != old || r.Want != nil || r.Status != StatusStale || !r.Failed() {
		t.Errorf("Stale = %+v, want old served, nothing wanted, status stale, failed", r)
	}
	if s, want := r.String(), "old.example.com. A at 127.0.0.1:53: served 300 [192.0.2.9], declared by no records file (stale; the next pass deletes it)"; s != want {
		t.Errorf("String() = %q, want %q", s, want)
	}
	b, err := json.Marshal(r.JSON())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"old.example.com","record_type":"A","server":"127.0.0.1:53","status":"stale","want":[],"want_ttl":0,"served":["192.0.2.9"],"served_ttl":300,"verified":false}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
}

// TestReportAdd: results added count as checked, keep the report's order,
// and never show in another report that shared its results.
func TestReportAdd(t *testing.T) {
	t.Parallel()
	a := rrset.Key{Name: "a.example.com.", Type: dns.TypeA}
	m := rrset.Key{Name: "m.example.com.", Type: dns.TypeA}
	z := rrset.Key{Name: "z.example.com.", Type: dns.TypeA}
	results := make([]Result, 2, 8)
	results[0] = Result{Key: a, Status: StatusVerified}
	results[1] = Result{Key: z, Status: StatusVerified}
	rep := Report{Checked: 2, Results: results}
	other := rep
	rep.Add(Result{Key: m, Status: StatusStale})
	if rep.Checked != 3 || len(rep.Results) != 3 || rep.Results[1].Key != m || rep.OK() {
		t.Errorf("after Add: %+v; want 3 checked, the stale set between a and z, not OK", rep)
	}
	if len(other.Results) != 2 || other.Results[1].Key != z || !other.OK() {
		t.Errorf("the report copied before Add changed: %+v", other)
	}
	rep.Add()
	if rep.Checked != 3 {
		t.Errorf("Add() of nothing counted: %d", rep.Checked)
	}
}
