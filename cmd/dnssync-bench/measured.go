//go:build linux

package main

// howMeasured ends the report: how each row is measured, and why a
// target is not met.
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
  auto's directory scan. Each cold start runs with the other side's
  CoreDNS stopped (SIGSTOP, then SIGCONT): the floor's, holding every
  zone once measured, spends about half a core on its reload ticks at
  10,000 zones (each tick opens every zone's file), which earlier runs
  took from dnssync's cold start. "cold: zone files in place" is dnssync's own part:
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
- **CPU per change**: the daemon's user+system time (/proc/PID/stat)
  from each measured change's records.d rename until it is served and
  500 ms more for its pass to finish (its own check asks for the new
  serial at most 250 ms apart), added up over the runs and divided by
  them. The time is in clock ticks of 10 ms, read around each change: a
  change's figure is off by less than 10 ms, by about 2 ms typically.
  It includes dnssync's own check, after writing, that the change is
  served. The daemon's CPU between its changes (while the floor's changes
  run, and while a run waits for its phase of the reload tick) is not a
  change's: the notes give it per second, and the whole run's per change
  (the measure of earlier runs).
- **peak RSS**: VmHWM of the daemon (/proc/PID/status) at the end of the
  incremental runs. Floor: VmHWM of the floor CoreDNS at the same moment:
  CoreDNS alone serving the same zone(s) through the same changes (each
  a reload of the zone file; for zonefile, signed: the signed zone loaded
  cold, then the unsigned one through the changes); the ratio is issue
  15's memory ratio.
- **cold: heap live after forced GC**: once dnssync's first pass
  is done (READY=1), the harness asks its ` + "`[debug] pprof`" + ` endpoint (on
  loopback, on in every zonefile scenario) for ` + "`/debug/pprof/heap?gc=1`" + `,
  which forces a collection, and reads HeapAlloc from the runtime.MemStats
  the profile ends with: the live data of the cold start.
- **cold: RSS once settled**: after that collection, the daemon's
  VmRSS sampled every 250 ms until it has not fallen to a new low (by more
  than 1%) for 5 s, at most 30 s: what is left once Go's scavenger has
  returned the freed memory. Floor: the floor CoreDNS's VmRSS then.
- **profile summary** (Notes): at the size ` + "`-allocs`" + ` names (100,000 by
  default), after that collection, ` + "`/debug/pprof/allocs`" + ` is fetched and
  summarised by ` + "`go tool pprof -top -sample_index=alloc_space -nodecount=10`" + `:
  the functions that allocated the most bytes themselves (flat) from
  ` + "`dnssync run`" + ` to the end of its first pass, as sampled by the runtime.
- **1,000,000 records** (` + "`-sizes 1000,10000,100000,1000000`" + `, opt-in:
  about 3 minutes more and 3 GiB of memory on the bench's machine) and
  **10,000 zones x 100 records** (` + "`-zones 10000`" + `, opt-in) are the rows
  above at issue 15's sizes; the default run stays under 15 minutes on 2
  cores.
- **zonefile, steady state** (` + "`-steady 2m`" + `, opt-in; ` + "`-steadysize`" + ` records,
  100,000 by default): one zone, dnssync with ` + "`[verify] schedule = \"@every 1s\"`" + `,
  so that a scheduled pass (every record checked) starts a second after
  the last one ended, for the given time: a day of checks every few
  minutes, in minutes. Each pass's end is its sd_notify STATUS=, which
  must say the zone verified in full. The daemon is sampled just after
  the first scheduled pass and just after the last one (so that neither
  sample holds a pass's working set), each time after a forced collection
  (` + "`heap?gc=1`" + `): VmRSS, HeapAlloc, goroutines (the first line of
  ` + "`/debug/pprof/goroutine?debug=1`" + `, asked without keep-alive) and
  Threads (/proc/PID/status). "No growth" allows 10% of RSS (pages freed
  but not yet returned by the scavenger vary by a few percent with no
  leak) and 3 goroutines (the harness's own request being served); a
  leak of one goroutine or of a record's worth of memory a pass exceeds
  either within minutes of passes.
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
- **rfc2136**, **rfc2136, BIND**, **rfc2136, Knot**: one zone of N records
  on CoreDNS ` + "`dynupdate`" + ` (with ` + "`database`" + `, ` + "`max_records`" + ` N+100), BIND 9
  (` + "`update-policy`" + `) or Knot 3 (an update ACL), TSIG hmac-sha256, dnssync with
  ` + "`records.debounce = \"0s\"`" + `. dnssync reaches its server through a forwarder in
  the harness (loopback TCP and UDP, every message relayed unchanged) that
  notes each UPDATE: when its first bytes arrived, its records, when the
  server answered. Cold: from starting ` + "`dnssync run`" + ` until the last record
  is served. Floor: a second server of the same kind, into which the
  harness's own sender puts the UPDATEs dnssync sends (999 records and the
  SOA prerequisite each, as dnssync's default max_update_records of 1000
  splits them; fenced on the SOA as dnssync fences; a TCP connection
  each), from the first send until the last record is served.
  Incremental: as for zonefile (no tick here); floor: one UPDATE replacing
  the record's RRset, fenced likewise. Own share: from the records.d rename
  until the change's first UPDATE reached the forwarder (median; with
  ` + "`" + `debounce = "0s"` + "`" + ` the watcher waits for no quiet). The notes give the batches, the
  server's time on them, and where dnssync's cold time went.
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

What each target not met comes down to, from profiles of the daemon
(pprof, 2 cores) taken while this table's work was done:

- **zonefile, CPU per change (1,000,000 records).** Close to the limit
  (met in the run of 2026-12-01, 97 ms; 113 to 151 ms in other runs).
  One cost grows with the zone, not the change: the zone file is written whole on every
  change (CoreDNS's ` + "`" + `file` + "`" + ` and ` + "`" + `auto` + "`" + ` load nothing less), about 26 MB at
  1,000,000 records now that owners are written relative to ` + "`" + `$ORIGIN` + "`" + `,
  without the class, and TTLs only where they are not the ` + "`" + `$TTL` + "`" + ` (45 MB
  before). A change copies the unchanged stretches
  from the file written last (` + "`" + `copy_file_range` + "`" + `) and writes only the
  changed sets, so dnssync no longer formats or hands the kernel the whole
  text; what is left is the kernel's copy into the new file's page cache.
  On this VM that copy is slow in a process with a large heap: 6 to 10 ms
  for the file in a small process, 80 to 90 ms in the daemon holding the
  zone (reproduced outside dnssync with a program that keeps 1.5 GB of
  memory in use; perf shows the time in the kernel's memcpy into the
  new pages, about 600 MB/s, and the paravirtual VM's interrupt
  enabling). Asking for the new serial while CoreDNS reloads
  adds a little (50 ms apart at first, then an eighth of the wait so
  far, at most 250 ms). A smaller heap (packed RRsets) would help both;
  the rfc2136 backend writes no file at all.
- **zonefile, a change served at 1,000,000 records.** Close to the
  limit (met in the run of 2026-12-01, 51 ms over the floor; 262 ms over
  in the run before). Most of it is
  CoreDNS reloading the zone file (the floor, several seconds, reading
  the same compact form); dnssync's part is the file's write, about 0.1 s,
  and which side of CoreDNS's 1 s reload tick each run lands on moves the
  pair by tens of milliseconds either way.
- **zonefile, cold at 1,000,000 records.** dnssync's own part ("zone files
  in place") is reading 10,000 records.d files on every core, merging the
  desired state, planning and rendering a million RRsets (sorted once,
  rendered on every core) and writing the file; CoreDNS's load of the
  file comes after, as in the floor. What is left is mostly allocation
  and collection (a quarter of the CPU): one ` + "`" + `dns.RR` + "`" + ` per record in the
  desired state, in the zone as served and in the zone text. RRsets as
  packed wire data would cut both the memory and the time.
- **Many zones, cold (10,000 zones).** The zones are asked their SOA
  (twice, as not served; a zone dnssync never wrote is not asked for a
  transfer first), planned, and written in parallel (64 at once), their
  serials recorded in batches (a batch costs one pass over serials.json's
  text). dnssync's CPU is spread out: creating, writing and fsyncing
  10,000 files and the directory (about 40%; on this VM's ext4, creating
  a file scans recently deleted inodes), reading records.d, the SOA
  queries, planning and rendering, and collection. Meanwhile CoreDNS, on
  the same 2 cores, loads the zones written, opens every loaded zone's
  file on each 1 s tick and answers dnssync's queries, each a linear
  search of its 10,000 zone names (` + "`" + `auto` + "`" + `'s). The floor renames one
  directory of 10,000 files in at once, and is asked only for its last
  record.
- **rfc2136, own share at 10,000 records.** A fixed cost, not the zone's
  size: reading and checking the file, the pass's State, the plan, and
  the UPDATE's connection and TSIG. The SOA query that checks the cached
  zone is asked once the file is read, while the State is built; with ` + "`" + `debounce =
  "0s"` + "`" + ` the watcher sends a change on at once.
- **rfc2136, cold at 10,000 records (BIND, Knot).** Both servers load
  10,000 records in about 150 ms; dnssync's cold start adds its process
  start, reading records.d, a transfer of the zone and the plan before
  its first UPDATE (about 100 ms), which the floor (the UPDATEs alone)
  does not pay. On CoreDNS dynupdate the floor itself takes seconds: the
  plugin scans its whole zone for every record an UPDATE adds.
- **rfc2136, cold sync under 5 s at 10,000 records (issue 6).** That
  floor: CoreDNS dynupdate takes 11 s or more to load 10,000 records,
  whatever sends them. BIND and Knot take well under a second.
- **Signed zone, CPU per change (issue 14).** The signing is O(change)
  (about 0.2 ms a change at 10,000 and 100,000 records: ` + "`" + `go test -bench
  ResignOneChange ./internal/dnssec/` + "`" + `); what grows is the signed zone
  file, about 490 bytes a record at 100,000, copied into a new file per
  change as above.
- **NOT MEASURED.** A row that is opt-in (` + "`" + `-sizes ...,1000000` + "`" + `,
  ` + "`" + `-zones 10000` + "`" + `, ` + "`" + `-steady 2m` + "`" + `, ` + "`" + `-rfcsizes ...,1000000` + "`" + `) or that a flag
  replaced (` + "`" + `-zones 10000` + "`" + ` runs instead of the 1,000-zone row).
`
