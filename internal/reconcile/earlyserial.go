package reconcile

import (
	"context"
	"sync/atomic"
)

// A pass for changed files that finds a zone cached asks the server for
// its serial before planning it (cache.go): a round trip, most of a
// millisecond, on the way from the rename in records.d to the write. The
// pass asks as soon as it has read the files, for the zones the change
// touched, and the answer comes back while it builds its State.
// Passes are serialised, so nothing changes the cache in between; the
// answer is the one asking later would have had, only older by that
// millisecond.

// earlyAsks bounds the zones asked early: a change touches one or a few
// zones; one touching many leaves the rest to the lookahead, which asks
// as many at once as the server takes (passpipe.go). These are SOA
// queries, answered before the lookahead starts its transfers.
const earlyAsks = 4

// early is one zone's answer asked for early (a serial here, an SOA
// answer in earlyprobe.go): set once done is closed. The first to take it
// has it; whoever comes later (the same zone planned again in the pass)
// asks anew.
type early[T any] struct {
	done   chan struct{}
	answer T
	err    error
	taken  atomic.Bool
}

func newEarly[T any]() *early[T] { return &early[T]{done: make(chan struct{})} }

// take is the answer asked for early, if e is set and not taken yet, else
// ask's.
func (e *early[T]) take(ctx context.Context, ask func() (T, error)) (T, error) {
	if e == nil || e.taken.Swap(true) {
		return ask()
	}
	select {
	case <-e.done:
		return e.answer, e.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

type earlySerial = early[uint32]

// earlySerials are the serials asked for early, by zone.
type earlySerials map[string]*earlySerial

// askSerialsEarly asks the serial of each of zones the cache holds, up to
// earlyAsks of them, in the background. Derived zones are left out: the
// lookahead does not observe them. ctx ends the questions not answered
// (the pass's end).
func (r *Reconciler) askSerialsEarly(ctx context.Context, zones []string) earlySerials {
	var out earlySerials
	v := r.Verifier
	for _, z := range zones {
		if len(out) == earlyAsks {
			break
		}
		if _, ok := r.served.has(z); !ok || r.isDerived(z) {
			continue
		}
		if out == nil {
			out = earlySerials{}
		}
		e := newEarly[uint32]()
		out[z] = e
		go func() {
			e.answer, e.err = v.Serial(ctx, z)
			close(e.done)
		}()
	}
	return out
}

// serialOf is zone's serial: the answer asked for early, if there is one
// not taken yet, else asked now.
func (r *Reconciler) serialOf(ctx context.Context, zone string, early *earlySerial) (uint32, error) {
	return early.take(ctx, func() (uint32, error) { return r.Verifier.Serial(ctx, zone) })
}
