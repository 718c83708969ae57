package e2e

// The fault suite's service-level cases: CoreDNS away for a long time, the
// kernel dropping file events, and a burst of 20,000 files. Each ends by
// comparing a full zone transfer with what records.d says, record for
// record, so that "converged" means exactly that.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// backoffCap is the longest wait between retries of a failed pass:
// reconcile.Loop's default, which cmd/dnssync does not override and no
// config key changes. Retries wait up to 20% less (jitter).
const backoffCap = 30 * time.Second

// TestFaultOutageLongerThanBackoffCap: CoreDNS stays down until the
// daemon's retry backoff has reached its cap and stayed there, while
// records.d gains, changes and loses files. Health says
// coredns_unreachable; the outage is logged once, not per retry; the zone
// files keep every record served before the outage; once CoreDNS is back
// the zones converge exactly to records.d and health is 200 again, with no
// daemon restart.
//
// The test config's 1s schedule makes every scheduled pass a failed
// attempt, so the backoff reaches its cap after about six seconds instead
// of the 31 that the retry timer alone would take.
func TestFaultOutageLongerThanBackoffCap(t *testing.T) {
	t.Parallel()
	api := apiPort(t)
	e := newEnv(t)
	e.cfg.API = &corednstest.API{Listen: api}
	e.writeConfig()
	m := newDirModel(e)
	m.put("web-01.yaml", rec{"web-01.example.com", "A", "192.0.2.10"})
	m.put("web-02.yaml", rec{"web-02.example.com", "A", "192.0.2.20"}, rec{"web-02.example.com", "AAAA", "2001:db8::20"})
	m.put("web-03.yaml", rec{"web-03.example.com", "A", "192.0.2.30"})
	m.put("mail.yaml", rec{"mail.example.org", "A", "192.0.2.25"}, rec{"example.org", "MX", "10 mail.example.org."})
	m.put("www.yaml", rec{"www.example.org", "CNAME", "mail.example.org."})
	d := e.start()
	zones := []string{"example.com", "example.org"}
	for _, z := range zones {
		m.waitServed(z, 15*time.Second)
	}
	waitHealth(t, api, http.StatusOK)
	files := map[string][]byte{}
	for _, z := range zones {
		path := filepath.Join(e.zones, "db."+z)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("zone file of %s: %v", z, err)
		}
		files[path] = b
	}
	// unchanged fails the test if the daemon touched a zone file while
	// CoreDNS was down: it has nothing to compare with, so every record
	// served before the outage must stay where CoreDNS will load it again.
	unchanged := func() {
		t.Helper()
		for path, want := range files {
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("zone file %s during the outage: %v", path, err)
			}
			if string(got) != string(want) {
				t.Fatalf("zone file %s was rewritten during the outage; records served before it and now missing: %v",
					filepath.Base(path), missingRecords(t, path, want, got))
			}
		}
	}

	mark := len(d.out.String())
	e.dns.Stop()
	if kinds := waitHealth(t, api, http.StatusServiceUnavailable); !slices.Contains(kinds, "coredns_unreachable") {
		t.Errorf("503 reasons %v lack coredns_unreachable", kinds)
	}
	// Files added, changed (the AAAA dropped) and deleted, in both zones.
	m.put("web-04.yaml", rec{"web-04.example.com", "A", "192.0.2.40"})
	m.put("web-02.yaml", rec{"web-02.example.com", "A", "192.0.2.21"}, rec{"web-02.example.com", "A", "192.0.2.22"})
	m.del("web-03.yaml")
	m.del("www.yaml")
	m.put("mail.yaml", rec{"mail.example.org", "A", "192.0.2.26"}, rec{"example.org", "MX", "10 mail.example.org."})

	// The backoff climbs to its cap, then stays there: the retry after
	// that is still capped, and nothing new is logged above debug.
	atCap := waitRetries(t, d, mark, unchanged, func(rs []retry) bool {
		return slices.ContainsFunc(rs, func(r retry) bool { return r.in >= backoffCap*8/10 })
	})
	capped := slices.IndexFunc(atCap, func(r retry) bool { return r.in >= backoffCap*8/10 })
	capAttempt := atCap[capped].attempt
	capMark := strings.Index(d.out.String()[mark:], atCap[capped].line) + mark + len(atCap[capped].line)
	rs := waitRetries(t, d, mark, unchanged, func(rs []retry) bool { return rs[len(rs)-1].attempt >= capAttempt+2 })
	for _, r := range rs {
		if r.in > backoffCap {
			t.Errorf("attempt %d retries in %v, past the cap %v", r.attempt, r.in, backoffCap)
		}
		if r.attempt > capAttempt && r.in < backoffCap*8/10 {
			t.Errorf("attempt %d retries in %v: the backoff fell back below its cap %v during the outage", r.attempt, r.in, backoffCap)
		}
	}
	unchanged()
	outage := d.out.String()[mark:]
	if n := strings.Count(outage, "retrying with backoff"); n != 1 {
		t.Errorf("the outage start was logged %d times, want once:\n%s", n, outage)
	}
	if loud := loudLines(d.out.String()[capMark:]); len(loud) > 0 {
		t.Errorf("%d warnings or errors after the backoff reached its cap; the outage must not be logged per retry:\n%s",
			len(loud), strings.Join(loud, "\n"))
	}
	if kinds := waitHealth(t, api, http.StatusServiceUnavailable); !slices.Contains(kinds, "coredns_unreachable") {
		t.Errorf("503 reasons %v lack coredns_unreachable after %d attempts", kinds, capAttempt+2)
	}
	t.Logf("outage: backoff at its cap from attempt %d, %d attempts in all", capAttempt, rs[len(rs)-1].attempt)

	e.dns.Restart(t)
	for _, z := range zones {
		m.waitServed(z, 20*time.Second)
	}
	waitHealth(t, api, http.StatusOK)
	d.waitLog("msg=recovered")
	if n := strings.Count(d.out.String()[mark:], "msg=recovered"); n != 1 {
		t.Errorf("recovery logged %d times, want once", n)
	}
	select {
	case <-d.done:
		t.Fatalf("the daemon exited; it must ride out the outage:\n%s", d.out.String())
	default:
	}
}

// retry is one failed pass as the daemon logs it.
type retry struct {
	attempt int
	in      time.Duration
	line    string
}

var retryRe = regexp.MustCompile(`(?m)^.*msg="pass failed(?:; retrying with backoff| again)".*$`)
var attemptRe = regexp.MustCompile(` attempt=(\d+)`)
var retryInRe = regexp.MustCompile(` retry_in=(\S+)`)

// waitRetries polls the daemon's log after mark until done accepts its
// failed passes, calling during between polls, and returns them.
func waitRetries(t *testing.T, d *daemon, mark int, during func(), done func([]retry) bool) []retry {
	t.Helper()
	// The retry timer alone reaches the cap in 1+2+4+8+16 s; the schedule
	// gets there sooner, but this deadline holds without it.
	deadline := time.Now().Add(backoffCap + 30*time.Second)
	var rs []retry
	for time.Now().Before(deadline) {
		during()
		rs = rs[:0]
		for _, line := range retryRe.FindAllString(d.out.String()[mark:], -1) {
			r := retry{attempt: 1, line: line}
			if a := attemptRe.FindStringSubmatch(line); a != nil {
				r.attempt, _ = strconv.Atoi(a[1])
			}
			in := retryInRe.FindStringSubmatch(line)
			if in == nil {
				t.Fatalf("failed pass logged without retry_in: %s", line)
			}
			var err error
			if r.in, err = time.ParseDuration(in[1]); err != nil {
				t.Fatalf("retry_in in %q: %v", line, err)
			}
			rs = append(rs, r)
		}
		if len(rs) > 0 && done(rs) {
			return rs
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the daemon's retries never got there; saw %+v", rs)
	return nil
}

// loudLines returns the log lines above debug and info.
func loudLines(log string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
			out = append(out, l)
		}
	}
	return out
}

// missingRecords lists the records of zone file text before that are not
// in after (or why after cannot be read), for a failure message.
func missingRecords(t *testing.T, path string, before, after []byte) []string {
	t.Helper()
	parse := func(b []byte) (map[string]bool, error) {
		rrs := map[string]bool{}
		zp := dns.NewZoneParser(strings.NewReader(string(b)), "", path)
		for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
			if rr.Header().Rrtype != dns.TypeSOA {
				rrs[rrset.Canonical(rr).String()] = true
			}
		}
		return rrs, zp.Err()
	}
	was, err := parse(before)
	if err != nil {
		t.Fatalf("zone file %s before the outage: %v", path, err)
	}
	now, err := parse(after)
	if err != nil {
		return []string{"(the zone file does not parse: " + err.Error() + ")"}
	}
	var missing []string
	for rr := range was {
		if !now[rr] {
			missing = append(missing, rr)
		}
	}
	slices.Sort(missing)
	return missing
}

// TestFaultOverflowConverges: the daemon is stopped (SIGSTOP) while far
// more file changes happen than the kernel's inotify queue holds, so
// events are lost; after SIGCONT the zone converges exactly to records.d,
// creations, rewrites and deletions alike, without waiting for the
// schedule (an hour away).
func TestFaultOverflowConverges(t *testing.T) {
	t.Parallel()
	const n = 20000
	// Every file written by temp-then-rename queues at least three events
	// (create, moved from, moved to); the kernel merges only identical
	// consecutive ones.
	if limit := maxQueuedEvents(t); 3*n <= limit {
		t.Skipf("fs.inotify.max_queued_events is %d: %d files cannot overflow it", limit, n)
	}
	bigChurn.Lock()
	t.Cleanup(bigChurn.Unlock) // after the daemon's and CoreDNS's cleanups
	_, m, d := startChurnEnv(t)
	pid := d.cmd.Process.Pid
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGCONT) }) // runs before the daemon's stop
	mark := len(d.out.String())
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitProcState(t, pid, 'T')
	start := time.Now()
	churn(m, n)
	t.Logf("%d files written, then some rewritten and deleted, in %v", n, time.Since(start).Round(time.Millisecond))
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	m.waitServed("example.com", churnDeadline)
	t.Logf("converged %v after SIGCONT", time.Since(start).Round(time.Millisecond))
	// The kernel did drop events: the case under test happened. The
	// close-write watcher's own queue ("write events lost") does not count.
	// The overflow comes last in the kernel's queue, behind the events it
	// kept, which fsnotify hands over one by one: the zone may converge
	// (the close-write watcher's rescan) before it is read, so it is
	// waited for, not looked for at once.
	if strings.Contains(d.out.String()[:mark], watchEventsLost) {
		t.Fatalf("events were lost before the burst")
	}
	d.waitLog(watchEventsLost)
}

// TestFaultBurstConverges: 20,000 files arrive in one burst while the
// daemon runs, then some are rewritten and deleted; the zone converges
// exactly to records.d without waiting for the schedule.
func TestFaultBurstConverges(t *testing.T) {
	t.Parallel()
	const n = 20000
	bigChurn.Lock()
	t.Cleanup(bigChurn.Unlock) // after the daemon's and CoreDNS's cleanups
	_, m, d := startChurnEnv(t)
	mark := len(d.out.String())
	start := time.Now()
	churn(m, n)
	t.Logf("%d files written, then some rewritten and deleted, in %v", n, time.Since(start).Round(time.Millisecond))
	m.waitServed("example.com", churnDeadline)
	t.Logf("converged %v after the burst began (events lost on the way: %v)", time.Since(start).Round(time.Millisecond),
		strings.Contains(d.out.String()[mark:], watchEventsLost))
}

// watchEventsLost starts the line the daemon logs when fsnotify's queue
// overflowed.
const watchEventsLost = `msg="watch events lost;`

// bigChurn runs the 20,000-file tests one at a time, each with its daemon
// and CoreDNS: together they need more of two cores than churnDeadline
// allows for.
var bigChurn sync.Mutex

// churnBase is how many files are served before the churn starts.
const churnBase = 100

// churnDeadline bounds the wait for 20,000 files to be served exactly.
// Under -race on two cores it took 7 to 67 seconds, depending on what else
// the machine was running.
const churnDeadline = 90 * time.Second

// startChurnEnv starts a daemon whose schedule is an hour away, serving
// churnBase files.
func startChurnEnv(t *testing.T) (*env, *dirModel, *daemon) {
	t.Helper()
	e := newEnv(t)
	e.cfg.Verify.Schedule = "@every 1h"
	e.cfg.Log.Level = "info" // not a line per file read
	e.writeConfig()
	m := newDirModel(e)
	for i := range churnBase {
		m.put(fmt.Sprintf("base-%03d.yaml", i), rec{fmt.Sprintf("base-%03d.example.com", i), "A", fmt.Sprintf("192.0.2.%d", i)})
	}
	d := e.start()
	m.waitServed("example.com", 15*time.Second)
	d.waitLog("first pass done") // idle: its verification is over too
	return e, m, d
}

// churn writes n new files, then rewrites every tenth of them and a tenth
// of the base files, and deletes another tenth of each. Whatever part of
// this the daemon has applied when it sees the rest, the deletions and the
// rewrites stay near a tenth of what is served, so the safety thresholds
// (30%) hold no part of the plan back.
func churn(m *dirModel, n int) {
	name := func(i int) string { return fmt.Sprintf("h-%05d", i) }
	addr := func(i int) string { return fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&0xff, i&0xff) }
	for i := range n {
		m.put(name(i)+".yaml", rec{name(i) + ".example.com", "A", addr(i)})
	}
	for i := 0; i < n; i += 10 {
		m.del(name(i) + ".yaml")
		m.put(name(i+5)+".yaml", rec{name(i+5) + ".example.com", "A", addr(i + 5)}, rec{name(i+5) + ".example.com", "A", "198.51.100.5"})
	}
	for i := 0; i < churnBase/10; i++ {
		m.del(fmt.Sprintf("base-%03d.yaml", i))
		j := churnBase/10 + i
		m.put(fmt.Sprintf("base-%03d.yaml", j), rec{fmt.Sprintf("base-%03d.example.com", j), "A", fmt.Sprintf("198.51.100.%d", j)})
	}
}

// maxQueuedEvents reads how many events one inotify instance may queue.
func maxQueuedEvents(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/fs/inotify/max_queued_events")
	if err != nil {
		t.Fatal(err)
	}
	limit, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return limit
}

// waitProcState polls /proc until process pid is in state (e.g. 'T',
// stopped).
func waitProcState(t *testing.T, pid int, state byte) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		// pid (comm) state ...: comm may hold spaces and parentheses.
		if i := strings.LastIndexByte(string(b), ')'); i >= 0 && i+2 < len(b) {
			if got = string(b[i+2]); b[i+2] == state {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d is in state %q, want %q", pid, got, state)
}

// rec is one record of a record file: owner, type, value, TTL 300.
type rec struct{ name, typ, value string }

// dirModel is what records.d holds, kept by the test as it writes, so
// that the served zone can be compared with it record for record.
type dirModel struct {
	e     *env
	files map[string][]rec
}

func newDirModel(e *env) *dirModel { return &dirModel{e: e, files: map[string][]rec{}} }

// put writes a record file (temp file, then rename) and remembers it.
func (m *dirModel) put(file string, recs ...rec) {
	m.e.t.Helper()
	var b strings.Builder
	b.WriteString("records:\n")
	for _, r := range recs {
		fmt.Fprintf(&b, "  - name: %s\n    type: %s\n    value: %s\n", r.name, r.typ, r.value)
	}
	m.e.write(file, b.String())
	m.files[file] = recs
}

// del deletes a record file.
func (m *dirModel) del(file string) {
	m.e.t.Helper()
	m.e.remove(file)
	delete(m.files, file)
}

// want is the zone records.d describes, without what dnssync adds from
// config (SOA, apex NS, in-zone nameserver addresses).
func (m *dirModel) want(zone string) rrset.Zone {
	m.e.t.Helper()
	z := rrset.Zone{}
	for _, recs := range m.files {
		for _, r := range recs {
			if !dns.IsSubDomain(dns.Fqdn(zone), dns.Fqdn(r.name)) {
				continue
			}
			rr, err := dns.NewRR(fmt.Sprintf("%s 300 IN %s %s", dns.Fqdn(r.name), r.typ, r.value))
			if err != nil {
				m.e.t.Fatalf("test record %+v: %v", r, err)
			}
			z.Put(rr)
		}
	}
	return z
}

// waitServed polls full zone transfers from CoreDNS until the zone is
// exactly what records.d says, failing the test after within. A zone is
// transferred again only once its serial has changed: transfers of a large
// zone under the race detector would take the CPU the daemon needs.
func (m *dirModel) waitServed(zone string, within time.Duration) {
	m.e.t.Helper()
	want := m.want(zone)
	c := &observed.Client{Addr: m.e.dns.Addr, Timeout: 20 * time.Second}
	deadline := time.Now().Add(within)
	var (
		diffs    []string
		err      error
		compared uint32 // the serial last compared; 0 is never served
	)
	for time.Now().Before(deadline) {
		if serial, serr := soaSerial(m.e.dns.Addr, zone); serr == nil && serial == compared {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		var got *observed.Zone
		if got, err = c.Transfer(context.Background(), zone); err != nil {
			time.Sleep(250 * time.Millisecond)
			continue
		}
		if diffs = zoneDiff(zone, want, got.Sets); len(diffs) == 0 {
			return
		}
		compared = got.Serial
	}
	if len(diffs) > 10 {
		diffs = append(diffs[:10], fmt.Sprintf("... %d more", len(diffs)-10))
	}
	m.e.t.Fatalf("zone %s not served as records.d says within %v (last transfer error: %v); differences:\n%s",
		zone, within, err, strings.Join(diffs, "\n"))
}

// soaSerial asks addr for zone's SOA serial.
func soaSerial(addr, zone string) (uint32, error) {
	serial, rcode, err := soa(addr, zone)
	if err == nil && serial == 0 {
		err = fmt.Errorf("no SOA for %s: %s", zone, dns.RcodeToString[rcode])
	}
	return serial, err
}

// zoneDiff lists how got differs from want, leaving out what comes from
// config: the apex SOA and NS and the nameserver addresses (ns1.<zone>).
func zoneDiff(zone string, want, got rrset.Zone) []string {
	apex := dns.CanonicalName(zone)
	fromConfig := func(k rrset.Key) bool {
		return k.Name == apex && (k.Type == dns.TypeSOA || k.Type == dns.TypeNS) || k.Name == "ns1."+apex
	}
	var diffs []string
	for _, k := range want.Keys() {
		if !want[k].Equal(got[k]) {
			diffs = append(diffs, fmt.Sprintf("%s: want %v, served %v", k, want[k], got[k]))
		}
	}
	for _, k := range got.Keys() {
		if _, ok := want[k]; !ok && !fromConfig(k) {
			diffs = append(diffs, fmt.Sprintf("%s: served %v, not in records.d", k, got[k]))
		}
	}
	return diffs
}
