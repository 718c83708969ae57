package e2e

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// apiPort reserves a free loopback port for the daemon's HTTP server.
func apiPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// readyz returns /readyz's status code and the reasons' kinds.
func readyz(addr string) (int, []string, error) {
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Reasons []struct{ Kind string } `json:"reasons"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return resp.StatusCode, nil, err
	}
	var kinds []string
	for _, r := range body.Reasons {
		kinds = append(kinds, r.Kind)
	}
	return resp.StatusCode, kinds, nil
}

// waitHealth polls /readyz until it answers code.
func waitHealth(t *testing.T, addr string, code int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var (
		got   int
		kinds []string
		err   error
	)
	for time.Now().Before(deadline) {
		if got, kinds, err = readyz(addr); err == nil && got == code {
			return kinds
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("/readyz: want %d, got %d %v (err %v)", code, got, kinds, err)
	return nil
}

// TestOutageAndRecovery: CoreDNS goes away and comes back. Health says so
// within seconds, verify names the failing records, the log stays short,
// and a change made during the outage is applied once CoreDNS is back.
func TestOutageAndRecovery(t *testing.T) {
	t.Parallel()
	api := apiPort(t)
	e := newEnv(t)
	e.cfg.API = &corednstest.API{Listen: api}
	e.writeConfig()
	e.write("web-01.yaml", web01)
	d := e.start()
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
	waitHealth(t, api, http.StatusOK)
	if resp, err := http.Get("http://" + api + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz: %v %v", resp, err)
	}
	if out, _, code := e.cli("verify"); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("verify while healthy: exit %d: %s", code, out)
	}
	out, _, code := e.cli("verify", "--json")
	var rep struct { // client.Response[client.Verification]
		Data struct {
			Verified bool
			Checked  int
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || !rep.Data.Verified || rep.Data.Checked != 1 {
		t.Fatalf("verify --json while healthy: exit %d, %+v (%v): %s", code, rep, err, out)
	}

	e.dns.Stop()
	outageStart := len(d.out.String())
	kinds := waitHealth(t, api, http.StatusServiceUnavailable)
	if !slicesContains(kinds, "coredns_unreachable") {
		t.Errorf("503 reasons %v lack coredns_unreachable", kinds)
	}
	out, _, code = e.cli("verify")
	if code == 0 || !strings.Contains(out, "web-01.example.com. A at "+e.dns.Addr) {
		t.Errorf("verify with CoreDNS down: exit %d, want non-zero naming the record and server:\n%s", code, out)
	}
	e.write("web-02.yaml", "records:\n  - name: web-02.example.com\n    type: A\n    value: 192.0.2.20\n")
	// Let the retries run a few rounds: the first failed pass warns, each
	// one after it says so at debug level only.
	const rounds = 3
	d.waitLogCount("pass failed again", rounds)
	outage := d.out.String()[outageStart:]
	if n := strings.Count(outage, "level=WARN") + strings.Count(outage, "level=ERROR"); n > 6 {
		t.Errorf("%d warnings and errors during an outage of %d failed passes; want a few, not one per retry:\n%s", n, rounds+1, outage)
	}
	if n := strings.Count(outage, "retrying with backoff"); n != 1 {
		t.Errorf("the outage was reported %d times, want once", n)
	}

	e.dns.Restart(t)
	e.served("web-02.example.com", dns.TypeA, set(t, "web-02.example.com 300 IN A 192.0.2.20"))
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
	waitHealth(t, api, http.StatusOK)
	d.waitLog("recovered")
}

// TestHealthReasons: invalid files and a refused plan make /readyz 503
// with those reasons; fixing them makes it 200 again.
func TestHealthReasons(t *testing.T) {
	t.Parallel()
	api := apiPort(t)
	e := newEnv(t)
	e.cfg.API = &corednstest.API{Listen: api}
	e.writeConfig()
	e.write("web-01.yaml", web01)
	e.start()
	waitHealth(t, api, http.StatusOK)

	e.writeInPlace("web-01.yaml", "records:\n  - name: web-01.example.com\n    tpye: A\n")
	if kinds := waitHealth(t, api, http.StatusServiceUnavailable); !slicesContains(kinds, "invalid_files") {
		t.Errorf("reasons %v lack invalid_files", kinds)
	}
	e.write("web-01.yaml", web01)
	waitHealth(t, api, http.StatusOK)
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// notifySocket collects sd_notify datagrams as systemd would.
type notifySocket struct {
	path string
	mu   sync.Mutex
	msgs []string
}

func listenNotify(t *testing.T) *notifySocket {
	t.Helper()
	n := &notifySocket{path: filepath.Join(t.TempDir(), "notify.sock")}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: n.path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			k, err := conn.Read(buf)
			if err != nil {
				return
			}
			n.mu.Lock()
			n.msgs = append(n.msgs, string(buf[:k]))
			n.mu.Unlock()
		}
	}()
	return n
}

// wait polls until a message containing s has arrived after the first
// `after` messages, and returns the index just past it.
func (n *notifySocket) wait(t *testing.T, s string, after int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		n.mu.Lock()
		for i := after; i < len(n.msgs); i++ {
			if strings.Contains(n.msgs[i], s) {
				n.mu.Unlock()
				return i + 1
			}
		}
		n.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	t.Fatalf("no sd_notify message with %q after #%d; got %q", s, after, n.msgs)
	return 0
}

// TestSystemdNotifyAndReload: READY=1 after the first pass, WATCHDOG=1
// while the loop runs, RELOADING=1 then READY=1 around SIGHUP, a broken
// config refused and the old one kept, STOPPING=1 at SIGTERM.
func TestSystemdNotifyAndReload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	n := listenNotify(t)
	d := e.startEnv("NOTIFY_SOCKET="+n.path, "WATCHDOG_USEC=300000")
	i := n.wait(t, "READY=1", 0)
	n.wait(t, "WATCHDOG=1", i)
	n.wait(t, "WATCHDOG=1", n.wait(t, "WATCHDOG=1", i))

	// A broken config is refused; the daemon keeps going with the old one.
	good, err := os.ReadFile(e.config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.config, append(good, []byte("\n[verify]\nschedul = \"@every 1s\"\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	d.cmd.Process.Signal(syscall.SIGHUP)
	d.waitLog("config reload refused")
	e.write("web-02.yaml", "records:\n  - name: web-02.example.com\n    type: A\n    value: 192.0.2.20\n")
	e.served("web-02.example.com", dns.TypeA, set(t, "web-02.example.com 300 IN A 192.0.2.20"))

	// A good one is taken: the default TTL changes.
	e.cfg.DNS.TTL = 120
	e.writeConfig()
	mark := len(n.snapshot())
	d.cmd.Process.Signal(syscall.SIGHUP)
	n.wait(t, "READY=1", n.wait(t, "RELOADING=1", mark))
	d.waitLog("config reloaded")
	e.served("web-02.example.com", dns.TypeA, set(t, "web-02.example.com 120 IN A 192.0.2.20"))

	mark = len(n.snapshot())
	if code, took := d.stop(); code != 0 || took > 5*time.Second {
		t.Errorf("SIGTERM: exit %d after %v", code, took)
	}
	n.wait(t, "STOPPING=1", mark)
}

func (n *notifySocket) snapshot() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.msgs...)
}

// TestUnitFile: systemd accepts the unit as shipped.
func TestUnitFile(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze not installed")
	}
	unit, err := os.ReadFile("../systemd/dnssync.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Type=notify", "WatchdogSec=", "ExecReload=/bin/kill -HUP $MAINPID", "NoNewPrivileges=yes",
		"ProtectSystem=strict", "SystemCallFilter=@system-service", "MemoryDenyWriteExecute=yes", "CapabilityBoundingSet=\n"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("unit lacks %q", want)
		}
	}
	// Point it at the binary under test: systemd-analyze checks executables exist.
	path := filepath.Join(t.TempDir(), "dnssync.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/dnssync", dnssyncBin)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("systemd-analyze verify warned:\n%s", s)
	}
}

// waitReason polls /readyz until it answers 503 with a reason of kind,
// and returns the kinds it gave then.
func waitReason(t *testing.T, addr, kind string) []string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var (
		code  int
		kinds []string
		err   error
	)
	for time.Now().Before(deadline) {
		code, kinds, err = readyz(addr)
		if err == nil && code == http.StatusServiceUnavailable && slicesContains(kinds, kind) {
			return kinds
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("/readyz never gave reason %s: last %d %v (err %v)", kind, code, kinds, err)
	return nil
}
