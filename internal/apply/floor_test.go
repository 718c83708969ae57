package apply

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

func TestNextSerialAbove(t *testing.T) {
	day := time.Date(2026, 4, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		known   []uint32 // served, on disk, last written
		floors  []Floor
		want    uint32
		wantErr string // in the error; "" for none
	}{
		{name: "no floors: as NextSerial", known: []uint32{2026041503, 0, 0}, want: 2026041504},
		{name: "a floor below changes nothing", known: []uint32{2026041503, 0, 0}, floors: []Floor{{"ns2", 2026041502}}, want: 2026041504},
		{name: "unreachable secondaries are no floor", known: []uint32{2026041503, 0, 0}, floors: []Floor{{"ns2", 0}}, want: 2026041504},
		// The e2e case: zone_dir and state_dir lost, CoreDNS dropped the
		// zone; only the secondary still knows 2026041507.
		{name: "everything lost: the secondary's serial holds", known: []uint32{0, 0, 0}, floors: []Floor{{"ns2", 2026041507}}, want: 2026041508},
		{name: "the newest of several floors", known: []uint32{2026041401, 0, 2026041401}, floors: []Floor{{"ns2", 2026041509}, {"ns3", 2026041520}, {"ns4", 2026041510}}, want: 2026041521},
		{name: "a floor equal to the clock's serial", known: []uint32{0, 0, 0}, floors: []Floor{{"ns2", 2026041500}}, want: 2026041501},
		// 4000000000 is ahead of the clock's serial by more than half the space: the clock is older.
		{name: "floors compare in serial arithmetic", known: []uint32{4000000000, 0, 0}, floors: []Floor{{"ns2", 3}}, want: 4},
		{name: "a floor at the top wraps to 1, skipping 0", known: []uint32{4000000000, 0, 0}, floors: []Floor{{"ns2", math.MaxUint32}}, want: 1},
		{name: "a floor older in serial arithmetic is not a floor", known: []uint32{5, 0, 0}, floors: []Floor{{"ns2", 5 + 1<<31 + 100}}, want: 6},
		// No serial is newer than all of them: no jump past half the space,
		// the primary's own serials decide, and the servers left behind are named.
		{name: "a floor half the space from the primary", known: []uint32{10, 0, 0}, floors: []Floor{{"ns2", 10 + 1<<31}}, want: 2026041500, wantErr: "ns2 (serial 2147483658)"},
		{name: "floors half the space apart", known: []uint32{0, 0, 0}, floors: []Floor{{"ns2", 100}, {"ns3", 100 + 1<<31}}, want: 2026041500, wantErr: "ns3 (serial 2147483748)"},
		{name: "floors spread over the whole space", known: []uint32{1, 0, 0}, floors: []Floor{{"ns2", 1431655766}, {"ns3", 2863311531}}, want: 2026041500, wantErr: "ns3 (serial 2863311531)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NextSerialAbove(day, tt.known, tt.floors)
			if got != tt.want {
				t.Errorf("NextSerialAbove(%v, %v) = %d (%v), want %d", tt.known, tt.floors, got, err, tt.want)
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error %v, want one naming %q", err, tt.wantErr)
			}
			for _, k := range tt.known {
				if k != 0 && !serialNewer(got, k) {
					t.Errorf("%d is not newer than the primary's %d (RFC 1982)", got, k)
				}
			}
			if err != nil {
				return
			}
			for _, f := range tt.floors {
				if f.Serial != 0 && !serialNewer(got, f.Serial) {
					t.Errorf("%d is not newer than %s's %d (RFC 1982)", got, f.Server, f.Serial)
				}
			}
		})
	}
}

// TestZoneFileApplyAboveSecondaries: zone_dir and the serial state are
// lost; the rewritten zone's serial goes above what the secondary serves,
// not back to the clock's.
func TestZoneFileApplyAboveSecondaries(t *testing.T) {
	b, _ := newZoneFile(t)
	b.now = func() time.Time { return time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC) }
	empty := &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}
	p := diff.Compute(diff.Input{Zone: "example.com.", Desired: desiredZone(t, b), Observed: empty.Sets})

	res, err := b.ApplyAbove(context.Background(), empty, p, []Floor{{Server: "ns2", Serial: 2026113007}, {Server: "ns3"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Serial != 2026113008 {
		t.Errorf("serial %d, want 2026113008: above the secondary's 2026113007", res.Serial)
	}
	if got := diskSerial(b.Path("example.com.")); got != res.Serial {
		t.Errorf("zone file serial %d, want %d", got, res.Serial)
	}
	if got := b.serials.Last("example.com."); got != res.Serial {
		t.Errorf("recorded serial %d, want %d", got, res.Serial)
	}

	// Apply is ApplyAbove without floors.
	if err := os.Remove(b.Path("example.com.")); err != nil {
		t.Fatal(err)
	}
	res2, err := b.Apply(context.Background(), empty, p)
	if err != nil || res2.Serial != res.Serial+1 {
		t.Errorf("Apply: serial %d (%v), want %d", res2.Serial, err, res.Serial+1)
	}
}
