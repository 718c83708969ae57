package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Failure is one RRset one server does not answer as desired.
type Failure struct {
	Server string
	Key    rrset.Key
	Want   *rrset.Set
	Served *rrset.Set // nil: not served
	Err    error      // the query failed
	// Lagging: a non-authoritative answer (a resolver's cache) that may
	// still hold the old data, because the change is younger than its TTL.
	// Reported, not failed.
	Lagging bool
}

func (f Failure) String() string {
	what := fmt.Sprintf("%s %s at %s", f.Key.Name, dns.TypeToString[f.Key.Type], f.Server)
	switch {
	case f.Err != nil:
		return fmt.Sprintf("%s: %v", what, f.Err)
	case f.Lagging:
		return fmt.Sprintf("%s: want %s, served %s (a resolver's cache; within the TTL of the change)", what, diff.ShowSet(f.Want), diff.ShowSet(f.Served))
	default:
		return fmt.Sprintf("%s: want %s, served %s", what, diff.ShowSet(f.Want), diff.ShowSet(f.Served))
	}
}

// Report is the result of checking every desired RRset against servers.
type Report struct {
	Time     time.Time
	Servers  []string
	Checked  int // RRsets times servers
	Failures []Failure
}

// Failed returns the failures that count (lagging resolvers do not).
func (r Report) Failed() []Failure {
	var out []Failure
	for _, f := range r.Failures {
		if !f.Lagging {
			out = append(out, f)
		}
	}
	return out
}

// OK reports whether every RRset is served as desired.
func (r Report) OK() bool { return len(r.Failed()) == 0 }

// CheckAll asks every server for every wanted set. An authoritative answer
// (AA) must match exactly, TTL included. Any other answer comes from a
// resolver, which may serve the old data until the TTL since the change
// runs out: a mismatch within that window is Lagging. changedAt returns when
// dnssync last changed a set (zero when unknown: treated as long ago).
func CheckAll(ctx context.Context, servers []*Resolver, want map[rrset.Key]*rrset.Set, changedAt func(rrset.Key) time.Time, now time.Time) Report {
	rep := Report{Time: now}
	var mu sync.Mutex
	for _, srv := range servers {
		rep.Servers = append(rep.Servers, srv.Addr)
		rep.Checked += len(want)
		parallel(want, func(k rrset.Key, w *rrset.Set) {
			got, aa, err := srv.query(ctx, k.Name, k.Type)
			f := Failure{Server: srv.Addr, Key: k, Want: w, Served: got, Err: err}
			switch {
			case err != nil:
			case aa && got.Equal(w):
				return
			case !aa && slices.Equal(got.Values(), w.Values()):
				return // a cache counts the TTL down
			case !aa && w != nil && now.Sub(changedAt(k)) < time.Duration(w.TTL)*time.Second:
				f.Lagging = true
			}
			mu.Lock()
			rep.Failures = append(rep.Failures, f)
			mu.Unlock()
		})
	}
	slices.SortFunc(rep.Failures, func(a, b Failure) int {
		if c := a.Key.Compare(b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.Server, b.Server)
	})
	return rep
}

// parallel calls fn for every set, checkParallelism at a time.
func parallel(want map[rrset.Key]*rrset.Set, fn func(rrset.Key, *rrset.Set)) {
	type job struct {
		k rrset.Key
		w *rrset.Set
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range min(checkParallelism, len(want)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				fn(j.k, j.w)
			}
		}()
	}
	for k, w := range want {
		jobs <- job{k, w}
	}
	close(jobs)
	wg.Wait()
}

// Servers are the servers whose answers a scheduled check compares: the
// authoritative one first, then any others configured ([verify] nameservers).
type Servers []*Resolver

// CheckAll checks want against every server now.
func (s Servers) CheckAll(ctx context.Context, want map[rrset.Key]*rrset.Set, changedAt func(rrset.Key) time.Time) Report {
	return CheckAll(ctx, s, want, changedAt, time.Now())
}
