package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnssync/dnssync/internal/api"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/health"
)

// everyCommand is each command a person runs, as its help is asked for.
var everyCommand = [][]string{
	{"run"}, {"plan"}, {"apply"}, {"validate"}, {"check-config"}, {"verify"},
	{"register"}, {"update"}, {"unregister"}, {"records"}, {"records", "list"}, {"version"},
	{"zones"}, {"zones", "list"}, {"zones", "add"}, {"zones", "remove"},
	{"dnssec"}, {"dnssec", "ds"}, {"dnssec", "status"},
}

// Help is asked for, and so goes to stdout with exit 0, in one usage
// block, however it is asked for.
func TestHelpOnStdout(t *testing.T) {
	t.Parallel()
	cases := [][]string{{"--help"}, {"-h"}, {"help"}, {"help", "check-config"}, {"check-config", "--help"},
		{"check-config", "-h"}, {"register", "--help"}, {"records", "list", "--help"}, {"help", "records", "list"}}
	for _, c := range everyCommand {
		cases = append(cases, append(c[:len(c):len(c)], "--help"))
	}
	for _, args := range cases {
		code, stdout, stderr := runArgs(t, args...)
		if code != exitOK || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q; want exit 0 and nothing on stderr", args, code, stderr)
		}
		if n := strings.Count(strings.ToLower(stdout), "usage:"); n != 1 {
			t.Errorf("%v: %d usage blocks on stdout, want 1:\n%s", args, n, stdout)
		}
	}
}

// Every command says what it does (more than its flags) and shows an
// example.
func TestEveryCommandDescribed(t *testing.T) {
	t.Parallel()
	for _, c := range everyCommand {
		code, stdout, _ := runArgs(t, append([]string{"help"}, c...)...)
		before, _, found := strings.Cut(stdout, "Usage:")
		if code != exitOK || !found {
			t.Fatalf("help %v: exit %d:\n%s", c, code, stdout)
		}
		if words := len(strings.Fields(before)); words < 8 {
			t.Errorf("help %v: %d words before the usage, want a description:\n%s", c, words, stdout)
		}
		if c[0] != "version" && c[0] != "records" || len(c) > 1 {
			if !strings.Contains(stdout, "Examples:\n  dnssync "+strings.Join(c, " ")) {
				t.Errorf("help %v: no example of the command:\n%s", c, stdout)
			}
		}
	}
}

// The top-level help's command list is one column of names and one of
// descriptions, each description starting at the same place.
func TestHelpColumnsAligned(t *testing.T) {
	t.Parallel()
	_, stdout, _ := runArgs(t, "--help")
	// The command lists (in groups) are between the usage and the flags.
	_, list, _ := strings.Cut(stdout, "Usage:")
	list, _, _ = strings.Cut(list, "Flags:")
	line := regexp.MustCompile(`^  ([a-z-]+)( +)\S`)
	col, n := -1, 0
	for l := range strings.Lines(list) {
		m := line.FindStringSubmatchIndex(l)
		if m == nil || l[m[2]:m[3]] == "dnssync" {
			continue
		}
		n++
		if at := m[5]; col < 0 {
			col = at
		} else if at != col {
			t.Errorf("description of %q starts at column %d, want %d:\n%s", l[m[2]:m[3]], at, col, stdout)
		}
	}
	if n < 11 {
		t.Errorf("%d commands listed, want every command:\n%s", n, stdout)
	}
}

// --version prints what `version` prints.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	_, want, _ := runArgs(t, "version")
	code, stdout, stderr := runArgs(t, "--version")
	if code != exitOK || stdout != want || want != "dnssync "+version+"\n" || stderr != "" {
		t.Errorf("--version: exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
	}
}

// A command line dnssync cannot take is exit 64, with one line saying why
// on stderr in the one error style, and nothing on stdout.
func TestUsageErrorStyle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `dnssync: unknown command "bogus"`},
		{[]string{"plan", "--bogus"}, "dnssync: plan: unknown flag: --bogus"},
		{[]string{"plan", "extra"}, "dnssync: plan: "},
		{[]string{"register", "web.example.com"}, "dnssync: register: "},
		{[]string{"records", "show"}, `dnssync: records: unknown command "show"`},
		{[]string{"help", "bogus"}, `dnssync: help: unknown help topic "bogus"`},
		{[]string{"help", "plan", "bogus"}, `dnssync: help: unknown help topic "plan bogus"`},
		{[]string{"verify", "--api", "http://127.0.0.1:8053"}, "dnssync: verify: "},
	} {
		code, stdout, stderr := e.run(t, c.args...)
		if code != exitUsage || stdout != "" || !strings.HasPrefix(stderr, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and stderr starting %q", c.args, code, stdout, stderr, exitUsage, c.want)
		}
	}
	code, stdout, stderr := runArgs(t)
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "Usage:") {
		t.Errorf("no command: exit %d, stdout %q, stderr %q; want the usage on stderr and exit %d", code, stdout, stderr, exitUsage)
	}
}

// A command that fails says so on stderr, "dnssync: <what>: <why>", and
// prints nothing on stdout.
func TestErrorStyle(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-such.toml")
	for _, c := range [][]string{
		{"plan"}, {"apply"}, {"validate"}, {"check-config"}, {"verify"}, {"verify", "web.example.com"},
		{"records", "list"}, {"register", "web.example.com", "192.0.2.1"}, {"unregister", "web.example.com"},
	} {
		code, stdout, stderr := runArgs(t, append(c, "--config", missing)...)
		if code != exitError || stdout != "" || !strings.HasPrefix(stderr, "dnssync: ") || !strings.Contains(stderr, missing) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and \"dnssync: ...%s...\" on stderr", c, code, stdout, stderr, missing)
		}
	}
}

// Go's flag package took -config as well as --config: scripts written for
// it keep working.
func TestSingleDashFlags(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	code, _, stderr := runArgs(t, "register", "-type", "TXT", "-ttl=60", "t.example.com", "-config", e.cfg, "--", "-type")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := e.list(t)
	if len(got) != 1 || got[0].Value != "-type" || got[0].TTL != 60 || got[0].RecordType != "TXT" {
		t.Errorf("records %+v, want t.example.com TXT \"-type\" with ttl 60", got)
	}
	if code, out, stderr := runArgs(t, "validate", "-config", e.cfg); code != exitOK {
		t.Errorf("validate -config: exit %d, %s %s", code, out, stderr)
	}
}

// Shell completion scripts for the shells operators use.
func TestCompletion(t *testing.T) {
	t.Parallel()
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, stdout, stderr := runArgs(t, "completion", sh)
		if code != exitOK || !strings.Contains(stdout, "dnssync") || len(stdout) < 500 {
			t.Errorf("completion %s: exit %d, %d bytes, stderr %q", sh, code, len(stdout), stderr)
		}
	}
	// What the scripts ask for: the commands, completed.
	code, stdout, _ := runArgs(t, "__complete", "reg")
	if code != exitOK || !strings.Contains(stdout, "register") {
		t.Errorf("completing \"reg\": exit %d:\n%s", code, stdout)
	}
}

// gen-man (for `make man`) writes a page per command, the exit codes in
// the main one; it is not listed in the help.
func TestGenMan(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if code, _, stderr := runArgs(t, "gen-man", dir); code != exitOK {
		t.Fatalf("gen-man: exit %d: %s", code, stderr)
	}
	for _, page := range []string{"dnssync.1", "dnssync-register.1", "dnssync-check-config.1", "dnssync-records-list.1"} {
		b, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), ".TH \"DNSSYNC") {
			t.Errorf("%s is not a man page:\n%s", page, b)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "dnssync.1"))
	for _, want := range []string{"EXIT STATUS", "64"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("dnssync.1 does not say %q", want)
		}
	}
	if _, stdout, _ := runArgs(t, "--help"); strings.Contains(stdout, "gen-man") {
		t.Errorf("gen-man is listed in the help:\n%s", stdout)
	}
}

// A local write and the API's answer to the same write are worded alike:
// one function says what became of a write.
func TestLocalAndAPIWordAlike(t *testing.T) {
	t.Parallel()
	for _, autoRegister := range []bool{true, false} {
		local, remote := newEnv(t, ""), newEnv(t, "")
		if !autoRegister {
			for _, e := range []*testEnv{&local, &remote} {
				e.configure(t, func(c *corednstest.Config) { c.DNS.AutoRegister = corednstest.Bool(false) })
			}
		}
		url := serveAPI(t, remote)
		for _, args := range [][]string{
			{"register", "web-01.example.com", "192.0.2.10"},
			{"register", "web-01.example.com", "192.0.2.10"},
			{"update", "web-01.example.com", "192.0.2.11", "--ttl", "60"},
			{"unregister", "web-01.example.com", "--type", "A"},
		} {
			lcode, lout, lerr := local.run(t, args...)
			rcode, rout, rerr := runArgs(t, append(args, "--api", url)...)
			if lcode != exitOK || rcode != exitOK {
				t.Fatalf("%v: exit %d (local), %d (api): %s %s", args, lcode, rcode, lerr, rerr)
			}
			// The local command adds where it wrote, after the API's words.
			if !strings.HasPrefix(lout, rout) || rout == "" {
				t.Errorf("auto_register %v, %v:\nlocal:\n%s\napi:\n%s", autoRegister, args, lout, rout)
			}
		}
	}
}

// serveAPI serves e's records dir through the daemon's own API handler.
func serveAPI(t *testing.T, e testEnv) string {
	t.Helper()
	cfg, err := config.Load(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	store := desired.NewStore(desiredOptions(cfg), nil)
	if _, err := store.Scan(); err != nil {
		t.Fatal(err)
	}
	rec, err := recordsAPI(cfg, store)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Options{Listen: api.Listen{Network: "tcp", Address: "127.0.0.1:0"}, Health: health.NewTracker(), Gatherer: prometheus.NewRegistry(), Records: rec})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return hs.URL
}
