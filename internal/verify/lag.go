package verify

import (
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// Why a secondary lags. dnssync cannot see a secondary's transfers from
// the primary: it sees what the secondary answers, and whether it
// answered NOTIFY. What those imply is said, and no more: a secondary
// that answers SERVFAIL for its zone has no copy (never transferred, or
// expired), which means its transfers fail; one that took the NOTIFY and
// still serves the old serial at the end of the wait did not transfer
// the new one, the usual cause being a primary that refuses it.

// RcodeError is a server's answer with an error rcode: it answered, so
// it is reachable, and the rcode says what it thinks of the question.
type RcodeError struct {
	Name   string // the question's name
	Qtype  uint16
	Server string // host:port
	Rcode  int
}

func (e *RcodeError) Error() string {
	return fmt.Sprintf("query %s %s at %s: server answered %s", e.Name, dns.TypeToString[e.Qtype], e.Server, rcodeName(e.Rcode))
}

func rcodeName(rcode int) string {
	if s, ok := dns.RcodeToString[rcode]; ok {
		return s
	}
	return fmt.Sprintf("rcode %d", rcode)
}

// unreadReason says why a server's serial for its zone could not be read
// (err). A secondary's SERVFAIL, REFUSED or NOTAUTH says why it lags; any
// other failure is that it could not be asked.
func unreadReason(role Role, err error) string {
	var re *RcodeError
	if role == RoleSecondary && errors.As(err, &re) {
		switch re.Rcode {
		case dns.RcodeServerFailure:
			// What BIND, Knot and CoreDNS secondaries answer for a zone
			// they are configured for and hold no copy of.
			return "has no copy of the zone (it answers its SOA with SERVFAIL): its transfers from the primary fail " +
				"(the primary refuses them, or it cannot reach the primary); see the secondary's log"
		case dns.RcodeRefused, dns.RcodeNotAuth:
			return fmt.Sprintf("does not serve the zone (it answers its SOA with %s): not configured as its secondary", rcodeName(re.Rcode))
		}
	}
	return fmt.Sprintf("unreachable: %v", err)
}

// NotTransferredReason is why a secondary that took the NOTIFY for
// serial want (answered: it answered the NOTIFY; false: none was sent)
// still serves an older one after waited.
func NotTransferredReason(want uint32, waited time.Duration, answered bool) string {
	cause := "the primary may refuse its transfers (check the primary's `transfer to` / allow-transfer), see the secondary's log"
	waited = waited.Round(time.Millisecond)
	if !answered {
		return fmt.Sprintf("not sent NOTIFY (notify = false): it transfers serial %d at its SOA refresh or retry, not within %s", want, waited)
	}
	return fmt.Sprintf("NOTIFY answered, but serial %d was not transferred within %s: %s", want, waited, cause)
}

// BehindReason is why a secondary serves an older serial than the
// primary's (want) at a scheduled check, after the changes had their
// wait to reach it (the check NOTIFYs it again).
func BehindReason(want uint32) string {
	return fmt.Sprintf("serial %d not transferred yet: if this lasts, the primary may refuse its transfers "+
		"(check the primary's `transfer to` / allow-transfer), see the secondary's log", want)
}
