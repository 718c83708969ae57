package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// The passes: a full one (RunOnce), one for changed files (Changed), and
// the check of every record (Verify). Each zone of a pass is planned and
// applied on its own (zone.go); the pass then waits for every applied zone
// at once. A pass reports its progress (Options.Progress) after each zone
// transferred and applied, each zone verified, and as the check goes: a
// long pass is busy, not stuck.

// RunOnce rescans records.d (only changed files are read again) and
// reconciles every zone in opts.Zones.
func (r *Reconciler) RunOnce(ctx context.Context, opts Options) Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := time.Now()
	_, _ = r.refreshZones() // every zone is planned: those it adds and retires too
	// The SOA of the zones never written is asked while records.d is read
	// (earlyprobe.go); the questions not answered end with the pass.
	early, cancel := context.WithCancel(ctx)
	defer cancel()
	zones := opts.Zones
	if zones == nil {
		zones = r.Zones
	}
	opts.probes = r.probeEarly(early, zones)
	if err := r.scan(ctx); err != nil {
		return Result{Full: true, Start: start, Duration: time.Since(start), Err: fmt.Errorf("records: %w", err)}
	}
	res := r.pass(ctx, opts)
	if opts.Check && r.Checker != nil && ctx.Err() == nil && reachable(res) {
		rep := r.check(ctx, res.State, opts.Progress)
		addStale(&rep, res.Zones)
		r.checkSync(ctx, res.State, &rep) // each secondary's serial and data (propagate.go)
		r.checkDNSSEC(ctx, &rep)          // signed zones validated at each server (dnsseccheck.go)
		// A secondary ahead of the primary: a serial-only write (ahead.go).
		r.raiseAhead(ctx, opts, &res, &rep)
		res.Check = &rep
		r.logCheck(rep)
	}
	r.rollKeys(ctx, opts, &res)  // a key roll's next step (roll.go)
	r.resignDue(ctx, opts, &res) // signatures due for refresh (resign.go)
	res.Full, res.Start, res.Duration = true, start, time.Since(start)
	return res
}

// Verify rescans records.d and checks that every desired RRset is answered
// as desired by every server of the Checker, and that no set dnssync
// manages is served though no longer declared (stale.go: one transfer of
// each zone). It changes nothing, and reads only Zones, Store, Observed,
// Checker, Safety, Held and the Backend's Base and Managed: a Reconciler
// built for it alone needs nothing a write needs (apply's views, OpenHeld).
func (r *Reconciler) Verify(ctx context.Context) (verify.Report, error) {
	if r.Checker == nil {
		return verify.Report{}, errors.New("no servers to check")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, _ = r.refreshZones()
	if err := r.scan(ctx); err != nil {
		return verify.Report{}, fmt.Errorf("records: %w", err)
	}
	st := r.state() // with the derived zones' content (derived.go)
	rep := r.check(ctx, st, nil)
	r.syncHeld()
	for _, z := range r.Zones {
		rep.Add(r.staleIn(ctx, st, z, rep)...)
	}
	r.syncAll(ctx, &rep)         // each server's serial, per zone (propagate.go)
	r.compareData(ctx, st, &rep) // and each secondary's data at it (secondarydata.go)
	r.checkDNSSEC(ctx, &rep)     // signed zones validated at each server (dnsseccheck.go)
	return rep, nil
}

func (r *Reconciler) check(ctx context.Context, st *desired.State, progress func()) verify.Report {
	want := map[rrset.Key]*rrset.Set{}
	for _, z := range st.Zones {
		maps.Insert(want, z.All())
	}
	cat := r.takeCatalog(st, want) // asked of the primary alone (catalogcheck.go)
	rep := r.Checker.CheckAll(ctx, want, r.history(), progress)
	r.checkCatalog(ctx, cat, &rep, progress)
	return rep
}

// Changed reloads exactly these record files and reconciles only the zones
// they touch.
func (r *Reconciler) Changed(ctx context.Context, paths []string, opts Options) Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := time.Now()
	touched, setChanged := r.refreshZones()
	opts.Zones = r.Store.Reload(paths)
	early, cancel := context.WithCancel(ctx) // the pass's: the secondaries' waits outlive it, these do not
	defer cancel()
	opts.early = r.askSerialsEarly(early, opts.Zones)
	if setChanged {
		// The files that waited for a zone added are read on a Scan only.
		if err := r.scan(ctx); err != nil {
			return Result{Start: start, Duration: time.Since(start), Err: fmt.Errorf("records: %w", err)}
		}
	}
	for _, z := range touched {
		if !slices.Contains(opts.Zones, z) {
			opts.Zones = append(opts.Zones, z)
		}
	}
	// A reader's Scan (Verify) may have loaded these files already, so
	// that Reload finds them unchanged: a zone whose desired names changed
	// since the pass that cached it is reconciled too.
	for _, z := range r.Zones {
		if gen, ok := r.served.has(z); ok && !slices.Contains(opts.Zones, z) {
			if names, ok := r.Store.ChangedSince(z, gen); !ok || len(names) > 0 {
				opts.Zones = append(opts.Zones, z)
			}
		}
	}
	opts.Zones = append(opts.Zones, r.derivedZones(opts.Zones, r.derivation())...) // derivedplan.go
	if len(opts.Zones) == 0 {
		return Result{Start: start, State: r.state()}
	}
	opts.cached = true
	res := r.pass(ctx, opts)
	res.Start, res.Duration = start, time.Since(start)
	return res
}

func (r *Reconciler) pass(ctx context.Context, opts Options) Result {
	r.floorMiss = nil // floor.go: a secondary silent in the last pass is asked again
	r.syncHeld()
	if err := r.recordZones(ctx, opts); err != nil { // zonesrecord.go: known before written
		return Result{State: r.state(), Err: err}
	}
	st := r.state()
	res := Result{State: st}
	zones := opts.Zones
	if zones == nil {
		zones = r.Zones
	}
	zones = r.forwardFirst(zones) // derivedkeep.go
	// Apply every zone first, then wait for all of them at once: a server
	// loads many changed zone files in one reload, and waiting zone by zone
	// would cost a reload tick per zone (1,000 zones, 1,000 seconds).
	res.Zones = make([]ZoneResult, len(zones))
	var pending []*applied
	recheck, last := r.planZones(ctx, st, zones, nil, opts, &res, &pending)
	// A zone the server seemed not to serve is asked about again a moment
	// later, all such zones after one wait: only a zone not served twice
	// is created from scratch.
	if len(recheck) > 0 && sleep(ctx, max(time.Until(last.Add(r.recheckAfter())), 0)) {
		again := opts
		again.recheck = true
		names := make([]string, len(recheck))
		for k, i := range recheck {
			names[k] = zones[i]
		}
		r.planZones(ctx, st, names, recheck, again, &res, &pending)
	}
	// Zones a cancelled pass did not reach are not in its result.
	res.Zones = slices.DeleteFunc(res.Zones, func(zr ZoneResult) bool { return zr.Zone == "" })
	r.verifyAll(ctx, &res, pending, opts.progress)
	if r.retireZones(ctx, &res, opts) { // retire.go
		r.catalogAfterRetire(ctx, &res, opts) // catalogcheck.go
	}
	return res
}

// planZones plans and applies zones, in order, into res.Zones (at the
// indexes at, else at their own), observing them ahead and writing them
// in parallel (passpipe.go); the zones applied are added to pending. It
// returns the indexes of the zones that looked not served, and when the
// last did.
func (r *Reconciler) planZones(ctx context.Context, st *desired.State, zones []string, at []int, opts Options, res *Result, pending *[]*applied) (recheck []int, last time.Time) {
	inTurn := opts
	opts.ahead = r.observeAheadOf(ctx, zones, st.Records, opts)
	defer opts.ahead.stop()
	if opts.recheck {
		opts.ahead.settle() // all asked before any is written (passpipe.go)
	}
	if opts.Apply {
		opts.writes = newWrites()
	}
	for k, z := range zones {
		if ctx.Err() != nil {
			break
		}
		i := k
		if at != nil {
			i = at[k]
		}
		if r.isDerived(z) {
			// Planned from what the zones before it left.
			r.finishWrites(ctx, st, opts.writes, inTurn, res, pending, true)
			opts.ahead.skip(z)
		}
		if opts.writes != nil {
			opts.writes.index = i
		}
		zr, a := r.fencedZone(ctx, st, z, opts)
		opts.progress()
		res.Zones[i] = zr
		if a != nil {
			a.index = i
			*pending = append(*pending, a)
		}
		if errors.Is(zr.Err, errNotServedOnce) {
			recheck, last = append(recheck, i), time.Now()
		}
		r.finishWrites(ctx, st, opts.writes, inTurn, res, pending, false)
	}
	r.finishWrites(ctx, st, opts.writes, inTurn, res, pending, true)
	return recheck, last
}

// verifyAll verifies the applied zones, at most verifyParallelism at once,
// logging what each applied meanwhile, and caches each zone verified.
func (r *Reconciler) verifyAll(ctx context.Context, res *Result, pending []*applied, progress func()) {
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
		logChanges(ctx, r.Log, plans)
	}()
	for _, a := range pending {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r.verify(ctx, a.log, &res.Zones[a.index])
			progress()
		}()
	}
	wg.Wait()
	<-logged
	for _, a := range pending {
		if zr := &res.Zones[a.index]; len(zr.Mismatches) == 0 {
			r.remember(ctx, a.served, zr, a.synced, a.gen)
		}
	}
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

// progress reports the pass's progress to Progress, if set.
func (o Options) progress() {
	if o.Progress != nil {
		o.Progress()
	}
}
