// Package reconcile is the loop that keeps a DNS server serving records.d:
// one pass reads desired and observed state, plans, checks, applies and
// verifies; Run repeats passes on file changes and on a schedule.
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/dnssync/dnssync/internal/apply"
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
	Wait(ctx context.Context, want map[rrset.Key]*rrset.Set, interval time.Duration) (time.Duration, []verify.Mismatch)
}

// Checker compares every desired RRset with what servers answer.
type Checker interface {
	CheckAll(ctx context.Context, want map[rrset.Key]*rrset.Set, changedAt func(rrset.Key) time.Time) verify.Report
}

// Reconciler holds what a pass needs. Passes are serialised: one at a time.
type Reconciler struct {
	Zones    []string
	Store    Store
	Observed Transferer
	Backend  apply.Backend
	Verifier Verifier
	Safety   diff.Safety
	// CreatesZones: a zone the server does not serve yet may be written
	// (true for zone files; an UPDATE cannot create a zone).
	CreatesZones bool
	// recheck is how long after a zone first looked not served it is
	// asked again before it is created (0: defaultRecheck).
	recheck time.Duration
	// VerifyTimeout bounds the wait for a change to be served.
	VerifyTimeout time.Duration
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
	Log  *slog.Logger

	mu       sync.Mutex
	reported map[string]string // what standing conflicts were last logged
	// served caches each zone as last seen and changed, with its serial. A
	// pass for changed files reuses it while the server still answers that
	// serial, so a one-record change costs one SOA query, not a transfer
	// of the whole zone. Full passes always transfer.
	served map[string]*seen
	// changedAt is when dnssync last changed each RRset: a resolver may
	// serve the old data until the TTL since then runs out.
	changedAt map[rrset.Key]time.Time
	// holding is, per zone, what the safety rules refused and still hold
	// (see keepHeld): a refusal outlasts the growth of the zone by the
	// creates applied meanwhile.
	holding map[string]*holding
	// heldSeen is Held's content as this Reconciler last took it into
	// holding; heldErr, why Held could not be read at this pass's start.
	heldSeen map[string]heldEntry
	heldErr  error
}

// Options shape one pass.
type Options struct {
	Zones  []string // nil: every managed zone
	Apply  bool     // false: plan and report only
	Force  bool     // apply plans the safety check refuses
	Verify bool     // wait for applied changes to be served
	Check  bool     // full passes: then check every RRset against the Checker's servers

	cached bool // may use the zone as last seen, if its serial still stands
	// recheck: the zones looked not served earlier in this pass; a zone
	// that still does is created from scratch.
	recheck bool
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
	Latency    time.Duration     // from apply until served, when verified
	Mismatches []verify.Mismatch // applied but not served as planned
	Err        error             // diff.ErrUnsafe for a refused plan
	Stage      Stage             // where Err happened
	// Refusal is why the safety rules hold Refused back (nil: they do
	// not), also on passes that only plan, so that `plan` can say so.
	Refusal error
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

// Pending reports whether some zone has changes not applied.
func (r Result) Pending() bool {
	for _, z := range r.Zones {
		if !z.Plan.Empty() && !z.Applied || !z.Refused.Empty() {
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

// RunOnce rescans records.d (only changed files are read again) and
// reconciles every zone in opts.Zones.
func (r *Reconciler) RunOnce(ctx context.Context, opts Options) Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := time.Now()
	if err := r.scan(ctx); err != nil {
		return Result{Full: true, Start: start, Duration: time.Since(start), Err: fmt.Errorf("records: %w", err)}
	}
	res := r.pass(ctx, opts)
	if opts.Check && r.Checker != nil && ctx.Err() == nil && reachable(res) {
		rep := r.check(ctx, res.State)
		res.Check = &rep
		r.logCheck(rep)
	}
	res.Full, res.Start, res.Duration = true, start, time.Since(start)
	return res
}

// Verify rescans records.d and checks that every desired RRset is answered
// as desired by every server of the Checker. It changes nothing.
func (r *Reconciler) Verify(ctx context.Context) (verify.Report, error) {
	if r.Checker == nil {
		return verify.Report{}, errors.New("no servers to check")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.scan(ctx); err != nil {
		return verify.Report{}, fmt.Errorf("records: %w", err)
	}
	return r.check(ctx, r.Store.State()), nil
}

func (r *Reconciler) check(ctx context.Context, st *desired.State) verify.Report {
	want := map[rrset.Key]*rrset.Set{}
	for _, z := range st.Zones {
		for k, s := range z {
			want[k] = s
		}
	}
	return r.Checker.CheckAll(ctx, want, func(k rrset.Key) time.Time { return r.changedAt[k] })
}

// Changed reloads exactly these record files and reconciles only the zones
// they touch.
func (r *Reconciler) Changed(ctx context.Context, paths []string, opts Options) Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := time.Now()
	opts.Zones = r.Store.Reload(paths)
	// A reader's Scan (Verify) may have loaded these files already, so
	// that Reload finds them unchanged: a zone whose desired names changed
	// since the pass that cached it is reconciled too.
	for _, z := range r.Zones {
		if c := r.served[z]; c != nil && !slices.Contains(opts.Zones, z) {
			if names, ok := r.Store.ChangedSince(z, c.gen); !ok || len(names) > 0 {
				opts.Zones = append(opts.Zones, z)
			}
		}
	}
	if len(opts.Zones) == 0 {
		return Result{Start: start, State: r.Store.State()}
	}
	opts.cached = true
	res := r.pass(ctx, opts)
	res.Start, res.Duration = start, time.Since(start)
	return res
}

func (r *Reconciler) pass(ctx context.Context, opts Options) Result {
	r.syncHeld()
	st := r.Store.State()
	res := Result{State: st}
	zones := opts.Zones
	if zones == nil {
		zones = r.Zones
	}
	// Apply every zone first, then wait for all of them at once: a server
	// loads many changed zone files in one reload, and waiting zone by zone
	// would cost a reload tick per zone (1,000 zones, 1,000 seconds).
	var (
		pending []*applied
		recheck []int // in res.Zones: zones that looked not served
		last    time.Time
	)
	for _, z := range zones {
		if ctx.Err() != nil {
			break
		}
		zr, a := r.zone(ctx, st, z, opts)
		res.Zones = append(res.Zones, zr)
		if a != nil {
			a.index = len(res.Zones) - 1
			pending = append(pending, a)
		}
		if errors.Is(zr.Err, errNotServedOnce) {
			recheck, last = append(recheck, len(res.Zones)-1), time.Now()
		}
	}
	// A zone the server seemed not to serve is asked about again a moment
	// later, all such zones after one wait: only a zone not served twice
	// is created from scratch.
	if len(recheck) > 0 && sleep(ctx, max(time.Until(last.Add(r.recheckAfter())), 0)) {
		again := opts
		again.recheck = true
		for _, i := range recheck {
			zr, a := r.zone(ctx, st, res.Zones[i].Zone, again)
			res.Zones[i] = zr
			if a != nil {
				a.index = i
				pending = append(pending, a)
			}
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, verifyParallelism)
	var plans []diff.Plan // read apart from res.Zones, which verification writes
	for _, zr := range res.Zones {
		if zr.Applied {
			plans = append(plans, zr.Plan)
		}
	}
	logged := make(chan struct{})
	go func() { // while the first verifications wait for the server
		defer close(logged)
		for _, p := range plans {
			logChanges(r.Log.With("zone", p.Zone), p)
		}
	}()
	for _, a := range pending {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r.verify(ctx, a.log, &res.Zones[a.index])
		}()
	}
	wg.Wait()
	<-logged
	for _, a := range pending {
		if zr := &res.Zones[a.index]; len(zr.Mismatches) == 0 {
			r.remember(ctx, a.served, zr, a.synced, a.gen)
		}
	}
	return res
}

// applied is a zone applied and waiting to be verified.
type applied struct {
	index  int // in Result.Zones
	served *observed.Zone
	synced bool
	gen    uint64 // the desired state's generation it was planned with
	log    *slog.Logger
}

// verifyParallelism bounds the zones verified at once.
const verifyParallelism = 32

// zone plans and applies one zone. When the change is to be verified, it
// returns what verifying needs; the caller verifies.
func (r *Reconciler) zone(ctx context.Context, st *desired.State, zone string, opts Options) (ZoneResult, *applied) {
	log := r.Log.With("zone", zone)
	zr := ZoneResult{Zone: zone, Plan: diff.Plan{Zone: zone}}
	for _, c := range st.Held[zone] {
		zr.Held = append(zr.Held, c)
	}
	slices.SortFunc(zr.Held, func(a, b desired.Conflict) int { return rrset.CompareNames(a.Name, b.Name) })
	r.logHeld(log, zone, zr.Held)

	served, since, synced, err := r.observe(ctx, log, zone, opts.cached, opts.recheck)
	// Whatever happens below, the zone as seen is known again only if the
	// pass ends well, under this pass's generation.
	delete(r.served, zone)
	if err != nil {
		zr.Err, zr.Stage = err, StageTransfer
		return zr, nil
	}
	var only map[string]bool
	if synced { // served is what the last pass left in sync: compare what changed since
		// Asked of the Store, not taken from the State: other readers of
		// the State (Verify, a listing) must not make this pass miss a name.
		// Not known any more: compare every name.
		if names, ok := r.Store.ChangedSince(zone, since); ok {
			only = names
		}
	}
	holdDeletes := len(st.Incomplete) > 0

	base := rrset.Zone{}
	for _, rr := range r.Backend.Base(zone) {
		base.Put(rr)
	}
	held := make(map[string]bool, len(zr.Held))
	for _, c := range zr.Held {
		held[c.Name] = true
	}
	zr.Plan = diff.Compute(diff.Input{
		Zone: zone, Desired: st.Zones[zone], Base: base, Observed: served.Sets, Held: held,
		HoldDeletes: holdDeletes,
		Only:        only,
		Managed:     r.Backend.Managed(zone),
	})
	r.logForeign(log, zone, zr.Plan.Foreign)
	zr.Refused = diff.Plan{Zone: zone}
	if !opts.Force {
		zr.Plan, zr.Refused, zr.Refusal = r.split(st, served, zr.Plan)
	}
	// A forced pass releases what was held once it is applied (or nothing
	// is left to apply); one whose apply fails keeps it held.
	forced := opts.Force && opts.Apply
	// In sync: the next pass for changed files need only compare what
	// changed since. Not while anything is held back.
	inSync := !holdDeletes && zr.Refused.Empty()
	if r.heldErr != nil && !opts.Force {
		// What other passes held is unknown: nothing is applied, and a
		// plan shown could be missing its held part.
		zr.Err, zr.Stage = fmt.Errorf("zone %s: nothing applied: %w", zone, r.heldErr), StageApply
		return zr, nil
	}
	if !opts.Apply {
		r.served[zone] = &seen{served, inSync && zr.Plan.Empty(), st.Generation}
		return zr, nil
	}
	// Logged when it changes, not every pass: health and the audit log
	// keep saying it while it stands.
	if r.changed("refused "+zone, zr.Refusal) && zr.Refusal != nil {
		log.Error("plan refused: its changes to served records are held until `dnssync apply --force`; creates of new names apply", "err", zr.Refusal,
			"held", len(zr.Refused.Changes), "applying", len(zr.Plan.Changes))
	}
	// The hold is on disk before anything it was judged with is applied.
	if !forced {
		err := r.saveHeld(ctx, zone)
		if r.changed("held state "+zone, err) && err != nil {
			log.Error("changes held by the safety rules not recorded; nothing applied", "err", err)
		}
		if err != nil {
			zr.Err, zr.Stage = fmt.Errorf("zone %s: nothing applied: %w", zone, err), StageApply
			return zr, nil
		}
	}
	if zr.Plan.Empty() && len(zr.Plan.Adopt) == 0 {
		r.served[zone] = &seen{served, inSync, st.Generation}
		if forced {
			delete(r.holding, zone)
			r.clearHeld(ctx, log, zone)
		}
		zr.holdErr()
		return zr, nil
	}

	result, err := r.Backend.Apply(ctx, served, zr.Plan)
	if err != nil {
		zr.Err, zr.Stage = fmt.Errorf("apply %s: %w", zone, err), StageApply
		log.Error("apply failed", "err", err)
		return zr, nil
	}
	if forced {
		delete(r.holding, zone)
		r.clearHeld(ctx, log, zone)
	}
	zr.Applied, zr.Serial = true, result.Serial
	zr.holdErr()
	if r.TrackChanges {
		r.noteChanges(zr.Plan, time.Now())
	}
	if len(zr.Plan.Adopt) > 0 {
		log.Info("adopted records already served as desired", "rrsets", len(zr.Plan.Adopt))
	}
	if zr.Plan.Empty() {
		r.served[zone] = &seen{served, inSync, st.Generation}
		return zr, nil
	}
	if !opts.Verify {
		return zr, nil
	}
	return zr, &applied{served: served, synced: inSync, log: log}
}

// holdErr makes a held change the zone's error once the rest is applied:
// the pass did not do all it was asked, and health, exit codes and the
// audit log say so until `apply --force` or a fixed records.d.
func (zr *ZoneResult) holdErr() {
	if zr.Refusal != nil && zr.Err == nil {
		zr.Err, zr.Stage = zr.Refusal, StageUnsafe
	}
}

// noteChanges records when the plan's RRsets changed.
func (r *Reconciler) noteChanges(p diff.Plan, now time.Time) {
	if r.changedAt == nil {
		r.changedAt = map[rrset.Key]time.Time{}
	}
	for _, c := range p.Changes {
		if c.New == nil { // only desired sets are checked: forget it
			delete(r.changedAt, c.Key)
		} else {
			r.changedAt[c.Key] = now
		}
	}
}
