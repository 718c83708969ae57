// Package e2e runs the dnssync binary against a real CoreDNS on loopback and
// checks what CoreDNS answers over DNS.
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
	"syscall"
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
	// what writeConfig writes
	backend   string // the [backend] table's keys
	zoneNames []string
}

// newEnv starts CoreDNS serving zone_dir and writes a zonefile config.
func newEnv(t testing.TB) *env {
	t.Helper()
	e := newBareEnv(t)
	e.zones = filepath.Join(e.dir, "zones")
	if err := os.MkdirAll(e.zones, 0o755); err != nil {
		t.Fatal(err)
	}
	e.dns = corednstest.Start(t, corednstest.AutoCorefile(e.zones))
	e.res = &verify.Resolver{Addr: e.dns.Addr, Timeout: time.Second}
	e.backend = fmt.Sprintf("type = \"zonefile\"\nzone_dir = %q\nstate_dir = %q\n", e.zones, filepath.Join(e.dir, "state"))
	e.zoneNames = []string{"example.com", "example.org"}
	e.writeConfig()
	return e
}

// newBareEnv makes the directories of one dnssync installation.
func newBareEnv(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, dir: dir, records: filepath.Join(dir, "records.d"), config: filepath.Join(dir, "config.toml")}
	if err := os.MkdirAll(e.records, 0o755); err != nil {
		t.Fatal(err)
	}
	return e
}

// writeConfig writes the config every test starts from: fast debounce and
// schedule, debug logs, no API (parallel daemons would fight over its
// port), e.backend as [backend], e.zoneNames as [[zones]].
func (e *env) writeConfig() {
	e.t.Helper()
	var zones strings.Builder
	for _, z := range e.zoneNames {
		fmt.Fprintf(&zones, "\n[[zones]]\nname = %q\n", z)
	}
	backend := e.backend
	if !strings.Contains(backend, "state_dir") { // never the shared default, /var/lib/dnssync
		backend += fmt.Sprintf("state_dir = %q\n", filepath.Join(e.dir, "state"))
	}
	cfg := fmt.Sprintf(`
[orchestrator.dns]
coredns_url = "dns://%s"

[records]
dir = %q
debounce = "20ms"

[backend]
%s
[verify]
schedule = "@every 1s"
timeout = "5s"

%s
[log]
level = "debug"
%s`, e.dns.Addr, e.records, backend, noAPI, zones.String())
	if err := os.WriteFile(e.config, []byte(cfg), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// replaceConfig replaces old with new in the config file.
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

// noAPI is the config's [api] table in tests that do not use the API: off,
// so that parallel daemons do not fight over its port.
const noAPI = "[api]\nlisten = \"\"\n"

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
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, dnssyncBin, append(args, "--config", e.config)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		e.t.Fatalf("dnssync %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// daemon is a running `dnssync run`.
type daemon struct {
	t    testing.TB
	cmd  *exec.Cmd
	out  *corednstest.SyncBuffer
	done chan struct{}
}

func (e *env) start() *daemon {
	e.t.Helper()
	return e.startEnv()
}

// startEnv starts the daemon with extra environment variables.
func (e *env) startEnv(environ ...string) *daemon {
	e.t.Helper()
	cmd := exec.Command(dnssyncBin, "run", "--config", e.config)
	cmd.Env = append(os.Environ(), environ...)
	return e.launch(cmd)
}

// launch starts cmd as the test's daemon: its output collected, shown if
// the test fails, and the process stopped at cleanup.
func (e *env) launch(cmd *exec.Cmd) *daemon {
	e.t.Helper()
	d := &daemon{t: e.t, cmd: cmd, out: &corednstest.SyncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = d.out, d.out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { cmd.Wait(); close(d.done) }()
	e.t.Cleanup(func() {
		d.stop()
		if e.t.Failed() {
			e.t.Logf("dnssync log:\n%s", d.out.String())
		}
	})
	return d
}

// stop sends SIGTERM and returns the exit code and how long it took.
func (d *daemon) stop() (int, time.Duration) {
	start := time.Now()
	select {
	case <-d.done:
		return d.cmd.ProcessState.ExitCode(), 0
	default:
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(15 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
		d.t.Errorf("dnssync did not stop within 15s of SIGTERM")
	}
	return d.cmd.ProcessState.ExitCode(), time.Since(start)
}

// waitLog polls the daemon's log until it contains s.
func (d *daemon) waitLog(s string) {
	d.t.Helper()
	d.waitLogCount(s, 1)
}

// waitLogCount polls the daemon's log until it contains s n times.
func (d *daemon) waitLogCount(s string, n int) {
	d.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(d.out.String(), s) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.t.Fatalf("dnssync log never said %q %d times", s, n)
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
