//go:build linux

package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// Scenarios of the rfc2136 rows beside scenRFC2136 (CoreDNS dynupdate),
// and their row of dnssync's own share of a change.
const (
	scenRFC2136BIND = "rfc2136, BIND"
	scenRFC2136Knot = "rfc2136, Knot"
	// metricOwnShare: from the records.d rename until dnssync's UPDATE
	// reached the wire (the forwarder in front of the server).
	metricOwnShare = "own share (rename to UPDATE on wire)"
)

// rfcServer is a server the rfc2136 rows run against.
type rfcServer struct {
	key   string // its name in -rfcservers
	scen  string
	kind  corednstest.Kind
	label string // in process names and messages
	title string // in the targets
}

// rfcServers are the servers of -rfcservers, in the order they run.
var rfcServers = []rfcServer{
	{key: "dynupdate", scen: scenRFC2136, kind: corednstest.CoreDNS, label: "coredns dynupdate", title: "CoreDNS dynupdate"},
	{key: "bind", scen: scenRFC2136BIND, kind: corednstest.BIND, label: "named", title: "BIND"},
	{key: "knot", scen: scenRFC2136Knot, kind: corednstest.Knot, label: "knotd", title: "Knot"},
}

// parseRFCServers reads "dynupdate,bind,knot" (any of them, in any order;
// they run in rfcServers' order).
func parseRFCServers(s string) ([]rfcServer, error) {
	want := map[string]bool{}
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k == "" {
			continue
		}
		if !slices.ContainsFunc(rfcServers, func(r rfcServer) bool { return r.key == k }) {
			return nil, fmt.Errorf("%q: want dynupdate, bind or knot", k)
		}
		want[k] = true
	}
	var out []rfcServer
	for _, r := range rfcServers {
		if want[r.key] {
			out = append(out, r)
		}
	}
	return out, nil
}

// spec is the server for one zone of n records taking UPDATEs signed with
// secret (key "dnssync."), set up as a large zone taking UPDATEs would
// be. CoreDNS dynupdate gets room for the n records and keeps its zone in
// a database (`database`), as a server must whose UPDATEs outlive a
// restart. BIND keeps its journal and dumps the zone file now and then,
// by its defaults. Knot writes the whole zone file after every UPDATE by
// default (zonefile-sync: 0): 30 MB an UPDATE at a million records, which
// makes a cold sync quadratic; it is told to keep the changes in its
// journal only (zonefile-sync: -1), which a restart replays.
func (s rfcServer) spec(zone, secret string, n int) corednstest.Spec {
	z := corednstest.UpdateZone{Zone: zone, Seed: seedZone(zone), KeyName: "dnssync.", Secret: secret}
	if s.kind == corednstest.CoreDNS {
		z.MaxRecords, z.MaxBytes, z.MaxUpdateRecords, z.Database = n+100, 1<<30, 1024, true
	}
	spec := z.Spec(s.kind)
	if s.kind == corednstest.Knot {
		spec.Conf = strings.Replace(spec.Conf, knotTemplate, knotTemplate+"    zonefile-sync: -1\n", 1)
	}
	return spec
}

// knotTemplate opens the template of corednstest's knot.conf for a zone
// taking UPDATEs.
const knotTemplate = "template:\n  - id: default\n"

// coldRFC2136 is coldDnssync with records.debounce = 0s (the lowest the
// config takes; corednstest leaves a zero duration out, which would be
// the default 50ms): a change's own share is measured without it.
func (b *bench) coldRFC2136(what, path string, config corednstest.Config, srv *coreDNS, lastName, lastIP string) (daemon *proc, start, served time.Time, err error) {
	b.progress("%s: cold (dnssync)", what)
	config.Records.Debounce = 0
	text, ok := withDebounceZero(config.String())
	if !ok {
		return nil, start, served, fmt.Errorf("%s: no [records] table in dnssync's config to set debounce in:\n%s", what, config.String())
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return nil, start, served, err
	}
	start = time.Now()
	if daemon, err = startDnssync(b.dnssync, path); err != nil {
		return nil, start, served, err
	}
	served, err = waitServed(b.ctx, what+": cold (dnssync)", srv.addr, lastName, lastIP, b.coldDeadline, daemon, srv.proc)
	if err != nil {
		daemon.stop()
		return nil, start, served, err
	}
	return daemon, start, served, nil
}

// withDebounceZero adds debounce = "0s" to the [records] table of a
// config.
func withDebounceZero(config string) (string, bool) {
	const table = "[records]\n"
	i := strings.Index(config, table)
	if i < 0 {
		return config, false
	}
	i += len(table)
	return config[:i] + "debounce = \"0s\"\n" + config[i:], true
}
