package apply

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

func rkey(name string, typ uint16) rrset.Key { return rrset.Key{Name: name, Type: typ} }

// loadOwned loads the state file at path and fails the test on an error.
func loadOwned(t *testing.T, path string) (*Owned, bool) {
	t.Helper()
	o, found, err := LoadOwned(path)
	if err != nil {
		t.Fatalf("LoadOwned(%s): %v", path, err)
	}
	return o, found
}

// ownedMode is a way a save writes: the whole list every time (a small
// list), journal lines only (a large one), or journal lines with the whole
// list written again every few saves. Tests of saving run in each.
type ownedMode struct {
	name                   string
	wholeBelow, journalMax int64
}

var ownedModes = []ownedMode{
	{name: "whole"},
	{name: "journal", wholeBelow: 1, journalMax: 1 << 40},
	{name: "compacting", wholeBelow: 1, journalMax: 300},
}

// load is loadOwned, saving in mode m.
func (m ownedMode) load(t *testing.T, path string) (*Owned, bool) {
	t.Helper()
	o, found := loadOwned(t, path)
	o.wholeBelow, o.journalMax = m.wholeBelow, m.journalMax
	return o, found
}

func TestLoadOwnedMissing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "owned.json")
	o, found := loadOwned(t, path)
	if found {
		t.Error("found = true for a missing file")
	}
	if o.Has("example.com.", rkey("www.example.com.", dns.TypeA)) {
		t.Error("a missing file owns something")
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Errorf("loading created the state dir (stat: %v)", err)
	}
}

func TestOwnedRoundTrip(t *testing.T) {
	for _, m := range ownedModes {
		t.Run(m.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state", "owned.json") // the dir is created on the first save
			o, _ := m.load(t, path)
			if err := o.Update("example.com.", []rrset.Key{
				rkey("www.example.com.", dns.TypeA),
				rkey("www.example.com.", dns.TypeAAAA),
				rkey("_sip._tcp.example.com.", dns.TypeSRV),
				rkey("*.dev.example.com.", dns.TypeCNAME),
				rkey("old.example.com.", dns.TypeTXT),
			}, nil); err != nil {
				t.Fatal(err)
			}
			if err := o.Update("2.0.192.in-addr.arpa.", []rrset.Key{rkey("10.2.0.192.in-addr.arpa.", dns.TypePTR)}, nil); err != nil {
				t.Fatal(err)
			}
			// Removals and additions in one call; a removal of a key never owned is harmless.
			if err := o.Update("example.com.",
				[]rrset.Key{rkey("mail.example.com.", dns.TypeMX)},
				[]rrset.Key{rkey("old.example.com.", dns.TypeTXT), rkey("never.example.com.", dns.TypeA)},
			); err != nil {
				t.Fatal(err)
			}

			got, found := m.load(t, path)
			if !found {
				t.Fatal("found = false after Update")
			}
			if !reflect.DeepEqual(got.zones, o.zones) {
				t.Errorf("loaded %v, saved %v", got.zones, o.zones)
			}
			want := map[string]map[rrset.Key]bool{
				"example.com.": {
					rkey("www.example.com.", dns.TypeA):         true,
					rkey("www.example.com.", dns.TypeAAAA):      true,
					rkey("_sip._tcp.example.com.", dns.TypeSRV): true,
					rkey("*.dev.example.com.", dns.TypeCNAME):   true,
					rkey("mail.example.com.", dns.TypeMX):       true,
				},
				"2.0.192.in-addr.arpa.": {rkey("10.2.0.192.in-addr.arpa.", dns.TypePTR): true},
			}
			if !reflect.DeepEqual(got.zones, want) {
				t.Errorf("loaded %v, want %v", got.zones, want)
			}
		})
	}
}

func TestOwnedFileIsSortedJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "owned.json")
	o, _ := loadOwned(t, path)
	if err := o.Update("example.com.", []rrset.Key{
		rkey("www.example.com.", dns.TypeAAAA),
		rkey("b.example.com.", dns.TypeA),
		rkey("www.example.com.", dns.TypeA),
		rkey("a.example.com.", dns.TypeTXT),
	}, nil); err != nil {
		t.Fatal(err)
	}
	if err := o.Update("example.org.", []rrset.Key{rkey("x.example.org.", dns.TypeCNAME)}, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("not JSON:\n%s", b)
	}
	if !strings.HasSuffix(string(b), "}\n") {
		t.Errorf("file does not end in a newline:\n%s", b)
	}
	var f struct {
		Version int                 `json:"version"`
		Zones   map[string][]string `json:"zones"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	if f.Version != 1 {
		t.Errorf("version = %d, want 1", f.Version)
	}
	want := map[string][]string{
		"example.com.": {"a.example.com. TXT", "b.example.com. A", "www.example.com. A", "www.example.com. AAAA"},
		"example.org.": {"x.example.org. CNAME"},
	}
	if !reflect.DeepEqual(f.Zones, want) {
		t.Errorf("zones = %v, want %v", f.Zones, want)
	}
	// Saving the same content again gives the same bytes: a stable file for diffs.
	if err := o.Update("example.com.", nil, nil); err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(b) {
		t.Errorf("second save differs:\n%s\nfirst:\n%s", again, b)
	}
}

func TestLoadOwnedCanonical(t *testing.T) {
	// A file edited by a person: mixed case and names as written.
	path := filepath.Join(t.TempDir(), "owned.json")
	text := `{"version": 1, "zones": {"Example.COM.": ["WWW.Example.com. A", "mail.example.com. MX"]}}`
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	o, found := loadOwned(t, path)
	if !found {
		t.Fatal("found = false")
	}
	for _, k := range []rrset.Key{rkey("www.example.com.", dns.TypeA), rkey("mail.example.com.", dns.TypeMX)} {
		if !o.Has("example.com.", k) {
			t.Errorf("Has(example.com., %v) = false", k)
		}
	}
}

func TestLoadOwnedErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{name: "truncated JSON", text: `{"version": 1, "zones": {"example.com.": ["www.example.com. A"`, want: []string{"move it away"}},
		{name: "not JSON", text: "www.example.com. A\n", want: []string{"move it away"}},
		{name: "zones of the wrong shape", text: `{"version": 1, "zones": ["example.com."]}`, want: []string{"move it away"}},
		{name: "unknown type", text: `{"version": 1, "zones": {"example.com.": ["www.example.com. BOGUS"]}}`,
			want: []string{"entry 1", "name TYPE", "move it away"}},
		{name: "entry without a type", text: `{"version": 1, "zones": {"example.com.": ["www.example.com."]}}`,
			want: []string{"entry 1", "name TYPE", "move it away"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "owned.json")
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			o, found, err := LoadOwned(path)
			if err == nil {
				t.Fatalf("LoadOwned = %v, %v, nil; want an error", o, found)
			}
			if o != nil || found {
				t.Errorf("LoadOwned returned %v, found=%v beside the error", o, found)
			}
			for _, w := range append([]string{path}, tt.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			// Where the file is wrong, never what it says.
			if strings.Contains(err.Error(), "www.example.com") || strings.Contains(err.Error(), "BOGUS") {
				t.Errorf("error %q quotes the file", err)
			}
		})
	}
}

func TestLoadOwnedUnreadable(t *testing.T) {
	// A directory where the file should be: not "missing", so not empty.
	path := filepath.Join(t.TempDir(), "owned.json")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOwned(path); err == nil {
		t.Fatal("LoadOwned of a directory: no error")
	}
}

func TestOwnedHasPerZone(t *testing.T) {
	o, _ := loadOwned(t, filepath.Join(t.TempDir(), "owned.json"))
	www := rkey("www.example.com.", dns.TypeA)
	if err := o.Update("example.com.", []rrset.Key{www}, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		zone string
		key  rrset.Key
		want bool
	}{
		{"example.com.", www, true},
		{"example.com.", rkey("www.example.com.", dns.TypeAAAA), false},
		{"example.com.", rkey("web.example.com.", dns.TypeA), false},
		{"example.org.", www, false},
		{"sub.example.com.", www, false},
	}
	for _, tt := range tests {
		if got := o.Has(tt.zone, tt.key); got != tt.want {
			t.Errorf("Has(%s, %v) = %v, want %v", tt.zone, tt.key, got, tt.want)
		}
	}
	// Managed is Has, per zone.
	b := &RFC2136{owned: o}
	if !b.Managed("example.com.")(www) || b.Managed("example.org.")(www) {
		t.Error("Managed does not follow Has per zone")
	}
	if b.Base("example.com.") != nil {
		t.Error("Base is not empty: the server's SOA and NS are not dnssync's")
	}
}

func TestOwnedWriteIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "owned.json")
	o, _ := loadOwned(t, path)
	for i := range 20 {
		k := rkey(fmt.Sprintf("host-%02d.example.com.", i), dns.TypeA)
		if err := o.Update("example.com.", []rrset.Key{k}, nil); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{ownedLockName, "owned.json"}) {
		t.Errorf("state dir holds %v, want only owned.json and its lock", names)
	}
}

func TestOwnedUpdateError(t *testing.T) {
	// The state dir cannot be created: a file is in the way.
	root := t.TempDir()
	path := filepath.Join(root, "state", "owned.json")
	o, _ := loadOwned(t, path)
	if err := os.WriteFile(filepath.Join(root, "state"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := o.Update("example.com.", []rrset.Key{rkey("www.example.com.", dns.TypeA)}, nil); err == nil {
		t.Fatal("Update with an impossible state dir: no error")
	}
}

func TestOwnedConcurrent(t *testing.T) {
	for _, m := range ownedModes {
		t.Run(m.name, func(t *testing.T) {
			// Has is called by the diff while an apply may update: run with -race.
			o, _ := m.load(t, filepath.Join(t.TempDir(), "owned.json"))
			var wg sync.WaitGroup
			for i := range 4 {
				wg.Go(func() {
					k := rkey(fmt.Sprintf("w%d.example.com.", i), dns.TypeA)
					for range 10 {
						if err := o.Update("example.com.", []rrset.Key{k}, nil); err != nil {
							t.Error(err)
							return
						}
					}
				})
				wg.Go(func() {
					for range 100 {
						o.Has("example.com.", rkey("w0.example.com.", dns.TypeA))
					}
				})
			}
			wg.Wait()
			for i := range 4 {
				if k := rkey(fmt.Sprintf("w%d.example.com.", i), dns.TypeA); !o.Has("example.com.", k) {
					t.Errorf("%v lost", k)
				}
			}
		})
	}
}

// ownedOnDisk is the state file's content, as a fresh process loads it.
func ownedOnDisk(t *testing.T, path string) map[string]map[rrset.Key]bool {
	t.Helper()
	o, found := loadOwned(t, path)
	if !found {
		t.Fatalf("%s missing", path)
	}
	return o.zones
}

// Two processes (the daemon, and `dnssync apply --force` beside it) each
// hold a copy of the ownership state. Interleaved, each save writes its own
// changes into what the other saved: a set one created is never dropped by
// the other (it would be foreign from then on, and stay forever), and a set
// one deleted never comes back as owned.
func TestOwnedAcrossProcesses(t *testing.T) {
	t.Parallel()
	for _, m := range ownedModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "owned.json")
			const zone, other = "example.com.", "example.org."
			var (
				old  = rkey("old.example.com.", dns.TypeA)
				keep = rkey("keep.example.com.", dns.TypeA)
				w    = rkey("w.example.com.", dns.TypeA)
				y    = rkey("y.example.com.", dns.TypeA)
				z    = rkey("z.example.org.", dns.TypeTXT)
				gone = rkey("gone.example.org.", dns.TypeA)
			)
			seed, _ := m.load(t, path)
			update := func(o *Owned, zone string, add, remove []rrset.Key) {
				t.Helper()
				if err := o.Update(zone, add, remove); err != nil {
					t.Fatalf("Update(%s, %v, %v): %v", zone, add, remove, err)
				}
			}
			update(seed, zone, []rrset.Key{old, keep}, nil)
			update(seed, other, []rrset.Key{gone}, nil)

			daemon, _ := m.load(t, path)
			cli, _ := m.load(t, path)
			update(daemon, zone, []rrset.Key{w}, []rrset.Key{old}) // same zone for both
			update(cli, zone, []rrset.Key{y}, nil)
			update(cli, other, []rrset.Key{z}, []rrset.Key{gone}) // a zone only the CLI changes
			update(daemon, zone, nil, []rrset.Key{keep})

			want := map[string]map[rrset.Key]bool{
				zone:  {w: true, y: true},
				other: {z: true},
			}
			if got := ownedOnDisk(t, path); !reflect.DeepEqual(got, want) {
				t.Errorf("on disk %v, want %v: both processes' additions, and their removals honoured", got, want)
			}
			// The process that saved last took the merged state: it owns what the
			// other created, and no longer what the other deleted.
			if !daemon.Has(zone, y) || !daemon.Has(other, z) || daemon.Has(other, gone) {
				t.Errorf("the daemon's view after its save: %v, want %v", daemon.zones, want)
			}
			// The other adopts it on its next save, without undoing anything.
			update(cli, other, nil, nil)
			if !reflect.DeepEqual(cli.zones, want) {
				t.Errorf("the CLI's view after its save: %v, want %v", cli.zones, want)
			}
			if got := ownedOnDisk(t, path); !reflect.DeepEqual(got, want) {
				t.Errorf("on disk after an empty update %v, want %v", got, want)
			}
			// A set one process deleted and the other then created again is owned.
			update(daemon, zone, nil, []rrset.Key{y})
			update(cli, zone, []rrset.Key{y}, nil)
			if got := ownedOnDisk(t, path); !got[zone][y] {
				t.Errorf("on disk %v: %v, deleted then created again, is not owned", got, y)
			}
		})
	}
}

// Many processes updating at once, in one zone they share and in one of
// their own, each adding keys and removing some of its own again: the file
// ends with exactly the union of what they left owned.
func TestOwnedConcurrentProcesses(t *testing.T) {
	t.Parallel()
	for _, m := range ownedModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "owned.json")
			const procs, each = 4, 20
			var wg sync.WaitGroup
			for p := range procs {
				o, _ := m.load(t, path)
				wg.Go(func() {
					own := fmt.Sprintf("p%d.example.", p)
					for i := range each {
						k := rkey(fmt.Sprintf("p%d-%d.example.com.", p, i), dns.TypeA)
						var remove []rrset.Key
						if i%2 == 1 { // the one before is deleted again
							remove = []rrset.Key{rkey(fmt.Sprintf("p%d-%d.example.com.", p, i-1), dns.TypeA)}
						}
						if err := o.Update("example.com.", []rrset.Key{k}, remove); err != nil {
							t.Error(err)
							return
						}
						if err := o.Update(own, []rrset.Key{rkey(fmt.Sprintf("h%d.%s", i, own), dns.TypeAAAA)}, nil); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			want := map[string]map[rrset.Key]bool{"example.com.": {}}
			for p := range procs {
				own := fmt.Sprintf("p%d.example.", p)
				want[own] = map[rrset.Key]bool{}
				for i := range each {
					want[own][rkey(fmt.Sprintf("h%d.%s", i, own), dns.TypeAAAA)] = true
					if i%2 == 1 {
						want["example.com."][rkey(fmt.Sprintf("p%d-%d.example.com.", p, i), dns.TypeA)] = true
					}
				}
			}
			if got := ownedOnDisk(t, path); !reflect.DeepEqual(got, want) {
				t.Errorf("on disk %v,\nwant %v", got, want)
			}
		})
	}
}

// A change whose save failed is not lost: the next save writes it, merged
// with what is on disk then.
func TestOwnedFailedSaveKeptForNext(t *testing.T) {
	t.Parallel()
	for _, m := range ownedModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			path := filepath.Join(root, "state", "owned.json")
			o, _ := m.load(t, path)
			blocker := filepath.Join(root, "state")
			if err := os.WriteFile(blocker, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			a, b, c := rkey("a.example.com.", dns.TypeA), rkey("b.example.com.", dns.TypeA), rkey("c.example.com.", dns.TypeA)
			if err := o.Update("example.com.", []rrset.Key{a, b}, nil); err == nil {
				t.Fatal("Update with an impossible state dir: no error")
			}
			if !o.Has("example.com.", a) {
				t.Error("a change not saved is not owned in memory: the next pass would not finish it")
			}
			if err := os.Remove(blocker); err != nil {
				t.Fatal(err)
			}
			if err := o.Update("example.com.", []rrset.Key{c}, []rrset.Key{b}); err != nil {
				t.Fatal(err)
			}
			want := map[string]map[rrset.Key]bool{"example.com.": {a: true, c: true}}
			if got := ownedOnDisk(t, path); !reflect.DeepEqual(got, want) {
				t.Errorf("on disk %v, want %v", got, want)
			}
		})
	}
}

// A process that has not saved since another one did still learns what
// the other now owns: `dnssync apply --force` creates a set, records.d then
// drops it, and the daemon must take it for its own to delete it, not wait
// for its own next save.
func TestOwnedCatchUp(t *testing.T) {
	t.Parallel()
	for _, m := range ownedModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "owned.json")
			const zone = "example.com."
			x := rkey("x.example.com.", dns.TypeA)
			daemon, _ := m.load(t, path)
			cli, _ := m.load(t, path)
			if err := cli.Update(zone, []rrset.Key{x}, nil); err != nil {
				t.Fatal(err)
			}
			if err := daemon.CatchUp(); err != nil {
				t.Fatal(err)
			}
			if !daemon.Has(zone, x) {
				t.Errorf("after catching up the daemon does not own %v, which the CLI created and saved", x)
			}
			// And a set the other deleted is no longer owned.
			if err := cli.Update(zone, nil, []rrset.Key{x}); err != nil {
				t.Fatal(err)
			}
			if err := daemon.CatchUp(); err != nil {
				t.Fatal(err)
			}
			if daemon.Has(zone, x) {
				t.Errorf("after catching up the daemon still owns %v, which the CLI deleted", x)
			}
		})
	}
}

// Catching up keeps this process's changes not yet saved (a save that
// failed) on top of what the file says.
func TestOwnedCatchUpKeepsPending(t *testing.T) {
	t.Parallel()
	for _, m := range ownedModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "owned.json")
			const zone = "example.com."
			x, y, z := rkey("x.example.com.", dns.TypeA), rkey("y.example.com.", dns.TypeA), rkey("z.example.com.", dns.TypeA)
			daemon, _ := m.load(t, path)
			cli, _ := m.load(t, path)
			if err := daemon.Update(zone, []rrset.Key{z}, nil); err != nil {
				t.Fatal(err)
			}
			// The lock cannot be taken: the daemon's next change stays pending.
			lock := filepath.Join(dir, ownedLockName)
			if err := os.Remove(lock); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(lock, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := daemon.Update(zone, []rrset.Key{y}, []rrset.Key{z}); err == nil {
				t.Fatal("Update without a lock: no error")
			}
			if err := os.Remove(lock); err != nil {
				t.Fatal(err)
			}
			if err := cli.Update(zone, []rrset.Key{x}, nil); err != nil {
				t.Fatal(err)
			}
			if err := daemon.CatchUp(); err != nil {
				t.Fatal(err)
			}
			want := map[string]map[rrset.Key]bool{zone: {x: true, y: true}}
			if !reflect.DeepEqual(daemon.zones, want) {
				t.Errorf("after catching up the daemon owns %v, want %v: the CLI's save and its own pending change", daemon.zones, want)
			}
			if got := ownedOnDisk(t, path); !reflect.DeepEqual(got, map[string]map[rrset.Key]bool{zone: {x: true, z: true}}) {
				t.Errorf("catching up wrote the file: %v", got)
			}
			if err := daemon.Update(zone, nil, nil); err != nil {
				t.Fatal(err)
			}
			if got := ownedOnDisk(t, path); !reflect.DeepEqual(got, want) {
				t.Errorf("on disk after the daemon's next save %v, want %v", got, want)
			}
		})
	}
}

// A file that turned bad since it was read: the copy in memory stays, and
// the error names the file but quotes nothing of it.
func TestOwnedCatchUpCorrupt(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "owned.json")
	const zone = "example.com."
	x, y := rkey("x.example.com.", dns.TypeA), rkey("y.example.com.", dns.TypeA)
	o, _ := loadOwned(t, path)
	if err := o.Update(zone, []rrset.Key{x}, nil); err != nil {
		t.Fatal(err)
	}
	const secret = "s3cr3t-token"
	for _, text := range []string{
		secret + "\n",
		`{"version": 1, "zones": {"example.com.": ["` + secret + `"]}}`,
		`{"version": 1, "zones": {"example.com.": ["x.example.com. ` + secret + `"]}}`,
		`{"version": 1, "zones": {"example.com.": [` + secret + `]}}`,
	} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		err := o.CatchUp()
		if err == nil {
			t.Fatalf("CatchUp of a corrupt file: no error")
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "s3") || !strings.Contains(err.Error(), path) {
			t.Errorf("error %q quotes the file or does not name it", err)
		}
		if !o.Has(zone, x) {
			t.Error("a corrupt file dropped what this process knew it owns")
		}
	}
	other, _, err := LoadOwned(path)
	if err == nil || other != nil {
		t.Fatalf("LoadOwned of a corrupt file = %v, %v", other, err)
	}
	// Fixed again: taken in.
	if err := os.WriteFile(path, []byte(`{"version": 1, "zones": {"example.com.": ["y.example.com. A"]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := o.CatchUp(); err != nil {
		t.Fatal(err)
	}
	if o.Has(zone, x) || !o.Has(zone, y) {
		t.Errorf("after the file was fixed: %v", o.zones)
	}
}
