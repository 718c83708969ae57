package passaudit

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

func openTemp(t *testing.T) (*audit.Log, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, path
}

func readEvents(t *testing.T, path string) []audit.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []audit.Event
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e audit.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

func set(t *testing.T, rrs ...string) *rrset.Set {
	t.Helper()
	var out []dns.RR
	for _, s := range rrs {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rr)
	}
	return rrset.New(out...)
}

// A plan refused pass after pass is written when the refusal starts or
// changes, and again after it was lifted, not on every pass.
func TestObserverRefusalWrittenOnce(t *testing.T) {
	t.Parallel()
	l, path := openTemp(t)
	p := &Observer{Log: l}
	refused := func(msg string) reconcile.Result {
		err := errors.New(msg)
		return reconcile.Result{Zones: []reconcile.ZoneResult{{Zone: "example.com.", Refusal: err, Err: errors.Join(diff.ErrUnsafe, err), Stage: reconcile.StageUnsafe}}}
	}
	clean := reconcile.Result{Zones: []reconcile.ZoneResult{{Zone: "example.com."}}}
	steps := []struct {
		res  reconcile.Result
		want int
	}{
		{refused("updates 40 of 50"), 1},
		{refused("updates 40 of 50"), 0}, // the same refusal, next pass
		{refused("updates 45 of 50"), 1}, // changed
		{clean, 0},
		{refused("updates 45 of 50"), 1}, // back after it was lifted
	}
	total := 0
	for i, s := range steps {
		if err := p.Observe(s.res); err != nil {
			t.Fatal(err)
		}
		total += s.want
		got := readEvents(t, path)
		if len(got) != total {
			t.Fatalf("pass %d: %d lines in the trail, want %d: %+v", i, len(got), total, got)
		}
		if s.want == 1 {
			last := got[len(got)-1]
			if last.Kind != "refused" || last.Zone != "example.com." || !strings.HasSuffix(last.Result, "; 0 changes held") {
				t.Errorf("pass %d: line %+v", i, last)
			}
		}
	}
}

// Each change applied is a line, saying whether it was then served; a
// pass that only planned writes nothing; a CLI user is named.
func TestObserverChangesApplied(t *testing.T) {
	t.Parallel()
	l, path := openTemp(t)
	uid := 1000
	p := &Observer{Log: l, User: "alice", UID: &uid}
	web := rrset.Key{Name: "web.example.com.", Type: dns.TypeA}
	plan := diff.Plan{Zone: "example.com.", Changes: []diff.Change{
		{Action: diff.Create, Key: web, New: set(t, "web.example.com. 300 IN A 192.0.2.1")},
		{Action: diff.Delete, Key: rrset.Key{Name: "old.example.com.", Type: dns.TypeTXT}, Old: set(t, `old.example.com. 300 IN TXT "bye"`)},
	}}
	passes := []reconcile.Result{
		{Zones: []reconcile.ZoneResult{{Zone: "example.com.", Plan: plan}}}, // planned only
		{Zones: []reconcile.ZoneResult{{Zone: "example.com.", Plan: plan, Applied: true}}},
		{Zones: []reconcile.ZoneResult{{Zone: "example.com.", Plan: diff.Plan{Changes: plan.Changes[:1]}, Applied: true,
			Mismatches: []verify.Result{{Key: web, Want: plan.Changes[0].New, Status: verify.StatusMissing}}}}},
	}
	for _, res := range passes {
		if err := p.Observe(res); err != nil {
			t.Fatal(err)
		}
	}
	got := readEvents(t, path)
	if len(got) != 3 {
		t.Fatalf("%d lines, want 3: %+v", len(got), got)
	}
	want := []audit.Event{
		{Kind: "change", Zone: "example.com.", Name: "web.example.com.", Type: "A", Action: "create", New: "192.0.2.1", Result: "ok"},
		{Kind: "change", Zone: "example.com.", Name: "old.example.com.", Type: "TXT", Action: "delete", Result: "ok"},
		{Kind: "change", Zone: "example.com.", Name: "web.example.com.", Type: "A", Action: "create", Result: "not served as planned: "},
	}
	for i, w := range want {
		g := got[i]
		if g.Kind != w.Kind || g.Zone != w.Zone || g.Name != w.Name || g.Type != w.Type || g.Action != w.Action ||
			!strings.HasPrefix(g.Result, w.Result) || w.New != "" && !strings.Contains(g.New, w.New) ||
			g.User != "alice" || g.UID == nil || *g.UID != 1000 {
			t.Errorf("line %d = %+v, want %+v by alice (1000)", i, g, w)
		}
	}
	if !strings.Contains(got[1].Old, "bye") {
		t.Errorf("the deleted value is not in the trail: %+v", got[1])
	}
}

// A change that put back drift is a "drift" line with what the server
// served (old) and what records.d wants (new); the pass's other changes
// stay "change" lines.
func TestObserverDrift(t *testing.T) {
	t.Parallel()
	l, path := openTemp(t)
	p := &Observer{Log: l}
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	db := rrset.Key{Name: "db.example.com.", Type: dns.TypeA}
	plan := diff.Plan{Zone: "example.com.", Changes: []diff.Change{
		{Action: diff.Update, Key: db, Old: set(t, "db.example.com. 300 IN A 192.0.2.10"), New: set(t, "db.example.com. 300 IN A 192.0.2.11")},
		{Action: diff.Update, Key: www, Old: set(t, "www.example.com. 300 IN A 192.0.2.66"), New: set(t, "www.example.com. 300 IN A 192.0.2.1")},
	}}
	res := reconcile.Result{Zones: []reconcile.ZoneResult{{Zone: "example.com.", Plan: plan, Applied: true, Drift: []rrset.Key{www}}}}
	if err := p.Observe(res); err != nil {
		t.Fatal(err)
	}
	got := readEvents(t, path)
	if len(got) != 2 {
		t.Fatalf("%d lines, want 2: %+v", len(got), got)
	}
	if g := got[0]; g.Kind != "change" || g.Name != "db.example.com." {
		t.Errorf("records.d's change: %+v, want kind change", g)
	}
	if g := got[1]; g.Kind != "drift" || g.Name != "www.example.com." || g.Action != "update" ||
		!strings.Contains(g.Old, "192.0.2.66") || !strings.Contains(g.New, "192.0.2.1") || g.Result != "ok" {
		t.Errorf("drift put back: %+v, want kind drift, old 192.0.2.66, new 192.0.2.1", g)
	}
}

// Without an audit file nothing is written and nothing fails.
func TestObserverWithoutLog(t *testing.T) {
	t.Parallel()
	var p Observer
	err := errors.New("updates 40 of 50")
	res := reconcile.Result{Zones: []reconcile.ZoneResult{{Zone: "example.com.", Refusal: err, Err: errors.Join(diff.ErrUnsafe, err)}}}
	if err := p.Observe(res); err != nil {
		t.Errorf("Observe without a log: %v", err)
	}
}

// Without an audit file a pass's lines are not even made: at 100,000
// records a cold start's plan made 150 MB of lines for no one (issue 15).
func TestObserverWithoutLogMakesNoLines(t *testing.T) {
	var changes []diff.Change
	for i := range 1000 {
		s := set(t, fmt.Sprintf("h%d.example.com. 300 IN A 192.0.2.1", i))
		changes = append(changes, diff.Change{Key: s.Key, Action: diff.Create, New: s})
	}
	res := reconcile.Result{Zones: []reconcile.ZoneResult{{Zone: "example.com.", Applied: true, Plan: diff.Plan{Changes: changes}}}}
	var p Observer
	if allocs := testing.AllocsPerRun(5, func() { p.Observe(res) }); allocs > 2 {
		t.Errorf("Observe without a log: %v allocations for a plan of %d changes, want none per change", allocs, len(changes))
	}
}

// A trail that cannot be written says which lines it lost, and a refusal
// it lost is written on the next pass.
func TestObserverWriteFails(t *testing.T) {
	t.Parallel()
	l, err := audit.Open("/dev/full")
	if err != nil {
		t.Skip("no /dev/full:", err)
	}
	defer l.Close()
	p := &Observer{Log: l}
	refusal := errors.New("deletes 40 of 50")
	res := reconcile.Result{Zones: []reconcile.ZoneResult{{Zone: "example.com.", Refusal: refusal, Err: errors.Join(diff.ErrUnsafe, refusal)}}}
	// The same refusal on the next pass is tried again: it was never told.
	for i := range 2 {
		if err := p.Observe(res); err == nil || !strings.Contains(err.Error(), `not recorded: "refused example.com."`) {
			t.Errorf("pass %d: err = %v, want it to name the refused line", i, err)
		}
	}
}

// `dnssync apply` follows the CLI's rule: no audit file that opens, no
// apply; lines not written say "applied, but not audited"; its lines name
// the user.
func TestOpenCLI(t *testing.T) {
	t.Parallel()
	if _, err := OpenCLI(filepath.Join(t.TempDir(), "no-such-dir", "audit.log")); err == nil || !strings.Contains(err.Error(), "nothing applied") {
		t.Errorf("OpenCLI in a missing dir: err %v, want one saying nothing is applied", err)
	}
	web := rrset.Key{Name: "web.example.com.", Type: dns.TypeA}
	applied := reconcile.Result{Zones: []reconcile.ZoneResult{{Zone: "example.com.", Applied: true, Plan: diff.Plan{Changes: []diff.Change{
		{Action: diff.Create, Key: web, New: set(t, "web.example.com. 300 IN A 192.0.2.1")}}}}}}

	path := filepath.Join(t.TempDir(), "audit.log")
	p, err := OpenCLI(path)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Observe(applied); err != nil {
		t.Fatal(err)
	}
	if got := readEvents(t, path); len(got) != 1 || got[0].User == "" || got[0].UID == nil || *got[0].UID != os.Getuid() {
		t.Errorf("lines %+v, want one naming this process's user", got)
	}

	full, err := OpenCLI("/dev/full")
	if err != nil {
		t.Skip("no /dev/full:", err)
	}
	defer full.Close()
	if err := full.Observe(applied); err == nil || !strings.HasPrefix(err.Error(), "applied, but not audited: ") {
		t.Errorf("lines not written: err %v, want \"applied, but not audited: ...\"", err)
	}
}
