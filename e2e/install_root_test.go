package e2e

// An installation as an operator's machine has it, for the tests of the
// installed service: `make install` into a temporary root, the users and
// directories of the shipped sysusers.d and tmpfiles.d files made by
// systemd-sysusers and systemd-tmpfiles themselves (--root), and processes
// run as those users by setpriv. Nothing is hard-coded that the shipped
// files say: a wrong line in one of them fails the tests.

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// makeMu serializes the tests' runs of make in the source tree: `make
// install` and `make deb` both rebuild bin/dnssync and build/man there.
var makeMu sync.Mutex

// runMake runs make in the repository's root and returns its output.
func runMake(t *testing.T, args ...string) string {
	t.Helper()
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	makeMu.Lock()
	defer makeMu.Unlock()
	out, err := exec.Command("make", append([]string{"--no-print-directory", "-C", repo}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// needRoot skips t unless it runs as root with every tool named.
func needRoot(t *testing.T, why string, tools ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: " + why)
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (.ci/run installs it)", tool)
		}
	}
}

// openTempDir is a new directory every user can enter (t.TempDir's parent
// is its creator's alone), removed when t ends.
func openTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// installRoot makes the root: `make install DESTDIR=root PREFIX=/usr`,
// then the users (the sysusers.d files installed, and extra, a file of
// the operator's in the root's /etc/sysusers.d), then the directories
// (tmpfiles.d/dnssync.conf). The root's user database starts as a copy of
// this machine's, so that the ids sysusers picks are free here too.
func installRoot(t *testing.T, extraSysusers string) string {
	t.Helper()
	root := openTempDir(t)
	runMake(t, "install", "DESTDIR="+root, "PREFIX=/usr")
	if err := os.MkdirAll(filepath.Join(root, "etc/sysusers.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"passwd", "group"} {
		b, err := os.ReadFile("/etc/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "etc", f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "etc/sysusers.d/operator.conf"), []byte(extraSysusers), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{
		{"systemd-sysusers", "--root=" + root},
		{"systemd-tmpfiles", "--root=" + root, "--create", "dnssync.conf"},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	return root
}

// userDB is a root's /etc/passwd and /etc/group.
type userDB struct {
	uid, gid map[string]int   // user name -> uid, primary gid
	group    map[string]int   // group name -> gid
	member   map[string][]int // user name -> gids of the groups listing it
}

func readUserDB(t *testing.T, root string) userDB {
	t.Helper()
	db := userDB{uid: map[string]int{}, gid: map[string]int{}, group: map[string]int{}, member: map[string][]int{}}
	for _, f := range []string{"passwd", "group"} {
		b, err := os.ReadFile(filepath.Join(root, "etc", f))
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(b)) {
			fields := strings.Split(strings.TrimSpace(line), ":")
			if len(fields) < 4 {
				continue
			}
			id, err := strconv.Atoi(fields[2])
			if err != nil {
				t.Fatalf("%s: %q", f, line)
			}
			if f == "group" {
				db.group[fields[0]] = id
				for _, m := range strings.Split(fields[3], ",") {
					db.member[m] = append(db.member[m], id)
				}
				continue
			}
			gid, err := strconv.Atoi(fields[3])
			if err != nil {
				t.Fatalf("%s: %q", f, line)
			}
			db.uid[fields[0]], db.gid[fields[0]] = id, gid
		}
	}
	return db
}

// creds are a user as a process runs as it.
type creds struct {
	name     string
	uid, gid int
	groups   []int  // supplementary
	umask    string // "" keeps the test's
}

// login is user name as a login gives it: its groups from the database
// (initgroups), its primary one among them.
func (db userDB) login(t *testing.T, name string) creds {
	t.Helper()
	uid, ok := db.uid[name]
	if !ok {
		t.Fatalf("no user %s in the root's /etc/passwd", name)
	}
	return creds{name: name, uid: uid, gid: db.gid[name], groups: append([]int{db.gid[name]}, db.member[name]...)}
}

// command runs argv as c, by setpriv: without capabilities (none kept,
// none to gain), with c's umask.
func (c creds) command(argv ...string) *exec.Cmd {
	groups := make([]string, len(c.groups))
	for i, g := range c.groups {
		groups[i] = strconv.Itoa(g)
	}
	a := []string{"--reuid=" + strconv.Itoa(c.uid), "--regid=" + strconv.Itoa(c.gid), "--groups=" + strings.Join(groups, ","),
		"--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"}
	if c.umask != "" {
		a = append(a, "/bin/sh", "-c", `umask "$0" && exec "$@"`, c.umask)
	}
	return exec.Command("setpriv", append(a, argv...)...)
}

// unitSettings reads a unit file's [Service] settings: each key's values
// in order (a key may be given more than once).
func unitSettings(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	settings := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			section = line
		case section == "[Service]":
			if k, v, ok := strings.Cut(line, "="); ok {
				settings[k] = append(settings[k], v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return settings
}

// last is the value of a setting given once (the last of several).
func last(settings map[string][]string, key string) string {
	v := settings[key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// serviceCreds are the unit's user as systemd runs it: User=, Group=,
// the user's groups from the database, SupplementaryGroups=, UMask=.
func serviceCreds(t *testing.T, db userDB, unit map[string][]string) creds {
	t.Helper()
	c := db.login(t, last(unit, "User"))
	if g := last(unit, "Group"); g != "" {
		gid, ok := db.group[g]
		if !ok {
			t.Fatalf("Group=%s: no such group in the root", g)
		}
		c.gid = gid
		c.groups = append(c.groups, gid)
	}
	for _, v := range unit["SupplementaryGroups"] {
		for _, g := range strings.Fields(v) {
			gid, ok := db.group[g]
			if !ok {
				t.Fatalf("SupplementaryGroups=%s: no such group in the root", g)
			}
			c.groups = append(c.groups, gid)
		}
	}
	c.umask = last(unit, "UMask")
	return c
}

// makeStateDirs does what systemd does for StateDirectory= when the unit
// starts: each directory under /var/lib, of StateDirectoryMode=, owned by
// the unit's user and group.
func makeStateDirs(t *testing.T, root string, unit map[string][]string, c creds) {
	t.Helper()
	mode, err := strconv.ParseUint(last(unit, "StateDirectoryMode"), 8, 32)
	if err != nil {
		mode = 0o755 // systemd's default
	}
	for _, v := range unit["StateDirectory"] {
		for _, d := range strings.Fields(v) {
			path := filepath.Join(root, "var/lib", d)
			if err := os.MkdirAll(path, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(path, c.uid, c.gid); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, os.FileMode(mode)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// writablePaths are the directories the unit may write in, given
// ProtectSystem=strict: ReadWritePaths= and the StateDirectory= ones.
func writablePaths(unit map[string][]string) []string {
	var paths []string
	for _, v := range unit["ReadWritePaths"] {
		for _, p := range strings.Fields(v) {
			paths = append(paths, strings.TrimPrefix(p, "-"))
		}
	}
	for _, v := range unit["StateDirectory"] {
		for _, d := range strings.Fields(v) {
			paths = append(paths, filepath.Join("/var/lib", d))
		}
	}
	return paths
}

// within reports whether path is dir or under it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}
