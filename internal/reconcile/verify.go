package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// Verification: after an apply, wait until the server answers what was
// applied, by query for small changes and by one streamed transfer for
// large ones.

// verify waits, within VerifyTimeout, for the server to answer every
// changed set as planned: first for the new serial (one query while the
// server reloads), then for each set.
func (r *Reconciler) verify(ctx context.Context, log *slog.Logger, zr *ZoneResult) {
	ctx, cancel := context.WithTimeout(ctx, r.VerifyTimeout)
	defer cancel()
	start := time.Now()
	for zr.Serial != 0 {
		s, err := r.Verifier.Serial(ctx, zr.Zone)
		if err == nil && serialAtLeast(s, zr.Serial) {
			break
		}
		if !sleep(ctx, 50*time.Millisecond) {
			// The new zone never loaded (a parse error, a server that
			// stopped reloading): nothing in it is served.
			if err == nil {
				err = fmt.Errorf("serial %d not served after %s (the server answers %d)", zr.Serial, r.VerifyTimeout, s)
			}
			zr.Latency = time.Since(start)
			zr.Mismatches = []verify.Mismatch{{Key: rrset.Key{Name: zr.Zone, Type: dns.TypeSOA}, Err: err}}
			log.Error("changes not served", "after", zr.Latency.Round(time.Millisecond), "mismatches", verify.Summary(zr.Mismatches))
			return
		}
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
		_, zr.Mismatches = r.Verifier.Wait(ctx, want, 50*time.Millisecond)
	}
	zr.Latency = time.Since(start)
	if len(zr.Mismatches) > 0 {
		log.Error("changes not served", "after", zr.Latency.Round(time.Millisecond), "mismatches", verify.Summary(zr.Mismatches))
		return
	}
	log.Info("changes verified", "changes", len(zr.Plan.Changes), "latency", zr.Latency.Round(time.Millisecond))
}

// bulkVerify: a plan changing more RRsets than this is verified by one zone
// transfer instead of a query per RRset (100,000 queries take seconds).
const bulkVerify = 64

// Streamer reads a zone record by record without holding it; a Transferer
// that is one lets a large change be verified without a second copy of the
// zone in memory.
type Streamer interface {
	Stream(ctx context.Context, zone string, fn func(dns.RR) error) (uint32, error)
}

// verifyByTransfer polls the zone by transfer until every wanted set (nil:
// absent) is served, or ctx ends; it returns what was still wrong.
func (r *Reconciler) verifyByTransfer(ctx context.Context, zone string, want map[rrset.Key]*rrset.Set) []verify.Mismatch {
	for {
		miss := r.compareServed(ctx, zone, want)
		if len(miss) == 0 || !sleep(ctx, 100*time.Millisecond) {
			slices.SortFunc(miss, func(a, b verify.Mismatch) int { return a.Key.Compare(b.Key) })
			return miss
		}
	}
}

// compareServed returns the wanted sets zone does not serve as wanted. A
// streaming transfer answers the common case (all served) without a second
// copy of the zone in memory; only when something is off is the zone
// transferred whole, to say what.
func (r *Reconciler) compareServed(ctx context.Context, zone string, want map[rrset.Key]*rrset.Set) []verify.Mismatch {
	soa := rrset.Key{Name: zone, Type: dns.TypeSOA}
	if st, ok := r.Observed.(Streamer); ok {
		all, err := servedAll(ctx, st, zone, want)
		if err != nil {
			return []verify.Mismatch{{Key: soa, Err: err}}
		}
		if all {
			return nil
		}
	}
	z, err := r.Observed.Transfer(ctx, zone)
	if err != nil {
		return []verify.Mismatch{{Key: soa, Err: err}}
	}
	var miss []verify.Mismatch
	for k, w := range want {
		if got := z.Sets[k]; !got.Equal(w) {
			miss = append(miss, verify.Mismatch{Key: k, Want: w, Served: got})
		}
	}
	return miss
}

// servedAll streams zone and reports whether every wanted set is served
// exactly: each served record of a wanted key must match, and as many must
// match as are wanted (sets hold no duplicates).
func servedAll(ctx context.Context, st Streamer, zone string, want map[rrset.Key]*rrset.Set) (bool, error) {
	expected := 0
	for _, w := range want {
		if w != nil {
			expected += len(w.RRs)
		}
	}
	matched, wrong := 0, false
	_, err := st.Stream(ctx, zone, func(rr dns.RR) error {
		w, wanted := want[rrset.KeyOf(rr)]
		switch {
		case !wanted:
		case w != nil && rr.Header().Ttl == w.TTL && w.Has(rrset.Rdata(rrset.Canonical(rr))):
			matched++
		default:
			wrong = true
		}
		return nil
	})
	return err == nil && !wrong && matched == expected, err
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
