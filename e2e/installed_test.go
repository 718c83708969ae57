package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/verify"
)

// orchestratorSysusers is what the README tells an operator to add for
// the orchestrator's user: its own, in the group that writes records.d.
const orchestratorSysusers = "u orchestrator - \"the orchestrator\"\nm orchestrator dnssync-records\n"

// TestInstalledLayout runs dnssync as installed: `make install` into a
// temporary root, the users and directories the shipped sysusers.d and
// tmpfiles.d files give, the daemon started as the unit starts it (its
// ExecStartPre= check, then ExecStart=, as its User= with its groups and
// UMask=). The daemon's user and the orchestrator's, each a user of its
// own, write records.d side by side: the API's writes, an orchestrator's
// file, and each replacing and removing the other's files, all served.
// Before the layout was decided, records.d was root's, 0755: check-config
// passed and every API write answered 503.
func TestInstalledLayout(t *testing.T) {
	t.Parallel()
	needRoot(t, "it runs the daemon and the orchestrator as users of their own",
		"make", "setpriv", "systemd-sysusers", "systemd-tmpfiles")
	root := installRoot(t, orchestratorSysusers)
	db := readUserDB(t, root)
	unit := unitSettings(t, filepath.Join(root, "etc/systemd/system/dnssync.service"))
	service := serviceCreds(t, db, unit)
	orchestrator := db.login(t, "orchestrator")
	orchestrator.umask = "0022"
	makeStateDirs(t, root, unit, service)

	// The installed config's directories, inside the root; the unit's
	// sandbox (ProtectSystem=strict) must let the daemon write each.
	installed, err := config.Load(filepath.Join(root, "etc/dnssync/config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{installed.Records.Dir, installed.Backend.ZoneDir, installed.Backend.StateDir} {
		if !slices.ContainsFunc(writablePaths(unit), func(p string) bool { return within(dir, p) }) {
			t.Errorf("the unit lets dnssync write only %v, not %s", writablePaths(unit), dir)
		}
	}
	records := filepath.Join(root, installed.Records.Dir)
	zones := filepath.Join(root, installed.Backend.ZoneDir)

	// The token file as the README has it: root's, readable by the
	// daemon's group.
	tokens := filepath.Join(root, "etc/dnssync/api.tokens")
	if err := os.WriteFile(tokens, []byte(testToken+"\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(tokens, 0, service.gid); err != nil {
		t.Fatal(err)
	}

	// The audit trail where the shipped config's example puts it, in the
	// directory dnssync.tmpfiles makes: the daemon and the orchestrator's
	// CLI both append to it.
	trail := filepath.Join(root, "var/log/dnssync/audit.log")
	if !slices.ContainsFunc(writablePaths(unit), func(p string) bool { return within("/var/log/dnssync/audit.log", p) }) {
		t.Errorf("the unit lets dnssync write only %v, not /var/log/dnssync", writablePaths(unit))
	}

	e := &env{t: t, dir: root, records: records, zones: zones, config: filepath.Join(root, "etc/dnssync/test.toml")}
	e.dns = corednstest.Start(t, corednstest.AutoCorefile(zones))
	e.res = &verify.Resolver{Addr: e.dns.Addr, Timeout: time.Second}
	addr := apiPort(t)
	e.cfg = corednstest.Config{
		DNS:     corednstest.DNS{Addr: e.dns.Addr},
		Records: corednstest.Records{Dir: records, Debounce: 20 * time.Millisecond},
		Backend: corednstest.Backend{Type: "zonefile", ZoneDir: zones, StateDir: filepath.Join(root, installed.Backend.StateDir)},
		Verify:  corednstest.Verify{Schedule: "@every 1s", Timeout: 5 * time.Second},
		API:     &corednstest.API{Listen: addr, TokenFile: tokens},
		Audit:   corednstest.Audit{File: trail},
		Log:     corednstest.Log{Level: "debug"},
		Zones:   []string{"example.com"},
	}
	if err := e.cfg.Write(e.config); err != nil {
		t.Fatal(err)
	}

	// ExecStartPre=, then ExecStart=, as the unit runs them.
	if out, err := service.command(unitCommand(t, root, last(unit, "ExecStartPre"), e.config)...).CombinedOutput(); err != nil {
		t.Fatalf("ExecStartPre= (check-config) as %s: %v\n%s", service.name, err, out)
	}
	d := e.launch(service.command(unitCommand(t, root, last(unit, "ExecStart"), e.config)...))
	d.waitLog("first pass done")
	a := &apiEnv{env: e, d: d, base: "http://" + addr}
	cli := func(args ...string) {
		t.Helper()
		cmd := orchestrator.command(append([]string{filepath.Join(root, "usr/bin/dnssync")}, append(args, "--config", e.config)...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("dnssync %s as the orchestrator: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	api := func(method, path, body string, want int) {
		t.Helper()
		if code, resp := a.do(method, path, body); code != want {
			t.Fatalf("%s %s: %d %v, want %d", method, path, code, resp, want)
		}
	}
	lock := filepath.Join(records, ".dnssync.lock")
	removeLock := func() { // the next writer creates it anew, as its own
		t.Helper()
		if err := os.Remove(lock); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}

	// An API write.
	api("POST", "/api/v1/dns/records?wait=verified", `{"name":"web-01.example.com","record_type":"A","value":"192.0.2.10"}`, http.StatusCreated)
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
	owners := func(want int) { // the owner of each file records.d has: who really wrote it
		t.Helper()
		files, err := filepath.Glob(filepath.Join(records, "*.yaml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("records.d: %v %v", files, err)
		}
		for _, f := range files {
			if uid := statOf(t, f).Uid; int(uid) != want {
				t.Errorf("%s: owner %d, want %d", f, uid, want)
			}
		}
	}
	owners(service.uid)

	// The orchestrator's own file, written as it should be: temp, rename.
	write := orchestrator.command("/bin/sh", "-c", `printf '%s' "$1" > "$0/.app.yaml.tmp" && mv "$0/.app.yaml.tmp" "$0/app.yaml"`,
		records, "records:\n  - name: app.example.com\n    type: A\n    value: 192.0.2.20\n")
	if out, err := write.CombinedOutput(); err != nil {
		t.Fatalf("the orchestrator writing records.d/app.yaml: %v\n%s", err, out)
	}
	e.served("app.example.com", dns.TypeA, set(t, "app.example.com 300 IN A 192.0.2.20"))
	if uid := statOf(t, filepath.Join(records, "app.yaml")).Uid; int(uid) != orchestrator.uid {
		t.Errorf("records.d/app.yaml: owner %d, want the orchestrator, %d", uid, orchestrator.uid)
	}

	// The daemon replaces and removes the orchestrator's files, under a
	// lock file the orchestrator made.
	removeLock()
	cli("register", "db.example.com", "192.0.2.30")
	cli("register", "cache.example.com", "192.0.2.40")
	e.served("db.example.com", dns.TypeA, set(t, "db.example.com 300 IN A 192.0.2.30"))
	api("PUT", "/api/v1/dns/records/db.example.com?wait=verified", `{"record_type":"A","value":"192.0.2.31"}`, http.StatusOK)
	e.served("db.example.com", dns.TypeA, set(t, "db.example.com 300 IN A 192.0.2.31"))
	api("DELETE", "/api/v1/dns/records/cache.example.com?wait=verified", "", http.StatusOK)
	e.served("cache.example.com", dns.TypeA, nil)

	// And the orchestrator the daemon's, under a lock file the daemon made.
	removeLock()
	api("POST", "/api/v1/dns/records?wait=verified", `{"name":"www.example.com","record_type":"A","value":"192.0.2.50"}`, http.StatusCreated)
	cli("update", "www.example.com", "192.0.2.51")
	e.served("www.example.com", dns.TypeA, set(t, "www.example.com 300 IN A 192.0.2.51"))
	cli("unregister", "www.example.com")
	e.served("www.example.com", dns.TypeA, nil)
	e.stillServed("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))

	// Both audited every write they made, to the one trail.
	auditedBy(t, trail, map[string]int{"api": 4, "cli:" + strconv.Itoa(orchestrator.uid): 4})

	// Whoever made them, records.d's files stay in its group.
	dirGID := statOf(t, records).Gid
	entries, err := os.ReadDir(records)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range entries {
		if st := statOf(t, filepath.Join(records, ent.Name())); st.Gid != dirGID {
			t.Errorf("records.d/%s: group %d, want records.d's, %d", ent.Name(), st.Gid, dirGID)
		}
	}
}

// auditedBy checks that the audit trail at path has want[who] lines of
// writes to records.d by each: "api" for the API's, "cli:UID" for a CLI
// command's (by uid: the root's users are not this machine's).
func auditedBy(t *testing.T, path string, want map[string]int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("audit trail: %v", err)
	}
	got := map[string]int{}
	for line := range strings.Lines(string(b)) {
		var ev struct {
			Kind, Action string
			UID          *int
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("audit trail line %q: %v", line, err)
		}
		switch {
		case ev.Kind == "api" && ev.Action != "":
			got["api"]++
		case ev.Kind == "cli" && ev.UID != nil:
			got["cli:"+strconv.Itoa(*ev.UID)]++
		}
	}
	for who, n := range want {
		if got[who] != n {
			t.Errorf("audit trail: %d writes by %s, want %d (all: %v)", got[who], who, n, got)
		}
	}
}

// unitCommand is a unit's Exec line as run from the root, with the config
// file the test wrote in place of the installed one.
func unitCommand(t *testing.T, root, line, configFile string) []string {
	t.Helper()
	args := strings.Fields(line)
	if len(args) == 0 || !filepath.IsAbs(args[0]) {
		t.Fatalf("unit command %q: want an absolute path", line)
	}
	if _, err := os.Stat(filepath.Join(root, args[0])); err != nil {
		t.Fatalf("unit command %q: %v (make install did not put it there)", line, err)
	}
	args[0] = filepath.Join(root, args[0])
	if i := slices.Index(args, "--config"); i >= 0 && i+1 < len(args) {
		args[i+1] = configFile
		return args
	}
	return append(args, "--config", configFile) // the installed one is found without it
}

// statOf is path's stat_t.
func statOf(t *testing.T, path string) *syscall.Stat_t {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t)
}

// TestInstalledAPISocket: the API on the unix socket the README suggests,
// /run/dnssync/api.sock, in the directory dnssync.tmpfiles makes and the
// unit may write. The orchestrator (group dnssync-records) connects;
// CoreDNS's user (group dnssync, not dnssync-records) does not. Before,
// the unit gave the daemon no writable /run/dnssync and the socket was
// made 0750 under the unit's umask: nobody but the daemon could connect.
func TestInstalledAPISocket(t *testing.T) {
	t.Parallel()
	needRoot(t, "it runs the daemon and its clients as users of their own",
		"make", "setpriv", "systemd-sysusers", "systemd-tmpfiles", "curl")
	root := installRoot(t, orchestratorSysusers)
	db := readUserDB(t, root)
	unit := unitSettings(t, filepath.Join(root, "etc/systemd/system/dnssync.service"))
	service := serviceCreds(t, db, unit)
	makeStateDirs(t, root, unit, service)
	if !slices.ContainsFunc(writablePaths(unit), func(p string) bool { return within("/run/dnssync/api.sock", p) }) {
		t.Errorf("the unit lets dnssync write only %v, not /run/dnssync", writablePaths(unit))
	}
	installed, err := config.Load(filepath.Join(root, "etc/dnssync/config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	records := filepath.Join(root, installed.Records.Dir)
	zones := filepath.Join(root, installed.Backend.ZoneDir)
	sock := filepath.Join(root, "run/dnssync/api.sock")

	e := &env{t: t, dir: root, records: records, zones: zones, config: filepath.Join(root, "etc/dnssync/test.toml")}
	e.dns = corednstest.Start(t, corednstest.AutoCorefile(zones))
	e.res = &verify.Resolver{Addr: e.dns.Addr, Timeout: time.Second}
	e.cfg = corednstest.Config{
		DNS:     corednstest.DNS{Addr: e.dns.Addr},
		Records: corednstest.Records{Dir: records, Debounce: 20 * time.Millisecond},
		Backend: corednstest.Backend{Type: "zonefile", ZoneDir: zones, StateDir: filepath.Join(root, installed.Backend.StateDir)},
		Verify:  corednstest.Verify{Schedule: "@every 1s", Timeout: 5 * time.Second},
		API:     &corednstest.API{Listen: "unix:" + sock},
		Zones:   []string{"example.com"},
	}
	if err := e.cfg.Write(e.config); err != nil {
		t.Fatal(err)
	}
	if out, err := service.command(unitCommand(t, root, last(unit, "ExecStartPre"), e.config)...).CombinedOutput(); err != nil {
		t.Fatalf("ExecStartPre= (check-config) as %s: %v\n%s", service.name, err, out)
	}
	d := e.launch(service.command(unitCommand(t, root, last(unit, "ExecStart"), e.config)...))
	d.waitLog("first pass done")

	get := func(who creds) ([]byte, error) {
		return who.command("curl", "-sS", "--fail", "--max-time", "5", "--unix-socket", sock, "http://dnssync/healthz").CombinedOutput()
	}
	if out, err := get(db.login(t, "orchestrator")); err != nil || !strings.Contains(string(out), `"alive"`) {
		t.Errorf("the orchestrator on the API socket: %v\n%s", err, out)
	}
	if out, err := get(db.login(t, "coredns")); err == nil {
		t.Errorf("CoreDNS's user reached the API socket:\n%s", out)
	}
}
