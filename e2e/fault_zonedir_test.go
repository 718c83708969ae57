package e2e

// The fault suite's zone directory cases: zone_dir on a filesystem of its
// own, a temporary file CoreDNS must never load, a serial that must never
// go back, SIGKILL in the middle of a big apply, a full disk and a
// read-only zone_dir. The filesystem cases mount a tmpfs (tests run as
// root in CI); where mounting is not permitted they are skipped, saying so.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// zdAutoRegexp is CoreDNS auto's default regexp, which the harness's
// Corefile uses too: matched unanchored against the base name of every file
// under the directory, recursively, dotfiles included.
var zdAutoRegexp = regexp.MustCompile(`db\.(.*)`)

// zdMount mounts a tmpfs of size on dir until the test ends.
func zdMount(t *testing.T, dir, size string) {
	t.Helper()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0755", "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("this test mounts a tmpfs as zone_dir and mounting is not permitted here (run as root): mount: %v: %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if err := exec.Command("umount", dir).Run(); err != nil {
			exec.Command("umount", "-l", dir).Run() // something still holds it: detach
		}
	})
}

// zdRemount changes the options of the mount at dir, e.g. "ro" or "rw".
func zdRemount(t *testing.T, dir, opts string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+opts, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s %s: %v: %s", dir, opts, err, out)
	}
}

// zdOnlyZoneFiles fails if zone_dir holds a file (at any depth) that auto
// would load, other than the managed zones' own files.
func zdOnlyZoneFiles(t *testing.T, dir string, zones ...string) {
	t.Helper()
	allowed := map[string]bool{}
	for _, z := range zones {
		allowed[filepath.Join(dir, "db."+z)] = true
	}
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		if zdAutoRegexp.MatchString(info.Name()) && !allowed[path] {
			t.Errorf("%s: CoreDNS's auto would load it as zone %q", path, zdAutoRegexp.FindStringSubmatch(info.Name())[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// zdCheckzone finds BIND's named-checkzone.
func zdCheckzone(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"named-checkzone", "/usr/bin/named-checkzone", "/usr/sbin/named-checkzone"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("named-checkzone not found (install bind9-utils)")
	return ""
}

// TestFaultZoneDirOwnFilesystem (issue 9, failure 5): zone_dir is a mount
// point of its own (a tmpfs here; a volume shared with a CoreDNS container
// in production). Every apply used to fail with "invalid cross-device link"
// (the temporary file was made in zone_dir's parent) while check-config
// said ok. Now check-config passes, records are served, and nothing in
// zone_dir is a file auto could take for another zone.
func TestFaultZoneDirOwnFilesystem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zdMount(t, e.zones, "4m")
	if out, _, code := e.cli("check-config"); code != 0 {
		t.Fatalf("check-config on a tmpfs zone_dir: exit %d: %s", code, out)
	}
	e.write("web-01.yaml", web01)
	d := e.start()
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.10"))
	e.write("web-01.yaml", strings.Replace(web01, "192.0.2.10", "192.0.2.11", 1))
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.11"))
	if strings.Contains(d.out.String(), "cross-device") {
		t.Errorf("the log mentions a cross-device rename")
	}
	zdOnlyZoneFiles(t, e.zones, "example.com", "example.org")
}

// TestFaultZoneDirTempNeverLoaded proves against a real CoreDNS that the
// name dnssync gives its temporary files (atomicfile.TempPattern,
// ".dnssync-<digits>.tmp") is never loaded by auto, even holding a whole
// valid zone, in zone_dir or below it. The control beside it, named as
// the temporary files used to be (".db.<zone>.<digits>.tmp"), is loaded:
// auto's walk takes dotfiles and its regexp is unanchored, so the check
// is not vacuous.
func TestFaultZoneDirTempNeverLoaded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Relative names: whatever origin auto would give a file, it loads.
	relative := "@ 3600 IN SOA ns1 hostmaster 7 3600 600 604800 300\n@ 3600 IN NS ns1\nns1 3600 IN A 127.0.0.1\nwww 300 IN A 192.0.2.80\n"
	absolute := func(zone string) string {
		return fmt.Sprintf("%[1]s 3600 IN SOA ns1.%[1]s hostmaster.%[1]s 7 3600 600 604800 300\n%[1]s 3600 IN NS ns1.%[1]s\nns1.%[1]s 3600 IN A 127.0.0.1\nwww.%[1]s 300 IN A 192.0.2.80\n", zone)
	}
	files := map[string]string{
		"db.real.test":                   absolute("real.test."),
		".dnssync-4711.tmp":              absolute("leak.test."), // what a temp of zone leak.test holds
		".dnssync-4712.tmp":              relative,
		"sub/.dnssync-4713.tmp":          relative,
		".db.control.test.4714.tmp":      relative, // the old temp name: auto loads it as zone control.test.4714.tmp.
		"sub/deeper/.dnssync-db.0-x.tmp": relative, // not a name dnssync makes; shows the regexp is matched on the base name
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := corednstest.Start(t, corednstest.AutoCorefile(dir))
	res := &verify.Resolver{Addr: srv.Addr, Timeout: time.Second}
	wait := func(name string) {
		t.Helper()
		want := set(t, name+" 300 IN A 192.0.2.80")
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if got, err := res.Query(context.Background(), name, dns.TypeA); err == nil && got.Equal(want) {
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
		t.Fatalf("%s is not served: auto never loaded %s's zone", name, name)
	}
	// The walk that loaded these saw every file above.
	wait("www.real.test.")
	wait("www.control.test.4714.tmp.")
	wait("www.0-x.tmp.")
	if serial, rcode, err := soa(srv.Addr, "leak.test."); err != nil || serial != 0 || rcode == dns.RcodeSuccess {
		t.Errorf("leak.test. SOA: serial %d, rcode %s (err %v), want no zone: a temporary file was loaded", serial, dns.RcodeToString[rcode], err)
	}
	for _, line := range strings.Split(srv.Log(), "\n") {
		if strings.Contains(line, "Inserting zone") && strings.Contains(line, "/.dnssync-") && !strings.Contains(line, ".dnssync-db.") {
			t.Errorf("CoreDNS loaded a temporary file: %s", line)
		}
	}
	if n := strings.Count(srv.Log(), "Inserting zone"); n != 3 {
		t.Errorf("CoreDNS inserted %d zones, want 3 (real, control, 0-x):\n%s", n, srv.Log())
	}
}

// TestFaultZoneDirCheckConfig: check-config proves that dnssync can
// create, fsync, rename and remove a file in zone_dir and state_dir, and
// says clearly why not: a read-only zone_dir (it used to say ok), a
// missing zone_dir it cannot create, a read-only state_dir, and a zone
// file that is a bind mount (rename cannot replace a mount point).
func TestFaultZoneDirCheckConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zdMount(t, e.zones, "1m")
	state := filepath.Join(e.dir, "state")
	backend := func(t *testing.T, zoneDir, stateDir string) {
		e := e.in(t)
		e.cfg.Backend = corednstest.Backend{Type: "zonefile", ZoneDir: zoneDir, StateDir: stateDir}
		e.writeConfig()
	}
	check := func(t *testing.T, want ...string) {
		t.Helper()
		out, stderr, code := e.in(t).cli("check-config")
		if len(want) == 0 {
			if code != 0 {
				t.Fatalf("check-config: exit %d, want 0: %s%s", code, out, stderr)
			}
			return
		}
		if code == 0 {
			t.Fatalf("check-config: exit 0, want a failure saying %q: %s", want, out)
		}
		for _, w := range want {
			if !strings.Contains(out+stderr, w) {
				t.Errorf("check-config said %q, want it to say %q", out+stderr, w)
			}
		}
	}
	t.Run("tmpfs mount point", func(t *testing.T) {
		backend(t, e.zones, state)
		check(t)
		if entries, _ := os.ReadDir(e.zones); len(entries) != 0 {
			t.Errorf("check-config left %d files in zone_dir", len(entries))
		}
	})
	t.Run("read-only zone_dir", func(t *testing.T) {
		zdRemount(t, e.zones, "ro")
		defer zdRemount(t, e.zones, "rw")
		backend(t, e.zones, state)
		check(t, "backend.zone_dir "+e.zones, "read-only file system")
	})
	t.Run("missing zone_dir under a read-only one", func(t *testing.T) {
		zdRemount(t, e.zones, "ro")
		defer zdRemount(t, e.zones, "rw")
		missing := filepath.Join(e.zones, "zones")
		backend(t, missing, state)
		check(t, "backend.zone_dir "+missing, "cannot create it", "read-only file system")
	})
	t.Run("read-only state_dir", func(t *testing.T) {
		zdRemount(t, e.zones, "ro")
		defer zdRemount(t, e.zones, "rw")
		zones := filepath.Join(e.dir, "plain-zones")
		backend(t, zones, e.zones)
		check(t, "backend.state_dir "+e.zones, "read-only file system")
	})
	t.Run("bind-mounted zone file", func(t *testing.T) {
		backend(t, e.zones, state)
		zoneFile := filepath.Join(e.zones, "db.example.com")
		source := filepath.Join(e.dir, "db.example.com.source")
		for _, p := range []string{zoneFile, source} {
			if err := os.WriteFile(p, []byte("; zone\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if out, err := exec.Command("mount", "--bind", source, zoneFile).CombinedOutput(); err != nil {
			t.Skipf("bind mount not permitted: %v: %s", err, out)
		}
		defer exec.Command("umount", zoneFile).Run()
		check(t, "zone file "+zoneFile+" is a mount point of its own")
	})
}

// TestFaultSerialNeverGoesBack (issue 9, failure 9): the serial climbs
// past the clock's YYYYMMDD00 with several changes; then the daemon stops,
// the zone file is lost and CoreDNS drops the zone. The next serial used to
// restart from the clock, below what was served (secondaries then ignore
// every change until the serial catches up); now it is above every serial
// served before, from the last serial kept in state_dir.
func TestFaultSerialNeverGoesBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	web := func(i int) string { return strings.Replace(web01, "192.0.2.10", fmt.Sprintf("192.0.2.%d", 10+i), 1) }
	e.write("web-01.yaml", web(0))
	d := e.start()
	var top uint32
	for i := 0; i < 5; i++ {
		e.write("web-01.yaml", web(i))
		e.served("web-01.example.com", dns.TypeA, set(t, fmt.Sprintf("web-01.example.com 300 IN A 192.0.2.%d", 10+i)))
		s, err := e.res.Serial(context.Background(), "example.com.")
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && s <= top {
			t.Fatalf("change %d: serial %d, not above %d", i, s, top)
		}
		top = s
	}
	d.stop()

	if err := os.Remove(filepath.Join(e.zones, "db.example.com")); err != nil {
		t.Fatal(err)
	}
	// auto drops a zone whose file is gone at its next walk (1s here).
	deadline := time.Now().Add(10 * time.Second)
	for {
		serial, rcode, err := soa(e.dns.Addr, "example.com.")
		if err == nil && serial == 0 && rcode != dns.RcodeSuccess { // REFUSED or SERVFAIL: no such zone
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CoreDNS still serves example.com. 10s after its zone file was removed (rcode %d, err %v)", rcode, err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	e.start()
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.14"))
	s, err := e.res.Serial(context.Background(), "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	if s <= top {
		t.Fatalf("after the zone file was lost the serial went from %d back to %d: secondaries would ignore the next %d changes", top, s, top-s+1)
	}
	e.write("web-01.yaml", web(9))
	e.served("web-01.example.com", dns.TypeA, set(t, "web-01.example.com 300 IN A 192.0.2.19"))
	if s2, err := e.res.Serial(context.Background(), "example.com."); err != nil || s2 <= s {
		t.Errorf("serial after one more change: %d (err %v), want above %d", s2, err, s)
	}
}

// zdFleet writes n A records in files of 500, their addresses depending on
// round, and returns the records as they should be served.
func zdFleet(t *testing.T, e *env, n, round int) rrset.Zone {
	t.Helper()
	want := rrset.Zone{}
	for f := 0; f*500 < n; f++ {
		var b strings.Builder
		b.WriteString("records:\n")
		for i := f * 500; i < min(n, (f+1)*500); i++ {
			name := fmt.Sprintf("host-%04d.example.com", i)
			addr := fmt.Sprintf("10.%d.%d.%d", round, i/250, i%250+1)
			fmt.Fprintf(&b, "  - name: %s\n    type: A\n    value: %s\n", name, addr)
			want.Put(mustParse(t, fmt.Sprintf("%s. 300 IN A %s", name, addr)))
		}
		e.write(fmt.Sprintf("fleet-%02d.yaml", f), b.String())
	}
	return want
}

func mustParse(t *testing.T, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// zdAXFR returns the A records CoreDNS serves in zone.
func zdAXFR(addr, zone string) (rrset.Zone, error) {
	m := new(dns.Msg)
	m.SetAxfr(zone)
	ch, err := (&dns.Transfer{}).In(m, addr)
	if err != nil {
		return nil, err
	}
	got := rrset.Zone{}
	for env := range ch {
		if env.Error != nil {
			return nil, env.Error
		}
		for _, rr := range env.RR {
			if rr.Header().Rrtype == dns.TypeA && strings.HasPrefix(rr.Header().Name, "host-") {
				got.Put(rr)
			}
		}
	}
	return got, nil
}

// zdSameZone says how got differs from want, "" when it does not.
func zdSameZone(got, want rrset.Zone) string {
	var diffs []string
	for k, s := range want {
		if !s.Equal(got[k]) {
			diffs = append(diffs, fmt.Sprintf("%v: served %v, want %v", k, got[k], s))
		}
	}
	for k, s := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%v: served %v, want none", k, s))
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	return fmt.Sprintf("%d sets differ, e.g. %s", len(diffs), diffs[0])
}

// zdFirstWrite returns a channel that receives once a file is created in
// dir (a temporary file, or a zone file renamed in).
func zdFirstWrite(t *testing.T, dir string) <-chan struct{} {
	t.Helper()
	w, err := fsnotify.NewWatcher()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(dir); err != nil {
		w.Close()
		t.Fatal(err)
	}
	out := make(chan struct{})
	go func() {
		defer w.Close()
		for ev := range w.Events {
			if ev.Has(fsnotify.Create) {
				close(out)
				return
			}
		}
	}()
	t.Cleanup(func() { w.Close() })
	return out
}

// TestFaultSIGKILLMidApply: the daemon is killed with SIGKILL in the middle
// of a 5,000-record apply, five times, at varying moments: as its first file
// appears in zone_dir (the write under way) and a little after, or at a
// fixed time after start. Every time the zone file is absent or whole
// (named-checkzone loads it) and nothing auto could load is left behind; a
// final clean run converges exactly.
func TestFaultSIGKILLMidApply(t *testing.T) {
	t.Parallel()
	checkzone := zdCheckzone(t)
	e := newEnv(t)
	// Each round replaces all 5,000 addresses: the safety check would hold
	// that (it is not what this test is about), so it is off here.
	e.cfg.Safety.MinRecords = 1000000
	e.writeConfig()
	zoneFile := filepath.Join(e.zones, "db.example.com")
	const n = 5000
	rounds := []struct {
		afterStart time.Duration // kill this long after start; 0: after the first write below
		afterWrite time.Duration // kill this long after the first file appears in zone_dir
	}{
		{afterWrite: 0}, {afterStart: 300 * time.Millisecond}, {afterWrite: time.Millisecond},
		{afterWrite: 5 * time.Millisecond}, {afterWrite: 20 * time.Millisecond},
	}
	midWrite := 0
	left := map[string]bool{} // temporary files left by earlier kills
	for round, r := range rounds {
		zdFleet(t, e, n, round)
		written := zdFirstWrite(t, e.zones)
		d := e.start()
		if r.afterStart > 0 {
			time.Sleep(r.afterStart) // the moment of the kill is what varies, not a condition waited for
		} else {
			select {
			case <-written:
			case <-time.After(30 * time.Second):
				t.Fatalf("round %d: nothing was written to zone_dir within 30s", round)
			}
			time.Sleep(r.afterWrite)
		}
		if err := d.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Fatal(err)
		}
		<-d.done
		if _, err := os.Stat(zoneFile); err == nil {
			if out, err := exec.Command(checkzone, "example.com", zoneFile).CombinedOutput(); err != nil {
				t.Fatalf("round %d: the zone file does not load in BIND after a SIGKILL: %v\n%s", round, err, out)
			}
		}
		zdOnlyZoneFiles(t, e.zones, "example.com", "example.org")
		entries, _ := os.ReadDir(e.zones)
		hit := false
		for _, en := range entries {
			if !strings.HasPrefix(en.Name(), "db.") && !left[en.Name()] {
				left[en.Name()] = true
				hit = true // a temporary file left: the kill landed during a write
			}
		}
		if hit {
			midWrite++
		}
	}
	t.Logf("%d of %d kills left a temporary file behind (landed mid-write)", midWrite, len(rounds))

	want := zdFleet(t, e, n, len(rounds))
	e.start()
	deadline := time.Now().Add(60 * time.Second)
	var diff string
	for time.Now().Before(deadline) {
		got, err := zdAXFR(e.dns.Addr, "example.com.")
		if err == nil {
			if diff = zdSameZone(got, want); diff == "" {
				break
			}
		} else {
			diff = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	if diff != "" {
		t.Fatalf("after a clean run the zone never converged: %s", diff)
	}
	if out, err := exec.Command(checkzone, "example.com", zoneFile).CombinedOutput(); err != nil {
		t.Fatalf("final zone file does not load in BIND: %v\n%s", err, out)
	}
	zdOnlyZoneFiles(t, e.zones, "example.com", "example.org")
}

// zdFill fills the filesystem of dir with one file and returns its path.
func zdFill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			return path
		}
	}
}

// zdWriteFails is the shared part of the disk-full and read-only cases:
// with zone_dir unwritable (break), a change fails to apply; the old zone
// file is kept byte for byte and still served, health says apply_failed;
// once writable again (mend) the change is applied without a restart.
func zdWriteFails(t *testing.T, size string, breakDir, mend func(t *testing.T, dir string)) {
	api := apiPort(t)
	e := newEnv(t)
	zdMount(t, e.zones, size)
	e.cfg.API = &corednstest.API{Listen: api}
	e.writeConfig()
	e.write("web-01.yaml", web01)
	d := e.start()
	old := set(t, "web-01.example.com 300 IN A 192.0.2.10")
	e.served("web-01.example.com", dns.TypeA, old)
	waitHealth(t, api, http.StatusOK)
	zoneFile := filepath.Join(e.zones, "db.example.com")
	before, err := os.ReadFile(zoneFile)
	if err != nil {
		t.Fatal(err)
	}

	breakDir(t, e.zones)
	e.write("web-02.yaml", "records:\n  - name: web-02.example.com\n    type: A\n    value: 192.0.2.20\n")
	waitReason(t, api, "apply_failed")
	after, err := os.ReadFile(zoneFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("the zone file changed while its write failed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	e.stillServed("web-01.example.com", dns.TypeA, old)
	e.stillServed("web-02.example.com", dns.TypeA, nil)
	zdOnlyZoneFiles(t, e.zones, "example.com", "example.org")

	mend(t, e.zones)
	e.served("web-02.example.com", dns.TypeA, set(t, "web-02.example.com 300 IN A 192.0.2.20"))
	e.stillServed("web-01.example.com", dns.TypeA, old)
	waitHealth(t, api, http.StatusOK)
	if code, _ := d.stop(); code != 0 {
		t.Errorf("daemon exit %d, want 0: it must ride out the failure", code)
	}
	entries, _ := os.ReadDir(e.zones)
	for _, en := range entries {
		if !strings.HasPrefix(en.Name(), "db.") {
			t.Errorf("left in zone_dir: %s", en.Name())
		}
	}
}

// TestFaultDiskFull: zone_dir's filesystem is full (a 256k tmpfs filled
// up), so the zone write fails; the old zone is kept and served, health
// says apply_failed, and once space is back it recovers without restart.
func TestFaultDiskFull(t *testing.T) {
	t.Parallel()
	var filler string
	zdWriteFails(t, "256k",
		func(t *testing.T, dir string) { filler = zdFill(t, dir) },
		func(t *testing.T, dir string) {
			if err := os.Remove(filler); err != nil {
				t.Fatal(err)
			}
		})
}

// TestFaultZoneDirReadOnly: zone_dir is remounted read-only; the old zone
// is kept and served, health says apply_failed, and once it is writable
// again the change is applied without restart.
func TestFaultZoneDirReadOnly(t *testing.T) {
	t.Parallel()
	zdWriteFails(t, "4m",
		func(t *testing.T, dir string) { zdRemount(t, dir, "ro") },
		func(t *testing.T, dir string) { zdRemount(t, dir, "rw") })
}
