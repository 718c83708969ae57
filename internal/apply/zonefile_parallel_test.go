package apply

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Zones are written in parallel (a pass applies many at once): each file
// carries its zone, each zone's serial is recorded, and a zone written
// twice at once (two callers) ends at the later serial with the text of
// one whole write. Run with -race.
func TestZoneFileAppliesZonesInParallel(t *testing.T) {
	const zones = 40
	var list []Zone
	for i := range zones {
		list = append(list, testZone(fmt.Sprintf("z%02d.example.", i)))
	}
	state := filepath.Join(t.TempDir(), SerialsFile)
	serials, err := LoadSerials(state)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewZoneFile(ZoneFileOptions{Dir: t.TempDir(), Zones: list, Serials: serials, Now: fixedNow, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	want := func(z Zone, round int) rrset.Zone {
		d := rrset.Zone{}
		for _, rr := range b.Base(z.Name) {
			d.Put(rr)
		}
		d.Put(mustRR(t, fmt.Sprintf("www.%s 300 IN A 192.0.2.%d", z.Name, round+1)))
		return d
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*zones)
	for _, z := range list {
		for round := range 2 { // the same zone from two callers at once
			wg.Go(func() {
				served := &observed.Zone{Name: z.Name, Sets: rrset.Zone{}}
				p := diff.Compute(diff.Input{Zone: z.Name, Desired: want(z, round), Observed: served.Sets})
				if _, err := b.Apply(context.Background(), served, p); err != nil {
					errs <- fmt.Errorf("%s: %w", z.Name, err)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	again, err := LoadSerials(state)
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range list {
		text, err := os.ReadFile(b.Path(z.Name))
		if err != nil {
			t.Fatal(err)
		}
		got, serial := parseZone(t, z.Name, text)
		if serial != 2026041501 || again.Last(z.Name) != serial {
			t.Errorf("%s: file serial %d, recorded %d; want 2026041501 for both (the second of two writes)", z.Name, serial, again.Last(z.Name))
		}
		www := got[rrset.Key{Name: "www." + z.Name, Type: 1}]
		if www == nil || len(www.RRs) != 1 {
			t.Errorf("%s: www = %v, want one A of one whole write", z.Name, www)
		}
	}
}
