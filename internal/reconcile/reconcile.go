// Package reconcile is the loop that keeps a DNS server serving records.d:
// one pass reads desired and observed state, plans, checks, applies and
// verifies; Run repeats passes on file changes and on a schedule.
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// Transferer reads a zone as served, and asks whether the server serves
// it at all when a transfer is refused.
type Transferer interface {
	Transfer(ctx context.Context, zone string) (*observed.Zone, error)
	Probe(ctx context.Context, zone string) (observed.SOAAnswer, error)
}

// Store is the desired state as the reconciler uses it.
type Store interface {
	Scan() (zones []string, err error)
	Reload(paths []string) (zones []string)
	State() *desired.State
	// ChangedSince returns zone's names changed after State generation
	// gen; ok is false when the store no longer knows.
	ChangedSince(zone string, gen uint64) (names map[string]bool, ok bool)
	// AcceptEmpty lets the next Scan empty the store (emptied.go).
	AcceptEmpty()
}

// Verifier checks what the server answers.
type Verifier interface {
	Serial(ctx context.Context, zone string) (uint32, error)
	Wait(ctx context.Context, want map[rrset.Key]*rrset.Set, interval time.Duration) verify.Report
}

// Checker compares every desired RRset with what servers answer.
type Checker interface {
	// progress, when set, is called as the check goes.
	CheckAll(ctx context.Context, want map[rrset.Key]*rrset.Set, history verify.History, progress func()) verify.Report
}

// Reconciler holds what a pass needs. Passes are serialised: one at a time.
type Reconciler struct {
	// TrustAnchors: a key roll never removes a key they name (rollgate.go).
	TrustAnchors TrustAnchors
	// Zones are the zones passes reconcile: with a ZoneSource, the managed
	// zones and those retiring, refreshed at each pass's start (zoneset.go).
	Zones []string
	// ZoneSource, when set, makes Zones follow zones.d; nil: Zones is static.
	ZoneSource ZoneSource
	// ApplyZones translates zones for a backend that writes SOA and NS
	// (apply.ZoneSetter); the wiring's, so that apply knows no config.
	ApplyZones func([]config.Zone) []apply.Zone
	Store      Store
	Observed   Transferer
	Backend    apply.Backend
	Verifier   Verifier
	Safety     diff.Safety
	// CreatesZones: a zone the server does not serve yet may be written
	// (true for zone files; an UPDATE cannot create a zone).
	CreatesZones bool
	// recheck is how long after a zone first looked not served it is
	// asked again before it is created (0: defaultRecheck).
	recheck time.Duration
	// VerifyTimeout bounds the wait for a change to be served.
	VerifyTimeout time.Duration
	// Replication: the secondaries and resolvers (propagate.go).
	Replication Replication
	// Checker, when set, runs the resolution checks of Verify.
	Checker Checker
	// TrackChanges remembers when each RRset was last changed, for a
	// Checker that asks resolvers (they may serve old data for a TTL).
	// Off, the times are not kept: at 100,000 records they cost memory
	// that only such checks use.
	TrackChanges bool
	// Held, when set, keeps what the safety rules hold in the state dir,
	// shared with every other dnssync process and kept across restarts
	// (heldsync.go); nil keeps it in this Reconciler only.
	Held *HeldFile
	// ZonesFile, when set, keeps the managed zone set in the state dir, so
	// that a zone removed while no dnssync ran is still retired
	// (zonesrecord.go); nil: a new Reconciler knows only its zones as wired.
	ZonesFile *ZonesFile
	Log       *slog.Logger
	// Catalog, when set, is the catalog zone (RFC 9432), one of Zones:
	// its content is the other Zones, derived (derived.go).
	Catalog string
	// ReverseZones are the Zones filled with PTRs derived from every
	// other zone's A and AAAA records, up to ReverseCap names an address
	// (0: reverse.DefaultCap).
	ReverseZones []string
	ReverseCap   int
	// DNSSEC, when set, validates the signed zones at every check, on
	// the primary and each secondary (dnsseccheck.go).
	DNSSEC *DNSSECCheck

	mu       sync.Mutex
	reported map[string]string // what standing conflicts were last logged
	// served is each zone as a pass last left it (cache.go).
	served servedCache
	// changedAt is when dnssync last changed each RRset, and how long a
	// resolver may serve what it cached before (noteChanges).
	changedAt map[rrset.Key]verify.Change
	// holding is, per zone, what the safety rules refused and still hold
	// (held.go): a refusal outlasts the growth of the zone by the creates
	// applied meanwhile.
	holding map[string]*diff.Hold
	// heldSeen is Held's content as this Reconciler last took it into
	// holding; heldErr, why Held could not be read at this pass's start.
	heldSeen map[string]heldEntry
	heldErr  error
	// dataSeen is, per "zone server", the serial and desired generation
	// a secondary's data was last compared equal at (secondarydata.go).
	dataSeen map[string]dataMark
	// derived is the derived zones' content as last derived, and which
	// zones the current pass's State derived (derived.go).
	derived derivedMemo
	// zoneSet is the zone set as last taken in (zoneset.go).
	zoneSet zoneSet
	// prop is the secondaries' waits after changes, which run beside
	// the passes (propwait.go); floorMiss, the secondaries that did not
	// answer for a floor in this pass (floor.go).
	prop      propagations
	floorMiss map[string]bool
}

// Options shape one pass.
type Options struct {
	Zones  []string // nil: every managed zone
	Apply  bool     // false: plan and report only
	Force  bool     // apply plans the safety check refuses
	Verify bool     // wait for applied changes to be served
	Check  bool     // full passes: then check every RRset against the Checker's servers
	// Progress, when set, is called as the pass goes: after each zone, and
	// every few RRsets checked, possibly from several goroutines at once.
	// A pass that calls it is busy, not stuck (the daemon's liveness).
	Progress func()

	cached bool // may use the zone as last seen, if its serial still stands
	// recheck: the zones looked not served earlier in this pass; a zone
	// that still does is created from scratch.
	recheck bool
	// ahead and writes: the zones observed ahead of the pass, and its
	// writes under way (passpipe.go); nil, each zone is observed and
	// written in turn.
	ahead  *lookahead
	writes *writes
	// early: the serials a change pass asked for as it started
	// (earlyserial.go).
	early earlySerials
	// probes: the SOA answers a full pass asked for as it started
	// (earlyprobe.go).
	probes earlyProbes
}

// ZoneResult is what a pass did to one zone.
type ZoneResult struct {
	Zone string
	// Plan is what the pass applies (or, planning only, would apply): the
	// whole change, less what the safety check holds in Refused.
	Plan diff.Plan
	// Refused is the part of the change the safety check holds back until
	// `apply --force`: deletes and updates, and creates at their names.
	// Empty unless Refusal is set.
	Refused    diff.Plan
	Held       []desired.Conflict
	Applied    bool
	Serial     uint32
	Latency    time.Duration   // from apply until served, when verified
	Mismatches []verify.Result // applied but not served as planned (verify's failed results)
	Err        error           // diff.ErrUnsafe for a refused plan
	Stage      Stage           // where Err happened
	// Refusal is why the safety rules hold Refused back (nil: they do
	// not), also on passes that only plan, so that `plan` can say so.
	Refusal error
	// Drift is the part of Plan that puts back changes the server got
	// from elsewhere than records.d (drift.go): put back once Applied.
	Drift []rrset.Key
	// Raised counts the zone's serial-only writes: a scheduled check
	// found a secondary serving a newer serial than the primary, and the
	// zone was written again with only its serial moved above it
	// (ahead.go).
	Raised int
	// The servers' state of the zone after a change is reported apart,
	// when their wait ends (Replication.OnSecondary): the pass does not
	// wait for the secondaries.
}

// Stage names where a zone's pass failed, for health and metrics.
type Stage string

// The stages a zone's pass can fail in.
const (
	StageTransfer Stage = "transfer" // the server could not be read
	StageUnsafe   Stage = "unsafe"   // the plan was refused by the safety check
	StageApply    Stage = "apply"    // the backend failed
)

// Result is what a pass did.
type Result struct {
	Full     bool // every zone transferred, not only those of changed files
	Start    time.Time
	Duration time.Duration
	State    *desired.State
	Zones    []ZoneResult
	Err      error          // desired state could not be read: nothing was planned
	Check    *verify.Report // the resolution checks, on scheduled passes
}

// Pending reports whether the pass leaves anything undone: changes not
// applied, changes the safety rules hold, deletions held while a records
// file is unread, desired records left alone because another writer owns
// them, names left as served because records.d disagrees about them, or a
// records file never read. It is what `dnssync plan` exits 2 on: anything
// pending is never "in sync".
func (r Result) Pending() bool {
	if r.State != nil && len(r.State.Incomplete) > 0 {
		return true
	}
	for _, z := range r.Zones {
		if !z.Plan.Empty() && !z.Applied || !z.Refused.Empty() {
			return true
		}
		if p := z.Plan; len(p.HeldDeletes) > 0 || len(p.Foreign) > 0 || len(p.Conflicts) > 0 {
			return true
		}
	}
	return false
}

// Failed returns the first error of the pass, if any.
func (r Result) Failed() error {
	if r.Err != nil {
		return r.Err
	}
	var errs []error
	for _, z := range r.Zones {
		if z.Err != nil {
			errs = append(errs, z.Err)
		} else if len(z.Mismatches) > 0 {
			errs = append(errs, fmt.Errorf("zone %s: not served as planned: %s", z.Zone, verify.Summary(z.Mismatches)))
		}
	}
	return errors.Join(errs...)
}
