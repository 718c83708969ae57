package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// Verification after an apply: when to ask and for how long. Whether each
// set is served as planned is internal/verify's to judge, by query for
// small changes and by one streamed transfer for large ones; what it found
// not served is the zone's Mismatches.

// verify waits, within VerifyTimeout, for the server to answer every
// changed set as planned: first for the new serial (one query while the
// server reloads), then for each set. Once the primary serves the new
// serial, the secondaries are notified and waited for beside the passes
// (propwait.go): the pass does not wait for them.
func (r *Reconciler) verify(ctx context.Context, log *slog.Logger, zr *ZoneResult) {
	parent := ctx // the secondaries' wait outlives this one's
	ctx, cancel := context.WithTimeout(ctx, r.VerifyTimeout)
	defer cancel()
	start := time.Now()
	for zr.Serial != 0 {
		s, err := r.Verifier.Serial(ctx, zr.Zone)
		if err == nil && serialAtLeast(s, zr.Serial) {
			break
		}
		if !sleep(ctx, pollEvery(time.Since(start))) {
			// The new zone never loaded (a parse error, a server that
			// stopped reloading): nothing in it is served.
			if err == nil {
				err = fmt.Errorf("serial %d not served after %s (the server answers %d)", zr.Serial, r.VerifyTimeout, s)
			}
			zr.Latency = time.Since(start)
			zr.Mismatches = []verify.Result{unread(zr.Zone, err)}
			log.Error("changes not served", "after", zr.Latency.Round(time.Millisecond), "mismatches", verify.Summary(zr.Mismatches))
			return
		}
	}
	if serial := r.propagatedSerial(ctx, zr); serial != 0 {
		// Timed from the change applied (start), as
		// dnssync_replication_seconds promises: what a client of a
		// secondary waits for, the primary's reload included.
		r.startPropagation(parent, log, zr.Zone, serial, start)
	}
	want := make(map[rrset.Key]*rrset.Set, len(zr.Plan.Changes))
	for _, c := range zr.Plan.Changes {
		if c.Key.Type != dns.TypeSOA {
			want[c.Key] = c.New
		}
	}
	if len(want) > bulkVerify {
		zr.Mismatches = r.verifyByTransfer(ctx, zr.Zone, want)
	} else {
		zr.Mismatches = r.Verifier.Wait(ctx, want, 50*time.Millisecond).Failed()
	}
	zr.Latency = time.Since(start)
	if len(zr.Mismatches) > 0 {
		log.Error("changes not served", "after", zr.Latency.Round(time.Millisecond), "mismatches", verify.Summary(zr.Mismatches))
		return
	}
	log.Info("changes verified", "changes", len(zr.Plan.Changes), "latency", zr.Latency.Round(time.Millisecond))
}

// pollEvery is how long to wait before asking for the new serial again,
// elapsed after the change was applied: 50 ms at first, then an eighth of
// the wait so far (so the latency measured is at most an eighth late), up
// to 250 ms. A server reloads its zone files on a tick (CoreDNS: a minute
// by default); asking every 50 ms all that while cost a millisecond of
// CPU each time, more than the change itself. The cap is what the
// secondaries' NOTIFY, sent once the serial is seen, may come late.
func pollEvery(elapsed time.Duration) time.Duration {
	return min(max(elapsed/8, 50*time.Millisecond), 250*time.Millisecond)
}

// bulkVerify: a plan changing more RRsets than this is verified by one zone
// transfer instead of a query per RRset (100,000 queries take seconds).
const bulkVerify = 64

// verifyByTransfer polls the zone by transfer until every wanted set (nil:
// absent) is served, or ctx ends; it returns what was still not served.
func (r *Reconciler) verifyByTransfer(ctx context.Context, zone string, want map[rrset.Key]*rrset.Set) []verify.Result {
	for {
		miss := r.compareServed(ctx, zone, want)
		if len(miss) == 0 || !sleep(ctx, 100*time.Millisecond) {
			return miss
		}
	}
}

// compareServed returns the wanted sets zone does not serve as wanted. A
// streaming transfer answers the common case (all served) without a second
// copy of the zone in memory; only when something is off is the zone
// transferred whole, to say what.
func (r *Reconciler) compareServed(ctx context.Context, zone string, want map[rrset.Key]*rrset.Set) []verify.Result {
	if st, ok := r.Observed.(verify.Streamer); ok {
		all, err := verify.ServedAll(ctx, st, zone, want)
		if err != nil {
			return []verify.Result{unread(zone, err)}
		}
		if all {
			return nil
		}
	}
	z, err := r.Observed.Transfer(ctx, zone)
	if err != nil {
		return []verify.Result{unread(zone, err)}
	}
	return verify.CompareZone("", z.Sets, want).Failed()
}

// unread is the one result of a zone whose serial or transfer could not be
// read: nothing in it can be said to be served. The error names the server.
func unread(zone string, err error) verify.Result {
	return verify.Result{Key: rrset.Key{Name: zone, Type: dns.TypeSOA}, Status: verify.StatusError, Err: err}
}

// serialAtLeast compares serials in RFC 1982 arithmetic.
func serialAtLeast(s, want uint32) bool { return int32(s-want) >= 0 }

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// history is what the checks of every record know of when each set
// changed (verify.History): with TrackChanges, what this Reconciler
// applied (a set it never changed: long ago); without, nothing, as in
// `dnssync verify`, which applies nothing and may run a moment after the
// daemon changed a set: a resolver's cache is then trusted to say by its
// answer's TTL when it asks again, as `dnssync verify NAME` trusts it.
func (r *Reconciler) history() verify.History {
	if !r.TrackChanges {
		return func(rrset.Key) verify.Change { return verify.Change{Unknown: true} }
	}
	return func(k rrset.Key) verify.Change { return r.changedAt[k] }
}
