package verify

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// A check asks each server for every set. A server that has stopped
// answering (its packets dropped, or nothing listening) would cost a
// timeout per set: with 16 queries in flight and 2 s each, 10,000 sets take
// over 20 minutes, and the pass looks stuck. So each server of a check has
// a breaker: after breakerTrips queries in a row got no answer at all, the
// check stops asking that server, and each set not asked is reported as an
// error at that server (ErrNotAsked), one Result per set as before, so
// that the report's shape and counts do not change. An answer of any kind,
// a refusal or SERVFAIL included, resets the count: that server is alive.
// The next check asks it again.

// breakerTrips is how many unanswered queries in a row stop a check asking
// a server: more than a few packets lost by chance.
const breakerTrips = 8

// ErrNotAsked is the error of a set a check did not ask a server about,
// because that server had stopped answering.
var ErrNotAsked = errors.New("not asked")

// breaker counts one server's unanswered queries in a row during one
// check. Its methods are safe for the check's parallel queries.
type breaker struct {
	addr string

	mu     sync.Mutex
	missed int   // unanswered queries in a row
	last   error // the last of them
	open   error // non-nil once tripped: why nothing more is asked
}

// allow returns nil while the server may be asked, else the error every set
// not asked is reported with.
func (b *breaker) allow() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open
}

// record notes the outcome of one query.
func (b *breaker) record(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !unanswered(err) {
		b.missed = 0
		return
	}
	b.missed++
	b.last = err
	if b.missed >= breakerTrips && b.open == nil {
		b.open = fmt.Errorf("%w: %s did not answer %d queries in a row (last: %v)", ErrNotAsked, b.addr, b.missed, b.last)
	}
}

// unanswered reports whether a query's error means no answer came: a
// timeout or a network error (connection refused), as opposed to an answer
// the check did not like.
func unanswered(err error) bool {
	var ne net.Error
	return err != nil && errors.As(err, &ne)
}
