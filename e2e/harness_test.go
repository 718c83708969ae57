// Package e2e runs the dnssync binary against a real CoreDNS on loopback and
// checks what CoreDNS answers over DNS.
//
// The servers, their ports and the config file come from
// internal/corednstest, the one harness; this file holds what is e2e's own:
// one dnssync installation (env) and its daemon. Every helper fails the test
// it was given: inside t.Run, rebind with e.in(t) and d.in(t) first.
package e2e

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

var dnssyncBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dnssync-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dnssyncBin = filepath.Join(dir, "dnssync")
	flag.Parse()
	args := []string{"build", "-race", "-o", dnssyncBin, "../cmd/dnssync"}
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		args = slices.Delete(args, 1, 2) // benchmarks measure the real build, not the race detector
	}
	build := exec.Command("go", args...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build dnssync:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is one CoreDNS plus the files of one dnssync installation.
type env struct {
	t       testing.TB
	dns     *corednstest.Server
	dir     string // root of the installation
	records string // records.d
	zones   string // zone_dir
	config  string // config.toml
	res     *verify.Resolver
	// cfg is what writeConfig writes, with dns's address as coredns_url
	// and, when the backend sets none, a state_dir of the env's own.
	cfg corednstest.Config
}

// newEnv starts CoreDNS serving zone_dir and writes a zonefile config
// managing example.com and example.org.
func newEnv(t testing.TB) *env {
	t.Helper()
	e := newBareEnv(t)
	e.zones = filepath.Join(e.dir, "zones")
	if err := os.MkdirAll(e.zones, 0o755); err != nil {
		t.Fatal(err)
	}
	e.dns = corednstest.Start(t, corednstest.AutoCorefile(e.zones))
	e.res = &verify.Resolver{Addr: e.dns.Addr, Timeout: time.Second}
	e.cfg.Backend = corednstest.Backend{Type: "zonefile", ZoneDir: e.zones}
	e.cfg.Zones = []string{"example.com", "example.org"}
	e.writeConfig()
	return e
}

// newBareEnv makes the directories of one dnssync installation and the
// config every test starts from: fast debounce and schedule, debug logs,
// no API (parallel daemons would fight over its port). The caller starts
// a server, sets the backend and zones, and calls writeConfig.
func newBareEnv(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, dir: dir, records: filepath.Join(dir, "records.d"), config: filepath.Join(dir, "config.toml")}
	if err := os.MkdirAll(e.records, 0o755); err != nil {
		t.Fatal(err)
	}
	e.cfg = corednstest.Config{
		Records: corednstest.Records{Dir: e.records, Debounce: 20 * time.Millisecond},
		Verify:  corednstest.Verify{Schedule: "@every 1s", Timeout: 5 * time.Second},
		API:     &corednstest.API{Listen: ""},
		Log:     corednstest.Log{Level: "debug"},
	}
	return e
}

// in is e for the test t: a subtest rebinds e with e.in(t), so that its
// helpers fail the subtest. (A parent's FailNow called from a subtest
// would end the subtest's goroutine and blame the parent.)
func (e *env) in(t testing.TB) *env {
	c := *e
	c.t = t
	return &c
}

// writeConfig writes e.cfg to the config file.
func (e *env) writeConfig() {
	e.t.Helper()
	c := e.cfg
	c.DNS.Addr = e.dns.Addr
	if c.Backend.StateDir == "" { // never the shared default, /var/lib/dnssync
		c.Backend.StateDir = filepath.Join(e.dir, "state")
	}
	if err := c.Write(e.config); err != nil {
		e.t.Fatal(err)
	}
}

// replaceConfig replaces old with new in the config file. It is for the
// configs corednstest.Config cannot write, broken ones; a setting is
// changed in e.cfg and written with writeConfig.
func (e *env) replaceConfig(old, new string) {
	e.t.Helper()
	b, err := os.ReadFile(e.config)
	if err != nil {
		e.t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		e.t.Fatalf("config has no %q", old)
	}
	if err := os.WriteFile(e.config, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// write puts a record file in place the way an orchestrator should:
// temp file, then rename.
func (e *env) write(name, content string) {
	e.t.Helper()
	tmp := filepath.Join(e.records, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(e.records, name)); err != nil {
		e.t.Fatal(err)
	}
}

// writeInPlace overwrites a file directly, as a careless editor would.
func (e *env) writeInPlace(name, content string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.records, name), []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) remove(name string) {
	e.t.Helper()
	if err := os.Remove(filepath.Join(e.records, name)); err != nil {
		e.t.Fatal(err)
	}
}

// cli runs one dnssync command to completion.
func (e *env) cli(args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	stdout, stderr, code, err := e.run(args...)
	if err != nil {
		e.t.Fatal(err)
	}
	return stdout, stderr, code
}

// run is cli failing no test: err is a command that could not run at all.
// Goroutines call it (only a test's own goroutine may end it).
func (e *env) run(args ...string) (stdout, stderr string, code int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, dnssyncBin, append(args, "--config", e.config)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		return out.String(), errb.String(), code, fmt.Errorf("dnssync %v: %w", args, err)
	}
	return out.String(), errb.String(), code, nil
}

// served polls until CoreDNS answers name/type with want (nil: no such
// records), failing the test after the deadline.
func (e *env) served(name string, t uint16, want *rrset.Set) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var got *rrset.Set
	var err error
	for time.Now().Before(deadline) {
		got, err = e.res.Query(context.Background(), name, t)
		if err == nil && got.Equal(want) {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	e.t.Fatalf("%s %s: want %v, served %v (err %v)", name, dns.TypeToString[t], want, got, err)
}

// stillServed asserts that name/type is served as want right now.
func (e *env) stillServed(name string, t uint16, want *rrset.Set) {
	e.t.Helper()
	got, err := e.res.Query(context.Background(), name, t)
	if err != nil || !got.Equal(want) {
		e.t.Fatalf("%s %s: want %v still served, got %v (err %v)", name, dns.TypeToString[t], want, got, err)
	}
}

// set builds the RRset that should be served.
func set(t testing.TB, records ...string) *rrset.Set {
	t.Helper()
	var rrs []dns.RR
	for _, r := range records {
		rr, err := dns.NewRR(r)
		if err != nil {
			t.Fatalf("test record %q: %v", r, err)
		}
		rrs = append(rrs, rr)
	}
	return rrset.New(rrs...)
}

// soa asks addr for zone's SOA: its serial, or the answer's rcode.
func soa(addr, zone string) (serial uint32, rcode int, err error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(zone), dns.TypeSOA)
	in, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, addr)
	if err != nil {
		return 0, -1, err
	}
	for _, rr := range in.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial, in.Rcode, nil
		}
	}
	return 0, in.Rcode, nil
}
