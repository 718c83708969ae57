//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// check-config fails when the API is on and records.d is not writable by
// the user running it (the API writes there: as installed before, the
// unit's user could not, and every POST answered 503 while check-config
// said ok). It names the directory and the user. The lock file every
// writer takes counts too. Root passes every permission check, so as root
// the command runs as another user (nobody, on an OS thread of its own);
// otherwise as the user running the test.
func TestCheckConfigRecordsDirWritable(t *testing.T) {
	const (
		nobody  = 65534 // the user the check runs as, when the test is root
		writers = 65533 // a group records.d can be writable for
	)
	asRoot := os.Geteuid() == 0
	uid := os.Geteuid()
	if asRoot {
		uid = nobody
	}
	for _, c := range []struct {
		name   string
		mode   uint32 // records.d's mode (owner: whoever runs the test)
		group  bool   // records.d in group writers, the runner a member
		lock   bool   // a lock file there that nobody can open
		apiOff bool
		want   string // "" passes
	}{
		{name: "read-only", mode: 0o555, want: "records.dir"},
		{name: "read-only, API off", mode: 0o555, apiOff: true},
		{name: "writable", mode: 0o777},
		{name: "writable through the group (the packaged layout)", mode: 0o2775, group: true},
		{name: "lock file not open to the user", mode: 0o777, lock: true, want: ".dnssync.lock"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.group && !asRoot {
				t.Skip("needs root to give records.d a group of the test's choosing")
			}
			base := t.TempDir()
			// The user the check runs as must reach the files: t.TempDir's
			// parent is the runner's alone.
			for _, d := range []string{filepath.Dir(base), base} {
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			records := filepath.Join(base, "records.d")
			zones := filepath.Join(base, "zones")
			state := filepath.Join(base, "state")
			for _, d := range []string{records, zones, state} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range []string{zones, state} {
				if err := os.Chmod(d, 0o777); err != nil {
					t.Fatal(err)
				}
			}
			if c.lock {
				if err := os.WriteFile(filepath.Join(records, ".dnssync.lock"), nil, 0); err != nil {
					t.Fatal(err)
				}
			}
			if c.group {
				if err := os.Chown(records, 0, writers); err != nil {
					t.Fatal(err)
				}
			}
			if err := unix.Chmod(records, c.mode); err != nil { // os.Chmod would drop 0o2000: Go's FileMode has a setgid bit of its own
				t.Fatal(err)
			}
			listen := "127.0.0.1:0"
			if c.apiOff {
				listen = ""
			}
			cfg := filepath.Join(base, "dnssync.toml")
			if err := (corednstest.Config{
				DNS:     corednstest.DNS{Addr: "127.0.0.1:1"},
				Records: corednstest.Records{Dir: records},
				Backend: corednstest.Backend{ZoneDir: zones, StateDir: state},
				API:     &corednstest.API{Listen: listen},
				Zones:   []string{"example.com"},
			}).Write(cfg); err != nil {
				t.Fatal(err)
			}

			var code int
			var stdout, stderr string
			check := func() { code, stdout, stderr = runArgs(t, "check-config", "--config", cfg) }
			if asRoot {
				var groups []int
				if c.group {
					groups = []int{writers}
				}
				if err := asUser(nobody, nobody, groups, check); err != nil {
					t.Fatal(err)
				}
			} else {
				check()
			}

			if c.want == "" {
				if code != exitOK {
					t.Errorf("exit %d, stderr %q; want it to pass", code, stderr)
				}
				return
			}
			for _, want := range []string{c.want, records, "uid " + strconv.Itoa(uid), "api.listen"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr %q lacks %q", stderr, want)
				}
			}
			if code != exitError || !strings.HasPrefix(stderr, "dnssync: ") {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d in the error style", code, stdout, stderr, exitError)
			}
		})
	}
}

// asUser runs fn on an OS thread of its own whose user is uid, group gid
// and supplementary groups groups: a permission check made as root passes
// whatever the modes say. Only that thread changes (raw system calls: Go's
// syscall.Setuid would change every thread of the test), its capabilities
// go with uid 0, and it ends with fn, never serving another goroutine.
// Threads it would start are started by the runtime's clean template
// thread instead (a locked thread never clones itself).
func asUser(uid, gid int, groups []int, fn func()) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with this goroutine
		gids := make([]uint32, len(groups)+1)
		for i, g := range groups {
			gids[i] = uint32(g)
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(groups)), uintptr(unsafe.Pointer(&gids[0])), 0); e != 0 {
			errc <- fmt.Errorf("setgroups %v: %w", groups, e)
			return
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(gid), uintptr(gid), uintptr(gid)); e != 0 {
			errc <- fmt.Errorf("setresgid %d: %w", gid, e)
			return
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(uid), uintptr(uid), uintptr(uid)); e != 0 {
			errc <- fmt.Errorf("setresuid %d: %w", uid, e)
			return
		}
		fn()
		errc <- nil
	}()
	return <-errc
}
