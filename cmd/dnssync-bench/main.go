//go:build linux

// Command dnssync-bench is dnssync's end-to-end benchmark: it runs the real
// dnssync binary against the real CoreDNS on loopback and measures, side by
// side, how long a change takes to be served through dnssync and how long
// CoreDNS alone takes to serve the same change written by hand (the floor).
// It prints one table as it goes and writes it, with the machine and the
// targets of issue 6, to -out as Markdown.
//
//	go run ./cmd/dnssync-bench -sizes 1000 -rfcsizes 1000 -runs 3 -out /tmp/bench.md
package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// nanF is "no floor".
var nanF = math.NaN()

type options struct {
	dnssync, coredns, out string
	sizes, rfcSizes       []int
	rfcServers            []rfcServer // the servers of the rfc2136 rows
	signedSizes           []int       // one signed zone (dnssec = true): record counts
	zones, runs           int
	zonesD                int           // zones of the many-zones scenario declared in zones.d (0: skip)
	replication           int           // records in the replication scenario's zone (0: skip)
	allocs                int           // the zonefile size whose cold start's top allocations are noted (0: none)
	steady                time.Duration // scheduled passes back to back for this long (0: skip)
	steadySize            int           // records in the steady scenario's zone
	keep                  bool
	logLevel              string
	coldDeadline          time.Duration
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "dnssync-bench:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "dnssync-bench: interrupted, stopping the servers (again to force)")
		cancel()
		<-sigs
		stopAll()
		os.Exit(130)
	}()
	err = run(ctx, opts)
	stopAll()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dnssync-bench:", err)
		if ctx.Err() != nil {
			os.Exit(130)
		}
		os.Exit(1)
	}
}

// bench is one run of the harness.
type bench struct {
	ctx              context.Context
	dnssync, coredns string // absolute paths
	runs             int
	tmp              string // root of the scenarios' directories
	keep             bool
	logLevel         string
	coldDeadline     time.Duration
	allocs           int // see options
	rfcServers       []rfcServer
	results          []result
	notes            []string
}

func run(ctx context.Context, o options) error {
	start := time.Now()
	coredns, err := filepath.Abs(o.coredns)
	if err != nil {
		return err
	}
	if _, err := os.Stat(coredns); err != nil {
		return fmt.Errorf("CoreDNS binary %s: %w (build it with `make coredns`)", o.coredns, err)
	}
	tmp, err := os.MkdirTemp("", "dnssync-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "dnssync-bench: keeping", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	dnssync, err := dnssyncBinary(ctx, o.dnssync, tmp)
	if err != nil {
		return err
	}
	b := &bench{ctx: ctx, dnssync: dnssync, coredns: coredns, runs: o.runs, tmp: tmp, keep: o.keep, logLevel: o.logLevel, coldDeadline: o.coldDeadline, allocs: o.allocs, rfcServers: o.rfcServers}
	m := machineInfo(ctx, coredns, dnssync)
	fmt.Printf("dnssync-bench %s; %s; %s, %d cores; %s; %s\n\n", m.date, m.uname, m.cpu, m.cores, m.goVersion, m.coredns)
	fmt.Println(textRow(columns))

	for _, n := range o.sizes {
		if err := b.runZonefile(scenZonefile, fmt.Sprint(n), oneZone(n)); err != nil {
			return err
		}
	}
	if o.zones > 0 {
		if err := b.runZonefile(scenManyZones, manyZonesLabel(o.zones), manyZones(o.zones)); err != nil {
			return err
		}
	}
	if o.zonesD > 0 {
		if err := b.runZonefile(scenManyZonesD, manyZonesLabel(o.zonesD), manyZonesD(o.zonesD)); err != nil {
			return err
		}
	}
	for _, n := range o.signedSizes {
		if err := b.runSigned(n); err != nil {
			return err
		}
	}
	for _, n := range o.rfcSizes {
		if err := b.runRFC2136(n); err != nil {
			return err
		}
	}
	if o.replication > 0 {
		if err := b.runReplication(o.replication); err != nil {
			return err
		}
	}
	if o.steady > 0 {
		if err := b.runSteady(o.steadySize, o.steady); err != nil {
			return err
		}
	}

	ts := evaluate(b.results)
	fmt.Println("\ntargets:")
	for _, t := range ts {
		fmt.Printf("  %s: %s: %s\n", t.Status, t.Name, t.Measured)
	}
	for _, n := range b.notes {
		fmt.Println("note:", n)
	}
	fmt.Fprintf(os.Stderr, "dnssync-bench: done in %v\n", time.Since(start).Round(time.Second))
	if o.out == "" {
		return nil
	}
	if err := writeReport(o.out, m, o, b.results, ts, b.notes); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "dnssync-bench: wrote", o.out)
	return nil
}

// dnssyncBinary is the dnssync binary to run: path, or when it does not
// exist, one built from this module into dir.
func dnssyncBinary(ctx context.Context, path, dir string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err == nil {
		return abs, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	out := filepath.Join(dir, "dnssync")
	fmt.Fprintf(os.Stderr, "dnssync-bench: %s not found; go build -o %s ./cmd/dnssync\n", path, out)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/dnssync/dnssync/cmd/dnssync")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build dnssync (run from the module, or pass -dnssync): %w", err)
	}
	return out, nil
}

// scenarioDir is a new directory for one scenario, and what removes it.
func (b *bench) scenarioDir(prefix string) (string, func(), error) {
	dir, err := os.MkdirTemp(b.tmp, prefix+"-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() {
		if !b.keep {
			os.RemoveAll(dir)
		}
	}, nil
}

// coldDnssync writes dnssync's config to path, starts it, and returns it
// with when it started and when lastName first answered lastIP on srv
// (signed, for a config that signs). The caller stops it.
func (b *bench) coldDnssync(what, path string, config corednstest.Config, srv *coreDNS, lastName, lastIP string) (daemon *proc, start, served time.Time, err error) {
	b.progress("%s: cold (dnssync)", what)
	if err := config.Write(path); err != nil {
		return nil, start, served, err
	}
	start = time.Now()
	if daemon, err = startDnssync(b.dnssync, path); err != nil {
		return nil, start, served, err
	}
	served, err = waitAnswer(b.ctx, what+": cold (dnssync)", srv.addr, lastName, lastIP, config.DNSSEC, b.coldDeadline, daemon, srv.proc)
	if err != nil {
		daemon.stop()
		return nil, start, served, err
	}
	return daemon, start, served, nil
}

// emit prints a row and keeps it for the report.
func (b *bench) emit(r result) {
	b.results = append(b.results, r)
	fmt.Println(textRow(r.cells()))
}

func (b *bench) note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

// progress goes to stderr, so that stdout is the table.
func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "# "+format+"\n", args...)
}
