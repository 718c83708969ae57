package apply

import (
	"bytes"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// hostKeys is n A keys host-<i>.example.com., from i = from on.
func hostKeys(from, n int) []rrset.Key {
	out := make([]rrset.Key, n)
	for i := range out {
		out[i] = rkey(fmt.Sprintf("host-%06d.example.com.", from+i), dns.TypeA)
	}
	return out
}

// update is o.Update, failing the test on an error.
func update(t *testing.T, o *Owned, zone string, add, remove []rrset.Key) {
	t.Helper()
	if err := o.Update(zone, add, remove); err != nil {
		t.Fatalf("Update(%s, %d added, %d removed): %v", zone, len(add), len(remove), err)
	}
}

// A large list is not written whole for every change: a change is a line
// appended to the journal, until the journal passes a quarter of
// owned.json, and then the whole list is written once and the journal
// goes. The production thresholds, not the tests' modes.
func TestOwnedJournalAppends(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "owned.json")
	const zone = "example.com."
	o, _ := loadOwned(t, path)
	update(t, o, zone, hostKeys(0, 5000), nil) // about 150 KB: past ownedWholeBelow
	base := statState(path)
	if base.size < ownedWholeBelow {
		t.Fatalf("owned.json is %d bytes; the test wants one past %d", base.size, ownedWholeBelow)
	}
	writes := o.writes
	other, _ := loadOwned(t, path) // a second process, catching up
	reads := other.reads
	for i := range 100 {
		update(t, o, zone, hostKeys(5000+i, 1), hostKeys(i, 1))
		if err := other.CatchUp(); err != nil {
			t.Fatal(err)
		}
	}
	if o.writes != writes || statState(path) != base {
		t.Errorf("100 changes wrote owned.json %d times (identity %v -> %v), want none: each is a journal line", o.writes-writes, base, statState(path))
	}
	if o.appends != 100 {
		t.Errorf("%d journal lines appended, want 100", o.appends)
	}
	if other.reads != reads {
		t.Errorf("the other process read the whole list %d times to catch up with journal lines, want none: only the new lines", other.reads-reads)
	}
	if !reflect.DeepEqual(other.zones, o.zones) {
		t.Error("the other process, caught up, does not hold what this one saved")
	}
	if got := ownedOnDisk(t, path); !reflect.DeepEqual(got, o.zones) {
		t.Error("a fresh load (owned.json and its journal) differs from what was saved")
	}

	// On until the journal would pass a quarter of owned.json: written
	// whole once, the journal gone, nothing lost.
	for i := 100; o.writes == writes; i++ {
		if i > 10000 {
			t.Fatalf("no compaction after %d changes; journal %d bytes, owned.json %d", i, statState(o.journalPath()).size, base.size)
		}
		update(t, o, zone, hostKeys(5000+i, 1), hostKeys(i, 1))
		if j := statState(o.journalPath()); j.size > base.size/4 {
			t.Fatalf("journal %d bytes, past a quarter of owned.json (%d)", j.size, base.size)
		}
	}
	if _, err := os.Stat(o.journalPath()); !os.IsNotExist(err) {
		t.Errorf("journal still there after owned.json was written whole (stat: %v)", err)
	}
	if got := ownedOnDisk(t, path); !reflect.DeepEqual(got, o.zones) || len(got[zone]) != 5000 {
		t.Errorf("after the compaction on disk %d sets, in memory %d, want 5000 and equal", len(got[zone]), len(o.zones[zone]))
	}
	if err := other.CatchUp(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(other.zones, o.zones) {
		t.Error("the other process, caught up after the compaction, does not hold what this one saved")
	}
}

// A crash between writing owned.json whole and removing the journal
// leaves both: replayed over the list that already holds it, the journal
// gives that list, also when the change written with the list undoes
// lines of the journal (it went to the journal first).
func TestOwnedJournalCrashAfterCompaction(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "owned.json")
	const zone = "example.com."
	a, b, k := rkey("a.example.com.", dns.TypeA), rkey("b.example.com.", dns.TypeA), rkey("k.example.com.", dns.TypeA)
	o, _ := ownedMode{wholeBelow: 1, journalMax: 1 << 40}.load(t, path)
	update(t, o, zone, []rrset.Key{a, b}, nil) // owned.json: {a, b}
	update(t, o, zone, []rrset.Key{k}, nil)    // journal: +k
	update(t, o, zone, nil, []rrset.Key{b})    // journal: -b
	var journal []byte
	o.crashPoint = func() {
		var err error
		if journal, err = os.ReadFile(o.journalPath()); err != nil {
			t.Errorf("journal at the crash point: %v", err)
		}
	}
	o.journalMax = 1 // the next save compacts
	update(t, o, zone, []rrset.Key{b}, []rrset.Key{k})
	if journal == nil {
		t.Fatal("the save did not compact")
	}
	// The crash: the journal was never removed.
	if err := os.WriteFile(o.journalPath(), journal, 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[rrset.Key]bool{zone: {a: true, b: true}}
	if got := ownedOnDisk(t, path); !reflect.DeepEqual(got, want) {
		t.Errorf("owned.json with the journal left beside it: %v, want %v", got, want)
	}
	// Going on from there: the next lines append to that journal.
	next, _ := ownedMode{wholeBelow: 1, journalMax: 1 << 40}.load(t, path)
	update(t, next, zone, []rrset.Key{k}, []rrset.Key{a})
	want = map[string]map[rrset.Key]bool{zone: {b: true, k: true}}
	if got := ownedOnDisk(t, path); !reflect.DeepEqual(got, want) {
		t.Errorf("after a change on top: %v, want %v", got, want)
	}
	if err := o.CatchUp(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(o.zones, want) {
		t.Errorf("the process that compacted, caught up: %v, want %v", o.zones, want)
	}
}

// A crash in the middle of an append leaves a last line cut short (or
// not valid): not replayed, and cut off with a warning by the next save,
// whose line then follows the whole ones.
func TestOwnedJournalTornLine(t *testing.T) {
	t.Parallel()
	const zone = "example.com."
	x, y, z := rkey("x.example.com.", dns.TypeA), rkey("y.example.com.", dns.TypeA), rkey("z.example.com.", dns.TypeA)
	for _, torn := range []string{
		`{"zone":"example.com.","add":["z.exa`,
		`{"zone":"example.com.","add":["z.exa` + "\n",
		"\x00\x00\x00\x00",
	} {
		t.Run(fmt.Sprintf("%q", torn), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "owned.json")
			o, _ := ownedMode{wholeBelow: 1, journalMax: 1 << 40}.load(t, path)
			update(t, o, zone, []rrset.Key{x}, nil) // owned.json
			update(t, o, zone, []rrset.Key{y}, nil) // journal line 1
			f, err := os.OpenFile(o.journalPath(), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString(torn); err != nil {
				t.Fatal(err)
			}
			f.Close()

			want := map[string]map[rrset.Key]bool{zone: {x: true, y: true}}
			if got := ownedOnDisk(t, path); !reflect.DeepEqual(got, want) {
				t.Errorf("loaded with a torn last line: %v, want %v", got, want)
			}
			next, _ := ownedMode{wholeBelow: 1, journalMax: 1 << 40}.load(t, path)
			var log bytes.Buffer
			next.useLog(slog.New(slog.NewTextHandler(&log, nil)))
			update(t, next, zone, []rrset.Key{z}, []rrset.Key{x})
			if !strings.Contains(log.String(), "cut short") || !strings.Contains(log.String(), next.journalPath()) || !strings.Contains(log.String(), "line=2") {
				t.Errorf("log %q does not warn of the torn line 2 of the journal", log.String())
			}
			b, err := os.ReadFile(next.journalPath())
			if err != nil {
				t.Fatal(err)
			}
			if lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); len(lines) != 1+1 || strings.Contains(string(b), "z.exa\n") || strings.Contains(string(b), "\x00") {
				t.Errorf("journal after the next save:\n%s\nwant its whole line and the new one", b)
			}
			want = map[string]map[rrset.Key]bool{zone: {y: true, z: true}}
			if got := ownedOnDisk(t, path); !reflect.DeepEqual(got, want) {
				t.Errorf("after the next save: %v, want %v", got, want)
			}
			if err := o.CatchUp(); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(o.zones, want) {
				t.Errorf("the first process, caught up: %v, want %v", o.zones, want)
			}
		})
	}
}

// A line that is not a change, and not the last: an error naming the
// journal and the line, quoting nothing; a process that had read the
// files keeps its copy.
func TestOwnedJournalBadLine(t *testing.T) {
	t.Parallel()
	const zone, secret = "example.com.", "s3cr3t-token"
	x := rkey("x.example.com.", dns.TypeA)
	for i, bad := range []string{
		secret,
		`{"zone":"example.com.","add":["` + secret + `"]}`,
		`{"zone":"example.com.","add":["x.example.com. ` + secret + `"]}`,
		`{"zone":"example.com.","` + secret + `":[]}`,
		`{"add":["x.example.com. A"]}`,
		`{"zone":"example.com."} {"zone":"example.com."}`,
		"",
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) { // the name is in the temp dir's
			t.Parallel()
			path := filepath.Join(t.TempDir(), "owned.json")
			o, _ := ownedMode{wholeBelow: 1, journalMax: 1 << 40}.load(t, path)
			update(t, o, zone, []rrset.Key{x}, nil) // owned.json
			update(t, o, zone, []rrset.Key{rkey("y.example.com.", dns.TypeA)}, nil)
			f, err := os.OpenFile(o.journalPath(), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(f, "%s\n%s\n", bad, `{"zone":"example.com.","remove":["y.example.com. A"]}`)
			f.Close()
			for what, err := range map[string]error{
				"LoadOwned": func() error { _, _, err := LoadOwned(path); return err }(),
				"CatchUp":   o.CatchUp(),
			} {
				if err == nil {
					t.Fatalf("%s with a bad line 2: no error", what)
				}
				msg := err.Error()
				if !strings.Contains(msg, o.journalPath()) || !strings.Contains(msg, "line 2") || strings.Contains(msg, "s3") {
					t.Errorf("%s: error %q does not name the journal and line 2, or quotes it", what, msg)
				}
			}
			if !o.Has(zone, x) || !o.Has(zone, rkey("y.example.com.", dns.TypeA)) {
				t.Errorf("a bad journal dropped what this process knew it owns: %v", o.zones)
			}
		})
	}
}

// A journal beside no owned.json belongs to a list moved away to start
// over: not replayed, and removed when the new list is written.
func TestOwnedJournalWithoutBase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "owned.json")
	const zone = "example.com."
	x, y := rkey("x.example.com.", dns.TypeA), rkey("y.example.com.", dns.TypeA)
	o, _ := ownedMode{wholeBelow: 1, journalMax: 1 << 40}.load(t, path)
	update(t, o, zone, []rrset.Key{rkey("w.example.com.", dns.TypeA)}, nil)
	update(t, o, zone, []rrset.Key{x}, nil) // the journal: +x
	if err := os.Rename(path, path+".old"); err != nil {
		t.Fatal(err)
	}
	fresh, found := ownedMode{wholeBelow: 1, journalMax: 1 << 40}.load(t, path)
	if found || fresh.Has(zone, x) {
		t.Fatalf("journal without owned.json: found %v, owns %v", found, fresh.zones)
	}
	update(t, fresh, zone, []rrset.Key{y}, nil)
	want := map[string]map[rrset.Key]bool{zone: {y: true}}
	if got := ownedOnDisk(t, path); !reflect.DeepEqual(got, want) {
		t.Errorf("started over: %v, want %v", got, want)
	}
	if _, err := os.Stat(fresh.journalPath()); !os.IsNotExist(err) {
		t.Errorf("the old journal is still there (stat: %v)", err)
	}
	if err := o.CatchUp(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(o.zones, want) {
		t.Errorf("the other process, caught up: %v, want %v", o.zones, want)
	}
}

// Compacting a large list, whichever process does it: every process's
// sets survive, in memory and on disk, over many rounds.
func TestOwnedJournalTwoProcessesCompacting(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "owned.json")
	const zone = "example.com."
	mode := ownedMode{wholeBelow: 1, journalMax: 2000}
	seed, _ := mode.load(t, path)
	update(t, seed, zone, hostKeys(0, 100), nil)
	daemon, _ := mode.load(t, path)
	cli, _ := mode.load(t, path)
	want := maps.Clone(seed.zones[zone])
	for i := range 200 {
		o := daemon
		if i%3 == 0 {
			o = cli
		}
		add, remove := hostKeys(100+i, 1), hostKeys(i, 1)
		update(t, o, zone, add, remove)
		want[add[0]] = true
		delete(want, remove[0])
		if i%7 == 0 {
			if err := daemon.CatchUp(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if daemon.writes+cli.writes == 0 || daemon.appends+cli.appends == 0 {
		t.Errorf("whole writes %d, journal lines %d: the test wants both", daemon.writes+cli.writes, daemon.appends+cli.appends)
	}
	if got := ownedOnDisk(t, path); !maps.Equal(got[zone], want) {
		t.Errorf("on disk %d sets, want %d", len(got[zone]), len(want))
	}
	for _, o := range []*Owned{daemon, cli} {
		if err := o.CatchUp(); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(o.zones[zone], want) {
			t.Errorf("a process caught up holds %d sets, want %d", len(o.zones[zone]), len(want))
		}
	}
}

// BenchmarkOwnedUpdate1M: one change in a zone of a million owned sets,
// saved (a journal line, fsynced; a compaction's share now and then).
func BenchmarkOwnedUpdate1M(b *testing.B) {
	path := filepath.Join(b.TempDir(), "owned.json")
	const zone = "bench.test."
	o, _, err := LoadOwned(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := o.Update(zone, hostKeys(0, 1_000_000), nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := o.Update(zone, hostKeys(1_000_000+i, 1), hostKeys(i, 1)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
