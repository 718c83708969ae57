package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
)

// Floors: the serials other servers of a zone hold. A secondary keeps the
// newest serial it ever transferred, whatever becomes of the primary: a
// wiped zone_dir and state_dir, a restored backup or a primary restarted
// from an old state leave it holding a serial the primary no longer knows.
// Unless the next serial is newer than that one, the secondary ignores
// every change from then on, silently. The reconciler asks each reachable
// secondary for its serial before a write and hands them over as floors;
// the backend never talks to secondaries itself.

// Floor is a serial a server other than the one written serves for a zone.
type Floor struct {
	Server string // its name in reports
	Serial uint32
}

// FloorApplier is a Backend that can be told the serials other servers
// hold and write above them: the zone file backend chooses each serial
// itself, the rfc2136 backend sets one in its UPDATE when the server's
// own bump would not be newer (rfc2136_floor.go).
type FloorApplier interface {
	Backend
	// ApplyAbove is Apply with a serial newer (RFC 1982) than each floor
	// as well as every serial the backend knows of. An empty plan is a
	// serial-only write: the zone as served, only its serial moved above
	// the floors (for a secondary serving a newer serial than the
	// primary's); when no serial within half the serial space passes
	// them, nothing is written and the error names the servers.
	ApplyAbove(ctx context.Context, served *observed.Zone, p diff.Plan, floors []Floor) (Result, error)
}

var (
	_ FloorApplier = (*ZoneFile)(nil)
	_ FloorApplier = (*RFC2136)(nil)
)

// NextSerialAbove is NextSerial over known and the floors. When no serial
// is newer than all of them (the floors and known serials are half the
// serial space or more apart), the floors do not count: the serial is
// NextSerial's over known alone, so that the primary still loads the
// change, and the error names each server the serial is not newer than,
// which will not follow it until reset by hand. A jump past half the space
// is never made to reach a floor.
func NextSerialAbove(now time.Time, known []uint32, floors []Floor) (uint32, error) {
	all := append([]uint32(nil), known...)
	for _, f := range floors {
		all = append(all, f.Serial)
	}
	serial, err := NextSerial(now, all...)
	if err == nil || len(floors) == 0 {
		return serial, err
	}
	serial, err = NextSerial(now, known...)
	var left []string
	for _, f := range floors {
		if f.Serial != 0 && !serialNewer(serial, f.Serial) {
			left = append(left, fmt.Sprintf("%s (serial %d)", f.Server, f.Serial))
		}
	}
	if len(left) == 0 { // the known serials alone were the spread
		return serial, err
	}
	lost := fmt.Errorf("no serial is newer (RFC 1982) than both the primary's and what %s serve: writing %d, which they will not transfer until reset by hand (README: \"The serial only goes forward\")",
		strings.Join(left, ", "), serial)
	return serial, errors.Join(err, lost)
}

// Ahead returns the floors newer (RFC 1982) than serial, the one the
// primary serves: servers that ignore the primary until its serial
// passes theirs. Unreachable ones (serial 0) are none.
func Ahead(serial uint32, floors []Floor) []Floor {
	var out []Floor
	for _, f := range floors {
		if f.Serial != 0 && serialNewer(f.Serial, serial) {
			out = append(out, f)
		}
	}
	return out
}
