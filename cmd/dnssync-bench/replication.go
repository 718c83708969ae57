//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// secondaryKinds are the secondaries of the replication scenario: the
// topology of issue 12, two CoreDNS, one BIND, one Knot.
var secondaryKinds = []corednstest.Kind{corednstest.CoreDNS, corednstest.CoreDNS, corednstest.BIND, corednstest.Knot}

// runReplication measures one change until it is served on all four
// secondaries of a zonefile primary: through dnssync (records.d, zone
// file, dnssync's NOTIFY once the primary serves it), and the floor,
// CoreDNS alone (the zone file written by hand, CoreDNS's own NOTIFY to
// the addresses of its `transfer to`). The two run one after the other on
// the same primary and secondaries: the primary is restarted on its port
// between them with the floor's Corefile.
func (b *bench) runReplication(n int) error {
	lay := oneZone(n)
	nLabel := fmt.Sprint(n)
	what := fmt.Sprintf("%s N=%d", scenReplication, n)
	zone := lay.zone(0)
	dir, cleanup, err := b.scenarioDir("replication")
	if err != nil {
		return err
	}
	defer cleanup()
	var (
		records    = filepath.Join(dir, "records.d")
		zones      = filepath.Join(dir, "zones") // dnssync's zone_dir, the primary's auto directory
		primaryDir = filepath.Join(dir, "primary")
		config     = filepath.Join(dir, "config.toml")
	)
	for _, d := range []string{records, zones, primaryDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	b.progress("%s: writing %d records in %d files", what, lay.n, lay.files())
	if err := lay.writeRecordsDir(records); err != nil {
		return err
	}
	// dnssync's primary: `transfer to *` makes CoreDNS notify no one, so
	// that the secondaries learn of a change from dnssync alone.
	primary, err := startCoreDNS(b.ctx, b.coredns, "coredns (primary)", primaryDir, corednstest.Spec{Conf: corednstest.AutoCorefile(zones)})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer func() { primary.stop() }()

	// The zone, for the secondaries' first transfer: dnssync without them.
	backend := corednstest.Backend{Type: "zonefile", ZoneDir: zones, StateDir: filepath.Join(dir, "state")}
	cfg := dnssyncConfig(lay, primary.addr, records, b.logLevel, backend)
	daemon, _, _, err := b.coldDnssync(what, config, cfg, primary, lay.name(lay.n-1), value(lay.n-1))
	if err != nil {
		return err
	}
	daemon.stop()

	var secs []*coreDNS
	for i, k := range secondaryKinds {
		sdir := filepath.Join(dir, fmt.Sprintf("secondary-%d-%s", i, k))
		if err := os.MkdirAll(sdir, 0o755); err != nil {
			return err
		}
		s, err := startServer(b.ctx, b.coredns, fmt.Sprintf("%s (secondary %d)", k, i), sdir,
			corednstest.Secondary{Primary: primary.addr, Zones: []string{zone}}.Spec(k))
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		defer s.stop()
		secs = append(secs, s)
		cfg.Secondaries = append(cfg.Secondaries, s.addr)
	}
	if err := cfg.Write(config); err != nil {
		return err
	}
	if daemon, err = startDnssync(b.dnssync, config); err != nil {
		return err
	}
	defer daemon.stop()

	ticks, err := watchTicks(zones, lay.zoneFileName(0))
	if err != nil {
		return fmt.Errorf("%s: inotify on %s: %w", what, zones, err)
	}
	defer ticks.close()
	watch := []*proc{daemon, primary.proc}
	for _, s := range secs {
		watch = append(watch, s.proc)
	}
	d := &side{name: "dnssync", record: lay.name(0), period: time.Second, ticks: ticks, watch: watch,
		prepare: func(ip string) (func() (time.Time, error), error) {
			return renameIn(filepath.Join(records, "."+lay.file(0)+".tmp"), filepath.Join(records, lay.file(0)),
				func(w io.Writer) error { return lay.writeRecordsFile(w, 0, overrides{0: ip}) })
		}}
	b.progress("%s: dnssync, %d runs", what, b.runs)
	dl, dAll, err := b.replicate(what, d, primary.addr, secs)
	if err != nil {
		return err
	}
	daemon.stop()

	// The floor: the same primary on the same port, now naming the
	// secondaries in `transfer to`, and the change written by hand.
	primary.stop()
	if primary, err = b.restartPrimary(primary.addr, primaryDir, zones, zone, secs); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	serial, err := soaSerial(b.ctx, primary.addr, zone)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	watch = []*proc{primary.proc}
	for _, s := range secs {
		watch = append(watch, s.proc)
	}
	f := &side{name: "floor", record: lay.name(0), period: time.Second, ticks: ticks, watch: watch,
		prepare: func(ip string) (func() (time.Time, error), error) {
			serial++
			return renameIn(filepath.Join(dir, "zone.tmp"), filepath.Join(zones, lay.zoneFileName(0)),
				func(w io.Writer) error { return lay.renderZone(w, 0, serial, overrides{0: ip}) })
		}}
	b.progress("%s: floor, %d runs", what, b.runs)
	fl, fAll, err := b.replicate(what, f, primary.addr, secs)
	if err != nil {
		return err
	}
	b.emit(durationResult(scenReplication, nLabel, metricAllSecondaries, dl, fl))
	b.note("%s: runs in order (at phases 0.5/runs, 1.5/runs, ... of the primary's reload tick), until served on all %d secondaries: dnssync %s; floor %s",
		what, len(secs), latencies(dAll.all), latencies(fAll.all))
	b.note("%s: until served on the primary (median): dnssync %s, floor %s; the slowest secondary after it (median): dnssync %s, floor %s",
		what, fmtSeconds(median(dAll.primary).Seconds()), fmtSeconds(median(fAll.primary).Seconds()),
		fmtSeconds(median(dAll.lag).Seconds()), fmtSeconds(median(fAll.lag).Seconds()))
	if n := d.tickMisses + f.tickMisses; n > 0 {
		b.note("%s: %d runs saw no reload tick of the zone file and were placed from the last served time instead", what, n)
	}
	return nil
}

// replication is what one side's runs measured, each in order.
type replication struct {
	all     []time.Duration // until served on every secondary
	primary []time.Duration // until served on the primary
	lag     []time.Duration // the slowest secondary after the primary
}

// replicate makes one unmeasured warm-up change and then b.runs measured
// ones through s, run i at phase (i+0.5)/runs of the primary's reload
// tick, each until the primary and every secondary serve it. It returns
// the median time until all secondaries served it.
func (b *bench) replicate(what string, s *side, primary string, secs []*coreDNS) (time.Duration, replication, error) {
	var r replication
	for i := -1; i < b.runs; i++ {
		ip, phase, label := changed(i), (float64(i)+0.5)/float64(b.runs), fmt.Sprintf("change %d/%d", i+1, b.runs)
		if i < 0 {
			ip, phase, label = "198.51.100.1", -1, "warm-up change"
		}
		label = fmt.Sprintf("%s: %s (%s)", what, label, s.name)
		commit, err := s.prepare(ip)
		if err != nil {
			return 0, r, fmt.Errorf("%s: %w", label, err)
		}
		if phase >= 0 {
			if err := s.waitPhase(b.ctx, phase); err != nil {
				return 0, r, fmt.Errorf("%s: %w", label, err)
			}
		}
		t0, err := commit()
		if err != nil {
			return 0, r, fmt.Errorf("%s: %w", label, err)
		}
		servedAt, err := servedOnAll(b.ctx, label, append([]string{primary}, addrs(secs)...), s.record, ip, s.watch)
		if err != nil {
			return 0, r, err
		}
		s.lastServed = servedAt[0]
		last := servedAt[1]
		for _, t := range servedAt[2:] {
			if t.After(last) {
				last = t
			}
		}
		if i >= 0 {
			r.all = append(r.all, last.Sub(t0))
			r.primary = append(r.primary, servedAt[0].Sub(t0))
			r.lag = append(r.lag, last.Sub(servedAt[0]))
		}
		select {
		case <-b.ctx.Done():
			return 0, r, b.ctx.Err()
		case <-time.After(settle):
		}
	}
	return median(r.all), r, nil
}

// servedOnAll polls every server at once until each serves name A ip, and
// returns when each did, in the order of servers.
func servedOnAll(ctx context.Context, what string, servers []string, name, ip string, watch []*proc) ([]time.Time, error) {
	at := make([]time.Time, len(servers))
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, addr := range servers {
		wg.Go(func() {
			at[i], errs[i] = waitServed(ctx, what, addr, name, ip, incrementalDeadline, watch...)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return at, nil
}

func addrs(ss []*coreDNS) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.addr
	}
	return out
}
