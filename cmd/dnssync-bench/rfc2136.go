//go:build linux

package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// maxUpdateRecords is how many records the floor puts in one UPDATE, as
// dnssync's default max_update_records.
const maxUpdateRecords = 1000

func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// runRFC2136 measures the rfc2136 backend on one zone of n records against
// the harness sending the same UPDATEs itself.
func (b *bench) runRFC2136(n int) error {
	scen, nl := scenRFC2136, fmt.Sprint(n)
	what := fmt.Sprintf("%s N=%d", scen, n)
	lay := oneZone(n)
	zone := lay.zone(0)
	dir, cleanup, err := b.scenarioDir("rfc2136")
	if err != nil {
		return err
	}
	defer cleanup()
	var (
		records    = filepath.Join(dir, "records.d")
		state      = filepath.Join(dir, "state")
		dnsDir     = filepath.Join(dir, "coredns")
		floorDir   = filepath.Join(dir, "floor")
		config     = filepath.Join(dir, "config.toml")
		secretFile = filepath.Join(dir, "tsig.secret")
	)
	for _, d := range []string{records, state, dnsDir, floorDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	secret, err := newSecret()
	if err != nil {
		return err
	}
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		return err
	}
	b.progress("%s: writing %d records in %d files", what, lay.n, lay.files())
	if err := lay.writeRecordsDir(records); err != nil {
		return err
	}
	// Room for n records, TSIG-signed updates only.
	spec := corednstest.UpdateZone{Zone: zone, Seed: seedZone(zone), KeyName: "dnssync.", Secret: secret,
		MaxRecords: n + 100, MaxBytes: 1 << 30, MaxUpdateRecords: 1024}.Spec(corednstest.CoreDNS)
	dnsSrv, err := startCoreDNS(b.ctx, b.coredns, "coredns dynupdate (dnssync's)", dnsDir, spec)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer dnsSrv.stop()
	floorSrv, err := startCoreDNS(b.ctx, b.coredns, "coredns dynupdate (floor)", floorDir, spec)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer floorSrv.stop()

	lastName, lastIP := lay.name(lay.n-1), value(lay.n-1)

	// Cold, floor: every record in UPDATEs of at most 1000, each on a new
	// TCP connection (miekg/dns chains TSIG MACs on a reused one), into a
	// fresh dynupdate; the messages are built first.
	b.progress("%s: cold (floor)", what)
	up, err := dialUpdater(floorSrv.addr, zone+".", secret)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer up.close()
	var msgs []*dns.Msg
	for i := 0; i < n; i += maxUpdateRecords {
		var rrs []dns.RR
		for j := i; j < min(n, i+maxUpdateRecords); j++ {
			rrs = append(rrs, aRecord(lay.name(j), value(j)))
		}
		msgs = append(msgs, up.msg(nil, rrs))
	}
	t0 := time.Now()
	for i, m := range msgs {
		err := up.redial()
		if err == nil {
			err = up.send(m)
		}
		if err != nil {
			return fmt.Errorf("%s: cold (floor): message %d of %d: %w\n%s output:\n%s", what, i+1, len(msgs), err, floorSrv.name, floorSrv.logTail())
		}
	}
	msgs = nil
	floorServed, err := waitServed(b.ctx, what+": cold (floor)", floorSrv.addr, lastName, lastIP, b.coldDeadline, floorSrv.proc)
	if err != nil {
		return err
	}
	floorCold := floorServed.Sub(t0)

	backend := corednstest.Backend{Type: "rfc2136", TSIGKey: "dnssync.", TSIGAlgorithm: "hmac-sha256", TSIGSecretFile: secretFile, StateDir: state}
	daemon, t0, served, err := b.coldDnssync(what, config, dnssyncConfig(lay, dnsSrv.addr, records, b.logLevel, backend), dnsSrv, lastName, lastIP)
	if err != nil {
		return err
	}
	defer daemon.stop()
	b.emit(durationResult(scen, nl, metricCold, served.Sub(t0), floorCold))

	b.progress("%s: incremental, %d runs each", what, b.runs)
	name0 := lay.name(0)
	d := &side{name: "dnssync", addr: dnsSrv.addr, record: name0, watch: []*proc{daemon, dnsSrv.proc},
		prepare: func(ip string) (func() (time.Time, error), error) {
			return renameIn(filepath.Join(records, "."+lay.file(0)+".tmp"), filepath.Join(records, lay.file(0)),
				func(w io.Writer) error { return lay.writeRecordsFile(w, 0, overrides{0: ip}) })
		}}
	f := &side{name: "floor", addr: floorSrv.addr, record: name0, watch: []*proc{floorSrv.proc},
		prepare: func(ip string) (func() (time.Time, error), error) {
			rr := aRecord(name0, ip)
			m := up.msg([]dns.RR{rr}, []dns.RR{rr})
			if err := up.redial(); err != nil {
				return nil, err
			}
			return func() (time.Time, error) {
				t := time.Now()
				return t, up.send(m)
			}, nil
		}}
	inc, err := runIncremental(b.ctx, what, b.runs, d, f, daemon)
	if err != nil {
		return err
	}
	b.note("%s: incremental runs in order: dnssync %s; floor %s", what, latencies(inc.dnssyncAll), latencies(inc.floorAll))
	b.emit(durationResult(scen, nl, metricIncremental, inc.dnssync, inc.floor))
	b.emit(durationResult(scen, nl, metricCPU, inc.cpuPerChange, -1))
	b.emit(result{Scenario: scen, N: nl, Metric: metricRSS, Unit: unitBytes, D: float64(inc.peakRSS), F: nanF})
	return nil
}
