//go:build linux

package main

import (
	"fmt"
	"time"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// Memory rows of the zonefile scenarios, beside the peak (runChanges).
const (
	// metricHeapLive: the daemon's heap after a forced collection, once
	// its first pass is done: the live data of the cold start.
	metricHeapLive = "cold: heap live after forced GC"
	// metricRSSSettled: the RSS the daemon settles at after that
	// collection, beside the floor CoreDNS's RSS at the same time.
	metricRSSSettled = "cold: RSS once settled"
)

// How settled RSS is sampled: every step, until no new low for quiet, at
// most max (Go's scavenger returns freed memory to the OS gradually, and
// was seen to hold one level for over 2 s before falling again).
const (
	settleStep  = 250 * time.Millisecond
	settleQuiet = 5 * time.Second
	settleMax   = 30 * time.Second
)

// pprofAddr is a free loopback address for dnssync's [debug] pprof.
func pprofAddr() (string, error) {
	port, err := corednstest.FreePort()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", port), nil
}

// coldMemory measures dnssync once its first pass is done: the live heap
// after a forced collection and the RSS it then settles at, beside the
// floor CoreDNS's RSS; with profile, the cold start's top allocations go
// into the notes. dir keeps the profile.
func (b *bench) coldMemory(scen, n, what, pprof, dir string, daemon *proc, floor *coreDNS, profile bool) error {
	b.progress("%s: memory after the cold start", what)
	heap, err := liveHeap(b.ctx, pprof)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	b.emit(result{Scenario: scen, N: n, Metric: metricHeapLive, Unit: unitBytes, D: float64(heap), F: nanF})
	if profile {
		top, err := allocsTop(b.ctx, pprof, dir, 10)
		if err != nil {
			// The toolchain may be missing where the bench runs: say so, the rows stand.
			b.note("%s: no profile summary: %v", what, err)
		} else {
			b.notes = append(b.notes, top.notes(what)...)
		}
	}
	settled, err := settleRSS(b.ctx, daemon.pid(), settleStep, settleQuiet, settleMax)
	if err != nil {
		return fmt.Errorf("%s: dnssync RSS: %w", what, err)
	}
	floorRSS, err := rss(floor.pid())
	if err != nil {
		return fmt.Errorf("%s: floor RSS: %w", what, err)
	}
	b.emit(result{Scenario: scen, N: n, Metric: metricRSSSettled, Unit: unitBytes, D: float64(settled), F: float64(floorRSS)})
	return nil
}
