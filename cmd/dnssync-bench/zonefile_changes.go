//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// changeRun is what the incremental part of a zonefile scenario needs
// from its cold part: both servers, their directories, dnssync running.
type changeRun struct {
	scen, n, what        string
	lay                  layout
	records, zones       string // dnssync's records.d and zone_dir
	floorDir, floorZones string // the floor's directory and its auto directory
	dnsSrv, floorSrv     *coreDNS
	daemon               *proc
	served, floorServed  time.Time // when each side's cold start was served
	floorSerial          uint32    // the serial of the floor's zone 0 so far
	// signed: dnssync signs the zone, and a change counts once served
	// signed. The floor's changes are unsigned whatever this says.
	signed bool
}

// runChanges measures one-record changes, dnssync beside the floor.
func (b *bench) runChanges(r *changeRun) error {
	lay, what := r.lay, r.what
	b.progress("%s: incremental, %d runs each", what, b.runs)
	name0 := lay.name(0) // record 0 of file 0, in zone 0
	d := &side{name: "dnssync", addr: r.dnsSrv.addr, record: name0, signed: r.signed, period: time.Second, lastServed: r.served,
		watch: []*proc{r.daemon, r.dnsSrv.proc},
		prepare: func(ip string) (func() (time.Time, error), error) {
			return renameIn(filepath.Join(r.records, "."+lay.file(0)+".tmp"), filepath.Join(r.records, lay.file(0)),
				func(w io.Writer) error { return lay.writeRecordsFile(w, 0, overrides{0: ip}) })
		}}
	f := &side{name: "floor", addr: r.floorSrv.addr, record: name0, period: time.Second, lastServed: r.floorServed,
		watch: []*proc{r.floorSrv.proc},
		prepare: func(ip string) (func() (time.Time, error), error) {
			r.floorSerial++
			return renameIn(filepath.Join(r.floorDir, "zone.tmp"), filepath.Join(r.floorZones, lay.zoneFileName(0)),
				func(w io.Writer) error { return lay.renderZone(w, 0, r.floorSerial, overrides{0: ip}) })
		}}
	// The reload ticks of zone 0 in both servers, to place each change at
	// the same phase of its tick. (After the cold part: the floor's
	// directory was replaced.)
	for _, sd := range []struct {
		s   *side
		dir string
	}{{d, r.zones}, {f, r.floorZones}} {
		tw, err := watchTicks(sd.dir, lay.zoneFileName(0))
		if err != nil {
			return fmt.Errorf("%s: inotify on %s: %w", what, sd.dir, err)
		}
		defer tw.close()
		sd.s.ticks = tw
	}
	var touches []touch
	var written []time.Duration
	var snap map[string]fileID
	var logOff int64
	d.before = func() (err error) {
		logOff = r.dnsSrv.logSize()
		snap, err = snapshot(r.zones)
		return err
	}
	d.after = func() error {
		now, err := snapshot(r.zones)
		if err != nil {
			return err
		}
		log, err := r.dnsSrv.logSince(logOff)
		if err != nil {
			return err
		}
		touches = append(touches, touch{files: changedFiles(snap, now), axfrs: transfers(log)})
		// The zone file's ctime is when dnssync renamed it into zone_dir
		// (after writing and fsyncing it).
		fi, err := os.Stat(filepath.Join(r.zones, lay.zoneFileName(0)))
		if err != nil {
			return err
		}
		written = append(written, ctime(fi).Sub(d.changedAt))
		return nil
	}
	inc, err := runIncremental(b.ctx, what, b.runs, d, f, r.daemon)
	if err != nil {
		return err
	}
	b.note("%s: incremental runs in order (at phases 0.5/runs, 1.5/runs, ... of the reload tick): dnssync %s; floor %s", what, latencies(inc.dnssyncAll), latencies(inc.floorAll))
	b.emit(durationResult(r.scen, r.n, metricIncremental, inc.dnssync, inc.floor))
	b.emit(durationResult(r.scen, r.n, metricWritten, median(written), -1))
	b.emit(durationResult(r.scen, r.n, metricCPU, inc.cpuPerChange, -1))
	b.note("%s: %s", what, inc.cpuNote("the floor's runs, the waits for a tick's phase"))
	// The floor of dnssync's peak is CoreDNS's own peak serving the same
	// zone(s) through the same changes.
	floorPeak, err := peakRSS(r.floorSrv.pid())
	if err != nil {
		return fmt.Errorf("%s: floor: %w", what, err)
	}
	b.emit(result{Scenario: r.scen, N: r.n, Metric: metricRSS, Unit: unitBytes, D: float64(inc.peakRSS), F: float64(floorPeak)})
	if lay.zones() > 1 {
		tr := touchResult(touches, lay.zoneFileName(0), lay.zone(0)+".")
		tr.Scenario, tr.N = r.scen, r.n
		b.emit(tr)
	}
	b.note("%s: per incremental change, zone files written %s; AXFRs %s", what, describeFiles(touches), describeAXFRs(touches))
	if n := d.tickMisses + f.tickMisses; n > 0 {
		b.note("%s: %d incremental runs saw no reload tick of the zone file and were placed from the last served time instead", what, n)
	}
	return nil
}
