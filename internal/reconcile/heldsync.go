package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"

	"github.com/dnssync/dnssync/internal/diff"
)

// The Reconciler's memory of what is held (r.holding) and the held state
// file (r.Held) meet here. The memory is what passes use; the file is what
// every process agrees on:
//
//   - each pass starts by taking into memory every zone's entry that
//     changed in the file since this Reconciler last saw it (another
//     process held or released something, or this is the first pass);
//   - an applying pass writes its zone's hold to the file, when it differs,
//     before the backend applies anything: a crash between the two then
//     leaves a hold without the creates, never the creates without the
//     hold (which would let the next process judge the held part against
//     the grown zone);
//   - a forced pass that applied removes its zone's entry.
//
// A pass that only plans writes nothing: it grows no zone, and `dnssync
// plan` may run as a user who can read the state dir but not write it.

// syncHeld takes into memory what changed in the held state file. When the
// file cannot be read, the pass knows not what is held: r.heldErr says so
// and no zone of the pass applies anything.
func (r *Reconciler) syncHeld() {
	if r.Held == nil {
		return
	}
	cur, err := r.Held.current()
	r.heldErr = err
	if r.changed("held state", err) && err != nil {
		r.Log.Error("the changes held by the safety rules cannot be read; nothing is applied", "err", err)
	}
	if err == nil {
		r.adoptHeld(cur)
	}
}

// adoptHeld takes into memory each managed zone's entry of cur that is not
// what this Reconciler last saw, then remembers those entries as seen. Only
// managed zones count as seen: a zone added later (a SIGHUP reload keeps
// heldSeen) must still take in its entry.
func (r *Reconciler) adoptHeld(cur map[string]heldEntry) {
	for _, z := range r.Zones {
		e, inFile := cur[z]
		if seen, ok := r.heldSeen[z]; ok == inFile && (!ok || seen.equal(e)) {
			continue // as this Reconciler left it: memory is newer, or the same
		}
		if !inFile || e.safety != r.Safety || len(e.keys) == 0 {
			delete(r.holding, z) // released, or held under other thresholds
			continue
		}
		if h := r.holding[z]; h != nil && maps.Equal(h.Keys, e.keys) {
			continue // the same keys: keep the refusal as first said
		}
		// Why it was refused is not kept in the file: the safety rules
		// say it anew while they would allow the plan now.
		r.setHold(z, &diff.Hold{Keys: maps.Clone(e.keys)})
	}
	seen := make(map[string]heldEntry, len(r.Zones))
	for _, z := range r.Zones {
		if e, ok := cur[z]; ok {
			seen[z] = e
		}
	}
	r.heldSeen = seen
}

// saveHeld writes zone's hold as memory has it now to the held state file,
// unless the file already says so. It fails, and the zone must apply
// nothing, when the file cannot be read or written, or when another
// process changed the zone's entry since this Reconciler last saw it (its
// verdict on the zone may be stale; the next pass judges again with it).
func (r *Reconciler) saveHeld(ctx context.Context, zone string) error {
	if r.Held == nil {
		return nil
	}
	if r.heldErr != nil {
		return r.heldErr
	}
	want, hold := heldEntry{}, r.holding[zone] != nil
	if hold {
		want = heldEntry{safety: r.Safety, keys: maps.Clone(r.holding[zone].Keys)}
	}
	if seen, ok := r.heldSeen[zone]; ok == hold && (!ok || seen.equal(want)) {
		return nil
	}
	seen, saw := r.heldSeen[zone]
	cur, err := r.Held.update(ctx, func(onDisk map[string]heldEntry) (map[string]heldEntry, error) {
		if e, ok := onDisk[zone]; ok != saw || ok && !e.equal(seen) {
			return nil, errHeldMoved
		}
		next := maps.Clone(onDisk)
		if hold {
			next[zone] = want
		} else {
			delete(next, zone)
		}
		return next, nil
	})
	if cur != nil {
		r.adoptHeld(cur)
	}
	if err != nil {
		return fmt.Errorf("record the changes held in %s: %w", zone, err)
	}
	return nil
}

// clearHeld removes zone's entry from the held state file after a forced
// pass applied the zone's whole plan. A failure is logged, not the zone's
// error: what was forced is applied, and the stale entry holds only
// changes still planned at its keys, which the next applying pass, finding
// none, removes.
func (r *Reconciler) clearHeld(ctx context.Context, log *slog.Logger, zone string) {
	if r.Held == nil {
		return
	}
	if _, ok := r.heldSeen[zone]; !ok && r.heldErr == nil {
		return // nothing held in the file when this pass began
	}
	cur, err := r.Held.update(ctx, func(onDisk map[string]heldEntry) (map[string]heldEntry, error) {
		next := maps.Clone(onDisk)
		delete(next, zone)
		return next, nil
	})
	if cur != nil {
		r.adoptHeld(cur)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Error("forced changes applied, but the held state file still lists them", "err", err)
	}
}
