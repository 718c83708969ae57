package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// healthzAlive returns /healthz's status code and its "status".
func healthzAlive(t *testing.T, addr string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("/healthz body: %v", err)
	}
	return resp.StatusCode, body.Status
}

// TestHealthzAliveWhileNotReady: one invalid record file makes /readyz 503
// degraded with the reason's kind, and leaves /healthz 200: the loop is
// alive, and restarting dnssync would not fix a file. The start log line
// names the config file used.
func TestHealthzAliveWhileNotReady(t *testing.T) {
	t.Parallel()
	api := apiPort(t)
	e := newEnv(t)
	e.cfg.API = &corednstest.API{Listen: api}
	e.writeConfig()
	e.write("web-01.yaml", web01)
	d := e.start()
	d.waitLog("dnssync started")
	if !strings.Contains(d.out.String(), "config="+e.config) {
		t.Errorf("the start line does not name the config file %s:\n%s", e.config, d.out.String())
	}
	waitHealth(t, api, http.StatusOK)
	if code, status := healthzAlive(t, api); code != http.StatusOK || status != "alive" {
		t.Errorf("/healthz when ready: %d %q, want 200 alive", code, status)
	}

	e.writeInPlace("web-01.yaml", "records:\n  - name: web-01.example.com\n    tpye: A\n")
	if kinds := waitHealth(t, api, http.StatusServiceUnavailable); !slicesContains(kinds, "invalid_files") {
		t.Errorf("/readyz reasons %v lack invalid_files", kinds)
	}
	resp, err := http.Get("http://" + api + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready struct{ Status string }
	json.NewDecoder(resp.Body).Decode(&ready)
	resp.Body.Close()
	if ready.Status != "degraded" {
		t.Errorf("/readyz status %q, want degraded", ready.Status)
	}
	if code, status := healthzAlive(t, api); code != http.StatusOK || status != "alive" {
		t.Errorf("/healthz with an invalid file: %d %q, want 200 alive", code, status)
	}
}

// TestSystemdJournalLines: with stderr the stream $JOURNAL_STREAM names,
// as under systemd, each log line starts with its journal priority and
// carries no time of its own (journald stamps lines itself).
func TestSystemdJournalLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("web-01.yaml", web01)
	f, err := os.Create(filepath.Join(e.dir, "journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, dnssyncBin, "apply", "--config", e.config)
	cmd.Stderr = f // the file itself, not a pipe: its device and inode are the stream's
	cmd.Env = append(os.Environ(), fmt.Sprintf("JOURNAL_STREAM=%d:%d", st.Dev, st.Ino))
	if out, err := cmd.Output(); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	info := 0
	for _, l := range lines {
		if len(l) < 3 || l[0] != '<' || l[2] != '>' || !strings.ContainsRune("34567", rune(l[1])) {
			t.Errorf("line without a journal priority: %q", l)
		}
		if strings.Contains(l, "time=") {
			t.Errorf("line with a time of its own: %q", l)
		}
		if strings.HasPrefix(l, "<6>") && strings.Contains(l, "change applied") {
			info++
		}
	}
	if info == 0 {
		t.Errorf("no <6> line for the change applied:\n%s", b)
	}
}

// TestConfigDiscoveryFromEnv: the installed binary, run from another
// directory without --config, reads $DNSSYNC_CONFIG, and the relative paths
// in it are the config file's directory's.
func TestConfigDiscoveryFromEnv(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.Records = corednstest.Records{Dir: "records.d", Debounce: 20 * time.Millisecond}
	e.cfg.Backend.ZoneDir = "zones"
	e.cfg.Backend.StateDir = "state"
	e.writeConfig()
	e.write("web-01.yaml", web01)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, args := range [][]string{{"check-config"}, {"apply"}} {
		cmd := exec.CommandContext(ctx, dnssyncBin, args...)
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "DNSSYNC_CONFIG="+e.config)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if args[0] == "check-config" && !strings.Contains(string(out), "ok: config and "+e.records+" are valid (config: "+e.config+")") {
			t.Errorf("check-config: %s; want it to name %s and %s", out, e.records, e.config)
		}
	}
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
}
