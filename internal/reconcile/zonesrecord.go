package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/dnssync/dnssync/internal/config"
)

// The zone set state file (zonesfile.go) and the Reconciler meet here:
//
//   - the first take of the zone set (zoneset.go) starts from the zones the
//     file records, not only from the zones as wired: one recorded but
//     declared nowhere now was removed while no dnssync ran, and retires
//     as any removed zone does, with its recorded SOA and NS;
//   - an applying pass first records every declared zone the file lacks
//     (or has with other parameters): a zone is never written before the
//     file knows it, so a crash leaves a zone recorded and not written,
//     never written and unknown;
//   - a zone retired leaves the file.
//
// A pass that only plans writes nothing, as for held.json.

// recordedZones is what the state file records (nil without one).
func (r *Reconciler) recordedZones() (map[string]config.Zone, error) {
	if r.ZonesFile == nil {
		return nil, nil
	}
	return r.ZonesFile.current()
}

// recordZones records the declared zones of an applying pass in the state
// file. When it cannot, the pass must apply nothing: a zone written now
// but unknown to the file would, removed while no dnssync runs, stay
// served unseen.
func (r *Reconciler) recordZones(ctx context.Context, opts Options) error {
	zs := &r.zoneSet
	if r.ZonesFile == nil || !opts.Apply || !zs.init {
		return nil
	}
	cur, err := r.ZonesFile.current()
	if err != nil {
		return fmt.Errorf("record the managed zones: %w", err)
	}
	want := map[string]config.Zone{}
	for _, z := range zs.managed {
		p, ok := zs.params[z]
		if e, in := cur[z]; ok && (!in || !zoneEqual(e, p)) {
			want[z] = p
		}
	}
	if len(want) == 0 {
		return nil
	}
	err = r.ZonesFile.update(ctx, func(onDisk map[string]config.Zone) map[string]config.Zone {
		next := maps.Clone(onDisk)
		maps.Copy(next, want)
		return next
	})
	if err != nil {
		return fmt.Errorf("record the managed zones: %w", err)
	}
	return nil
}

// unrecordZone removes a retired zone from the state file. A failure is
// logged: the zone is retired, and a process that finds it still recorded
// retires it again (it serves nothing dnssync manages).
func (r *Reconciler) unrecordZone(ctx context.Context, zone string) {
	if r.ZonesFile == nil {
		return
	}
	err := r.ZonesFile.update(ctx, func(onDisk map[string]config.Zone) map[string]config.Zone {
		next := maps.Clone(onDisk)
		delete(next, zone)
		return next
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		r.Log.Error("zone retired, but the zone set state file still lists it", "zone", zone, "err", err)
	}
}
