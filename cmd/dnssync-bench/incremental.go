//go:build linux

package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// settle is how long the harness waits after a change is served before
// the next step: the daemon's pass has finished by then. Its own check
// that the change is served asks for the new serial at most 250 ms apart
// (reconcile/verify.go), so it sees it at most that long after the
// harness does, then notifies and logs.
const settle = 500 * time.Millisecond

// side is one of the two things compared: dnssync, or the harness doing
// the same change by hand (the floor).
type side struct {
	name   string // "dnssync", "floor"
	addr   string // the CoreDNS it changes
	record string // the name changed, fully qualified
	signed bool   // a change is served once served signed (see waitAnswer)
	// period is the CoreDNS reload tick behind this side (0: none). A
	// change waits for the tick, so its latency depends on when in the
	// tick it is made; each run is placed at a chosen phase of the tick.
	period     time.Duration
	ticks      *tickWatch // the ticks themselves, when they can be seen
	tickMisses int        // waits that saw no tick and fell back on lastServed
	lastServed time.Time  // when its last change was served: a tick's phase
	changedAt  time.Time  // when its last change took effect
	// prepare readies a change of record's value to ip (a temp file
	// written, a message built) and returns what makes it take effect (a
	// rename, the UPDATE sent), which returns the time it did.
	prepare func(ip string) (commit func() (time.Time, error), err error)
	watch   []*proc
	// before and after, if set, run just before a measured change and after
	// it has settled.
	before, after func() error
	// cpu, if set, reads the CPU time of the process making this side's
	// changes; measure adds it up from each change's commit until it has
	// settled (cpuUsed), and the wall time the same (busyWall).
	cpu               func() (time.Duration, error)
	cpuUsed, busyWall time.Duration
}

// waitPhase sleeps until the given phase (0..1) of the side's reload tick:
// from the next tick seen (ticks set), else from when its last change was
// served (just after a tick, plus the zone's parse time).
func (s *side) waitPhase(ctx context.Context, phase float64) error {
	if s.period == 0 {
		return nil
	}
	from := s.lastServed
	if s.ticks != nil {
		if t, ok := s.ticks.next(ctx, s.period*5/2); ok {
			from = t
		} else {
			s.tickMisses++
		}
	}
	if from.IsZero() {
		return ctx.Err()
	}
	at := from.Add(time.Duration(phase * float64(s.period)))
	for now := time.Now(); at.Before(now); {
		at = at.Add(s.period)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(at)):
		return nil
	}
}

// measure makes one change at the given phase of the tick (negative:
// now) and returns how long it took to be served.
func (s *side) measure(ctx context.Context, what, ip string, phase float64, hooks bool) (time.Duration, error) {
	commit, err := s.prepare(ip)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	if hooks && s.before != nil {
		if err := s.before(); err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
	}
	if phase >= 0 {
		if err := s.waitPhase(ctx, phase); err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
	}
	var cpu0 time.Duration
	if s.cpu != nil {
		if cpu0, err = s.cpu(); err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
	}
	t0, err := commit()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	s.changedAt = t0
	served, err := waitAnswer(ctx, what, s.addr, s.record, ip, s.signed, incrementalDeadline, s.watch...)
	if err != nil {
		return 0, err
	}
	s.lastServed = served
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(settle):
	}
	if s.cpu != nil {
		cpu1, err := s.cpu()
		if err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
		s.cpuUsed += cpu1 - cpu0
		s.busyWall += time.Since(t0)
	}
	if hooks && s.after != nil {
		if err := s.after(); err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
	}
	return served.Sub(t0), nil
}

// incrementalResult is what incremental runs measured.
type incrementalResult struct {
	dnssync, floor       time.Duration   // medians
	dnssyncAll, floorAll []time.Duration // every run, by phase
	// cpuPerChange is the daemon's CPU from a change's records.d rename
	// until it settled (served, and settle after), per change; idleCPU is
	// its CPU per second the rest of the time (the floor's runs, the waits
	// for a tick's phase), when it had nothing to do (negative: not long
	// enough to tell); cpuAll is all of it, per change.
	cpuPerChange, idleCPU, cpuAll time.Duration
	peakRSS                       int64
}

// runIncremental changes one record runs times through dnssync and as
// many times by hand, alternating, each run at the same phase of the
// reload tick for both (phases spread evenly over the tick), after one
// unmeasured warm-up change each. The daemon's CPU time is read around
// each of its changes, and before and after the measured runs.
func runIncremental(ctx context.Context, what string, runs int, d, f *side, daemon *proc) (incrementalResult, error) {
	var res incrementalResult
	for _, s := range []*side{d, f} {
		if _, err := s.measure(ctx, fmt.Sprintf("%s: warm-up change (%s)", what, s.name), "198.51.100.1", -1, false); err != nil {
			return res, err
		}
	}
	d.cpu = func() (time.Duration, error) { return cpuTime(daemon.pid()) }
	t0 := time.Now()
	cpu0, err := cpuTime(daemon.pid())
	if err != nil {
		return res, fmt.Errorf("%s: %w", what, err)
	}
	var dl, fl []time.Duration
	for i := 0; i < runs; i++ {
		order := []*side{d, f}
		if i%2 == 1 {
			order = []*side{f, d}
		}
		phase := (float64(i) + 0.5) / float64(runs)
		for _, s := range order {
			lat, err := s.measure(ctx, fmt.Sprintf("%s: incremental change %d/%d (%s)", what, i+1, runs, s.name), changed(i), phase, true)
			if err != nil {
				return res, err
			}
			if s == d {
				dl = append(dl, lat)
			} else {
				fl = append(fl, lat)
			}
		}
	}
	cpu1, err := cpuTime(daemon.pid())
	if err != nil {
		return res, fmt.Errorf("%s: %w", what, err)
	}
	res.cpuPerChange = d.cpuUsed / time.Duration(runs)
	res.cpuAll = (cpu1 - cpu0) / time.Duration(runs)
	res.idleCPU = -1
	if idle := time.Since(t0) - d.busyWall; idle > time.Second {
		res.idleCPU = (cpu1 - cpu0 - d.cpuUsed) * time.Second / idle
	}
	if res.peakRSS, err = peakRSS(daemon.pid()); err != nil {
		return res, fmt.Errorf("%s: %w", what, err)
	}
	res.dnssync, res.floor = median(dl), median(fl)
	res.dnssyncAll, res.floorAll = dl, fl
	return res, nil
}

// cpuNote is what the daemon's CPU was outside its changes (between is
// what ran meanwhile).
func (r incrementalResult) cpuNote(between string) string {
	idle := "too short to tell"
	if r.idleCPU >= 0 {
		idle = fmtSeconds(r.idleCPU.Seconds()) + " per second"
	}
	return fmt.Sprintf("daemon CPU between its changes (%s): %s; over the whole run, changes and the time between them, %s per change", between, idle, fmtSeconds(r.cpuAll.Seconds()))
}

// median of ds (the lower middle one for an even count).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// latencies is "[496 ms 512 ms ...]".
func latencies(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = fmtSeconds(d.Seconds())
	}
	return "[" + strings.Join(s, ", ") + "]"
}
