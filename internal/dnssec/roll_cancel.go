package dnssec

import (
	"fmt"
	"slices"
	"time"
)

// Cancelling a roll (`dnssync dnssec roll ZONE --cancel`) is safe while
// the outgoing key is still published and still signs the DNSKEY RRset:
//
//   - at publish the incoming key signs nothing a resolver needs (the
//     outgoing key still signs everything the parent's DS and every cache
//     lead to), so it is dropped at once and the roll ends;
//   - at swap the incoming key has signed the zone (or the CDS named it),
//     and caches hold what it signed: the roll runs back, as a swap from
//     the incoming key to the outgoing one. The outgoing key is active
//     again, the incoming one retired and still published, and it is
//     removed by the roll's own step, after the same waits (the zone's
//     largest TTL, and for a KSK or CSK the parent's DS naming the
//     restored key again and its TTL).
//
// Once the outgoing key is being removed (stage remove) a cancel is
// refused: the way back is a new roll.

// Cancel returns the zone's keys and roll once the roll r is cancelled at
// now (a nil roll: the roll is over). keys are not modified.
func Cancel(zone string, keys []*Key, r *Roll, now time.Time) ([]*Key, *Roll, error) {
	now = now.UTC().Truncate(time.Second)
	switch {
	case r.Cancelled:
		return nil, nil, fmt.Errorf("cancel the key roll of %s: it is already cancelled; key %d is removed once caches let go of it", zone, r.Old)
	case r.Stage == StageRemove:
		return nil, nil, fmt.Errorf("cancel the key roll of %s: key %d is being removed (stage remove); to go back to it, roll the key again once this roll is done", zone, r.Old)
	}
	out := make([]*Key, 0, len(keys))
	for _, k := range keys {
		c := *k
		out = append(out, &c)
	}
	old, nw, err := r.keys(out)
	if err != nil {
		return nil, nil, err
	}
	if r.Stage == StagePublish {
		return slices.DeleteFunc(out, func(k *Key) bool { return k == nw }), nil, nil
	}
	old.Retired = time.Time{}
	nw.Retired = now
	back := *r
	back.Old, back.New, back.Cancelled = r.New, r.Old, true
	back.StageAt, back.Serial, back.Served, back.NextAfter, back.Waiting = now, 0, time.Time{}, time.Time{}, ""
	// The parent's DS must name the restored key when its partner is
	// removed: it has all along unless it was said to serve the new one.
	back.DSPublished = time.Time{}
	if r.DSPublished.IsZero() {
		back.DSPublished = r.Started
	}
	return out, &back, nil
}
