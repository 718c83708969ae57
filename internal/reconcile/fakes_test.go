package reconcile

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// The fakes below stand in for the package's small interfaces. Each is safe
// for concurrent use, because Run drives them from its own goroutine while
// the test reads what they recorded.
var (
	_ Store         = (*fakeStore)(nil)
	_ Transferer    = (*fakeServer)(nil)
	_ apply.Backend = (*fakeBackend)(nil)
	_ Verifier      = (*fakeVerifier)(nil)
	_ Checker       = (*fakeChecker)(nil)
)

const (
	zoneA = "example.com."
	zoneB = "example.net."
	zoneC = "example.org."
)

// zoneOf builds a zone from records in zone-file syntax.
func zoneOf(t testing.TB, lines ...string) rrset.Zone {
	t.Helper()
	z := rrset.Zone{}
	for _, l := range lines {
		z.Put(mustRR(t, l))
	}
	return z
}

func mustRR(t testing.TB, line string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(line)
	if err != nil || rr == nil {
		t.Fatalf("parse %q: %v", line, err)
	}
	return rr
}

func mustRRs(t testing.TB, lines ...string) []dns.RR {
	t.Helper()
	out := make([]dns.RR, len(lines))
	for i, l := range lines {
		out[i] = mustRR(t, l)
	}
	return out
}

// baseOf is what a zone file backend keeps in zone itself: SOA, apex NS and
// the in-zone nameserver's address.
func baseOf(zone string) []string {
	return []string{
		zone + " 3600 IN SOA ns1." + zone + " hostmaster." + zone + " 0 3600 600 604800 300",
		zone + " 3600 IN NS ns1." + zone,
		"ns1." + zone + " 3600 IN A 127.0.0.1",
	}
}

// stateOf returns a desired state with every zone present (as the Store
// promises), one record file counted and nothing held.
func stateOf(zones map[string]rrset.Zone, managed ...string) *desired.State {
	st := &desired.State{
		Zones: map[string]rrset.Sets{},
		Held:  map[string]map[string]desired.Conflict{},
		Files: 1,
	}
	for _, z := range managed {
		st.Zones[z] = rrset.Zone{}
		st.Held[z] = map[string]desired.Conflict{}
	}
	for z, sets := range zones {
		st.Zones[z] = sets
	}
	return st
}

// summary renders a plan's changes as "action name type" lines.
func summary(p diff.Plan) []string {
	out := []string{}
	for _, c := range p.Changes {
		out = append(out, fmt.Sprintf("%s %s %s", c.Action, c.Key.Name, dns.TypeToString[c.Key.Type]))
	}
	return out
}

func keyStrings(keys []rrset.Key) []string {
	out := []string{}
	for _, k := range keys {
		out = append(out, k.String())
	}
	return out
}

// lockProbe checks, at every fake entry point a pass reaches, that the
// Reconciler's lock is held: passes are serialised by it, so a pass that
// reaches a fake without it could run beside another.
type lockProbe struct {
	mu       *sync.Mutex
	unlocked atomic.Int32 // calls made without the lock held
}

func (p *lockProbe) check() {
	if p == nil {
		return
	}
	if p.mu.TryLock() { // free: whoever called is not inside a locked pass
		p.mu.Unlock()
		p.unlocked.Add(1)
	}
}

// fakeStore returns a *desired.State the test builds. Like the real Store,
// State has no side effect; each setState is a new generation, and
// ChangedSince answers from what each generation changed.
type fakeStore struct {
	mu      sync.Mutex
	state   *desired.State
	scanErr error
	// reload maps a changed path to the zones it touches.
	reload  map[string][]string
	scans   int
	reloads [][]string
	// changed holds, per generation (index gen-1), zone -> names changed.
	changed  []map[string]map[string]bool
	accepted int // AcceptEmpty calls
}

func (s *fakeStore) AcceptEmpty() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accepted++
}

func (s *fakeStore) Scan() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scans++
	if s.scanErr != nil {
		return nil, s.scanErr
	}
	return slices.Sorted(maps.Keys(s.state.Zones)), nil
}

func (s *fakeStore) Reload(paths []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reloads = append(s.reloads, slices.Clone(paths))
	var zones []string
	for _, p := range paths {
		for _, z := range s.reload[p] {
			if !slices.Contains(zones, z) {
				zones = append(zones, z)
			}
		}
	}
	return zones
}

func (s *fakeStore) State() *desired.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

func (s *fakeStore) ChangedSince(zone string, gen uint64) (map[string]bool, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen > uint64(len(s.changed)) {
		return nil, false
	}
	names := map[string]bool{}
	for _, c := range s.changed[gen:] {
		maps.Copy(names, c[zone])
	}
	return names, true
}

// setState makes st the next generation. The names whose sets or holds
// differ from the previous state are the changed ones, as a real Store
// would report after such a change.
func (s *fakeStore) setState(st *desired.State) {
	changed := map[string]map[string]bool{}
	mark := func(z, name string) {
		if changed[z] == nil {
			changed[z] = map[string]bool{}
		}
		changed[z][name] = true
	}
	s.mu.Lock()
	old := s.state
	s.mu.Unlock()
	if old == nil {
		old = &desired.State{}
	}
	if st != nil {
		for _, pair := range [][2]*desired.State{{old, st}, {st, old}} {
			from, to := pair[0], pair[1]
			for z, sets := range from.Zones {
				for k, set := range sets.All() {
					if o := to.Zone(z).Get(k); o == nil || !o.Equal(set) {
						mark(z, k.Name)
					}
				}
			}
			for z, held := range from.Held {
				for name, c := range held {
					if o, ok := to.Held[z][name]; !ok || o != c {
						mark(z, name)
					}
				}
			}
		}
	}
	s.setStateChanged(st, changed)
}

// setStateChanged makes st the next generation, with these names changed.
func (s *fakeStore) setStateChanged(st *desired.State, changed map[string]map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changed = append(s.changed, changed)
	if st != nil {
		st.Generation = uint64(len(s.changed))
	}
	s.state = st
}

func (s *fakeStore) counts() (scans int, reloads [][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scans, slices.Clone(s.reloads)
}

// fakeServer serves in-memory zones by "transfer". A zone it does not hold
// is not served: transfers are answered REFUSED, and so is its SOA query.
type fakeServer struct {
	mu    sync.Mutex
	zones map[string]*observed.Zone
	// fail holds, per zone, errors returned by the next transfers, in order;
	// once used up, transfers succeed.
	fail map[string][]error
	// refuse: zones served but never transferred (REFUSED).
	refuse map[string]bool
	// probes holds, per zone, the next SOA answers, in order; once used up,
	// the answer says whether the zone is held. probeErr fails them all.
	probes   map[string][]observed.SOAAnswer
	probeErr error
	probed   []time.Time // when each SOA query came
	// block, when set, makes every transfer wait for ctx to end.
	block bool
	// gate, when set, makes every transfer wait until it is closed (or ctx ends).
	gate  chan struct{}
	calls []string
	probe *lockProbe
}

func newServer() *fakeServer {
	return &fakeServer{zones: map[string]*observed.Zone{}, fail: map[string][]error{}, refuse: map[string]bool{}, probes: map[string][]observed.SOAAnswer{}}
}

func (s *fakeServer) serve(zone string, serial uint32, sets rrset.Zone) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.zones[zone] = &observed.Zone{Name: zone, Serial: serial, Sets: sets}
}

func (s *fakeServer) failNext(zone string, errs ...error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[zone] = append(s.fail[zone], errs...)
}

func (s *fakeServer) Transfer(ctx context.Context, zone string) (*observed.Zone, error) {
	s.probe.check()
	s.mu.Lock()
	s.calls = append(s.calls, zone)
	block, gate := s.block, s.gate
	var err error
	if errs := s.fail[zone]; len(errs) > 0 {
		err, s.fail[zone] = errs[0], errs[1:]
	}
	z, ok := s.zones[zone]
	refused := s.refuse[zone]
	var out *observed.Zone
	if ok {
		// A copy: the reconciler must not reach into what the server holds.
		out = &observed.Zone{Name: z.Name, Serial: z.Serial, Sets: maps.Clone(z.Sets)}
	}
	s.mu.Unlock()

	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, fmt.Errorf("axfr %s: %w", zone, ctx.Err())
		}
	}
	if block {
		<-ctx.Done()
		return nil, fmt.Errorf("axfr %s: %w", zone, ctx.Err())
	}
	if err != nil {
		return nil, fmt.Errorf("axfr %s: %w", zone, err)
	}
	if !ok || refused {
		return nil, fmt.Errorf("axfr %s: %w", zone, &observed.RcodeError{Rcode: dns.RcodeRefused})
	}
	return out, nil
}

var (
	answerServed    = observed.SOAAnswer{Rcode: dns.RcodeSuccess, Authoritative: true, SOA: true}
	answerNotServed = observed.SOAAnswer{Rcode: dns.RcodeRefused}
)

func (s *fakeServer) Probe(ctx context.Context, zone string) (observed.SOAAnswer, error) {
	s.probe.check()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.probed = append(s.probed, time.Now())
	if s.probeErr != nil {
		return observed.SOAAnswer{}, fmt.Errorf("soa %s: %w", zone, s.probeErr)
	}
	if next := s.probes[zone]; len(next) > 0 {
		a := next[0]
		s.probes[zone] = next[1:]
		return a, nil
	}
	if _, ok := s.zones[zone]; ok {
		return answerServed, nil
	}
	return answerNotServed, nil
}

func (s *fakeServer) probeTimes() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.probed)
}

func (s *fakeServer) transfers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// fakeBackend records the plans it is given and can fail.
type fakeBackend struct {
	mu      sync.Mutex
	base    map[string][]dns.RR
	managed map[string]func(rrset.Key) bool
	err     error
	serial  uint32 // returned in apply.Result
	onApply func() // called first in every Apply
	// server, when set, is made to serve served+plan, as a real backend would.
	server *fakeServer
	probe  *lockProbe
	plans  []diff.Plan
	served []*observed.Zone
}

func (b *fakeBackend) Base(zone string) []dns.RR {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.base[zone]
}

func (b *fakeBackend) Managed(zone string) func(rrset.Key) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.managed[zone]
}

func (b *fakeBackend) Apply(ctx context.Context, served *observed.Zone, p diff.Plan) (apply.Result, error) {
	b.probe.check()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.onApply != nil {
		b.onApply()
	}
	b.plans = append(b.plans, p)
	// A copy: the reconciler may change served after Apply, as its contract allows.
	b.served = append(b.served, &observed.Zone{Name: served.Name, Serial: served.Serial, Sets: maps.Clone(served.Sets)})
	if b.err != nil {
		return apply.Result{}, b.err
	}
	if b.server != nil {
		b.server.serve(p.Zone, b.serial, p.Apply(served.Sets))
	}
	return apply.Result{Serial: b.serial}, nil
}

func (b *fakeBackend) applied() []diff.Plan {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.plans)
}

// fakeVerifier answers serials from a script and records what it was asked
// to wait for.
type fakeVerifier struct {
	mu sync.Mutex
	// serials are answered in order; the last one repeats. None: an error.
	serials    []uint32
	mismatches []verify.Result
	// log is the order of calls: "serial N" for each answer, "wait".
	log       []string
	waits     []map[rrset.Key]*rrset.Set
	deadlines []time.Duration // time left on the ctx given to Wait; MaxInt64: none
}

func (v *fakeVerifier) Serial(ctx context.Context, zone string) (uint32, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.serials) == 0 {
		v.log = append(v.log, "serial error")
		return 0, fmt.Errorf("soa %s: no answer", zone)
	}
	s := v.serials[0]
	if len(v.serials) > 1 {
		v.serials = v.serials[1:]
	}
	v.log = append(v.log, fmt.Sprintf("serial %d", s))
	return s, nil
}

func (v *fakeVerifier) Wait(ctx context.Context, want map[rrset.Key]*rrset.Set, interval time.Duration) verify.Report {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.log = append(v.log, "wait")
	v.waits = append(v.waits, maps.Clone(want))
	left := time.Duration(math.MaxInt64) // no deadline
	if d, ok := ctx.Deadline(); ok {
		left = time.Until(d)
	}
	v.deadlines = append(v.deadlines, left)
	return verify.Report{Servers: []string{"fake"}, Checked: len(want), Results: slices.Clone(v.mismatches)}
}

func (v *fakeVerifier) calls() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.log)
}

// fakeChecker returns a set report and records what it was asked to check,
// with the change times the reconciler gave for each key at that moment.
type fakeChecker struct {
	mu        sync.Mutex
	report    verify.Report
	wants     []map[rrset.Key]*rrset.Set
	changedAt []map[rrset.Key]time.Time
}

func (c *fakeChecker) CheckAll(ctx context.Context, want map[rrset.Key]*rrset.Set, history verify.History, progress func()) verify.Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	at := map[rrset.Key]time.Time{}
	for k := range want {
		at[k] = history(k).At
	}
	c.wants = append(c.wants, maps.Clone(want))
	c.changedAt = append(c.changedAt, at)
	return c.report
}

func (c *fakeChecker) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.wants)
}

// fakeSchedule fires every period from the time asked.
type fakeSchedule struct{ period time.Duration }

func (s fakeSchedule) Next(t time.Time) time.Time { return t.Add(s.period) }

// logBuffer collects log lines for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// harness is a Reconciler wired to fakes, with one zone (zoneA) managed.
type harness struct {
	r        *Reconciler
	store    *fakeStore
	server   *fakeServer
	backend  *fakeBackend
	verifier *fakeVerifier
}

func newHarness(zones ...string) *harness {
	if len(zones) == 0 {
		zones = []string{zoneA}
	}
	h := &harness{
		store:    &fakeStore{state: stateOf(nil, zones...)},
		server:   newServer(),
		backend:  &fakeBackend{},
		verifier: &fakeVerifier{},
	}
	h.r = &Reconciler{
		Zones:         zones,
		Store:         h.store,
		Observed:      h.server,
		Backend:       h.backend,
		Verifier:      h.verifier,
		Safety:        diff.Safety{MaxDeletePercent: 30, MaxUpdatePercent: 30, MinRecords: 10},
		VerifyTimeout: 2 * time.Second,
		Log:           discardLog(),
		recheck:       time.Millisecond,
	}
	return h
}
