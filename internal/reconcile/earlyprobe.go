package reconcile

import (
	"context"
	"sync/atomic"

	"github.com/dnssync/dnssync/internal/observed"
)

// A full pass over zones the backend never wrote (a cold start creating
// 10,000 of them) asks each its SOA before any transfer (unserved.go).
// Those questions need no records, so the pass asks them while it reads
// records.d, observeInFlight at once, and the lookahead takes the
// answers (transfer). At 10,000 zones, reading the files and asking the
// server took two seconds each, one after the other. A zone whose answer
// is "not served" is asked again after the recheck wait, as before: the
// early answer is the first of the two.

// earlyProbe is one zone's SOA answer asked for early (earlyserial.go).
type earlyProbe = early[observed.SOAAnswer]

// earlyProbes are the SOA answers asked for early, by zone.
type earlyProbes map[string]*earlyProbe

// probeEarly asks, in the background, the SOA of each of zones that is not
// cached and that the backend never wrote; nil when there is none (every
// pass after the first). ctx ends the questions not yet answered.
func (r *Reconciler) probeEarly(ctx context.Context, zones []string) earlyProbes {
	if !r.CreatesZones {
		return nil
	}
	var ask []string
	for _, z := range zones {
		if _, cached := r.served.has(z); !cached && !r.wrote(z) {
			ask = append(ask, z)
		}
	}
	if len(ask) == 0 {
		return nil
	}
	out := make(earlyProbes, len(ask))
	for _, z := range ask {
		out[z] = newEarly[observed.SOAAnswer]()
	}
	var next atomic.Int64
	for range min(observeInFlight, len(ask)) {
		go func() {
			for i := next.Add(1) - 1; i < int64(len(ask)); i = next.Add(1) - 1 {
				e := out[ask[i]]
				e.answer, e.err = r.Observed.Probe(ctx, ask[i])
				close(e.done)
			}
		}()
	}
	return out
}

// probeOf is zone's SOA answer: the one asked for early, if there is one
// not taken yet, else asked now.
func (r *Reconciler) probeOf(ctx context.Context, zone string, early *earlyProbe) (observed.SOAAnswer, error) {
	return early.take(ctx, func() (observed.SOAAnswer, error) { return r.Observed.Probe(ctx, zone) })
}
