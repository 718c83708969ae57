//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// dnssyncConfig is dnssync's config for a measurement of lay against the
// CoreDNS at addr: no scheduled pass during it (every hour), no API, quiet
// logs, and the layout's zones as [[zones]] (a zones.d layout declares
// them in zonesDir(records) instead); the backend is the caller's.
func dnssyncConfig(lay layout, addr, records, logLevel string, backend corednstest.Backend) corednstest.Config {
	c := corednstest.Config{
		DNS:     corednstest.DNS{Addr: addr},
		Records: corednstest.Records{Dir: records, Debounce: 10 * time.Millisecond},
		Backend: backend,
		Verify:  corednstest.Verify{Schedule: "@every 1h", Timeout: 30 * time.Second},
		API:     &corednstest.API{Listen: ""},
		Log:     corednstest.Log{Level: logLevel, Format: "text"},
		NoZones: lay.zonesD, // not even the defaults' example.com
	}
	for z := 0; z < lay.zones() && !lay.zonesD; z++ {
		c.Zones = append(c.Zones, lay.zone(z))
	}
	return c
}

// zonesDir is the zones_dir of a config with this records dir: dnssync's
// default, zones.d beside records.d (the bench's config leaves it unset).
func zonesDir(records string) string { return filepath.Join(filepath.Dir(records), "zones.d") }

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
	if lay.zonesD {
		b.progress("%s: writing %d zones.d files", what, lay.zones())
		if err := lay.writeZonesDir(zonesDir(records)); err != nil {
			return err
		}
	}
	dnsSrv, err := startCoreDNS(b.ctx, b.coredns, "coredns (dnssync's)", dnsDir, corednstest.Spec{Conf: corednstest.AutoCorefile(zones)})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer dnsSrv.stop()
	floorSrv, err := startCoreDNS(b.ctx, b.coredns, "coredns (floor)", floorDir, corednstest.Spec{Conf: corednstest.AutoCorefile(floorZones)})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer floorSrv.stop()

	lastName, lastIP := lay.name(lay.n-1), value(lay.n-1)

	// Cold, floor: the harness renders the zone(s) outside the auto
	// directory and renames them in at once.
	b.progress("%s: cold (floor)", what)
	resumeOther, err := dnsSrv.pause() // each cold start alone (proc.pause)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer resumeOther()
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
	resumeOther()

	// Cold, dnssync: from `dnssync run` until the last record is served.
	backend := corednstest.Backend{Type: "zonefile", ZoneDir: zones, StateDir: filepath.Join(dir, "state")}
	cfg := dnssyncConfig(lay, dnsSrv.addr, records, b.logLevel, backend)
	if cfg.Pprof, err = pprofAddr(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	resumeFloor, err := floorSrv.pause()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	daemon, t0, served, err := b.coldDnssync(what, config, cfg, dnsSrv, lastName, lastIP)
	resumeFloor()
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
	// Until the first pass is done: every zone applied and verified.
	rd, err := daemon.ready.wait(b.ctx, what+": cold (dnssync)", b.coldDeadline, daemon, dnsSrv.proc)
	if err != nil {
		return err
	}
	if err := checkFirstPass(rd.status, lay.zones()); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	b.emit(durationResult(scen, n, metricColdVerified, rd.at.Sub(t0), -1))
	profile := scen == scenZonefile && n == fmt.Sprint(b.allocs)
	if err := b.coldMemory(scen, n, what, cfg.Pprof, dir, daemon, floorSrv, profile); err != nil {
		return err
	}
	return b.runChanges(&changeRun{scen: scen, n: n, what: what, lay: lay, records: records, zones: zones,
		floorDir: floorDir, floorZones: floorZones, dnsSrv: dnsSrv, floorSrv: floorSrv, daemon: daemon,
		served: served, floorServed: floorServed, floorSerial: serials[0]})
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
