package reconcile

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/dnssec"
	"github.com/dnssync/dnssync/internal/verify"
)

// rollSetup is a zone signed with one CSK in a temporary key store, served
// by the fake primary and one secondary, with the DNSSEC check set up.
type rollSetup struct {
	h   *harness
	rb  *rollBackend
	ks  *dnssec.KeyStore
	sec *fakeSerial
	now time.Time
}

func newRollSetup(t *testing.T, ttl string) *rollSetup {
	t.Helper()
	h := newHarness()
	h.backend.server = h.server
	ks := &dnssec.KeyStore{Dir: t.TempDir()}
	p := dnssec.DefaultPolicy()
	p.RollMargin = time.Minute
	p.ParentDSTTL = 10 * time.Minute
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if _, err := ks.Ensure(zoneA, p, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	rb := &rollBackend{floorBackend: &floorBackend{fakeBackend: h.backend}, sg: &apply.Signing{Policy: p, Keys: ks}}
	h.r.Backend = rb
	h.r.DNSSEC = &DNSSECCheck{}
	h.server.serve(zoneA, 10, zoneOf(t,
		"example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 10 3600 600 604800 300",
		"www.example.com. "+ttl+" IN A 192.0.2.1"))
	sec := &fakeSerial{serial: 10}
	h.r.Replication.Secondaries = []Secondary{{Name: "ns2", Zones: []string{zoneA}, Server: sec}}
	return &rollSetup{h: h, rb: rb, ks: ks, sec: sec, now: now}
}

// validated is a check in which zoneA validated at the primary.
func validated() *verify.Report {
	return &verify.Report{DNSSEC: []verify.ZoneSignature{{Zone: zoneA, Server: "127.0.0.1:53", Name: "primary", Role: verify.RolePrimary}}}
}

// pass runs the roll part of a scheduled pass whose DNSSEC check is rep,
// at at, and returns the roll as saved.
func (s *rollSetup) pass(t *testing.T, rep *verify.Report, at time.Time) *dnssec.Roll {
	t.Helper()
	return s.passWith(t, ZoneResult{Zone: zoneA}, rep, at)
}

func (s *rollSetup) passWith(t *testing.T, zr ZoneResult, rep *verify.Report, at time.Time) *dnssec.Roll {
	t.Helper()
	res := Result{Zones: []ZoneResult{zr}, Check: rep}
	s.h.r.rollKeysAt(t.Context(), Options{Apply: true, Check: true}, &res, at)
	_, roll, err := s.ks.LoadRoll(zoneA)
	if err != nil {
		t.Fatal(err)
	}
	return roll
}

func (s *rollSetup) request(t *testing.T, action dnssec.RequestAction, at time.Time) {
	t.Helper()
	if err := s.ks.WriteRequest(zoneA, dnssec.RollRequest{Action: action, Kind: dnssec.CSK, Requested: at}); err != nil {
		t.Fatal(err)
	}
}

// toDue starts a CSK roll and takes it to the point where its step from
// stage is due (at the returned roll's NextAfter).
func (s *rollSetup) toDue(t *testing.T, stage dnssec.Stage) *dnssec.Roll {
	t.Helper()
	s.request(t, dnssec.RequestStart, s.now)
	s.h.backend.serial = 11
	roll := s.pass(t, validated(), s.now)
	for {
		s.sec.serial = roll.Serial
		at := roll.StageAt.Add(time.Minute)
		roll = s.pass(t, validated(), at)
		if roll.Served.IsZero() {
			t.Fatalf("stage %s not seen served: %+v", roll.Stage, roll)
		}
		if roll.WaitsForDS() && roll.DSPublished.IsZero() {
			s.request(t, dnssec.RequestDSPublished, at)
			roll = s.pass(t, validated(), at)
		}
		if roll.Stage == stage {
			return roll
		}
		s.h.backend.serial++
		roll = s.pass(t, validated(), roll.NextAfter)
	}
}

// M1 (c): no step while the zone's DNSSEC check in the same pass failed,
// or did not run; the roll's state says why.
func TestRollWaitsForTheDNSSECCheck(t *testing.T) {
	t.Parallel()
	s := newRollSetup(t, "600")
	roll := s.toDue(t, dnssec.StagePublish)
	due := roll.NextAfter
	failed := &verify.Report{DNSSEC: []verify.ZoneSignature{
		{Zone: zoneA, Server: "127.0.0.1:53", Name: "primary"},
		{Zone: zoneA, Server: "127.0.0.2:53", Name: "ns2", Err: "RRSIG of www.example.com./A: bogus"},
	}}
	for _, tc := range []struct {
		name string
		rep  *verify.Report
		want string
	}{
		{"failed", failed, "DNSSEC check failed at ns2"},
		{"not run", nil, "did not run"},
		{"zone not checked", &verify.Report{}, "was not validated"},
	} {
		got := s.pass(t, tc.rep, due)
		if got.Stage != dnssec.StagePublish {
			t.Fatalf("%s: the step was taken: %+v", tc.name, got)
		}
		if !strings.Contains(got.Waiting, tc.want) || !strings.Contains(got.WaitingFor(zoneA, dnssec.Policy{}, due), tc.want) {
			t.Errorf("%s: waiting %q, want it to say %q", tc.name, got.Waiting, tc.want)
		}
	}
	s.h.backend.serial = 20
	if got := s.pass(t, validated(), due); got.Stage != dnssec.StageSwap || got.Waiting != "" {
		t.Errorf("validated again, the step was not taken: %+v", got)
	}
}

// S6: every secondary must still serve the stage when the step is taken,
// not only when the stage was first seen served.
func TestRollRechecksSecondariesAtTheStep(t *testing.T) {
	t.Parallel()
	s := newRollSetup(t, "600")
	roll := s.toDue(t, dnssec.StagePublish)
	s.sec.serial = roll.Serial - 1 // restored from an old copy, say
	got := s.pass(t, validated(), roll.NextAfter)
	if got.Stage != dnssec.StagePublish || !strings.Contains(got.Waiting, "no longer served") {
		t.Fatalf("a secondary fell back, and the roll: %+v", got)
	}
	s.sec.serial = roll.Serial
	s.h.backend.serial = 20
	if got := s.pass(t, validated(), roll.NextAfter); got.Stage != dnssec.StageSwap {
		t.Errorf("the secondary serves the stage again, and the step was not taken: %+v", got)
	}
}

// S1: a TTL lowered after the roll started does not shorten the wait:
// caches hold what was served with the larger one.
func TestRollWaitsOnTTLsServedBefore(t *testing.T) {
	t.Parallel()
	s := newRollSetup(t, "3600")
	s.request(t, dnssec.RequestStart, s.now)
	s.h.backend.serial = 11
	s.pass(t, validated(), s.now)
	s.h.server.serve(zoneA, 11, zoneOf(t,
		"example.com. 60 IN SOA ns1.example.com. hostmaster.example.com. 11 3600 600 604800 60",
		"www.example.com. 60 IN A 192.0.2.1"))
	s.sec.serial = 11
	seen := s.now.Add(time.Hour)
	roll := s.pass(t, validated(), seen)
	if want := seen.Add(3600*time.Second + time.Minute); !roll.NextAfter.Equal(want) {
		t.Errorf("next step after %s, want %s: the TTL served when the roll started is 3600s", roll.NextAfter, want)
	}
}

// N3: the roll of a held zone says it is held, not that the next pass
// takes the next step.
func TestRollOfAHeldZoneSaysSo(t *testing.T) {
	t.Parallel()
	s := newRollSetup(t, "600")
	roll := s.toDue(t, dnssec.StagePublish)
	s.h.r.holding = map[string]*diff.Hold{zoneA: {}}
	got := s.pass(t, validated(), roll.NextAfter)
	if got.Stage != dnssec.StagePublish {
		t.Fatalf("a held zone's roll took a step: %+v", got)
	}
	if w := got.WaitingFor(zoneA, dnssec.Policy{}, roll.NextAfter); !strings.Contains(w, "held") {
		t.Errorf("status of a held zone's roll says %q", w)
	}
	s.h.r.holding = nil
	// Refused in this pass: held as well.
	if got := s.pass(t, nil, roll.NextAfter); strings.Contains(got.Waiting, "held") {
		t.Fatalf("released, and still held: %+v", got)
	}
	refused := s.passWith(t, ZoneResult{Zone: zoneA, Refusal: errors.New("would delete 80% of the zone")}, validated(), roll.NextAfter)
	if refused.Stage != dnssec.StagePublish || !strings.Contains(refused.Waiting, "held") {
		t.Fatalf("a zone whose changes were refused in the pass, and its roll: %+v", refused)
	}
	s.h.backend.serial = 20
	if got := s.pass(t, validated(), roll.NextAfter); got.Stage != dnssec.StageSwap || got.Waiting != "" {
		t.Errorf("released, the roll: %+v", got)
	}
}

// M1 (a): the old key is never removed while a configured trust anchor
// names it.
func TestRollKeepsAKeyTheTrustAnchorNames(t *testing.T) {
	t.Parallel()
	s := newRollSetup(t, "600")
	roll := s.toDue(t, dnssec.StageSwap)
	keys, _, err := s.ks.LoadRoll(zoneA)
	if err != nil {
		t.Fatal(err)
	}
	oldKey, newKey := keyOf(keys, roll.Old), keyOf(keys, roll.New)
	for _, anchor := range []config.TrustAnchor{
		{DS: []*dns.DS{oldKey.DNSKEY.ToDS(dns.SHA256)}},
		{DS: []*dns.DS{newKey.DNSKEY.ToDS(dns.SHA256), oldKey.DNSKEY.ToDS(dns.SHA384)}},
		{Keys: []*dns.DNSKEY{oldKey.DNSKEY}},
	} {
		s.h.r.TrustAnchors = TrustAnchors{File: "/etc/dnssync/anchors", Zones: map[string]config.TrustAnchor{zoneA: anchor}}
		got := s.pass(t, validated(), roll.NextAfter)
		want := "the trust anchor in /etc/dnssync/anchors still names key " + tagText(roll.Old)
		if got.Stage != dnssec.StageSwap || !strings.Contains(got.Waiting, want) {
			t.Fatalf("an anchor names the old key, and the roll: %+v", got)
		}
	}
	s.h.r.TrustAnchors.Zones[zoneA] = config.TrustAnchor{DS: []*dns.DS{newKey.DNSKEY.ToDS(dns.SHA256)}}
	s.h.backend.serial = 30
	if got := s.pass(t, validated(), roll.NextAfter); got.Stage != dnssec.StageRemove {
		t.Errorf("the anchor names the new key only, and the roll: %+v", got)
	}
}

// M1 (b): with a parent resolver, the old key stays until it serves the
// new key's DS, and the wait covers the DS TTL it serves.
func TestRollAsksTheParentForTheDS(t *testing.T) {
	t.Parallel()
	s := newRollSetup(t, "600")
	parent := newParentServer(t)
	s.rb.sg.Policy.ParentResolver = parent.addr
	roll := s.toDue(t, dnssec.StageSwap)
	keys, _, err := s.ks.LoadRoll(zoneA)
	if err != nil {
		t.Fatal(err)
	}
	oldKey, newKey := keyOf(keys, roll.Old), keyOf(keys, roll.New)
	old := oldKey.DNSKEY.ToDS(dns.SHA256)
	old.Hdr.Ttl = 300
	parent.set(old)
	got := s.pass(t, validated(), roll.NextAfter)
	if got.Stage != dnssec.StageSwap || !strings.Contains(got.Waiting, "serves no DS for key "+tagText(roll.New)) || !strings.Contains(got.Waiting, "DS for key "+tagText(roll.Old)) {
		t.Fatalf("the parent serves the old DS only, and the roll: %+v", got)
	}
	nw := newKey.DNSKEY.ToDS(dns.SHA256)
	nw.Hdr.Ttl = 7200 // above parent_ds_ttl (10m)
	parent.set(nw)
	got = s.pass(t, validated(), roll.NextAfter)
	if got.Stage != dnssec.StageSwap || got.DSTTL != 7200 {
		t.Fatalf("the parent's DS TTL 7200s was not waited for: %+v", got)
	}
	if want := got.DSPublished.Add(7200*time.Second + time.Minute); !got.NextAfter.Equal(want) {
		t.Errorf("next step after %s, want %s", got.NextAfter, want)
	}
	s.h.backend.serial = 30
	if got := s.pass(t, validated(), got.NextAfter); got.Stage != dnssec.StageRemove {
		t.Errorf("the parent serves the new DS, its TTL has passed, and the roll: %+v", got)
	}
}

func tagText(n uint16) string { return strconv.Itoa(int(n)) }

// parentServer is a resolver on loopback answering the DS of zoneA.
type parentServer struct {
	addr string
	mu   sync.Mutex
	ds   *dns.DS
}

func newParentServer(t *testing.T) *parentServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &parentServer{addr: pc.LocalAddr().String()}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		p.mu.Lock()
		if p.ds != nil && q.Question[0].Qtype == dns.TypeDS && q.RecursionDesired && q.IsEdns0() != nil && q.IsEdns0().Do() {
			m.Answer = append(m.Answer, dns.Copy(p.ds))
		}
		p.mu.Unlock()
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return p
}

func (p *parentServer) set(ds *dns.DS) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ds = ds
}

// M1 (c): a roll is not started while the zone's DNSSEC check fails: the
// request waits, and is taken once the zone validates.
func TestRollStartWaitsForTheDNSSECCheck(t *testing.T) {
	t.Parallel()
	s := newRollSetup(t, "600")
	s.request(t, dnssec.RequestStart, s.now)
	s.h.backend.serial = 11
	failed := &verify.Report{DNSSEC: []verify.ZoneSignature{{Zone: zoneA, Server: "127.0.0.1:53", Name: "primary", Err: "bogus"}}}
	if roll := s.pass(t, failed, s.now); roll != nil {
		t.Fatalf("a roll was started on a zone that does not validate: %+v", roll)
	}
	if req, err := s.ks.Request(zoneA); err != nil || req == nil {
		t.Fatalf("the request was dropped: %v, %v", req, err)
	}
	if roll := s.pass(t, validated(), s.now); roll == nil || roll.Stage != dnssec.StagePublish {
		t.Fatalf("validated, the roll did not start: %+v", roll)
	}
}

// A cancel at publish drops the incoming key at once: not while a trust
// anchor names it (an operator who put the new DS in the anchors early),
// since every validator holding that anchor would then fail the zone. The
// cancel is refused and the roll goes on; one at swap runs back and keeps
// the key until the roll's own (anchor-guarded) removal.
func TestRollCancelKeepsAKeyTheTrustAnchorNames(t *testing.T) {
	t.Parallel()
	s := newRollSetup(t, "600")
	s.request(t, dnssec.RequestStart, s.now)
	s.h.backend.serial = 11
	roll := s.pass(t, validated(), s.now)
	if roll == nil || roll.Stage != dnssec.StagePublish {
		t.Fatalf("roll %+v, want stage publish", roll)
	}
	keys, _, err := s.ks.LoadRoll(zoneA)
	if err != nil {
		t.Fatal(err)
	}
	newKey := keyOf(keys, roll.New)
	s.h.r.TrustAnchors = TrustAnchors{File: "/etc/dnssync/anchors", Zones: map[string]config.TrustAnchor{zoneA: {DS: []*dns.DS{newKey.DNSKEY.ToDS(dns.SHA256)}}}}
	s.request(t, dnssec.RequestCancel, s.now.Add(time.Minute))
	got := s.pass(t, validated(), s.now.Add(time.Minute))
	if got == nil || got.New != roll.New || got.Stage != dnssec.StagePublish {
		t.Fatalf("a cancel at publish with an anchor naming the incoming key %d: roll %+v, want the roll kept", roll.New, got)
	}
	if keys, _, _ := s.ks.LoadRoll(zoneA); keyOf(keys, roll.New) == nil {
		t.Fatal("the incoming key was dropped though an anchor names it")
	}
}
