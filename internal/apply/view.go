package apply

import (
	"context"
	"errors"
	"log/slog"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// A check that changes nothing (`dnssync verify`, looking for stale
// records) plans each zone as a pass would, so it needs what the backend
// keeps itself (Base) and what it may change (Managed), and nothing a
// write needs: no TSIG secret, no serials.json, no lock. A view is that
// half of a backend, built from the config and the ownership state alone;
// its Apply refuses.

// ErrView: a view of a backend was asked to apply a plan.
var ErrView = errors.New("a read-only view of the backend applies nothing")

// view is a backend whose Apply refuses: the Base and Managed of the
// backend it wraps, which was built without what writing needs.
type view struct{ b Backend }

var _ Backend = view{}

func (v view) Base(zone string) []dns.RR { return v.b.Base(zone) }

func (v view) Managed(zone string) func(rrset.Key) bool { return v.b.Managed(zone) }

func (view) Apply(context.Context, *observed.Zone, diff.Plan) (Result, error) {
	return Result{}, ErrView
}

// ZoneFileView is the zone file backend of zones, as a check sees it: the
// SOA, apex NS and nameserver addresses it writes are its own; the rest
// of each zone is dnssync's.
func ZoneFileView(dir string, zones []Zone) (Backend, error) {
	b, err := NewZoneFile(ZoneFileOptions{Dir: dir, Zones: zones})
	if err != nil {
		return nil, err
	}
	return view{b}, nil
}

// RFC2136View is the rfc2136 backend owning what owned lists, as a check
// sees it: only those sets are dnssync's.
func RFC2136View(owned *Owned) Backend {
	return view{&RFC2136{owned: owned, log: slog.New(slog.DiscardHandler)}}
}
