package verify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Role is what a server is to a zone. The values are the words the JSON
// shape uses.
type Role string

// The roles of the servers a zone is checked on.
const (
	RolePrimary   Role = "primary"   // the server dnssync writes
	RoleSecondary Role = "secondary" // transfers the zone from the primary
	RoleResolver  Role = "resolver"  // a cache clients ask
)

// ServerStatus is one zone at one server: the serial it serves against the
// primary's, or (a resolver) whether it answers the zone's records as
// wanted. Reports hold one per server per zone checked, beside the
// Results of each RRset.
type ServerStatus struct {
	Zone   string // canonical
	Server string // host:port
	Name   string // the configured label; Server when none
	Role   Role
	// Serial is what an authoritative server answers for the zone's SOA;
	// 0 when it could not be read (Reason says why), and for resolvers.
	Serial uint32
	// Want is the serial it must serve: the primary's.
	Want   uint32
	InSync bool
	// Behind is how many serials a secondary is behind Want (RFC 1982),
	// when it serves an older one.
	Behind uint32
	// Took is, after a change, how long from the primary serving the new
	// serial until this server did (0 for the primary).
	Took time.Duration
	// Waited is, after a change, how long this server was waited for
	// without reaching the serial: how long it has lagged.
	Waited time.Duration
	// Reason says why it is not in sync, when known: no answer, no copy
	// of the zone (its transfers fail), not serving the zone, NOTIFY
	// unanswered or refused, NOTIFY answered but the serial not
	// transferred, a newer serial than the primary's, data that differs
	// at the primary's serial (lag.go).
	Reason string
	// Note says what the check could not look at, without failing it: a
	// secondary whose data was not compared (it refuses transfers).
	Note string
}

// Authoritative reports whether s is the zone's own data (primary or
// secondary), whose not being in sync fails a check.
func (s ServerStatus) Authoritative() bool { return s.Role != RoleResolver }

func (s ServerStatus) String() string {
	what := fmt.Sprintf("zone %s at %s %s", strings.TrimSuffix(s.Zone, "."), s.Role, s.Name)
	switch {
	case s.InSync && s.Role == RoleResolver:
		return what + ": in sync"
	case s.InSync && s.Note != "":
		return fmt.Sprintf("%s: in sync at serial %d (%s)", what, s.Serial, s.Note)
	case s.InSync:
		return fmt.Sprintf("%s: in sync at serial %d", what, s.Serial)
	case s.Role == RoleResolver:
		return fmt.Sprintf("%s: not in sync (%s)", what, s.Reason)
	}
	out := fmt.Sprintf("%s: serves serial %d, want %d", what, s.Serial, s.Want)
	if s.Behind > 0 {
		out += fmt.Sprintf(" (%d behind", s.Behind)
		if s.Waited > 0 {
			out += fmt.Sprintf(", lagging for %s", s.Waited.Round(time.Millisecond))
		}
		out += ")"
	}
	if s.Reason != "" {
		out += ": " + s.Reason
	}
	return out
}

// SerialStatus judges an authoritative server's serial for zone against
// the primary's (want), read as served (err: it could not be read).
func SerialStatus(zone, server, name string, role Role, served, want uint32, err error) ServerStatus {
	s := ServerStatus{Zone: zone, Server: server, Name: name, Role: role, Serial: served, Want: want}
	if s.Name == "" {
		s.Name = server
	}
	switch d := int32(served - want); {
	case err != nil:
		s.Serial, s.Reason = 0, unreadReason(role, err)
	case d == 0:
		s.InSync = true
	case d < 0:
		s.Behind = uint32(-d)
	default:
		// It ignores the primary until the primary's serial passes its own:
		// a primary restored or wiped, or another writer. Said, never
		// taken for in sync.
		s.Reason = fmt.Sprintf("serves a newer serial than the primary (%d > %d): it ignores the primary's changes until the primary's serial passes it (dnssync's next write goes above it)", served, want)
	}
	return s
}

// ResolverStatus is whether the resolver at server answers every RRset
// of zone that rep checked there as wanted (a cache within the TTL of a
// change counts as in sync); in reports whether a key is in the zone.
func (r Report) ResolverStatus(zone, server, name string, in func(rrset.Key) bool) ServerStatus {
	s := ServerStatus{Zone: zone, Server: server, Name: name, Role: RoleResolver, InSync: true}
	if s.Name == "" {
		s.Name = server
	}
	var failed []Result
	for _, res := range r.Results {
		if res.Server == server && in(res.Key) && res.Failed() {
			failed = append(failed, res)
		}
	}
	if len(failed) > 0 {
		s.InSync, s.Reason = false, fmt.Sprintf("%d RRsets not served as wanted: %s", len(failed), Summary(failed))
	}
	return s
}

// OutOfSync returns the authoritative servers not in sync.
func (r Report) OutOfSync() []ServerStatus {
	var out []ServerStatus
	for _, s := range r.Sync {
		if !s.InSync && s.Authoritative() {
			out = append(out, s)
		}
	}
	return out
}

// zonesJSON groups the server statuses by zone, zones and servers in the
// order the report holds them.
func zonesJSON(sync []ServerStatus) []client.ZoneServers {
	var out []client.ZoneServers
	for _, s := range sync {
		zone := display(s.Zone)
		i := slices.IndexFunc(out, func(z client.ZoneServers) bool { return z.Zone == zone })
		if i < 0 {
			out = append(out, client.ZoneServers{Zone: zone, Servers: []client.ServerSync{}})
			i = len(out) - 1
		}
		out[i].Servers = append(out[i].Servers, s.JSON())
	}
	return out
}

// JSON is the status as one server of a zone in a Verification.
func (s ServerStatus) JSON() client.ServerSync {
	j := client.ServerSync{Address: s.Server, Name: s.Name, Role: string(s.Role), InSync: s.InSync,
		Behind: s.Behind, Seconds: s.Took.Seconds(), LaggingSeconds: s.Waited.Seconds(), Reason: s.Reason, Note: s.Note}
	if s.Authoritative() && s.Serial != 0 {
		serial := s.Serial
		j.Serial = &serial
	}
	return j
}
