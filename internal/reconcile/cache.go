package reconcile

import (
	"context"
	"errors"
	"log/slog"

	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// seen is a zone as a pass left it.
type seen struct {
	*observed.Zone
	// synced: the pass left it serving all that was desired then, so the
	// next pass need only compare the names changed since.
	synced bool
}

// observe returns the zone as served: the cached copy when allowed and its
// serial is still the one served (synced tells whether it was in sync),
// else a fresh transfer.
func (r *Reconciler) observe(ctx context.Context, log *slog.Logger, zone string, cached bool) (*observed.Zone, bool, error) {
	if r.served == nil {
		r.served = map[string]*seen{}
	}
	if z := r.served[zone]; cached && z != nil {
		if s, err := r.Verifier.Serial(ctx, zone); err == nil && s == z.Serial {
			return z.Zone, z.synced, nil
		}
	}
	served, err := r.Observed.Transfer(ctx, zone)
	if errors.Is(err, observed.ErrNotServed) && r.CreatesZones {
		log.Info("zone not served yet; it will be created")
		return &observed.Zone{Name: zone, Sets: rrset.Zone{}}, false, nil
	}
	return served, false, err
}

// remember caches the zone as it is now served: what was served with the
// verified plan applied, under the serial that carries it.
func (r *Reconciler) remember(ctx context.Context, served *observed.Zone, zr *ZoneResult, synced bool) {
	serial := zr.Serial
	if serial == 0 { // the server chose it (RFC 2136): ask
		s, err := r.Verifier.Serial(ctx, zr.Zone)
		if err != nil {
			return
		}
		serial = s
	}
	// served is the reconciler's own (a transfer, or this cache): change it
	// in place rather than copy a zone of 100,000 sets per change.
	zr.Plan.ApplyTo(served.Sets)
	served.Serial = serial
	r.served[zr.Zone] = &seen{served, synced}
}
