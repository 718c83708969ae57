//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// machine describes where the run happened.
type machine struct {
	date, uname, cpu string
	cores            int
	goVersion        string
	coredns, dnssync string
}

func machineInfo(ctx context.Context, coredns, dnssync string) machine {
	m := machine{date: time.Now().UTC().Format("2006-01-02 15:04 UTC"), cores: runtime.NumCPU(), goVersion: runtime.Version()}
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		m.uname = strings.Join([]string{unix.ByteSliceToString(u.Sysname[:]), unix.ByteSliceToString(u.Release[:]), unix.ByteSliceToString(u.Machine[:])}, " ")
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		m.cpu = cpuModel(f)
		f.Close()
	}
	m.coredns = commandLine(ctx, coredns, "-version")
	m.dnssync = commandLine(ctx, dnssync, "version")
	return m
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel(r io.Reader) string {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// commandLine is a command's output on one line.
func commandLine(ctx context.Context, bin string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("unknown (%v)", err)
	}
	return strings.TrimSuffix(strings.Join(strings.Fields(string(out)), " "), ",")
}

// writeReport writes the Markdown report to path (temp file, rename).
func writeReport(path string, m machine, o options, rs []result, ts []target, notes []string) error {
	var b bytes.Buffer
	renderReport(&b, m, o, rs, ts, notes)
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func renderReport(w io.Writer, m machine, o options, rs []result, ts []target, notes []string) {
	fmt.Fprintf(w, `# Benchmarks

End-to-end, against the real CoreDNS on loopback, written by `+"`make bench`"+`
(`+"`cmd/dnssync-bench`"+`). Each row puts dnssync beside the floor: CoreDNS
alone serving the same change written by hand. Numbers are from one run on
the machine below; run it again to compare.

| | |
|---|---|
| date | %s |
| machine | %s |
| CPU | %s, %d cores |
| Go | %s |
| CoreDNS | %s |
| dnssync | %s |
| run | %s |

## Results

`, m.date, esc(m.uname), esc(m.cpu), m.cores, m.goVersion, esc(m.coredns), esc(m.dnssync), esc(runLine(o)))
	markdownTable(w, rs)
	fmt.Fprint(w, "\n## Targets (issues 6, 13, 14 and 15)\n\n")
	markdownTargets(w, ts)
	if len(notes) > 0 {
		fmt.Fprint(w, "\n## Notes\n\n")
		for _, n := range notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
	fmt.Fprint(w, howMeasured)
}

// runLine is the command that produced the report: every flag that
// shaped the numbers (all but notShaping's), with the values in force
// after -only, so that running it again measures the same rows.
func runLine(o options) string {
	ints := func(ns []int) string {
		var s []string
		for _, n := range ns {
			s = append(s, fmt.Sprint(n))
		}
		if len(s) == 0 {
			return `""`
		}
		return strings.Join(s, ",")
	}
	var keys []string
	for _, s := range o.rfcServers {
		keys = append(keys, s.key)
	}
	servers := strings.Join(keys, ",")
	if servers == "" {
		servers = `""`
	}
	return fmt.Sprintf("`dnssync-bench -sizes %s -signedsizes %s -rfcsizes %s -rfcservers %s -zones %d -zonesd %d -replication %d -steady %v -steadysize %d -allocs %d -runs %d -loglevel %s -cold-deadline %v`",
		ints(o.sizes), ints(o.signedSizes), ints(o.rfcSizes), servers, o.zones, o.zonesD, o.replication, o.steady, o.steadySize, o.allocs, o.runs, o.logLevel, o.coldDeadline)
}

// inode is a file's inode number.
func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}
