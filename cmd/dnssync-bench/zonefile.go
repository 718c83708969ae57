//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// zonefileConfig is dnssync's config for the zonefile backend.
func zonefileConfig(lay layout, addr, records, zoneDir, logLevel string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `[orchestrator.dns]
coredns_url = "dns://%s"

[records]
dir = %q
debounce = "10ms"

[backend]
type = "zonefile"
zone_dir = %q
state_dir = %q
`, addr, records, zoneDir, filepath.Join(filepath.Dir(zoneDir), "state"))
	writeCommonConfig(&b, lay, logLevel)
	return b.String()
}

// writeCommonConfig: no scheduled pass during a measurement, no API, quiet
// logs, and the zones.
func writeCommonConfig(w io.Writer, lay layout, logLevel string) {
	fmt.Fprintf(w, `
[verify]
schedule = "@every 1h"
timeout = "30s"

[api]
listen = ""

[log]
level = %q
format = "text"
`, logLevel)
	for z := 0; z < lay.zones(); z++ {
		fmt.Fprintf(w, "\n[[zones]]\nname = %q\n", lay.zone(z))
	}
}

// runZonefile measures the zonefile backend on lay against CoreDNS alone.
func (b *bench) runZonefile(scen, n string, lay layout) error {
	what := fmt.Sprintf("%s N=%s", scen, n)
	dir, cleanup, err := b.scenarioDir("zonefile")
	if err != nil {
		return err
	}
	defer cleanup()
	var (
		records    = filepath.Join(dir, "records.d")
		zones      = filepath.Join(dir, "zones")      // dnssync's zone_dir
		dnsDir     = filepath.Join(dir, "coredns")    // its CoreDNS
		floorDir   = filepath.Join(dir, "floor")      // CoreDNS alone
		floorZones = filepath.Join(floorDir, "zones") // its auto directory
		config     = filepath.Join(dir, "config.toml")
	)
	for _, d := range []string{records, zones, dnsDir, floorZones} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	b.progress("%s: writing %d records in %d files", what, lay.n, lay.files())
	if err := lay.writeRecordsDir(records); err != nil {
		return err
	}
	dnsSrv, err := startCoreDNS(b.ctx, b.coredns, "coredns (dnssync's)", dnsDir, map[string]string{"Corefile": corednstest.AutoCorefile(zones)})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer dnsSrv.stop()
	floorSrv, err := startCoreDNS(b.ctx, b.coredns, "coredns (floor)", floorDir, map[string]string{"Corefile": corednstest.AutoCorefile(floorZones)})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer floorSrv.stop()

	lastName, lastIP := lay.name(lay.n-1), value(lay.n-1)

	// Cold, floor: the harness renders the zone(s) outside the auto
	// directory and renames them in at once.
	b.progress("%s: cold (floor)", what)
	serials := make([]uint32, lay.zones())
	for z := range serials {
		serials[z] = 1
	}
	var t0 time.Time
	if lay.zones() == 1 {
		tmp := filepath.Join(floorDir, "zone.tmp")
		if err := writeFile(tmp, func(w io.Writer) error { return lay.renderZone(w, 0, 1, nil) }); err != nil {
			return err
		}
		t0 = time.Now()
		if err := os.Rename(tmp, filepath.Join(floorZones, lay.zoneFileName(0))); err != nil {
			return err
		}
	} else {
		// Many zones: write them into a directory beside, and rename that
		// over the (empty) auto directory. os.Rename refuses a directory
		// as the target; rename(2) replaces an empty one.
		stage := filepath.Join(floorDir, "stage")
		if err := os.Mkdir(stage, 0o755); err != nil {
			return err
		}
		for z := 0; z < lay.zones(); z++ {
			if err := writeFile(filepath.Join(stage, lay.zoneFileName(z)), func(w io.Writer) error { return lay.renderZone(w, z, 1, nil) }); err != nil {
				return err
			}
		}
		t0 = time.Now()
		if err := unix.Rename(stage, floorZones); err != nil {
			return fmt.Errorf("rename %s over %s: %w", stage, floorZones, err)
		}
	}
	floorServed, err := waitServed(b.ctx, what+": cold (floor)", floorSrv.addr, lastName, lastIP, b.coldDeadline, floorSrv.proc)
	if err != nil {
		return err
	}
	floorCold := floorServed.Sub(t0)

	// Cold, dnssync: from `dnssync run` until the last record is served.
	daemon, t0, served, err := b.coldDnssync(what, config, zonefileConfig(lay, dnsSrv.addr, records, zones, b.logLevel), dnsSrv, lastName, lastIP)
	if err != nil {
		return err
	}
	defer daemon.stop()
	b.emit(durationResult(scen, n, metricCold, served.Sub(t0), floorCold))
	// dnssync's own part of it: until its last zone file was renamed in.
	last, err := lastInPlace(zones)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	b.emit(durationResult(scen, n, metricColdWritten, last.Sub(t0), -1))

	// Incremental: record 0 of file 0 (in zone 0).
	b.progress("%s: incremental, %d runs each", what, b.runs)
	name0 := lay.name(0)
	d := &side{name: "dnssync", addr: dnsSrv.addr, record: name0, period: time.Second, lastServed: served,
		watch: []*proc{daemon, dnsSrv.proc},
		prepare: func(ip string) (func() (time.Time, error), error) {
			return renameIn(filepath.Join(records, "."+lay.file(0)+".tmp"), filepath.Join(records, lay.file(0)),
				func(w io.Writer) error { return lay.writeRecordsFile(w, 0, overrides{0: ip}) })
		}}
	f := &side{name: "floor", addr: floorSrv.addr, record: name0, period: time.Second, lastServed: floorServed,
		watch: []*proc{floorSrv.proc},
		prepare: func(ip string) (func() (time.Time, error), error) {
			serials[0]++
			return renameIn(filepath.Join(floorDir, "zone.tmp"), filepath.Join(floorZones, lay.zoneFileName(0)),
				func(w io.Writer) error { return lay.renderZone(w, 0, serials[0], overrides{0: ip}) })
		}}
	// The reload ticks of zone 0 in both servers, to place each change at
	// the same phase of its tick. (After the cold part: the floor's
	// directory was replaced.)
	for _, sd := range []struct {
		s   *side
		dir string
	}{{d, zones}, {f, floorZones}} {
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
		logOff = dnsSrv.logSize()
		snap, err = snapshot(zones)
		return err
	}
	d.after = func() error {
		now, err := snapshot(zones)
		if err != nil {
			return err
		}
		log, err := dnsSrv.logSince(logOff)
		if err != nil {
			return err
		}
		touches = append(touches, touch{files: changedFiles(snap, now), axfrs: transfers(log)})
		// The zone file's ctime is when dnssync renamed it into zone_dir
		// (after writing and fsyncing it).
		fi, err := os.Stat(filepath.Join(zones, lay.zoneFileName(0)))
		if err != nil {
			return err
		}
		written = append(written, ctime(fi).Sub(d.changedAt))
		return nil
	}
	inc, err := runIncremental(b.ctx, what, b.runs, d, f, daemon)
	if err != nil {
		return err
	}
	b.note("%s: incremental runs in order (at phases 0.5/runs, 1.5/runs, ... of the reload tick): dnssync %s; floor %s", what, latencies(inc.dnssyncAll), latencies(inc.floorAll))
	b.emit(durationResult(scen, n, metricIncremental, inc.dnssync, inc.floor))
	b.emit(durationResult(scen, n, metricWritten, median(written), -1))
	b.emit(durationResult(scen, n, metricCPU, inc.cpuPerChange, -1))
	b.emit(result{Scenario: scen, N: n, Metric: metricRSS, Unit: unitBytes, D: float64(inc.peakRSS), F: nanF})
	if lay.zones() > 1 {
		r := touchResult(touches, lay.zoneFileName(0), lay.zone(0)+".")
		r.Scenario, r.N = scen, n
		b.emit(r)
	}
	b.note("%s: per incremental change, zone files written %s; AXFRs %s", what, describeFiles(touches), describeAXFRs(touches))
	if n := d.tickMisses + f.tickMisses; n > 0 {
		b.note("%s: %d incremental runs saw no reload tick of the zone file and were placed from the last served time instead", what, n)
	}
	return nil
}

// renameIn writes tmp with fill, and returns what renames it to path,
// which returns the time just before the rename.
func renameIn(tmp, path string, fill func(io.Writer) error) (func() (time.Time, error), error) {
	if err := writeFile(tmp, fill); err != nil {
		return nil, err
	}
	return func() (time.Time, error) {
		t := time.Now()
		return t, os.Rename(tmp, path)
	}, nil
}

// ctime is when a file's inode last changed: for a file renamed into
// place, the rename.
func ctime(fi os.FileInfo) time.Time {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return time.Unix(st.Ctim.Sec, st.Ctim.Nsec)
	}
	return fi.ModTime()
}

// lastInPlace is the latest ctime of the files in dir.
func lastInPlace(dir string) (time.Time, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return time.Time{}, err
	}
	var last time.Time
	for _, e := range es {
		fi, err := e.Info()
		if err != nil {
			return time.Time{}, err
		}
		if c := ctime(fi); c.After(last) {
			last = c
		}
	}
	return last, nil
}

// fileID tells a rewritten file from the one before.
type fileID struct {
	ino   uint64
	mtime time.Time
	size  int64
}

// snapshot is every file in dir, by name.
func snapshot(dir string) (map[string]fileID, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make(map[string]fileID, len(es))
	for _, e := range es {
		info, err := e.Info()
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return nil, err
		}
		out[e.Name()] = fileID{ino: inode(info), mtime: info.ModTime(), size: info.Size()}
	}
	return out, nil
}

// changedFiles are the names written, created or removed between a and b.
func changedFiles(a, b map[string]fileID) []string {
	var out []string
	for name, id := range b {
		if old, ok := a[name]; !ok || old != id {
			out = append(out, name)
		}
	}
	for name := range a {
		if _, ok := b[name]; !ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

var transferLine = regexp.MustCompile(`Outgoing transfer of \d+ records of zone "([^"]+)"`)

// transfers are the zones CoreDNS's log says it transferred, in order.
func transfers(log string) []string {
	var out []string
	for _, m := range transferLine.FindAllStringSubmatch(log, -1) {
		out = append(out, m[1])
	}
	return out
}

// touch is what one incremental change touched.
type touch struct {
	files []string // zone files written
	axfrs []string // zones transferred
}

// touchResult: every change wrote only file and transferred no zone but
// zone.
func touchResult(ts []touch, file, zone string) result {
	ok := len(ts) > 0
	nf, na := make([]int, len(ts)), make([]int, len(ts))
	for i, t := range ts {
		nf[i], na[i] = len(t.files), len(t.axfrs)
		if len(t.files) != 1 || t.files[0] != file {
			ok = false
		}
		for _, z := range t.axfrs {
			if z != zone {
				ok = false
			}
		}
	}
	files := spread(nf, "file", "files")
	if ok {
		files = "only its file"
	}
	return result{Metric: metricTouched, Unit: unitText, DText: files + ", " + spread(na, "AXFR", "AXFRs"), OK: ok, F: nanF}
}

// spread is "1 file", or "0-2 AXFRs" when the counts differ.
func spread(ns []int, one, many string) string {
	if len(ns) == 0 {
		return "0 " + many
	}
	lo, hi := slices.Min(ns), slices.Max(ns)
	if lo == hi {
		if lo == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", lo, many)
	}
	return fmt.Sprintf("%d-%d %s", lo, hi, many)
}

func describeFiles(ts []touch) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, fmt.Sprintf("%d %v", len(t.files), t.files))
	}
	return compact(parts)
}

func describeAXFRs(ts []touch) string {
	var parts []string
	for _, t := range ts {
		if len(t.axfrs) == 0 {
			parts = append(parts, "0")
		} else {
			parts = append(parts, fmt.Sprintf("%d %v", len(t.axfrs), t.axfrs))
		}
	}
	return compact(parts)
}

// compact is "each of 7: s" when every part is s, else the parts in order.
func compact(parts []string) string {
	if len(parts) > 1 && len(slices.Compact(slices.Clone(parts))) == 1 {
		return fmt.Sprintf("each of %d: %s", len(parts), parts[0])
	}
	return strings.Join(parts, "; ")
}
