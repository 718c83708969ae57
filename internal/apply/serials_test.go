package apply

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
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
	if err := s.Record("Example.COM", 2026041501); err != nil {
		t.Fatal(err)
	}
	if err := s.Record("example.org.", 7); err != nil {
		t.Fatal(err)
	}
	if err := s.Record("example.org.", 8); err != nil {
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
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("state dir holds %d entries, want only %s", len(entries), SerialsFile)
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
		b.Serials = &Serials{path: filepath.Join(blocker, SerialsFile), last: map[string]uint32{}} // a dir below a file
		served := &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}
		p := diff.Compute(diff.Input{Zone: "example.com.", Desired: desiredZone(t, b), Observed: served.Sets})
		if _, err := b.Apply(context.Background(), served, p); err == nil || !strings.Contains(err.Error(), "record serial") {
			t.Fatalf("Apply = %v, want a serial state error", err)
		}
		if _, err := os.Stat(b.Path("example.com.")); !os.IsNotExist(err) {
			t.Errorf("zone file written although its serial could not be recorded (stat: %v)", err)
		}
		if got := b.Serials.Last("example.com."); got != 0 {
			t.Errorf("Last = %d after a failed record, want 0", got)
		}
	})
}

// TestZoneFileSerialSurvivesLostZoneFile is issue 9's failure 9: the serial
// climbed, then the zone file was lost and CoreDNS stopped serving the
// zone; a new process (restart) must still write a newer serial.
func TestZoneFileSerialSurvivesLostZoneFile(t *testing.T) {
	b, _ := newZoneFile(t)
	b.Now = func() time.Time { return time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC) }
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
	restarted, err := LoadSerials(b.Serials.Path())
	if err != nil {
		t.Fatal(err)
	}
	b2 := &ZoneFile{Dir: b.Dir, Zones: b.Zones, Serials: restarted, Now: b.Now, Log: b.Log}
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
	if err := os.MkdirAll(b.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(b.Dir, ".dnssync-123.tmp") // a killed writer's
	fresh := filepath.Join(b.Dir, ".dnssync-456.tmp") // maybe a write under way
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
	checkOnly(t, b.Dir, ".dnssync-456.tmp", "db.example.com")
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
				if err := os.MkdirAll(b.Dir, 0o755); err != nil {
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
				b.Dir = filepath.Join(blocker, "zones")
			},
			want: "backend.zone_dir",
		},
		{
			name: "zone_dir is not writable",
			setup: func(t *testing.T, b *ZoneFile) {
				if os.Geteuid() == 0 {
					t.Skip("root writes into a mode 0555 dir; e2e TestFaultZoneDirCheckConfig covers a read-only mount")
				}
				if err := os.MkdirAll(b.Dir, 0o555); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.Chmod(b.Dir, 0o755) })
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
				b.Serials = &Serials{path: filepath.Join(blocker, "state", SerialsFile), last: map[string]uint32{}}
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
				entries, _ := os.ReadDir(b.Dir)
				for _, e := range entries {
					if atomicfile.IsTemp(e.Name()) {
						t.Errorf("Check left %s in %s", e.Name(), b.Dir)
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
		if got := b.Serials.Last("example.com."); got != 2026041508 {
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
