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

// maxUpdateRecords is how many records, the prerequisite included, the
// floor puts in one UPDATE, as dnssync's default max_update_records.
const maxUpdateRecords = 1000

func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// maxDynupdateRecords is the largest zone the rfc2136 rows load into
// CoreDNS dynupdate.
const maxDynupdateRecords = 100000

// runRFC2136 measures the rfc2136 backend on one zone of n records on
// each server of -rfcservers.
func (b *bench) runRFC2136(n int) error {
	for _, s := range b.rfcServers {
		if s.kind == corednstest.CoreDNS && n > maxDynupdateRecords {
			b.note("%s N=%d: not run: CoreDNS dynupdate looks through its whole zone for every record an UPDATE adds (its cold sync of 10,000 records takes 11-24 s, of both dnssync and the floor), so %d records would take hours", s.scen, n, n)
			continue
		}
		if err := b.runRFC2136On(s, n); err != nil {
			return err
		}
	}
	return nil
}

// runRFC2136On measures the rfc2136 backend on one zone of n records
// against srv, beside the floor: a second server of the same kind taking
// the same UPDATEs from the harness's own sender (floorSender). dnssync
// reaches its server through a forwarder, which sees its UPDATEs go by:
// the batches of the cold sync, the server's time on each, and when a
// change's UPDATE reached the wire.
func (b *bench) runRFC2136On(srv rfcServer, n int) error {
	scen, nl := srv.scen, fmt.Sprint(n)
	what := fmt.Sprintf("%s N=%d", scen, n)
	lay := oneZone(n)
	zone := lay.zone(0)
	dir, cleanup, err := b.scenarioDir("rfc2136-" + srv.key)
	if err != nil {
		return err
	}
	defer cleanup()
	var (
		records    = filepath.Join(dir, "records.d")
		state      = filepath.Join(dir, "state")
		dnsDir     = filepath.Join(dir, "server")
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
	spec := srv.spec(zone, secret, n)
	dnsSrv, err := startServer(b.ctx, b.coredns, srv.label+" (dnssync's)", dnsDir, spec)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer dnsSrv.stop()
	floorSrv, err := startServer(b.ctx, b.coredns, srv.label+" (floor)", floorDir, spec)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer floorSrv.stop()
	fwd, err := startForwarder(dnsSrv.addr)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer fwd.close()

	lastName, lastIP := lay.name(lay.n-1), value(lay.n-1)

	// Cold, floor: every record in UPDATEs of maxUpdateRecords, the
	// messages built first, sent one after the other.
	b.progress("%s: cold (floor)", what)
	floor, err := newFloorSender(b.ctx, floorSrv.addr, zone, secret)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer floor.close()
	rrs := make([]dns.RR, n)
	for i := range rrs {
		rrs[i] = aRecord(lay.name(i), value(i))
	}
	// One record of each message is its prerequisite, as dnssync's:
	// servers count it against their limit (internal/apply).
	msgs := floor.insertBatches(rrs, maxUpdateRecords-1)
	rrs = nil
	t0 := time.Now()
	var floorSizes []int
	for i, m := range msgs {
		if err := b.ctx.Err(); err != nil {
			return err
		}
		floorSizes = append(floorSizes, len(m.Ns))
		if _, err := floor.send(m); err != nil {
			return fmt.Errorf("%s: cold (floor): message %d of %d: %w\n%s output:\n%s", what, i+1, len(msgs), err, floorSrv.name, floorSrv.logTail())
		}
	}
	msgs = nil
	floorServed, err := waitServed(b.ctx, what+": cold (floor)", floorSrv.addr, lastName, lastIP, b.coldDeadline, floorSrv.proc)
	if err != nil {
		return err
	}
	floorCold := floorServed.Sub(t0)
	_, floorSpent := floor.sent(0)

	// Cold, dnssync: its server is the forwarder.
	backend := corednstest.Backend{Type: "rfc2136", Server: fwd.addr, TSIGKey: "dnssync.", TSIGAlgorithm: "hmac-sha256", TSIGSecretFile: secretFile, StateDir: state}
	daemon, t0, served, err := b.coldRFC2136(what, config, dnssyncConfig(lay, dnsSrv.addr, records, b.logLevel, backend), dnsSrv, lastName, lastIP)
	if err != nil {
		return err
	}
	defer daemon.stop()
	cold, err := fwd.answeredFrom(b.ctx, t0, 10*time.Second)
	if err != nil {
		return fmt.Errorf("%s: cold (dnssync): %w", what, err)
	}
	b.emit(durationResult(scen, nl, metricCold, served.Sub(t0), floorCold))
	b.note("%s: cold sync: dnssync asked for %d zone transfers and sent %d UPDATEs (records each, the prerequisite not counted: %s), the server answering them in %s in all (%s of the cold sync); the floor sent %s, answered in %s in all",
		what, fwd.transfersBetween(t0, served), len(cold), batchSizes(recordCounts(cold)), fmtSeconds(serverTotal(cold).Seconds()), percent(serverTotal(cold), served.Sub(t0)),
		batchSizes(floorSizes), fmtSeconds(floorSpent.Seconds()))
	if len(cold) > 0 {
		b.note("%s: cold sync, dnssync's timeline from its start: first UPDATE on the wire at %s, last UPDATE answered at %s, last record served at %s (polled every %v)",
			what, fmtSeconds(cold[0].at.Sub(t0).Seconds()), fmtSeconds(lastAnswer(cold).Sub(t0).Seconds()), fmtSeconds(served.Sub(t0).Seconds()), pollInterval)
	}

	b.progress("%s: incremental, %d runs each", what, b.runs)
	name0 := lay.name(0)
	var shares, spent []time.Duration
	xfrs := 0 // zone transfers dnssync asked for between a rename and its UPDATE
	d := &side{name: "dnssync", addr: dnsSrv.addr, record: name0, watch: []*proc{daemon, dnsSrv.proc},
		prepare: func(ip string) (func() (time.Time, error), error) {
			return renameIn(filepath.Join(records, "."+lay.file(0)+".tmp"), filepath.Join(records, lay.file(0)),
				func(w io.Writer) error { return lay.writeRecordsFile(w, 0, overrides{0: ip}) })
		}}
	// after: the change's first UPDATE on the wire, seen by the forwarder.
	d.after = func() error {
		us := updatesFrom(fwd.seen(), d.changedAt)
		if len(us) == 0 {
			return fmt.Errorf("the change was served, but the forwarder saw no UPDATE after the rename")
		}
		shares = append(shares, us[0].at.Sub(d.changedAt))
		xfrs += fwd.transfersBetween(d.changedAt, us[0].at)
		spent = append(spent, serverTotal(us))
		return nil
	}
	floorFrom := len(floor.rtts)
	f := &side{name: "floor", addr: floorSrv.addr, record: name0, watch: []*proc{floorSrv.proc},
		prepare: func(ip string) (func() (time.Time, error), error) {
			rr := aRecord(name0, ip)
			m := floor.msg([]dns.RR{rr}, []dns.RR{rr})
			return func() (time.Time, error) { return floor.send(m) }, nil
		}}
	inc, err := runIncremental(b.ctx, what, b.runs, d, f, daemon)
	if err != nil {
		return err
	}
	b.note("%s: incremental runs in order: dnssync %s; floor %s", what, latencies(inc.dnssyncAll), latencies(inc.floorAll))
	b.emit(durationResult(scen, nl, metricIncremental, inc.dnssync, inc.floor))
	b.emit(durationResult(scen, nl, metricOwnShare, median(shares), -1))
	b.emit(durationResult(scen, nl, metricCPU, inc.cpuPerChange, -1))
	b.note("%s: %s", what, inc.cpuNote("the floor's runs"))
	b.emit(result{Scenario: scen, N: nl, Metric: metricRSS, Unit: unitBytes, D: float64(inc.peakRSS), F: nanF})
	b.note("%s: a change: dnssync's own share (the rename until its UPDATE's first byte reached the forwarder; records.debounce = 0s: the watcher waits for no quiet) in order %s, with %d zone transfers in between over the %d changes; the server's time on dnssync's UPDATEs (median, relayed to answered) %s, on the floor's (median, its exchange, signing included) %s",
		what, latencies(shares), xfrs, len(shares), fmtSeconds(median(spent).Seconds()), fmtSeconds(median(floor.rtts[floorFrom:]).Seconds()))
	return nil
}

// percent is part of whole, "12%".
func percent(part, whole time.Duration) string {
	if whole <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*part.Seconds()/whole.Seconds())
}
