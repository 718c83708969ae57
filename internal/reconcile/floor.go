package reconcile

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
)

// The serial only goes forward as every server sees it. A secondary keeps
// the newest serial it ever transferred, and ignores any older one: after
// the primary's zone_dir and state_dir are lost (or restored from a
// backup), only the secondaries still know how far the serial had gone.
// So before a backend writes a zone, each secondary of the zone is asked
// for its serial, and the backend writes above them (apply.FloorApplier:
// the zone file backend chooses the serial; the rfc2136 backend sets it in
// the UPDATE when the primary's own bump would fall short, as after a
// dynupdate restarted without its database). An unreachable secondary does
// not hold the write up: it is skipped, and reported by propagation as
// before. One that did not answer in time is not asked again in the same
// pass (floorMiss, reset at each pass's start): a pass writing many zones
// pays its timeout once, not once a zone.

// floorTimeout bounds asking the secondaries before a write: the answers
// come from loopback or the LAN within milliseconds, and a dead secondary
// must not delay every change by a query's full timeout.
const floorTimeout = time.Second

// backendApply applies p to zone, above the serials of zone's secondaries
// when the backend can write above them.
func (r *Reconciler) backendApply(ctx context.Context, log *slog.Logger, served *observed.Zone, p diff.Plan) (apply.Result, error) {
	return r.applyAbove(ctx, served, p, r.writeFloors(ctx, log, p.Zone))
}

// writeFloors is the floors for a write of zone, under r.mu: nil when the
// backend does not write above them (or zone has no secondaries).
func (r *Reconciler) writeFloors(ctx context.Context, log *slog.Logger, zone string) []apply.Floor {
	_, ok := r.Backend.(apply.FloorApplier)
	secs := r.secondariesOf(zone)
	if !ok || len(secs) == 0 {
		return nil
	}
	return r.passFloors(ctx, log, zone, secs)
}

// applyAbove has the backend apply p above floors. It reads nothing the
// pass changes: writes run beside the pass (passpipe.go).
func (r *Reconciler) applyAbove(ctx context.Context, served *observed.Zone, p diff.Plan, floors []apply.Floor) (apply.Result, error) {
	if b, ok := r.Backend.(apply.FloorApplier); ok && floors != nil {
		return b.ApplyAbove(ctx, served, p, floors)
	}
	return r.Backend.Apply(ctx, served, p)
}

// passFloors is floors for a pass's write, under r.mu: a secondary that
// did not answer in time is not asked again in this pass (floorMiss).
func (r *Reconciler) passFloors(ctx context.Context, log *slog.Logger, zone string, secs []Secondary) []apply.Floor {
	if r.floorMiss == nil {
		r.floorMiss = map[string]bool{}
	}
	return readFloors(ctx, log, zone, secs, r.floorMiss)
}

// floors asks each secondary in secs, at once and within floorTimeout, for
// the serial it serves of zone. One that does not answer is left out.
func floors(ctx context.Context, log *slog.Logger, zone string, secs []Secondary) []apply.Floor {
	return readFloors(ctx, log, zone, secs, nil)
}

// readFloors is floors, skipping the secondaries in silent and adding to
// it (when not nil) those that did not answer in time.
func readFloors(ctx context.Context, log *slog.Logger, zone string, secs []Secondary, silent map[string]bool) []apply.Floor {
	ctx, cancel := context.WithTimeout(ctx, floorTimeout)
	defer cancel()
	out := make([]apply.Floor, len(secs))
	timedOut := make([]bool, len(secs))
	var wg sync.WaitGroup
	for i, s := range secs {
		if silent[floorKey(s)] {
			continue
		}
		wg.Go(func() {
			serial, err := s.Server.Serial(ctx, zone)
			if err != nil {
				timedOut[i] = noAnswer(err)
				log.Debug("secondary's serial unknown before the write; it is no floor", "secondary", s.Name, "err", err)
				return
			}
			out[i] = apply.Floor{Server: s.Name, Serial: serial}
		})
	}
	wg.Wait()
	for i, s := range secs {
		if timedOut[i] && silent != nil {
			silent[floorKey(s)] = true
		}
	}
	known := out[:0]
	for _, f := range out {
		if f.Serial != 0 {
			known = append(known, f)
		}
	}
	return known
}

func floorKey(s Secondary) string { return s.Name + " " + s.Addr }

// noAnswer reports whether err is a server's silence (a timeout), not an
// answer or a refused connection: a server silent once in a pass or check
// is presumed silent for the rest of it.
func noAnswer(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.As(err, &ne) && ne.Timeout()
}
