package reconcile

import (
	"context"
	"errors"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// An emptied records dir is refused by the Store (desired.ErrSuddenlyEmpty,
// the "vanished at once" rule, diff.VanishedAtOnce): a failed mount looks
// the same as an intent. `apply --force` is how the operator says it is
// intended, but it runs in another process, with its own Store. Once every
// zone can be read and none serves any of the records the files declared
// (what the Store still keeps), the deletion has happened
// (diff.EmptiedApplied), and the Store is told to accept the empty dir,
// once. This needs no state shared with `apply`, and a daemon restarted
// meanwhile (which starts with an empty dir as its first look) behaves the
// same.

// scan rescans records.d, accepting an emptied dir as above.
func (r *Reconciler) scan(ctx context.Context) error {
	_, err := r.Store.Scan()
	if !errors.Is(err, desired.ErrSuddenlyEmpty) || !r.deletedOnServer(ctx, r.Store.State()) {
		return err
	}
	r.Log.Warn("records dir empty and its records no longer served (a forced apply?): accepting the empty dir")
	r.Store.AcceptEmpty()
	_, err = r.Store.Scan()
	return err
}

// deletedOnServer reports whether every zone can be read and serves none
// of st's desired RRsets (the backend's own base records aside). It stops
// at the first zone that cannot be read or still serves one.
func (r *Reconciler) deletedOnServer(ctx context.Context, st *desired.State) bool {
	for _, zone := range r.Zones {
		want := st.Zone(zone)
		if want.Len() == 0 {
			continue
		}
		served, err := r.Observed.Transfer(ctx, zone)
		if err != nil {
			return false
		}
		base := rrset.Zone{}
		for _, rr := range r.Backend.Base(zone) {
			base.Put(rr)
		}
		if !diff.EmptiedApplied(want, served.Sets, base) {
			return false
		}
	}
	return true
}
