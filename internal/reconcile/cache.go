package reconcile

import (
	"context"
	"errors"
	"log/slog"

	"github.com/dnssync/dnssync/internal/observed"
)

// seen is a zone as a pass left it.
type seen struct {
	*observed.Zone
	// synced: the pass left it serving all that was desired then, so the
	// next pass need only compare the names changed since.
	synced bool
	// gen is the desired state's generation the pass compared with.
	gen uint64
}

// observe returns the zone as served: the cached copy when allowed and its
// serial is still the one served (synced tells whether it was in sync
// with the desired state of generation gen), else a fresh transfer.
func (r *Reconciler) observe(ctx context.Context, log *slog.Logger, zone string, cached, recheck bool) (_ *observed.Zone, gen uint64, synced bool, _ error) {
	if r.served == nil {
		r.served = map[string]*seen{}
	}
	if z := r.served[zone]; cached && z != nil {
		if s, err := r.Verifier.Serial(ctx, zone); err == nil && s == z.Serial {
			return z.Zone, z.gen, z.synced, nil
		}
	}
	served, err := r.Observed.Transfer(ctx, zone)
	var answered *observed.RcodeError
	if err == nil || !r.CreatesZones || !errors.As(err, &answered) {
		// No answer (an outage, a timeout, a TSIG failure) never reads as
		// an empty zone; and a backend that cannot create zones has no use
		// for knowing whether the zone is served.
		return served, 0, false, err
	}
	z, err := r.unserved(ctx, log, zone, err, recheck)
	return z, 0, false, err
}

// remember caches the zone as it is now served: what was served with the
// verified plan applied, under the serial that carries it.
func (r *Reconciler) remember(ctx context.Context, served *observed.Zone, zr *ZoneResult, synced bool, gen uint64) {
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
	r.served[zr.Zone] = &seen{served, synced, gen}
}
