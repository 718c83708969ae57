package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

func TestSerialsStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "sub", SerialsFile) // dirs created on the first write
	s, err := LoadSerials(path)
	if err != nil {
		t.Fatalf("missing state file: %v", err)
	}
	if got := s.Last("example.com."); got != 0 {
		t.Errorf("Last with no state = %d, want 0", got)
	}
	if err := s.Record("Example.COM", 2026041501, s.Last("Example.COM")); err != nil {
		t.Fatal(err)
	}
	if err := s.Record("example.org.", 7, s.Last("example.org.")); err != nil {
		t.Fatal(err)
	}
	if err := s.Record("example.org.", 8, s.Last("example.org.")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Version int
		Zones   map[string]uint32
	}
	if err := json.Unmarshal(b, &f); err != nil || f.Version != 1 || len(f.Zones) != 2 || f.Zones["example.com."] != 2026041501 || f.Zones["example.org."] != 8 {
		t.Errorf("state file = %s (%v), want version 1 with both zones' last serials", b, err)
	}
	again, err := LoadSerials(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Last("example.com"); got != 2026041501 {
		t.Errorf("after reload Last(example.com) = %d, want 2026041501", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if e.Name() != SerialsFile && e.Name() != serialsLockName {
			t.Errorf("state dir holds %s, want only %s and its lock", e.Name(), SerialsFile)
		}
	}
}

// Two processes (the daemon, and `dnssync apply --force` beside it) each
// hold a copy of the state: recording in interleaved order, neither writes
// back an older serial over the other's, for another zone or for the same.
func TestSerialsAcrossProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), SerialsFile)
	daemon, err := LoadSerials(path)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := LoadSerials(path)
	if err != nil {
		t.Fatal(err)
	}
	onDisk := func() map[string]uint32 {
		t.Helper()
		again, err := LoadSerials(path)
		if err != nil {
			t.Fatal(err)
		}
		return again.last
	}
	record := func(s *Serials, zone string, serial uint32) {
		t.Helper()
		if err := s.Record(zone, serial, s.Last(zone)); err != nil {
			t.Fatalf("Record(%s, %d): %v", zone, serial, err)
		}
	}
	record(daemon, "a.example.", 10)
	record(cli, "b.example.", 20)
	record(daemon, "a.example.", 11)
	record(cli, "b.example.", 21)
	if got := onDisk(); got["a.example."] != 11 || got["b.example."] != 21 {
		t.Fatalf("after interleaved records of two zones: %v, want a 11 and b 21", got)
	}
	// The same zone: the CLI applied it (serial 30); the daemon, which
	// still knows 11, must not record an older one over it.
	record(cli, "a.example.", 30)
	if err := daemon.Record("a.example.", 12, daemon.Last("a.example.")); err == nil || !strings.Contains(err.Error(), "30") {
		t.Errorf("recording an older serial over another process's: %v, want an error naming 30", err)
	}
	if got := onDisk(); got["a.example."] != 30 {
		t.Fatalf("a.example. on disk = %d, want 30 kept", got["a.example."])
	}
	if got := daemon.Last("a.example."); got != 30 {
		t.Errorf("the daemon's Last after the refusal = %d, want 30 (its next serial starts there)", got)
	}
	record(daemon, "a.example.", 31)
	// Both chose the same serial (the day's first, or served+1): the second
	// must not write another zone file under the one the first wrote.
	if err := cli.Record("a.example.", 31, cli.Last("a.example.")); err == nil {
		t.Errorf("recording the serial another process recorded: no error")
	}
	// A retry of this process's own serial is fine.
	record(daemon, "a.example.", 31)
	// Past the top of the serial space, newer is RFC 1982's: 5 follows
	// 4294967290.
	record(cli, "c.example.", 4294967290)
	record(daemon, "c.example.", 5)
	if got := onDisk(); got["a.example."] != 31 || got["b.example."] != 21 || got["c.example."] != 5 {
		t.Errorf("state = %v, want a 31, b 21, c 5", got)
	}
	// A process replaces its own serial with whatever NextSerial chose,
	// even one not newer (the known serials were too far apart).
	record(daemon, "c.example.", 5+1<<31+7)
	if got := onDisk(); got["c.example."] != 5+1<<31+7 {
		t.Errorf("c.example. = %d, want %d", got["c.example."], uint32(5+1<<31+7))
	}
}

// Many processes applying one zone at once, each taking the serial after
// the last it knows (as NextSerial does), and each a zone of its own: the
// file ends with the newest serial any of them recorded, and no process
// writes back an older copy of another's zone.
func TestSerialsConcurrentProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), SerialsFile)
	const procs, each = 4, 25
	var wg sync.WaitGroup
	newest := make([]uint32, procs)
	for p := range procs {
		s, err := LoadSerials(path)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				base := s.Last("example.com.")
				serial := after(base)
				if err := s.Record("example.com.", serial, base); err == nil {
					newest[p] = max(newest[p], serial)
				} // else another recorded a newer one: the next round starts there
				own := fmt.Sprintf("p%d.example.", p)
				if err := s.Record(own, uint32(1+i), s.Last(own)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	got, err := LoadSerials(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := slices.Max(newest); got.Last("example.com.") != want {
		t.Errorf("example.com. = %d, want %d, the newest recorded", got.Last("example.com."), want)
	}
	for p := range procs {
		if v := got.Last(fmt.Sprintf("p%d.example.", p)); v != each {
			t.Errorf("p%d.example. = %d, want %d: a process wrote back an older copy", p, v, each)
		}
	}
}

func TestSerialsStateFileErrors(t *testing.T) {
	t.Run("corrupt file is an error, without its content", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), SerialsFile)
		secret := "s3cr3t-token-value"
		if err := os.WriteFile(path, []byte(secret+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadSerials(path)
		if err == nil {
			t.Fatal("LoadSerials of a corrupt file succeeded")
		}
		if !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), secret) {
			t.Errorf("error %q: want the path, never the content", err)
		}
	})
	t.Run("unwritable state fails the apply before the zone file", func(t *testing.T) {
		b, _ := newZoneFile(t)
		blocker := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(blocker, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		b.serials = &Serials{path: filepath.Join(blocker, SerialsFile), last: map[string]uint32{}} // a dir below a file
		served := &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}
		p := diff.Compute(diff.Input{Zone: "example.com.", Desired: desiredZone(t, b), Observed: served.Sets})
		if _, err := b.Apply(context.Background(), served, p); err == nil || !strings.Contains(err.Error(), "record serial") {
			t.Fatalf("Apply = %v, want a serial state error", err)
		}
		if _, err := os.Stat(b.Path("example.com.")); !os.IsNotExist(err) {
			t.Errorf("zone file written although its serial could not be recorded (stat: %v)", err)
		}
		if got := b.serials.Last("example.com."); got != 0 {
			t.Errorf("Last = %d after a failed record, want 0", got)
		}
	})
}

// TestZoneFileSerialSurvivesLostZoneFile is issue 9's failure 9: the serial
// climbed, then the zone file was lost and CoreDNS stopped serving the
// zone; a new process (restart) must still write a newer serial.
func TestZoneFileSerialSurvivesLostZoneFile(t *testing.T) {
	b, _ := newZoneFile(t)
	b.now = func() time.Time { return time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC) }
	served := &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}
	want := desiredZone(t, b)
	var top uint32
	for i := 0; i < 5; i++ { // several changes: the serial climbs past the clock's
		want.Put(mustRR(t, "n"+string(rune('a'+i))+".example.com. 300 IN A 192.0.2.9"))
		p := diff.Compute(diff.Input{Zone: "example.com.", Desired: want, Observed: served.Sets})
		res, err := b.Apply(context.Background(), served, p)
		if err != nil {
			t.Fatal(err)
		}
		if res.Serial <= top {
			t.Fatalf("change %d: serial %d, not above %d", i, res.Serial, top)
		}
		top = res.Serial
		served = &observed.Zone{Name: "example.com.", Serial: res.Serial, Sets: p.Apply(served.Sets)}
	}
	if top != 2026113004 {
		t.Fatalf("serial after 5 changes = %d, want 2026113004", top)
	}
	if err := os.Remove(b.Path("example.com.")); err != nil {
		t.Fatal(err)
	}
	// A new process: the state is read again from its file.
	restarted, err := LoadSerials(b.serials.Path())
	if err != nil {
		t.Fatal(err)
	}
	b2 := &ZoneFile{dir: b.dir, zones: b.zones, serials: restarted, now: b.now, log: b.log}
	empty := &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}} // CoreDNS dropped the zone
	p := diff.Compute(diff.Input{Zone: "example.com.", Desired: want, Observed: empty.Sets})
	res, err := b2.Apply(context.Background(), empty, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Serial != top+1 {
		t.Errorf("serial after the zone file was lost = %d, want %d (above every served one)", res.Serial, top+1)
	}
}

func TestZoneFileRemovesStaleTemps(t *testing.T) {
	b, _ := newZoneFile(t)
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(b.dir, ".dnssync-123.tmp") // a killed writer's
	fresh := filepath.Join(b.dir, ".dnssync-456.tmp") // maybe a write under way
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	served := &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}
	p := diff.Compute(diff.Input{Zone: "example.com.", Desired: desiredZone(t, b), Observed: served.Sets})
	if _, err := b.Apply(context.Background(), served, p); err != nil {
		t.Fatal(err)
	}
	checkOnly(t, b.dir, ".dnssync-456.tmp", "db.example.com")
}

// A dnssync killed mid-write and restarted seconds later (RestartSec=2s)
// finds its temporary file too young to be taken for a leftover; a later
// apply, once the file is a minute old, removes it. Once a look finds no
// temporary file left, applies stop looking.
func TestZoneFileRemovesTempsOfAQuickRestart(t *testing.T) {
	b, _ := newZoneFile(t)
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(b.dir, ".dnssync-789.tmp")
	if err := os.WriteFile(left, []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	young := time.Now().Add(-2 * time.Second)
	if err := os.Chtimes(left, young, young); err != nil {
		t.Fatal(err)
	}
	served := &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}
	want := desiredZone(t, b)
	apply := func(name string) {
		t.Helper()
		want.Put(mustRR(t, name+".example.com. 300 IN A 192.0.2.9"))
		p := diff.Compute(diff.Input{Zone: "example.com.", Desired: want, Observed: served.Sets})
		res, err := b.Apply(context.Background(), served, p)
		if err != nil {
			t.Fatal(err)
		}
		served = &observed.Zone{Name: "example.com.", Serial: res.Serial, Sets: p.Apply(served.Sets)}
	}
	apply("a")
	checkOnly(t, b.dir, ".dnssync-789.tmp", "db.example.com") // maybe a write under way
	// A minute later: the file is old, and the next look is due.
	old := time.Now().Add(-2 * staleTempAge)
	if err := os.Chtimes(left, old, old); err != nil {
		t.Fatal(err)
	}
	b.tempsSwept = b.tempsSwept.Add(-staleTempAge)
	apply("b")
	checkOnly(t, b.dir, "db.example.com")
	if !b.tempsClean {
		t.Error("applies go on looking for temporary files after none was left")
	}
}

func TestZoneFileCheck(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, b *ZoneFile)
		want  string // "" for success
	}{
		{name: "dir created", setup: func(t *testing.T, b *ZoneFile) {}},
		{
			name: "existing zone file",
			setup: func(t *testing.T, b *ZoneFile) {
				if err := os.MkdirAll(b.dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(b.Path("example.com."), []byte("zone"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "zone_dir cannot be created",
			setup: func(t *testing.T, b *ZoneFile) {
				blocker := filepath.Join(t.TempDir(), "file")
				if err := os.WriteFile(blocker, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				b.dir = filepath.Join(blocker, "zones")
			},
			want: "backend.zone_dir",
		},
		{
			name: "zone_dir is not writable",
			setup: func(t *testing.T, b *ZoneFile) {
				if os.Geteuid() == 0 {
					t.Skip("root writes into a mode 0555 dir; e2e TestFaultZoneDirCheckConfig covers a read-only mount")
				}
				if err := os.MkdirAll(b.dir, 0o555); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.Chmod(b.dir, 0o755) })
			},
			want: "permission denied",
		},
		{
			name: "state_dir cannot be created",
			setup: func(t *testing.T, b *ZoneFile) {
				blocker := filepath.Join(t.TempDir(), "file")
				if err := os.WriteFile(blocker, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				b.serials = &Serials{path: filepath.Join(blocker, "state", SerialsFile), last: map[string]uint32{}}
			},
			want: "backend.state_dir",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := newZoneFile(t)
			tt.setup(t, b)
			err := b.Check()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				entries, _ := os.ReadDir(b.dir)
				for _, e := range entries {
					if atomicfile.IsTemp(e.Name()) {
						t.Errorf("Check left %s in %s", e.Name(), b.dir)
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// TestZoneFileFailedWritesKeepTheSerial: while the zone file cannot be
// written, retries do not climb the serial one step per attempt: nothing
// ever carried the recorded one. The write that finally succeeds uses it.
func TestZoneFileFailedWritesKeepTheSerial(t *testing.T) {
	b, _ := newZoneFile(t)
	served := &observed.Zone{Name: "example.com.", Serial: 2026041507, Sets: rrset.Zone{}}
	p := diff.Compute(diff.Input{Zone: "example.com.", Desired: desiredZone(t, b), Observed: served.Sets})
	// A non-empty directory where the zone file goes: rename fails.
	blocker := filepath.Join(b.Path("example.com."), "x")
	if err := os.MkdirAll(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := b.Apply(context.Background(), served, p); err == nil {
			t.Fatal("Apply succeeded onto a directory")
		}
		if got := b.serials.Last("example.com."); got != 2026041508 {
			t.Fatalf("attempt %d: recorded serial %d, want 2026041508", i, got)
		}
	}
	if err := os.RemoveAll(b.Path("example.com.")); err != nil {
		t.Fatal(err)
	}
	res, err := b.Apply(context.Background(), served, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Serial != 2026041508 {
		t.Errorf("serial after recovery = %d, want 2026041508", res.Serial)
	}
	// Once a file carried it, the next change takes the next serial.
	served = &observed.Zone{Name: "example.com.", Serial: res.Serial, Sets: p.Apply(served.Sets)}
	want := p.Apply(served.Sets)
	want.Put(mustRR(t, "new.example.com. 300 IN A 192.0.2.7"))
	p2 := diff.Compute(diff.Input{Zone: "example.com.", Desired: want, Observed: served.Sets})
	if res, err := b.Apply(context.Background(), served, p2); err != nil || res.Serial != 2026041509 {
		t.Errorf("next change: serial %d (err %v), want 2026041509", res.Serial, err)
	}
}

// check-config with the rfc2136 backend proves state_dir takes owned.json's
// atomic writes, as it does for the zonefile backend's serials.
func TestRFC2136Check(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "state")
	b := &RFC2136{owned: &Owned{path: filepath.Join(state, "owned.json")}}
	if err := b.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if entries, err := os.ReadDir(state); err != nil || len(entries) != 0 {
		t.Errorf("state dir after Check: %v, %v; want it created and empty", entries, err)
	}
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	b.owned.path = filepath.Join(blocker, "state", "owned.json")
	if err := b.Check(); err == nil || !strings.Contains(err.Error(), "backend.state_dir") {
		t.Errorf("Check with state_dir below a file: %v, want a backend.state_dir error", err)
	}
}

// Zones written in parallel record their serials together: the Records
// that arrive while the file is being written are written in one batch,
// and a file no other process replaced is not read again. Without it a
// pass writing 10,000 zones read, merged and wrote a file of 10,000 zones
// once per zone (quadratic: the cold start never finished).
func TestSerialsGroupCommit(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), SerialsFile)
	s, err := LoadSerials(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Record("first.example.", 1, s.Last("first.example.")); err != nil {
		t.Fatal(err)
	}
	// A write under way: the Records arriving meanwhile wait for it.
	s.commit.Lock()
	const n = 50
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- s.Record(fmt.Sprintf("z%02d.example.", i), uint32(100+i), 0) }()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		joined := 0
		if s.pending != nil {
			joined = len(s.pending.zones)
		}
		s.mu.Unlock()
		if joined == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d Records joined the next batch", joined, n)
		}
		runtime.Gosched()
	}
	reads, writes := s.reads, s.writes
	s.commit.Unlock()
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	s.commit.Lock()
	dr, dw := s.reads-reads, s.writes-writes
	s.commit.Unlock()
	if dw != 1 || dr != 0 {
		t.Errorf("%d Records made %d writes and %d reads of the file, want 1 write and no read (no other process wrote it)", n, dw, dr)
	}
	again, err := LoadSerials(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if z := fmt.Sprintf("z%02d.example.", i); again.Last(z) != uint32(100+i) || s.Last(z) != uint32(100+i) {
			t.Errorf("%s: on disk %d, in memory %d, want %d", z, again.Last(z), s.Last(z), 100+i)
		}
	}
	// Another process's write is seen: the file is read again.
	other, err := LoadSerials(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Record("other.example.", 7, other.Last("other.example.")); err != nil {
		t.Fatal(err)
	}
	if err := s.Record("first.example.", 2, s.Last("first.example.")); err != nil {
		t.Fatal(err)
	}
	if s.Last("other.example.") != 7 {
		t.Errorf("after another process recorded other.example. 7, Last = %d", s.Last("other.example."))
	}
}

// serials.json is written without reflection (marshalSerials) in the
// shape encoding/json writes it: the same bytes for no zone, one, and
// many with names JSON must escape.
func TestMarshalSerialsIsIndentedJSON(t *testing.T) {
	for _, zones := range []map[string]uint32{
		{},
		{"example.com.": 2026041500},
		{"b.example.": 1, "a.example.": 4294967295, `we\"ird\\.example.`: 7, "<tag>&.example.": 0, "z\u00e9.example.": 9},
	} {
		want, err := json.MarshalIndent(serialsFile{Version: 1, Zones: zones}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, '\n')
		if got := marshalSerials(zones); string(got) != string(want) {
			t.Errorf("marshalSerials(%v) =\n%s\nwant\n%s", zones, got, want)
		}
	}
}

// A Record among 10,000 zones costs its batch and one pass over the
// file's text: the zones are not copied, sorted or quoted again (that was
// a quarter of a change's CPU at 10,000 zones). Counted in allocations:
// quoting each name took one at least.
func TestSerialsRecordDoesNotRedoEveryZone(t *testing.T) {
	path := filepath.Join(t.TempDir(), SerialsFile)
	zones := map[string]uint32{}
	for i := range 10000 {
		zones[fmt.Sprintf("zone-%05d.example.", i)] = 2026041500
	}
	if err := os.WriteFile(path, marshalSerials(zones), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSerials(path)
	if err != nil {
		t.Fatal(err)
	}
	serial := uint32(2026041500)
	record := func() {
		serial++
		if err := s.Record("zone-00042.example.", serial, s.Last("zone-00042.example.")); err != nil {
			t.Fatal(err)
		}
	}
	record() // the first reads the file: this process has not seen it yet
	if allocs := testing.AllocsPerRun(5, record); allocs > 500 {
		t.Errorf("a Record among 10,000 zones made %.0f allocations, want at most 500", allocs)
	}
	zones["zone-00042.example."] = serial
	if b, err := os.ReadFile(path); err != nil || string(b) != string(marshalSerials(zones)) {
		t.Errorf("serials.json is not every zone's last serial (read error %v)", err)
	}
}

// A state file removed under a running process is written again whole at
// its next Record: what the process knows is not lost with it.
func TestSerialsFileRemovedIsWrittenWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), SerialsFile)
	s, err := LoadSerials(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Record("a.example.", 5, s.Last("a.example.")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := s.Record("b.example.", 9, s.Last("b.example.")); err != nil {
		t.Fatal(err)
	}
	again, err := LoadSerials(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.Last("a.example.") != 5 || again.Last("b.example.") != 9 {
		t.Errorf("after the file was removed: a %d, b %d on disk; want 5 and 9", again.Last("a.example."), again.Last("b.example."))
	}
	// The same serial again, with the file removed: still written.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := s.Record("b.example.", 9, s.Last("b.example.")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("a Record after the file was removed did not write it: %v", err)
	}
}

// A serial another process recorded since this one chose its own is
// refused also when this process already read it, writing another zone's
// serial (found by review: the file was compared only with what the
// process knew at its own write, which by then held the other's serial).
// Two zone files would carry one serial, and the second never loads.
func TestSerialsRefusesWhatAnotherRecordedSinceChosen(t *testing.T) {
	path := filepath.Join(t.TempDir(), SerialsFile)
	daemon, err := LoadSerials(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := daemon.Record("a.example.", 10, 0); err != nil {
		t.Fatal(err)
	}
	base := daemon.Last("a.example.") // the daemon chooses 11, above it
	cli, err := LoadSerials(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.Record("a.example.", 11, cli.Last("a.example.")); err != nil {
		t.Fatal(err)
	}
	if err := daemon.Record("b.example.", 5, 0); err != nil { // reads cli's 11
		t.Fatal(err)
	}
	if err := daemon.Record("a.example.", 11, base); err == nil {
		t.Error("the daemon recorded serial 11 for a.example., which the CLI recorded since the daemon chose it: want a refusal")
	}
	if err := daemon.Record("a.example.", 12, daemon.Last("a.example.")); err != nil {
		t.Errorf("the retry above the CLI's serial: %v", err)
	}
}
