//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// runSigned measures the zonefile backend signing one zone of n records
// (dnssec = true: dnssync's defaults, a combined signing key,
// ECDSAP256SHA256, NSEC) against CoreDNS alone. Cold: until the last
// record is served signed (asked with DO, the answer carries its RRSIG);
// the floor is CoreDNS loading the same signed zone file (dnssync's,
// copied in once dnssync's first pass is done), which is what CoreDNS
// alone can do without a signer. Changes: a one-record change until
// served signed, beside the unsigned floor of runZonefile (the floor's
// zone is replaced by the unsigned rendering at the unmeasured warm-up
// change): hand-signing a zone is not something CoreDNS alone does.
func (b *bench) runSigned(n int) error {
	lay := oneZone(n)
	scen, ns := scenSigned, fmt.Sprint(n)
	what := fmt.Sprintf("%s N=%s", scen, ns)
	dir, cleanup, err := b.scenarioDir("signed")
	if err != nil {
		return err
	}
	defer cleanup()
	var (
		records    = filepath.Join(dir, "records.d")
		zones      = filepath.Join(dir, "zones")
		dnsDir     = filepath.Join(dir, "coredns")
		floorDir   = filepath.Join(dir, "floor")
		floorZones = filepath.Join(floorDir, "zones")
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

	// Cold, dnssync first: the floor loads the file it signs.
	backend := corednstest.Backend{Type: "zonefile", ZoneDir: zones, StateDir: filepath.Join(dir, "state")}
	cfg := dnssyncConfig(lay, dnsSrv.addr, records, b.logLevel, backend)
	cfg.DNSSEC = true
	daemon, t0, served, err := b.coldDnssync(what, config, cfg, dnsSrv, lastName, lastIP)
	if err != nil {
		return err
	}
	defer daemon.stop()
	last, err := lastInPlace(zones)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	rd, err := daemon.ready.wait(b.ctx, what+": cold (dnssync)", b.coldDeadline, daemon, dnsSrv.proc)
	if err != nil {
		return err
	}
	if err := checkFirstPass(rd.status, lay.zones()); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}

	// Cold, floor: dnssync's signed zone file, copied beside the floor's
	// auto directory and renamed in.
	b.progress("%s: cold (floor, the signed zone file copied)", what)
	tmp := filepath.Join(floorDir, "zone.tmp")
	if err := copyFile(filepath.Join(zones, lay.zoneFileName(0)), tmp); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	f0 := time.Now()
	if err := os.Rename(tmp, filepath.Join(floorZones, lay.zoneFileName(0))); err != nil {
		return err
	}
	floorServed, err := waitAnswer(b.ctx, what+": cold (floor)", floorSrv.addr, lastName, lastIP, true, b.coldDeadline, floorSrv.proc)
	if err != nil {
		return err
	}
	b.emit(durationResult(scen, ns, metricCold, served.Sub(t0), floorServed.Sub(f0)))
	b.emit(durationResult(scen, ns, metricColdWritten, last.Sub(t0), -1))
	b.emit(durationResult(scen, ns, metricColdVerified, rd.at.Sub(t0), -1))

	serial, err := soaSerial(b.ctx, floorSrv.addr, lay.zone(0))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return b.runChanges(&changeRun{scen: scen, n: ns, what: what, lay: lay, records: records, zones: zones,
		floorDir: floorDir, floorZones: floorZones, dnsSrv: dnsSrv, floorSrv: floorSrv, daemon: daemon,
		served: served, floorServed: floorServed, floorSerial: serial, signed: true})
}

// copyFile copies src to dst (created, or truncated).
func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		return fmt.Errorf("copy to %s: %w", dst, err)
	}
	return nil
}
