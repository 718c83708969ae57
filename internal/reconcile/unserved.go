package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// A server that answers a transfer with an error may not serve the zone at
// all (a zone file backend then writes it from records.d), or may serve it
// and refuse to transfer it: no transfer plugin, a `to` that does not match.
// Taking the second for the first rebuilds the zone from records.d alone,
// dropping what conflicts and held deletions keep served, on every pass.
// So the zone's SOA query decides: an authoritative answer means served,
// and the pass changes nothing in the zone; REFUSED, NOTAUTH or SERVFAIL
// (CoreDNS, for a zone it has not loaded) means not served, but only when
// it says so twice, a moment apart (a server starting or reloading may
// say so for a moment); anything else changes nothing. The second time,
// and the first for a zone the backend never wrote, the SOA query is
// asked first and alone (cache.go, transfer): the evidence for "not
// served" is the two SOA answers; the transfer is asked only of a zone
// the answer says is served.

// defaultRecheck is how long after a zone first looked not served it is
// asked again. The pass asks about all such zones after one wait, so a
// cold start creating 1,000 zones waits once, not 1,000 times.
const defaultRecheck = 250 * time.Millisecond

// zoneWriter is a backend that knows which zones it has written
// (apply.ZoneFile: those it recorded a serial for). A zone it never wrote
// is most likely not served yet, so its SOA query is asked before a
// transfer; the answer decides as it does after a refused transfer.
type zoneWriter interface{ Wrote(zone string) bool }

var _ zoneWriter = (*apply.ZoneFile)(nil)

// wrote is false only for a zone the backend knows it never wrote.
func (r *Reconciler) wrote(zone string) bool {
	w, ok := r.Backend.(zoneWriter)
	return !ok || w.Wrote(zone)
}

// errNotServedOnce marks a zone that looked not served once in this pass;
// the pass asks again after recheckAfter.
var errNotServedOnce = errors.New("the server does not serve the zone; asking again before creating it")

func (r *Reconciler) recheckAfter() time.Duration {
	if r.recheck > 0 {
		return r.recheck
	}
	return defaultRecheck
}

// unserved decides what a transfer the server answered with xfrErr means:
// an empty zone to create (on recheck, when the SOA query says not served
// again), or an error that leaves the zone alone.
//
// soa, when not nil, is the zone's SOA answer asked just before the
// transfer: it is not asked again.
func (r *Reconciler) unserved(ctx context.Context, log *slog.Logger, zone string, xfrErr error, recheck bool, soa *observed.SOAAnswer) (*observed.Zone, error) {
	var (
		a   observed.SOAAnswer
		err error
	)
	if soa != nil {
		a = *soa
	} else {
		a, err = r.Observed.Probe(ctx, zone)
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w; and asking for its SOA failed, so whether the zone is served is unknown and nothing in it changes: %v", xfrErr, err)
	case a.Served():
		// A refused transfer also when it failed otherwise (SERVFAIL): it
		// is the transfer, not the zone, that is missing.
		return nil, refusedTransfer{fmt.Errorf("%w; the server serves the zone (its SOA answer is %s) but does not transfer it to dnssync: allow transfers to dnssync's address (CoreDNS: `transfer { to ... }` in the zone's server block); nothing in the zone changes until then",
			xfrErr, a)}
	case !a.NotServed():
		return nil, fmt.Errorf("%w; its SOA answer is %s, which says neither that the server serves the zone nor that it does not; nothing in the zone changes", xfrErr, a)
	case !recheck:
		return nil, fmt.Errorf("zone %s: %w (SOA answer %s)", zone, errNotServedOnce, a)
	}
	log.Info("zone not served (its SOA query answered so twice); it will be created", "soa", a.String())
	return &observed.Zone{Name: zone, Sets: rrset.Zone{}}, nil
}

// refusedTransfer matches observed.ErrTransferRefused whatever the
// transfer's own error was.
type refusedTransfer struct{ error }

func (e refusedTransfer) Unwrap() error        { return e.error }
func (e refusedTransfer) Is(target error) bool { return target == observed.ErrTransferRefused }

// notServedHint adds to a transfer the server answered with an error what
// to add on the server when it does not serve zone: a backend that writes
// by UPDATE (rfc2136) cannot create a zone, so a zone added to zones.d
// must be added on the server by hand.
func notServedHint(zone string, err error) error {
	name := strings.TrimSuffix(zone, ".")
	return fmt.Errorf("%w; if the server does not serve zone %s, add it there, open to dnssync's TSIG key: BIND `zone \"%s\" { type primary; file \"...\"; update-policy { grant KEY zonesub ANY; }; allow-transfer { key KEY; }; };`, Knot `zone: - domain: %s` with an acl allowing update and transfer, CoreDNS a server block `%s { dynupdate ... transfer { to * } }`",
		err, zone, name, name, name)
}

// tsigRefused says what a transfer refused as a TSIG failure means. A
// server asked for a zone it does not serve refuses the signed request
// unsigned (BIND, Knot), which the client can only report as a TSIG
// failure; the zone's SOA query tells the two apart. A zone the server
// declines is named as not served, with what to add on the server; any
// other answer leaves the TSIG error, the key's fault.
func (r *Reconciler) tsigRefused(ctx context.Context, zone string, xfrErr error) error {
	a, err := r.Observed.Probe(ctx, zone)
	if err != nil || !a.NotServed() {
		return xfrErr
	}
	return notServedHint(zone, fmt.Errorf("the server does not serve zone %s (its SOA answer is %s; the transfer's refusal came unsigned)", zone, a))
}
