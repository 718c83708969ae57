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
	fmt.Fprint(w, "\n## Targets (issues 6, 13 and 14)\n\n")
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
	return fmt.Sprintf("`dnssync-bench -sizes %s -signedsizes %s -rfcsizes %s -zones %d -zonesd %d -replication %d -runs %d -loglevel %s -cold-deadline %v`",
		ints(o.sizes), ints(o.signedSizes), ints(o.rfcSizes), o.zones, o.zonesD, o.replication, o.runs, o.logLevel, o.coldDeadline)
}

const howMeasured = `
## How each row is measured

A "served" time is when a DNS query for the record (asked every 5 ms over
UDP) first returns exactly the new value. dnssync runs as ` + "`dnssync run`" + `
with ` + "`debounce = \"10ms\"`" + `, ` + "`[verify] schedule = \"@every 1h\"`" + ` (no
scheduled pass during a measurement), no API and ` + "`[log] level = \"warn\"`" + `.
Records are A records, 100 per records.d file (` + "`host-000000.bench.test`" + `, ...).

- **zonefile, cold**: from starting ` + "`dnssync run`" + ` (records.d full, zone_dir
  empty, CoreDNS running with ` + "`auto { reload 1s }`" + `) until the last record is
  served. Floor: a second CoreDNS with the same Corefile; the harness renders
  the equivalent zone file outside its directory and renames it in (many
  zones: a directory of them renamed over the empty one); from the rename
  until the last record is served. Both include up to 1 s of waiting for
  auto's directory scan. "cold: zone files in place" is dnssync's own part:
  until it renamed its last zone file into zone_dir (the file's ctime).
  "cold: first pass verified": until dnssync's first pass was done, which
  checks that every change it applied is served: its READY=1 (sd_notify,
  on a socket the harness names by NOTIFY_SOCKET), whose status must count
  every zone of the scenario, or the run fails.
- **zonefile, incremental (median)**: one record's value changed in one
  records.d file (temp file, rename), until the new value is served. Floor:
  the same change in the zone file with the serial bumped (rendered, renamed
  in). CoreDNS reloads a changed zone on a 1 s tick, so both are mostly the
  wait for the tick: dnssync and floor runs alternate, and run i of each is
  made at the same phase of its zone's tick, (i+0.5)/runs after a tick
  (seen with inotify: each tick, CoreDNS opens the zone file to read its
  serial). A change that dnssync writes too late for a tick the floor's
  made waits one more second, so the medians move in steps of about
  1 s / runs; "zone file in place" is dnssync's delay itself. One
  unmeasured warm-up change comes first.
- **zone file in place (median)**: from the records.d rename until dnssync
  renamed the new zone file into zone_dir (its ctime), written and fsynced:
  dnssync's own delay, without CoreDNS's tick.
- **CPU per change**: the daemon's user+system time (/proc/PID/stat) over
  the measured incremental runs, each followed by 200 ms for its pass to
  finish, divided by the runs (clock ticks of 10 ms: the resolution is
  10 ms / runs). It includes dnssync's own check, after writing, that the
  change is served.
- **peak RSS**: VmHWM of the daemon (/proc/PID/status) at the end.
- **zonefile, signed**: the zonefile scenario's zone and records with
  ` + "`dnssec = true`" + ` (dnssync's defaults: one combined signing key,
  ECDSAP256SHA256, NSEC), so that dnssync writes the zone signed (DNSKEY,
  RRSIG, NSEC, CDS and CDNSKEY in the zone file). A record counts as served
  when the answer to a query with DO carries its new value and an RRSIG
  over it. Cold: from starting ` + "`dnssync run`" + ` (no keys yet: it makes
  them) until the last record is served signed; floor: a CoreDNS alone
  loading the zone file dnssync signed (copied in once dnssync's first
  pass is done, renamed into its empty auto directory), until the same
  record is served signed. Incremental: as for zonefile, until the change
  is served signed; dnssync re-signs only the changed RRset, the SOA and
  the NSEC records around the change. Its floor is the unsigned zonefile
  floor (the change written into an unsigned zone file by hand): CoreDNS
  alone cannot sign a change, so the ratio is what signing adds to a
  change. ` + "`-signedsizes \"\"`" + ` (or ` + "`-only`" + ` without ` + "`signed`" + `) skips it.
- **zonefile, many zones**: 100 records per zone (` + "`zone-0000.bench.test`" + `, ...),
  one records.d file per zone; cold until the last record of the last zone
  is served. "one change touches": which zone files in zone_dir were
  written (inode or mtime changed) and which zones CoreDNS logged an
  outgoing transfer of, from each change until 200 ms after it was served.
- **zonefile, zones.d**: the same zones and records as many zones, the
  zones declared in zones.d (one file each, ` + "`zone: {name: zone-0000.bench.test}`" + `,
  the default zones_dir beside records.d, ` + "`zones = []`" + ` in the config)
  instead of [[zones]]: what reading 1,000 small zone files adds.
- **rfc2136**: CoreDNS ` + "`dynupdate`" + ` (TSIG, ` + "`max_records`" + ` N+100, no database).
  Cold: from starting ` + "`dnssync run`" + ` until the last record is served. Floor:
  the harness itself sends the records as TSIG-signed UPDATEs of at most
  1000 records (a TCP connection each) into a fresh dynupdate, from the
  first send until the last record is served. Incremental: as for zonefile
  (no tick here); floor: one TSIG-signed UPDATE replacing the record's RRset.
- **zonefile, 4 secondaries**: one zone of N records on a primary CoreDNS
  (` + "`auto`" + `, ` + "`transfer to *`" + `, which notifies no one) and four secondaries
  transferring from it (two CoreDNS, one BIND, one Knot; refresh an hour
  away): one record changed in records.d (temp file, rename) until every
  secondary serves the new value, by dnssync's NOTIFY once the primary
  serves it. Floor: dnssync stopped, the primary restarted on its port
  with ` + "`transfer to`" + ` the four secondaries (CoreDNS then notifies them when
  it loads a new serial), the change written into the zone file by hand
  with the serial bumped. Both wait for the primary's 1 s reload tick; the
  runs of each are placed at the same phases of it, as for zonefile
  incremental, after one unmeasured warm-up change. All five servers are
  asked at once, every 5 ms.
- **ratio** is dnssync / floor.

## Why a target is not met

- **Cold start at 100,000 records.** dnssync's own part ("cold: zone files
  in place") is 2.2 to 2.6 s: reading and checking 1,000 YAML files (on every
  core) is about half of it, planning, rendering and writing the 5 MB zone
  file most of the rest. After that both sides wait for CoreDNS's directory
  scan (a 1 s tick, at a phase the harness does not align for cold starts)
  and its load of the zone, so runs land on either side of 2x (1.84x and
  2.49x in two runs on a 2-core machine). A faster parse of records.d (the YAML library
  builds a node tree per file) is the work that would settle it.
- **Peak RSS at 100,000 records.** dnssync holds records.d parsed (every
  file's last good content, for the last-good rule), the merged desired
  RRsets, the zone as last served (so that a change costs one SOA query,
  not a transfer) and the zone file's rendered text (so that a change
  re-renders one RRset, not 100,000): about 90 MiB live at 100,000
  records. The peak is reached during the cold start, when the parse's
  garbage and the first plan come on top and Go's collector lets the heap
  grow to about twice the live size. ` + "`GOMEMLIMIT=120MiB`" + ` in the unit's
  environment holds the peak at 165 to 175 MiB at the cost of a slower cold start;
  the remaining work is a more compact desired index (records stored once,
  not per file and per RRset).
- **rfc2136 at 10,000 records.** The floor itself is the limit: CoreDNS's
  dynupdate plugin scans its whole zone for every record an UPDATE adds (to
  find duplicates and CNAME conflicts) and rebuilds the zone per UPDATE, so
  one UPDATE costs about 50 ms at 10,000 records and loading 10,000 records
  costs 20 s whatever sends them. dnssync adds its debounce (10 ms here) and
  one pass (a few ms) to the one-record change, and matches the floor on the
  cold sync.
- **Signed zone, CPU per change (issue 14).** Signing itself is
  incremental (dnssec.Resign signs the changed RRset, the SOA and the NSEC
  records around the change), but the work around it still walks the
  zone, whose map holds 300,000 RRsets once signed at 100,000 records. A
  CPU profile of the daemon over 8 changes (` + "`[debug] pprof`" + `) puts
  about 110 ms a change in internal/apply's signedText copying the zone's
  unsigned sets into a new map for Resign, about 130 ms in Resign (its
  copy of the signed map, its walk of every RRSIG for the refresh check
  and of every NSEC owner for the change's place in the chain), about
  130 ms in signedText's two walks comparing the zone before and after to
  find what to render again, then the garbage collection of those maps and
  the 20 MB buffer of the zone file. The remedy is an API change: Resign
  taking the changed sets, not the whole unsigned zone, and returning the
  keys it touched, with signatures indexed by expiry for the refresh
  check. ` + "`go test -bench SignedApplyOneChange100k ./internal/apply/`" + ` measures
  the backend's part alone.
- **Signed zone, a change served** (not a stated target). Most of the
  incremental row is CoreDNS's: ` + "`auto`" + ` reloads the whole zone file on a
  change, and a signed zone of 100,000 records takes it 3 to 4 s to load
  (the signed cold row's floor, the same file). The unsigned floor does
  not pay that; a zone file backend cannot avoid it.
- **Many zones, cold** (not a stated target). dnssync applies the zones
  of a pass one after the other, each with the fsync of its zone file and
  of the directory that an atomic, durable write needs, then verifies them
  together; writing zones in parallel would shorten it further.
`

// inode is a file's inode number.
func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}
