package verify

import (
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
)

// What a resolver may still have cached, and until when. A cache keeps an
// answer for the TTL it came with, counting it down, and asks again only
// when it runs out: the old set for the old set's TTL, a denial (a name or
// type that did not exist) for the TTL of the SOA that came with it
// (NegativeTTL). So a resolver that still answers the old way is lagging,
// not wrong, until the longest it may keep what it cached has passed, and
// the remaining TTL in its answer says exactly when it will ask again.

// Change is what dnssync last did to one RRset, as far as a cache is
// concerned.
type Change struct {
	// At is when the change was applied; zero: long ago, so that no
	// cache may still hold what came before.
	At time.Time
	// Cached is the longest a cache may keep what was served before the
	// change: the old set's TTL, or the zone's negative TTL when the set
	// did not exist. Zero: the wanted set's TTL.
	Cached time.Duration
	// Unknown: the caller keeps no history (`dnssync verify` is a process
	// of its own, and dnssync may have changed the set a moment ago), so
	// At says nothing: judged as with a nil History.
	Unknown bool
}

// History returns what dnssync last did to each set. A nil History, or a
// Change that is Unknown, means no history at all (`dnssync verify
// [NAME]` is a process of its own): a cache's answer is then trusted to
// say when it asks again.
type History func(rrset.Key) Change

// willServeBy is when a cache that answered otherwise than wanted will
// serve want, or zero when that time has passed and the answer counts as
// wrong. remaining is the TTL the cache's answer carries (known: it
// carried one: the set's, or in a denial the SOA's).
func willServeBy(h History, k rrset.Key, want *rrset.Set, now time.Time, remaining time.Duration, known bool) time.Time {
	if want == nil { // only sets wanted are asked of caches
		return time.Time{}
	}
	var c Change
	if h != nil {
		c = h(k)
	}
	if h == nil || c.Unknown {
		if !known || remaining <= 0 {
			return time.Time{}
		}
		return now.Add(remaining)
	}
	if c.At.IsZero() {
		return time.Time{}
	}
	window := c.Cached
	if window == 0 {
		window = time.Duration(want.TTL) * time.Second
	}
	until := c.At.Add(window)
	if !now.Before(until) {
		return time.Time{}
	}
	// A cache that asked after the change was applied cannot hold the old
	// data past its own TTL: the sooner of the two.
	if known && now.Add(remaining).Before(until) {
		return now.Add(remaining)
	}
	return until
}
