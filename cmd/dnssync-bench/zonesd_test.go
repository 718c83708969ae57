//go:build linux

package main

import (
	"context"
	"flag"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/zones"
)

// benchConfig writes the bench's dnssync config for lay into dir, with
// lay's records.d and (for a zones.d layout) its zones.d, and loads it
// the way dnssync does.
func benchConfig(t *testing.T, dir string, lay layout) *config.Config {
	t.Helper()
	records := filepath.Join(dir, "records.d")
	if err := os.MkdirAll(records, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := lay.writeRecordsDir(records); err != nil {
		t.Fatal(err)
	}
	if lay.zonesD {
		if err := lay.writeZonesDir(zonesDir(records)); err != nil {
			t.Fatal(err)
		}
	}
	backend := corednstest.Backend{Type: "zonefile", ZoneDir: filepath.Join(dir, "zones"), StateDir: filepath.Join(dir, "state")}
	path := filepath.Join(dir, "config.toml")
	if err := dnssyncConfig(lay, "127.0.0.1:1053", records, "warn", backend).Write(path); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestZonesDLayout: the zones.d scenario's files are valid zones.d files,
// read by internal/zones from the zones_dir dnssync follows with the
// bench's config, named as `dnssync zones add` names them; that config
// declares no zone of its own (not even the defaults' example.com); and
// the zones are exactly those the [[zones]] scenario declares, so the two
// rows measure the same zones declared two ways.
func TestZonesDLayout(t *testing.T) {
	t.Parallel()
	const n = 3
	dir := t.TempDir()
	lay := manyZonesD(n)
	cfg := benchConfig(t, dir, lay)
	if want := filepath.Join(dir, "zones.d"); cfg.Records.ZonesDir != want {
		t.Fatalf("zones_dir %s, want %s (where the bench writes)", cfg.Records.ZonesDir, want)
	}
	if len(cfg.Zones) != 0 {
		t.Fatalf("the config declares %v; want zones.d's alone", cfg.ZoneNames())
	}
	set, err := zones.Load(cfg.Records.ZonesDir, cfg.Zones)
	if err != nil {
		t.Fatal(err)
	}
	if p := set.Problems(); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
	if got := set.Names(); len(got) != n {
		t.Fatalf("zones %v, want %d", got, n)
	}
	for z := 0; z < n; z++ {
		name := lay.zone(z) + "."
		src, ok := set.Source(name)
		if !ok {
			t.Fatalf("zone %s not in the set %v", name, set.Names())
		}
		if want := filepath.Join(cfg.Records.ZonesDir, lay.zonesDirFile(z)); src.File != want {
			t.Errorf("zone %s from %s, want %s", name, src.File, want)
		}
		if base, err := zones.FileName(name); err != nil || base != lay.zonesDirFile(z) {
			t.Errorf("zones.FileName(%s) = %s, %v; the bench writes %s", name, base, err, lay.zonesDirFile(z))
		}
	}

	// The [[zones]] scenario's config: the same zones, the same settings.
	asConfig := benchConfig(t, t.TempDir(), manyZones(n))
	if !reflect.DeepEqual(asConfig.Zones, set.Zones()) {
		t.Errorf("[[zones]] %+v\nzones.d   %+v", asConfig.Zones, set.Zones())
	}
}

// TestRunLine: the report's run line names every flag that shapes a run
// (every flag but notShaping's), and running it again reproduces the
// options it came from, -only folded in.
func TestRunLine(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		nil,
		{"-only", "manyzones,zonesd", "-zonesd", "50", "-runs", "3", "-loglevel", "debug", "-cold-deadline", "2m"},
		{"-only", "replication", "-replication", "500", "-sizes", "10"},
	} {
		o, err := parseFlags(args)
		if err != nil {
			t.Fatal(err)
		}
		line := runLine(o)
		var shown []string
		newFlagSet(new(options), new(flagText)).VisitAll(func(f *flag.Flag) {
			if _, skip := notShaping[f.Name]; !skip {
				shown = append(shown, f.Name)
				if !strings.Contains(line, " -"+f.Name+" ") {
					t.Errorf("%q: run line %s leaves out -%s", args, line, f.Name)
				}
			}
		})
		if len(shown) < 8 {
			t.Errorf("flags on the run line: %v", shown)
		}
		again, err := parseFlags(commandArgs(t, line))
		if err != nil {
			t.Fatalf("%q: run line %s does not parse: %v", args, line, err)
		}
		if !reflect.DeepEqual(again, o) {
			t.Errorf("%q: run line %s\nreproduces %+v\nwant       %+v", args, line, again, o)
		}
	}
	o, _ := parseFlags([]string{"-only", "zonesd", "-zonesd", "50"})
	if got, want := runLine(o), "`dnssync-bench -sizes \"\" -signedsizes \"\" -rfcsizes \"\" -rfcservers dynupdate,bind,knot -zones 0 -zonesd 50 -replication 0 -steady 0s -steadysize 100000 -allocs 100000 -runs 7 -loglevel warn -cold-deadline 5m0s`"; got != want {
		t.Errorf("runLine = %s, want %s", got, want)
	}
}

// commandArgs splits a run line into the bench's arguments.
func commandArgs(t *testing.T, line string) []string {
	t.Helper()
	fields := strings.Fields(strings.Trim(line, "`"))
	if len(fields) == 0 || fields[0] != "dnssync-bench" {
		t.Fatalf("run line %s: want the command first", line)
	}
	args := fields[1:]
	for i, a := range args {
		if strings.HasPrefix(a, `"`) {
			u, err := strconv.Unquote(a)
			if err != nil {
				t.Fatalf("run line %s: %s: %v", line, a, err)
			}
			args[i] = u
		}
	}
	return args
}

// TestReadyWatch: the bench hears dnssync's READY=1 the way systemd does,
// on a datagram socket named by NOTIFY_SOCKET; other notifications before
// it (a watchdog ping, a status) are not readiness.
func TestReadyWatch(t *testing.T) {
	t.Parallel()
	w, err := listenReady(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	path, ok := strings.CutPrefix(w.env(), "NOTIFY_SOCKET=")
	if !ok {
		t.Fatalf("env %q", w.env())
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, msg := range []string{"WATCHDOG=1", "STATUS=starting", "READY=1\nSTATUS=3 zones, 300 records; last pass 1s, 309 changes", "READY=1\nSTATUS=later"} {
		if _, err := conn.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	before := time.Now()
	m, err := w.wait(context.Background(), "test", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if m.status != "3 zones, 300 records; last pass 1s, 309 changes" || m.at.After(time.Now()) || m.at.Before(before.Add(-10*time.Second)) {
		t.Errorf("ready %+v", m)
	}
	if err := checkFirstPass(m.status, 3); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"1001 zones, 100000 records; last pass 1s, 1 changes", "failing zones: zone-0001.bench.test. (last error: x)", "error: records not read", ""} {
		if checkFirstPass(bad, 1000) == nil {
			t.Errorf("checkFirstPass(%q, 1000): no error", bad)
		}
	}
	if _, err := w.wait(context.Background(), "test", time.Second); err != nil {
		t.Errorf("a second wait: %v", err)
	}
	quiet, err := listenReady(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.close()
	if _, err := quiet.wait(context.Background(), "test", 100*time.Millisecond); err == nil || !strings.Contains(err.Error(), "no READY=1") {
		t.Errorf("no READY=1 sent: %v", err)
	}
}
