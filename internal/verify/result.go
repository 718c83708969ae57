package verify

import (
	"fmt"
	"strings"
	"time"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Status is what one server's answer for one RRset means. The values are
// the words the JSON shape uses.
type Status string

// The statuses of a Result. The zero Status is none of them and counts as
// failed: a Result nobody judged is never taken for verified.
const (
	StatusVerified Status = "verified" // served as wanted (a set wanted gone: not served)
	StatusMismatch Status = "mismatch" // served, with other data or TTL, or served though wanted gone
	StatusMissing  Status = "missing"  // wanted, not served
	// StatusLagging: a cache (a non-authoritative answer) still serves
	// what it may have cached before the change, for no longer than that
	// TTL (cached.go): Result.By says when it will serve the change.
	// Reported, not failed.
	StatusLagging Status = "lagging"
	StatusError   Status = "error" // the server could not be asked, or refused to answer
	// StatusStale: served, dnssync's to manage, and declared by no records
	// file any more: what a pass deletes (stale.go).
	StatusStale Status = "stale"
)

// Result is one RRset at one server: what records.d wants, what the server
// served, and what that means.
type Result struct {
	Server string // host:port asked; empty for a zone transfer's compare
	Key    rrset.Key
	Want   *rrset.Set // nil: should not exist
	Served *rrset.Set // nil: not served
	Status Status
	Err    error // StatusError: why there is no answer
	// Note says what becomes of a stale set: which pass deletes it, or
	// what holds it. Shown in String, for a person.
	Note string
	// By is, for StatusLagging, when the cache will serve Want: when what
	// it holds runs out.
	By time.Time
}

// Failed reports whether the result counts against the check: anything but
// verified or lagging.
func (r Result) Failed() bool { return r.Status != StatusVerified && r.Status != StatusLagging }

func (r Result) String() string {
	what := r.Key.String()
	if r.Server != "" {
		what += " at " + r.Server
	}
	switch {
	case r.Err != nil:
		return fmt.Sprintf("%s: %v", what, r.Err)
	case r.Status == StatusStale:
		return fmt.Sprintf("%s: served %s, declared by no records file (stale; %s)", what, diff.ShowSet(r.Served), r.Note)
	case r.Status == StatusLagging:
		return fmt.Sprintf("%s: want %s, served %s (a resolver's cache; will serve by %s)", what, diff.ShowSet(r.Want), diff.ShowSet(r.Served), bySecond(r.By).UTC().Format(time.RFC3339))
	default:
		return fmt.Sprintf("%s: want %s, served %s", what, diff.ShowSet(r.Want), diff.ShowSet(r.Served))
	}
}

// judge is the one rule: a result for want, given what a server served and
// whether that answer was the server's own data (authoritative) rather than
// a cache's; by, when not zero, is when a cache that may still hold what
// came before the change will serve want.
func judge(server string, k rrset.Key, want, served *rrset.Set, authoritative bool, by time.Time) Result {
	r := Result{Server: server, Key: k, Want: want, Served: served}
	switch {
	case authoritative && served.Equal(want):
		// The server's own copy equals want: keep one copy of the set, so
		// that a report of 100,000 verified sets holds no second one.
		r.Status, r.Served = StatusVerified, want
	case !authoritative && served.SameRecords(want):
		r.Status = StatusVerified // a cache counts the TTL down
	case !authoritative && want != nil && !by.IsZero():
		r.Status, r.By = StatusLagging, by
	case served == nil:
		r.Status = StatusMissing
	default:
		r.Status = StatusMismatch
	}
	return r
}

// failure is the result of a query that got no answer.
func failure(server string, k rrset.Key, want *rrset.Set, err error) Result {
	return Result{Server: server, Key: k, Want: want, Status: StatusError, Err: err}
}

// compare orders results by key, then server: a report reads set by set.
func compare(a, b Result) int {
	if c := a.Key.Compare(b.Key); c != 0 {
		return c
	}
	return strings.Compare(a.Server, b.Server)
}

// maxSummarized bounds how many results Summary spells out: a change of
// 5,000 RRsets not served must not make a line of 5,000 of them.
const maxSummarized = 10

// Summary joins results into one line for logs, health and errors: the
// first maxSummarized, and how many more.
func Summary(results []Result) string {
	n := min(len(results), maxSummarized)
	parts := make([]string, 0, n+1)
	for _, r := range results[:n] {
		parts = append(parts, r.String())
	}
	if more := len(results) - n; more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(parts, "; ")
}
