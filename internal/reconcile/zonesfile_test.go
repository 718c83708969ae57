package reconcile

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
)

// servedRecords is n A records in zone.
func servedRecords(t *testing.T, zone string, n int) rrset.Zone {
	t.Helper()
	var lines []string
	for i := range n {
		lines = append(lines, fmt.Sprintf("h%d.%s 300 IN A 192.0.2.%d", i, zone, i+1))
	}
	return zoneOf(t, lines...)
}

func loadZones(t *testing.T, path string) *ZonesFile {
	t.Helper()
	f, err := LoadZones(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// managedThenDown is a daemon's life before the restart: zoneB declared in
// zones.d, served with n records by an applying pass, which records it in
// the state file at path.
func managedThenDown(t *testing.T, path string, n int) {
	t.Helper()
	h, _, _ := zonesHarness(t)
	h.r.ZonesFile = loadZones(t, path)
	served := servedRecords(t, zoneB, n)
	h.server.serve(zoneB, 5, served)
	h.store.setState(stateOf(map[string]rrset.Zone{zoneB: served}, zoneA, zoneB))
	if res := h.r.RunOnce(context.Background(), Options{Apply: true}); res.Failed() != nil {
		t.Fatalf("pass before the restart: %v", res.Failed())
	}
	got, err := loadZones(t, path).current()
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := got[zoneB]; !ok || !slices.Equal(p.Nameservers, []string{"ns1." + zoneB}) {
		t.Fatalf("state file after an applying pass = %v, want %s recorded with its nameservers", got, zoneB)
	}
}

// restarted is a new process after zoneB's zones.d file went while none
// ran: its zones dir no longer declares zoneB, which the server still
// serves with n records.
func restarted(t *testing.T, path string, n int) (*harness, *removingBackend) {
	t.Helper()
	h, b, dir := zonesHarness(t)
	if err := os.Remove(filepath.Join(dir, "b.yaml")); err != nil {
		t.Fatal(err)
	}
	h.r.ZonesFile = loadZones(t, path)
	h.server.serve(zoneB, 6, servedRecords(t, zoneB, n))
	h.store.setState(stateOf(nil, zoneA))
	return h, b
}

// A zone removed from zones.d while no dnssync ran is known to the next
// process from the state file: with few records it is retired in the
// first pass (zone file removed, the state file forgets it), with many it
// is held like a mass delete, still served and still a catalog member,
// until a forced pass. Without the state file the new process never saw
// the zone and left it served, unseen.
func TestZoneRemovedWhileDownIsRetiredFromTheStateFile(t *testing.T) {
	t.Parallel()
	t.Run("few records: retired", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), ZonesFileName)
		managedThenDown(t, path, 2)
		h, b := restarted(t, path, 2)

		res := h.r.RunOnce(context.Background(), Options{Apply: true})
		zr := zoneResult(t, res, zoneB)
		if got := summary(zr.Plan); !zr.Applied || len(got) != 2 {
			t.Fatalf("restarted pass on the removed zone: applied %v, plan %v, err %v; want its 2 records deleted", zr.Applied, got, zr.Err)
		}
		if !slices.Equal(b.removed, []string{zoneB}) || slices.Contains(h.r.Zones, zoneB) {
			t.Fatalf("removed %v, Zones %v; want %s retired", b.removed, h.r.Zones, zoneB)
		}
		got, err := loadZones(t, path).current()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := got[zoneB]; ok || len(got) != 1 {
			t.Errorf("state file after the retirement = %v, want only %s", got, zoneA)
		}
	})
	t.Run("many records: held until forced", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), ZonesFileName)
		managedThenDown(t, path, 20)
		h, b := restarted(t, path, 20)
		h.r.Catalog = testCatalog

		res := h.r.RunOnce(context.Background(), Options{Apply: true})
		zr := zoneResult(t, res, zoneB)
		if zr.Refusal == nil || len(zr.Refused.Changes) != 20 {
			t.Fatalf("removed zone: refusal %v, %d held; want the 20 deletions held", zr.Refusal, len(zr.Refused.Changes))
		}
		if len(b.removed) != 0 || !slices.Contains(h.r.Zones, zoneB) {
			t.Fatalf("held zone retired: removed %v, Zones %v", b.removed, h.r.Zones)
		}
		if p := h.r.zoneSet.params[zoneB]; !slices.Equal(p.Nameservers, []string{"ns1." + zoneB}) {
			t.Errorf("retiring zone's parameters = %+v, want the recorded ones (its SOA and NS stay written)", p)
		}
		if d := h.r.derivation(); !slices.Contains(d.Members, zoneB) {
			t.Errorf("catalog members = %v, want the retiring %s still listed", d.Members, zoneB)
		}

		res = h.r.RunOnce(context.Background(), Options{Apply: true, Force: true})
		if zr := zoneResult(t, res, zoneB); !zr.Applied || len(zr.Plan.Changes) != 20 {
			t.Fatalf("forced: applied %v, %d changes, err %v", zr.Applied, len(zr.Plan.Changes), zr.Err)
		}
		if !slices.Equal(b.removed, []string{zoneB}) || slices.Contains(h.r.Zones, zoneB) {
			t.Fatalf("after the forced pass: removed %v, Zones %v; want the zone retired", b.removed, h.r.Zones)
		}
	})
}

// A pass that only plans writes no state file; an applying one records
// every declared zone before the backend writes anything, and a pass that
// cannot record them applies nothing.
func TestApplyingPassRecordsTheZonesFirst(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ZonesFileName)
	h, _, _ := zonesHarness(t)
	h.r.ZonesFile = loadZones(t, path)
	h.store.setState(stateOf(map[string]rrset.Zone{zoneB: servedRecords(t, zoneB, 1)}, zoneA, zoneB))

	h.r.RunOnce(context.Background(), Options{})
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a plan-only pass wrote the state file (stat: %v)", err)
	}

	if err := os.Mkdir(path, 0o755); err != nil { // now unreadable as a file
		t.Fatal(err)
	}
	res := h.r.RunOnce(context.Background(), Options{Apply: true})
	if res.Err == nil || len(h.backend.applied()) != 0 {
		t.Fatalf("state file unwritable: err %v, %d plans applied; want an error and nothing applied", res.Err, len(h.backend.applied()))
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}

	if res := h.r.RunOnce(context.Background(), Options{Apply: true}); res.Failed() != nil {
		t.Fatalf("applying pass: %v", res.Failed())
	}
	got, err := loadZones(t, path).current()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{zoneA, zoneB}; !slices.Equal(slices.Sorted(maps.Keys(got)), want) {
		t.Errorf("recorded zones %v, want %v", got, want)
	}
}

// A new process whose zones dir holds an invalid file cannot tell which
// zone it declared: the recorded zones no file declares stay managed, not
// retired, while the problem stands.
func TestRecordedZoneKeptWhileAZonesFileIsInvalid(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ZonesFileName)
	managedThenDown(t, path, 2)
	h, b, dir := zonesHarness(t)
	if err := os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("zone: [not, a, mapping]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.r.ZonesFile = loadZones(t, path)
	served := servedRecords(t, zoneB, 2)
	h.server.serve(zoneB, 6, served)
	h.store.setState(stateOf(map[string]rrset.Zone{zoneB: served}, zoneA, zoneB))

	res := h.r.RunOnce(context.Background(), Options{Apply: true})
	if zr := zoneResult(t, res, zoneB); !zr.Plan.Empty() || len(b.removed) != 0 || h.r.zoneSet.retiring[zoneB] {
		t.Fatalf("zone of an invalid file: plan %v, removed %v, retiring %v; want it kept as managed", summary(zr.Plan), b.removed, h.r.zoneSet.retiring[zoneB])
	}
}

// A state file that cannot be read refuses the load, never "nothing
// managed"; its errors quote nothing of the file.
func TestLoadZonesRefusesWhatItCannotRead(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-content"
	for name, setup := range map[string]func(t *testing.T, path string){
		"not JSON":      func(t *testing.T, path string) { write(t, path, secret) },
		"other version": func(t *testing.T, path string) { write(t, path, `{"version":2,"zones":{}}`) },
		"unknown key":   func(t *testing.T, path string) { write(t, path, `{"version":1,"zones":{},"`+secret+`":1}`) },
		"bad zone": func(t *testing.T, path string) {
			write(t, path, `{"version":1,"zones":{"`+secret+`":{"nameservers":[],"hostmaster":"h.x."}}}`)
		},
		"symlink": func(t *testing.T, path string) {
			other := path + ".real"
			write(t, other, `{"version":1,"zones":{}}`)
			if err := os.Symlink(other, path); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), ZonesFileName)
			setup(t, path)
			_, err := LoadZones(path)
			if err == nil {
				t.Fatal("loaded; want an error")
			}
			if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q: want the path named and nothing of the content", err)
			}
		})
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
