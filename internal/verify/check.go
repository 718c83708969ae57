package verify

import (
	"context"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
)

// CheckAll asks every server for every wanted set (nil: should not exist)
// and judges each answer by the one rule (see the package doc). history
// says when dnssync last changed a set and what a cache may hold of it
// from before (cached.go); a zero Change means long ago, so that nothing
// is taken for lagging; a nil history trusts the TTL a cache's answer
// carries. now is when the check runs.
// A server that stops answering is asked no more in this check
// (breaker.go). progress, when set, is called every progressEvery sets
// judged, from the goroutines asking: a long check is a busy one, not a
// stuck one (the daemon's liveness).
func CheckAll(ctx context.Context, servers []*Resolver, want map[rrset.Key]*rrset.Set, history History, now time.Time, progress func()) Report {
	rep := Report{Time: now, Results: make([]Result, 0, len(servers)*len(want))}
	var (
		mu     sync.Mutex
		judged atomic.Int64
	)
	for _, srv := range servers {
		rep.Servers = append(rep.Servers, srv.Addr)
		rep.Checked += len(want)
		b := &breaker{addr: srv.Addr}
		parallel(want, func(k rrset.Key, w *rrset.Set) {
			var res Result
			if err := b.allow(); err != nil {
				res = failure(srv.Addr, k, w, err)
			} else {
				res = srv.ask(ctx, k, w, func(remaining time.Duration, known bool) time.Time {
					return willServeBy(history, k, w, now, remaining, known)
				})
				b.record(res.Err)
			}
			mu.Lock()
			rep.Results = append(rep.Results, res)
			mu.Unlock()
			if judged.Add(1)%progressEvery == 0 && progress != nil {
				progress()
			}
		})
	}
	slices.SortFunc(rep.Results, compare)
	return rep
}

// progressEvery is how many sets a check judges between its progress
// reports: with checkParallelism queries in flight, one report comes at
// least every round of them, however slow the server.
const progressEvery = checkParallelism

// ask asks the server for one set and judges the answer; by says, given
// the TTL the answer carries, when a cache that answered otherwise will
// serve want (zero: that time is past), asked only of a cache's answer.
func (r *Resolver) ask(ctx context.Context, k rrset.Key, want *rrset.Set, by func(remaining time.Duration, known bool) time.Time) Result {
	a, err := r.query(ctx, k.Name, k.Type)
	if err != nil {
		return failure(r.Addr, k, want, err)
	}
	var until time.Time
	if !a.own && !a.set.SameRecords(want) {
		until = by(a.ttl, a.hasTTL)
	}
	return judge(r.Addr, k, want, a.set, a.own, until)
}

// Servers are the servers whose answers a scheduled check compares: the
// authoritative one first, then any others configured ([verify] nameservers).
type Servers []*Resolver

// CheckAll checks want against every server now, reporting its progress
// (nil: not reported).
func (s Servers) CheckAll(ctx context.Context, want map[rrset.Key]*rrset.Set, history History, progress func()) Report {
	return CheckAll(ctx, s, want, history, time.Now(), progress)
}

// CheckPrimary checks want at the authoritative server alone, now: sets
// only it is asked for, as the catalog zone's (RFC 9432: its consumers
// transfer it, and no resolver can resolve it).
func (s Servers) CheckPrimary(ctx context.Context, want map[rrset.Key]*rrset.Set, history History, progress func()) Report {
	return CheckAll(ctx, s[:min(1, len(s))], want, history, time.Now(), progress)
}

// Check asks this one server for every wanted set now: `dnssync verify
// NAME` and the API's verify.
func (r *Resolver) Check(ctx context.Context, want map[rrset.Key]*rrset.Set) Report {
	return CheckAll(ctx, []*Resolver{r}, want, nil, time.Now(), nil)
}

// Wait asks the server, every interval, for the wanted sets not verified
// yet, until every one is or ctx ends; sets already verified are not asked
// again. The report holds each set's last answer: Failed() is what was
// still not served when the wait ended. A query cut short by the end of
// the wait is no answer: the one before it stands, so that the report
// says what the server served ("missing"), not that time ran out.
func (r *Resolver) Wait(ctx context.Context, want map[rrset.Key]*rrset.Set, interval time.Duration) Report {
	last := make(map[rrset.Key]Result, len(want))
	pending := maps.Clone(want)
	for {
		rep := r.Check(ctx, pending)
		cut := ended(ctx)
		clear(pending)
		for _, res := range rep.Results {
			if _, answered := last[res.Key]; !answered || res.Status != StatusError || !cut {
				last[res.Key] = res
			}
			if res.Status != StatusVerified {
				pending[res.Key] = res.Want
			}
		}
		if len(pending) == 0 || !sleep(ctx, interval) {
			break
		}
	}
	rep := Report{Time: time.Now(), Servers: []string{r.Addr}, Checked: len(want)}
	rep.Results = slices.SortedFunc(maps.Values(last), compare)
	return rep
}

// ended reports whether ctx is over. A query's deadline is ctx's, and its
// timeout may come a moment before ctx says Done.
func ended(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ctx.Err() != nil || ok && !time.Now().Before(d)
}

// checkParallelism bounds the queries in flight to one server: a large
// change is checked in a fraction of the time one-by-one round trips
// would take.
const checkParallelism = 16

// parallel calls fn for every set, checkParallelism at a time.
func parallel(want map[rrset.Key]*rrset.Set, fn func(rrset.Key, *rrset.Set)) {
	type job struct {
		k rrset.Key
		w *rrset.Set
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range min(checkParallelism, len(want)) {
		wg.Go(func() {
			for j := range jobs {
				fn(j.k, j.w)
			}
		})
	}
	for k, w := range want {
		jobs <- job{k, w}
	}
	close(jobs)
	wg.Wait()
}

// sleep waits d, or less when ctx ends first (then false).
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
