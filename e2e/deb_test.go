package e2e

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDebPackage builds the package as `make deb` does, checks what it
// holds, installs it on this machine with dpkg -i (a CI machine: root and
// disposable), runs the installed dnssync (version, and check-config on
// the installed config, as root and as the dnssync user the postinst
// made), and purges it again.
func TestDebPackage(t *testing.T) {
	t.Parallel()
	needRoot(t, "it installs the package on this machine", "make", "dpkg", "dpkg-deb")
	if exec.Command("dpkg", "-s", "dnssync").Run() == nil {
		t.Skip("a dnssync package is installed here already: the test would replace it")
	}
	if _, err := os.Stat("/etc/dnssync"); err == nil {
		t.Skip("/etc/dnssync exists: an installation the package would mix with")
	}

	tmp := t.TempDir()
	dist := filepath.Join(tmp, "dist")
	runMake(t, "deb", "DEB_ROOT="+filepath.Join(tmp, "root"), "DIST="+dist)
	debs, err := filepath.Glob(filepath.Join(dist, "*.deb"))
	if err != nil || len(debs) != 1 {
		t.Fatalf("make deb made %v (%v), want one .deb", debs, err)
	}
	deb := debs[0]

	arch := strings.TrimSpace(output(t, "dpkg", "--print-architecture"))
	fields := map[string]string{}
	for _, f := range []string{"Package", "Version", "Architecture", "Maintainer", "Description"} {
		fields[f] = strings.TrimSpace(output(t, "dpkg-deb", "--field", deb, f))
	}
	if fields["Package"] != "dnssync" || fields["Architecture"] != arch || fields["Maintainer"] == "" || fields["Description"] == "" {
		t.Errorf("control: %v", fields)
	}
	// Debian's rule: a digit first; no '-' (that would start a revision).
	if !regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*$`).MatchString(fields["Version"]) {
		t.Errorf("Version %q is not a Debian upstream version", fields["Version"])
	}
	if want := "dnssync_" + fields["Version"] + "_" + arch + ".deb"; filepath.Base(deb) != want {
		t.Errorf("package file %s, want %s", filepath.Base(deb), want)
	}
	contents := output(t, "dpkg-deb", "--contents", deb)
	for _, want := range []string{" ./usr/bin/dnssync\n", " ./usr/lib/systemd/system/dnssync.service\n",
		" ./usr/lib/sysusers.d/dnssync.conf\n", " ./usr/lib/tmpfiles.d/dnssync.conf\n", " ./etc/dnssync/config.toml\n",
		" ./etc/dnssync/records.d/\n", " ./usr/share/doc/dnssync/copyright\n", " ./usr/share/doc/dnssync/README.md\n",
		" ./usr/share/doc/dnssync/examples/coredns.service\n", " ./usr/share/man/man1/dnssync.1.gz\n"} {
		if !strings.Contains(contents, want) {
			t.Errorf("the package lacks %s", strings.TrimSpace(want))
		}
	}
	if conffiles := output(t, "dpkg-deb", "--info", deb, "conffiles"); conffiles != "/etc/dnssync/config.toml\n" {
		t.Errorf("conffiles %q, want the config alone", conffiles)
	}
	// (The tree the package was built from: --contents showed it is in.)
	if b, err := os.ReadFile(filepath.Join(tmp, "root/usr/share/doc/dnssync/copyright")); err != nil || !strings.Contains(string(b), "Apache License") {
		t.Errorf("the package's copyright file does not hold the license (%v)", err)
	}

	// The users the postinst makes stay after a purge, as Debian's do; the
	// test removes those it made (the user's group goes with it), and
	// /etc/dnssync, which the guard above saw missing: check-config left
	// records.d's lock file there, so dpkg keeps the directory.
	var made []string
	for _, u := range []string{"coredns", "dnssync"} {
		if _, err := user.Lookup(u); err != nil {
			made = append(made, u)
		}
	}
	_, err = user.LookupGroup("dnssync-records")
	madeGroup := err != nil
	t.Cleanup(func() {
		if out, err := exec.Command("dpkg", "--purge", "dnssync").CombinedOutput(); err != nil {
			t.Errorf("dpkg --purge dnssync: %v\n%s", err, out)
		}
		if _, err := os.Stat("/usr/bin/dnssync"); err == nil {
			t.Error("/usr/bin/dnssync is still there after dpkg --purge")
		}
		if err := os.RemoveAll("/etc/dnssync"); err != nil {
			t.Error(err)
		}
		for _, u := range made {
			if out, err := exec.Command("userdel", u).CombinedOutput(); err != nil {
				t.Logf("userdel %s: %v %s", u, err, out)
			}
		}
		if madeGroup {
			if out, err := exec.Command("groupdel", "dnssync-records").CombinedOutput(); err != nil {
				t.Logf("groupdel dnssync-records: %v %s", err, out)
			}
		}
	})
	if out, err := exec.Command("dpkg", "-i", deb).CombinedOutput(); err != nil {
		t.Fatalf("dpkg -i: %v\n%s", err, out)
	}

	if v := output(t, "/usr/bin/dnssync", "version"); !strings.HasPrefix(v, "dnssync ") {
		t.Errorf("dnssync version: %q", v)
	}
	check := []string{"/usr/bin/dnssync", "check-config", "--config", "/etc/dnssync/config.toml"}
	output(t, check...)
	// As the unit runs it: the postinst made the user and gave it
	// records.d and /var/lib/dnssync (the installed config has the API on).
	if _, err := exec.LookPath("systemd-sysusers"); err != nil {
		t.Log("no systemd-sysusers: the postinst made no users; check-config as dnssync not run")
		return
	}
	output(t, append([]string{"runuser", "-u", "dnssync", "--"}, check...)...)
	if _, err := exec.LookPath("systemd-analyze"); err == nil {
		output(t, "systemd-analyze", "verify", "/usr/lib/systemd/system/dnssync.service")
	}
}

// output runs a command and returns its stdout, failing t when it fails.
func output(t *testing.T, argv ...string) string {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(argv, " "), err, out, stderr.String())
	}
	return string(out)
}

// TestDebVersion: the package's version, made from git describe's, sorts
// as the releases do (dpkg --compare-versions): a pre-release before its
// release (v1.2.3-rc1 was 1.2.3+rc1, after 1.2.3, so an upgrade from the
// release candidate to the release was a downgrade), commits after a tag
// after it, an untagged build before every release.
func TestDebVersion(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("needs dpkg")
	}
	debVersion := func(v string) string {
		t.Helper()
		out, err := exec.Command("sh", "../packaging/deb/build.sh", "--debian-version", v).Output()
		if err != nil {
			t.Fatalf("build.sh --debian-version %s: %v", v, err)
		}
		return strings.TrimSpace(string(out))
	}
	for v, want := range map[string]string{
		"v1.2.3":                  "1.2.3",
		"v1.2.3-rc1":              "1.2.3~rc1",
		"v1.2.3-beta.2":           "1.2.3~beta.2",
		"v1.2.3-rc1-4-gabc1234":   "1.2.3~rc1+4.gabc1234",
		"v1.2.3-4-gabc1234":       "1.2.3+4.gabc1234",
		"v1.2.3-4-gabc1234-dirty": "1.2.3+4.gabc1234.dirty",
		"abc1234":                 "0~gitabc1234",
	} {
		if got := debVersion(v); got != want {
			t.Errorf("%s: Debian version %q, want %q", v, got, want)
		}
	}
	// Each before the next, as dpkg orders them.
	order := []string{"abc1234", "v1.2.3-alpha1", "v1.2.3-beta1", "v1.2.3-pre1", "v1.2.3-rc1", "v1.2.3-rc1-4-gabc1234", "v1.2.3", "v1.2.3-4-gabc1234", "v1.2.4-rc1"}
	for i := 1; i < len(order); i++ {
		a, b := debVersion(order[i-1]), debVersion(order[i])
		if err := exec.Command("dpkg", "--compare-versions", a, "lt", b).Run(); err != nil {
			t.Errorf("%s (%s) does not sort before %s (%s)", order[i-1], a, order[i], b)
		}
	}
}
