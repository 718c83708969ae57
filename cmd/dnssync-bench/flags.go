//go:build linux

package main

import (
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// flagText are the flags read as text and parsed after fs.Parse.
type flagText struct{ sizes, rfcSizes, rfcServers, signedSizes, only string }

// notShaping are the flags the report's run line leaves out, and why:
// every other flag shaped the numbers and is on it (runLine).
var notShaping = map[string]string{
	"dnssync": "the binary's version is in the report's table",
	"coredns": "the binary's version is in the report's table",
	"out":     "where the report goes",
	"keep":    "keeps the temp directories after the run",
	"only":    "its effect is on the line: the skipped scenarios' sizes are empty or 0",
}

// newFlagSet defines the flags into o and t.
func newFlagSet(o *options, t *flagText) *flag.FlagSet {
	fs := flag.NewFlagSet("dnssync-bench", flag.ContinueOnError)
	fs.StringVar(&o.dnssync, "dnssync", "bin/dnssync", "dnssync binary (built with `go build` into a temp dir if missing)")
	fs.StringVar(&o.coredns, "coredns", "bin/coredns", "CoreDNS binary (`make coredns`)")
	fs.StringVar(&o.out, "out", "docs/BENCHMARKS.md", "Markdown report to write (\"\": none)")
	fs.StringVar(&t.sizes, "sizes", "1000,10000,100000", "zonefile backend, one zone: record counts (\"\": skip); add 1000000 for the million-record row (opt-in: about 3 more minutes and 3 GiB of memory)")
	fs.StringVar(&t.signedSizes, "signedsizes", "10000,100000", "zonefile backend, one zone with dnssec = true (dnssync signs it): record counts (\"\": skip)")
	fs.StringVar(&t.rfcSizes, "rfcsizes", "1000,10000", "rfc2136 backend, one zone, on each server of -rfcservers: record counts (\"\": skip); add 1000000 for issue 15's million-record change (opt-in: minutes per server)")
	fs.StringVar(&t.rfcServers, "rfcservers", "dynupdate,bind,knot", "the servers of the rfc2136 rows: dynupdate (CoreDNS), bind, knot")
	fs.IntVar(&o.zones, "zones", 1000, "zonefile backend, many zones of 100 records declared as [[zones]]: how many zones (0: skip); 10000 is issue 15's row (opt-in: a few more minutes)")
	fs.IntVar(&o.zonesD, "zonesd", 1000, "the same many zones declared in zones.d, one file each: how many zones (0: skip)")
	fs.IntVar(&o.replication, "replication", 1000, "zonefile primary and 4 secondaries (2 CoreDNS, BIND, Knot): records in the zone (0: skip)")
	fs.IntVar(&o.allocs, "allocs", 100000, "the zonefile size (one of -sizes) whose cold start's top allocations (go tool pprof) go into the report's notes (0: none)")
	fs.DurationVar(&o.steady, "steady", 0, "steady state: scheduled passes back to back for this long, then RSS and goroutines compared (0: skip; 2m is issue 15's row, opt-in)")
	fs.IntVar(&o.steadySize, "steadysize", 100000, "records in the steady-state scenario's zone")
	fs.StringVar(&t.only, "only", "", "run only these scenarios, comma-separated: "+strings.Join(scenarioKeys, ", ")+" (\"\": all that their flags enable)")
	fs.IntVar(&o.runs, "runs", 7, "incremental changes per measurement (the median is reported)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temp directories (records, zones, logs)")
	fs.DurationVar(&o.coldDeadline, "cold-deadline", 5*time.Minute, "how long a cold sync may take before the run fails")
	fs.StringVar(&o.logLevel, "loglevel", "warn", "dnssync's [log] level (debug for a -keep run that needs explaining)")
	return fs
}

func parseFlags(args []string) (options, error) {
	var o options
	var t flagText
	fs := newFlagSet(&o, &t)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if o.sizes, err = parseSizes(t.sizes); err != nil {
		return o, fmt.Errorf("-sizes: %w", err)
	}
	if o.signedSizes, err = parseSizes(t.signedSizes); err != nil {
		return o, fmt.Errorf("-signedsizes: %w", err)
	}
	if o.rfcSizes, err = parseSizes(t.rfcSizes); err != nil {
		return o, fmt.Errorf("-rfcsizes: %w", err)
	}
	if o.rfcServers, err = parseRFCServers(t.rfcServers); err != nil {
		return o, fmt.Errorf("-rfcservers: %w", err)
	}
	if o.replication < 0 || o.replication >= 1<<24 {
		return o, fmt.Errorf("-replication %d: want 0 to 16777215", o.replication)
	}
	if err := o.keepOnly(t.only); err != nil {
		return o, fmt.Errorf("-only: %w", err)
	}
	if o.runs < 1 || o.runs > 200 {
		return o, fmt.Errorf("-runs %d: want 1 to 200", o.runs)
	}
	if o.coldDeadline <= 0 {
		return o, fmt.Errorf("-cold-deadline %v: want a positive duration", o.coldDeadline)
	}
	if o.zones < 0 || o.zones > 10000 {
		return o, fmt.Errorf("-zones %d: want 0 to 10000", o.zones)
	}
	if o.zonesD < 0 || o.zonesD > 10000 {
		return o, fmt.Errorf("-zonesd %d: want 0 to 10000", o.zonesD)
	}
	if o.allocs < 0 || o.allocs >= 1<<24 {
		return o, fmt.Errorf("-allocs %d: want 0 to 16777215", o.allocs)
	}
	if o.steady < 0 {
		return o, fmt.Errorf("-steady %v: want 0 (skip) or a positive duration", o.steady)
	}
	if o.steadySize < 1 || o.steadySize >= 1<<24 {
		return o, fmt.Errorf("-steadysize %d: want 1 to 16777215", o.steadySize)
	}
	return o, nil
}

// scenarioKeys name the scenarios for -only.
var scenarioKeys = []string{"zonefile", "signed", "manyzones", "zonesd", "rfc2136", "replication", "steady"}

// keepOnly skips every scenario not named in only ("": keeps them all).
func (o *options) keepOnly(only string) error {
	if strings.TrimSpace(only) == "" {
		return nil
	}
	keep := map[string]bool{}
	for _, k := range strings.Split(only, ",") {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if !slices.Contains(scenarioKeys, k) {
			return fmt.Errorf("%q: want one of %s", k, strings.Join(scenarioKeys, ", "))
		}
		keep[k] = true
	}
	if !keep["zonefile"] {
		o.sizes = nil
	}
	if !keep["signed"] {
		o.signedSizes = nil
	}
	if !keep["manyzones"] {
		o.zones = 0
	}
	if !keep["zonesd"] {
		o.zonesD = 0
	}
	if !keep["rfc2136"] {
		o.rfcSizes = nil
	}
	if !keep["replication"] {
		o.replication = 0
	}
	if !keep["steady"] {
		o.steady = 0
	}
	return nil
}

// parseSizes reads "1000,10000": positive record counts below 2^24.
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n >= 1<<24 {
			return nil, fmt.Errorf("%q: want a record count from 1 to 16777215", f)
		}
		out = append(out, n)
	}
	return out, nil
}
