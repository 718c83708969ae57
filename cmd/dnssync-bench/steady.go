//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// scenSteady: scheduled passes back to back on one zone.
const scenSteady = "zonefile, steady state"

// Rows of the steady scenario: text rows ("start -> end") whose D is the
// end and F the start, for the target.
const (
	metricSteadyPasses     = "steady: scheduled passes"
	metricSteadyRSS        = "steady: RSS, start -> end"
	metricSteadyHeap       = "steady: heap live, start -> end"
	metricSteadyGoroutines = "steady: goroutines, start -> end"
	metricSteadyThreads    = "steady: threads, start -> end"
)

// steadySchedule runs a scheduled pass (a full check of every record) one
// second after the last one ended: a day of checks every few minutes in a
// few minutes.
const steadySchedule = "@every 1s"

// steadySample is the daemon between two passes.
type steadySample struct {
	rss, heap, goroutines, threads int64
}

// runSteady runs dnssync on one zone of n records with scheduled passes
// back to back for d, and compares the daemon after the first scheduled
// pass with the daemon at the end. Both samples are taken just after a
// pass ended (its STATUS=), so that neither holds a pass's working set.
func (b *bench) runSteady(n int, d time.Duration) error {
	lay := oneZone(n)
	ns := fmt.Sprint(n)
	what := fmt.Sprintf("%s N=%s", scenSteady, ns)
	dir, cleanup, err := b.scenarioDir("steady")
	if err != nil {
		return err
	}
	defer cleanup()
	records, zones := filepath.Join(dir, "records.d"), filepath.Join(dir, "zones")
	for _, d := range []string{records, zones, filepath.Join(dir, "coredns")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	b.progress("%s: writing %d records in %d files", what, lay.n, lay.files())
	if err := lay.writeRecordsDir(records); err != nil {
		return err
	}
	srv, err := startCoreDNS(b.ctx, b.coredns, "coredns (dnssync's)", filepath.Join(dir, "coredns"), corednstest.Spec{Conf: corednstest.AutoCorefile(zones)})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer srv.stop()
	cfg := dnssyncConfig(lay, srv.addr, records, b.logLevel, corednstest.Backend{Type: "zonefile", ZoneDir: zones, StateDir: filepath.Join(dir, "state")})
	cfg.Verify.Schedule = steadySchedule
	if cfg.Pprof, err = pprofAddr(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	daemon, _, _, err := b.coldDnssync(what, filepath.Join(dir, "config.toml"), cfg, srv, lay.name(lay.n-1), value(lay.n-1))
	if err != nil {
		return err
	}
	defer daemon.stop()
	if _, err := daemon.ready.wait(b.ctx, what, b.coldDeadline, daemon, srv.proc); err != nil {
		return err
	}
	// The first scheduled pass warms what a check keeps; start after it.
	first := daemon.ready.passes.Load()
	if err := b.nextPass(what, daemon, srv, first); err != nil {
		return err
	}
	start, err := b.steadySample(what, daemon, cfg.Pprof)
	if err != nil {
		return err
	}
	p0 := daemon.ready.passes.Load()
	b.progress("%s: scheduled passes (%s) for %v", what, steadySchedule, d)
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		// A pass a loop: the daemon's exit or a failed check ends the run.
		if err := b.nextPass(what, daemon, srv, daemon.ready.passes.Load()); err != nil {
			return err
		}
	}
	last, err := b.steadySample(what, daemon, cfg.Pprof)
	if err != nil {
		return err
	}
	passes := daemon.ready.passes.Load() - p0
	for _, r := range steadyResults(ns, d, passes, start, last) {
		b.emit(r)
	}
	return nil
}

// nextPass waits for a pass after the one numbered seen to end, and checks
// that it verified the zone in full.
func (b *bench) nextPass(what string, daemon *proc, srv *coreDNS, seen int64) error {
	deadline := time.Now().Add(b.coldDeadline)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for daemon.ready.passes.Load() <= seen {
		select {
		case <-b.ctx.Done():
			return b.ctx.Err()
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no scheduled pass ended within %v", what, b.coldDeadline)
		}
		for _, p := range []*proc{daemon, srv.proc} {
			if ok, err := p.exited(); ok {
				return fmt.Errorf("%s: %s exited (%v); its output:\n%s", what, p.name, err, p.logTail())
			}
		}
	}
	if s := daemon.ready.last.Load(); s == nil || checkFirstPass(*s, 1) != nil {
		return fmt.Errorf("%s: a scheduled pass did not verify the zone: %w", what, checkFirstPass(deref(s), 1))
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// steadySample waits for the next pass to end, then forces a collection
// and reads the daemon's heap, RSS, goroutines and threads.
func (b *bench) steadySample(what string, daemon *proc, pprof string) (steadySample, error) {
	var s steadySample
	if err := b.nextPassQuiet(what, daemon); err != nil {
		return s, err
	}
	var err error
	if s.heap, err = liveHeap(b.ctx, pprof); err != nil {
		return s, fmt.Errorf("%s: %w", what, err)
	}
	if s.rss, err = rss(daemon.pid()); err != nil {
		return s, fmt.Errorf("%s: %w", what, err)
	}
	if s.goroutines, err = goroutines(b.ctx, pprof); err != nil {
		return s, fmt.Errorf("%s: %w", what, err)
	}
	if s.threads, err = threads(daemon.pid()); err != nil {
		return s, fmt.Errorf("%s: %w", what, err)
	}
	return s, nil
}

// nextPassQuiet waits for the end of the next pass, without the checks of
// nextPass (the caller's loop made them).
func (b *bench) nextPassQuiet(what string, daemon *proc) error {
	seen := daemon.ready.passes.Load()
	deadline := time.Now().Add(b.coldDeadline)
	for daemon.ready.passes.Load() <= seen {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no scheduled pass ended within %v", what, b.coldDeadline)
		}
		select {
		case <-b.ctx.Done():
			return b.ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

// steadyResults are the steady scenario's rows.
func steadyResults(n string, d time.Duration, passes int64, start, end steadySample) []result {
	bytesRow := func(metric string, a, z int64) result {
		return result{Scenario: scenSteady, N: n, Metric: metric, Unit: unitText, D: float64(z), F: float64(a),
			DText: fmt.Sprintf("%s -> %s (%s)", fmtBytes(float64(a)), fmtBytes(float64(z)), growth(a, z))}
	}
	countRow := func(metric string, a, z int64) result {
		return result{Scenario: scenSteady, N: n, Metric: metric, Unit: unitText, D: float64(z), F: float64(a),
			DText: fmt.Sprintf("%d -> %d (%+d)", a, z, z-a)}
	}
	return []result{
		{Scenario: scenSteady, N: n, Metric: metricSteadyPasses, Unit: unitText, D: float64(passes), F: nanF,
			DText: fmt.Sprintf("%d passes in %v", passes, d)},
		bytesRow(metricSteadyRSS, start.rss, end.rss),
		bytesRow(metricSteadyHeap, start.heap, end.heap),
		countRow(metricSteadyGoroutines, start.goroutines, end.goroutines),
		countRow(metricSteadyThreads, start.threads, end.threads),
	}
}

// growth is "+1.2%".
func growth(a, z int64) string {
	if a == 0 {
		return "-"
	}
	return fmt.Sprintf("%+.1f%%", 100*(float64(z)/float64(a)-1))
}
