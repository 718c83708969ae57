// Package apply holds the backends that make a DNS server serve a plan. A
// backend applies exactly the plan it is given; it never computes one.
// Backends are built by NewZoneFile and NewRFC2136 from typed options,
// which they check; the package knows nothing of the config file (the
// command's wiring translates it).
package apply

import (
	"context"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Backend is the small interface the reconciler drives.
type Backend interface {
	// Base returns the records the backend itself keeps in zone (for a zone
	// file: SOA, apex NS and the nameservers' addresses). They join the
	// desired state.
	Base(zone string) []dns.RR
	// Managed reports which served RRsets of zone dnssync may change or
	// delete; nil means all of them.
	Managed(zone string) func(rrset.Key) bool
	// Apply makes the server serve served+plan. It must not keep served:
	// the reconciler updates it in place afterwards.
	Apply(ctx context.Context, served *observed.Zone, p diff.Plan) (Result, error)
}

// Result says what an apply did, for verification and logs.
type Result struct {
	// Serial is the SOA serial that carries the change, when the backend
	// knows it (0 otherwise). Once the server answers with it, the change
	// is loaded.
	Serial uint32
}
