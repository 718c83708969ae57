package apply

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

const (
	updZone   = "example.com."
	updKey    = "dnssync-key."
	updSecret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg==" // 32 bytes
	// otherSecret is what a server configured with another key holds.
	otherSecret = "b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItMzI="
)

// op describes one record of an UPDATE's update section: "delete NAME TYPE"
// for an RRset deletion (class ANY, RFC 2136 2.5.2), "add RR" otherwise.
func op(rr dns.RR) string {
	h := rr.Header()
	if h.Class == dns.ClassANY {
		return fmt.Sprintf("delete %s %s", h.Name, dns.TypeToString[h.Rrtype])
	}
	return "add " + strings.Join(strings.Fields(rr.String()), " ")
}

func ops(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, op(rr))
	}
	return out
}

func setOf(t testing.TB, rrs ...string) *rrset.Set {
	t.Helper()
	var parsed []dns.RR
	for _, s := range rrs {
		parsed = append(parsed, mustRR(t, s))
	}
	return rrset.New(parsed...)
}

func create(s *rrset.Set) diff.Change {
	return diff.Change{Action: diff.Create, Key: s.Key, New: s}
}

func checkZoneSection(t *testing.T, msgs []*dns.Msg, zone string) {
	t.Helper()
	for i, m := range msgs {
		if m.Opcode != dns.OpcodeUpdate {
			t.Errorf("message %d: opcode %s, want UPDATE", i, dns.OpcodeToString[m.Opcode])
		}
		want := []dns.Question{{Name: zone, Qtype: dns.TypeSOA, Qclass: dns.ClassINET}}
		if !slices.Equal(m.Question, want) {
			t.Errorf("message %d: zone section %v, want %v", i, m.Question, want)
		}
		if len(m.Answer) != 0 {
			t.Errorf("message %d: prerequisites %v, want none", i, m.Answer)
		}
	}
}

func TestBuildUpdatesOneMessage(t *testing.T) {
	www := setOf(t, "www.example.com. 300 IN A 192.0.2.1", "www.example.com. 300 IN A 192.0.2.2")
	txt := setOf(t, `www.example.com. 300 IN TXT "hello"`)
	mx := setOf(t, "example.com. 3600 IN MX 10 mail.example.com.")
	p := diff.Plan{Zone: updZone, Changes: []diff.Change{create(www), create(txt), create(mx)}}
	for _, max := range []int{0, 4, 1024} {
		msgs := BuildUpdates(p, max)
		if len(msgs) != 1 {
			t.Fatalf("maxRecords %d: %d messages, want 1", max, len(msgs))
		}
		want := []string{
			"add www.example.com. 300 IN A 192.0.2.1",
			"add www.example.com. 300 IN A 192.0.2.2",
			`add www.example.com. 300 IN TXT "hello"`,
			"add example.com. 3600 IN MX 10 mail.example.com.",
		}
		if got := ops(msgs[0].Ns); !slices.Equal(got, want) {
			t.Errorf("maxRecords %d: update section\n%s\nwant\n%s", max, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		checkZoneSection(t, msgs, updZone)
	}
}

func TestBuildUpdatesEmpty(t *testing.T) {
	for _, p := range []diff.Plan{
		{Zone: updZone},
		{Zone: updZone, Adopt: []rrset.Key{rkey("www.example.com.", dns.TypeA)}},
		{Zone: updZone, Foreign: []rrset.Key{rkey("www.example.com.", dns.TypeA)}},
	} {
		if msgs := BuildUpdates(p, 1024); len(msgs) != 0 {
			t.Errorf("plan %+v: %d messages, want none", p, len(msgs))
		}
	}
}

// TestBuildUpdatesTypeChange: a name that changes from CNAME to A does so in
// one message, the CNAME deleted before the A is added (a server refuses or
// skips data beside a CNAME). The plan comes from diff.Compute, as in a pass.
func TestBuildUpdatesTypeChange(t *testing.T) {
	observedZone := zoneOf(
		mustRR(t, "alias.example.com. 300 IN CNAME www.example.com."),
		mustRR(t, "www.example.com. 300 IN A 192.0.2.1"),
	)
	desiredZone := zoneOf(
		mustRR(t, "alias.example.com. 300 IN A 192.0.2.7"),
		mustRR(t, "www.example.com. 300 IN A 192.0.2.1"),
	)
	p := diff.Compute(diff.Input{Zone: updZone, Desired: desiredZone, Observed: observedZone})
	msgs := BuildUpdates(p, 1024)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	want := []string{
		"delete alias.example.com. CNAME",
		"add alias.example.com. 300 IN A 192.0.2.7",
	}
	if got := ops(msgs[0].Ns); !slices.Equal(got, want) {
		t.Fatalf("update section\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	checkZoneSection(t, msgs, updZone)

	// On the wire the deletion is class ANY, TTL 0, no RDATA.
	b, err := msgs[0].Pack()
	if err != nil {
		t.Fatal(err)
	}
	var m dns.Msg
	if err := m.Unpack(b); err != nil {
		t.Fatal(err)
	}
	if got := ops(m.Ns); !slices.Equal(got, want) {
		t.Fatalf("unpacked update section %v, want %v", got, want)
	}
	if h := m.Ns[0].Header(); h.Class != dns.ClassANY || h.Ttl != 0 || h.Rdlength != 0 || h.Rrtype != dns.TypeCNAME {
		t.Errorf("deletion on the wire: %+v, want class ANY, type CNAME, TTL 0, RDLENGTH 0", *h)
	}
}

// TestBuildUpdatesUpdate: an update deletes the old RRset whole and adds
// every new record, so a TTL change and a value change are one step.
func TestBuildUpdatesUpdate(t *testing.T) {
	p := diff.Plan{Zone: updZone, Changes: []diff.Change{
		{
			Action: diff.Update,
			Key:    rkey("www.example.com.", dns.TypeA),
			Old:    setOf(t, "www.example.com. 300 IN A 192.0.2.1", "www.example.com. 300 IN A 192.0.2.2"),
			New:    setOf(t, "www.example.com. 600 IN A 192.0.2.2", "www.example.com. 600 IN A 192.0.2.3"),
		},
		{
			Action: diff.Update,
			Key:    rkey("ttl.example.com.", dns.TypeAAAA),
			Old:    setOf(t, "ttl.example.com. 300 IN AAAA 2001:db8::1"),
			New:    setOf(t, "ttl.example.com. 60 IN AAAA 2001:db8::1"),
		},
		{
			Action: diff.Delete,
			Key:    rkey("gone.example.com.", dns.TypeTXT),
			Old:    setOf(t, `gone.example.com. 300 IN TXT "a"`, `gone.example.com. 300 IN TXT "b"`),
		},
	}}
	msgs := BuildUpdates(p, 0)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	want := []string{
		"delete www.example.com. A",
		"add www.example.com. 600 IN A 192.0.2.2",
		"add www.example.com. 600 IN A 192.0.2.3",
		"delete ttl.example.com. AAAA",
		"add ttl.example.com. 60 IN AAAA 2001:db8::1",
		"delete gone.example.com. TXT",
	}
	if got := ops(msgs[0].Ns); !slices.Equal(got, want) {
		t.Errorf("update section\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// planOps is every op of the plan in order, and which RRset each belongs to.
func planOps(p diff.Plan) (all []string, owner map[string]rrset.Key) {
	owner = map[string]rrset.Key{}
	for _, m := range BuildUpdates(p, 0) {
		for _, rr := range m.Ns {
			all = append(all, op(rr))
			owner[op(rr)] = rrset.KeyOf(rr)
		}
	}
	return all, owner
}

func TestBuildUpdatesSplitByRecords(t *testing.T) {
	var changes []diff.Change
	sizes := []int{3, 1, 2, 5, 1, 1, 4, 3} // 5 is over the limit: it goes alone
	for i, n := range sizes {
		var rrs []string
		for j := range n {
			rrs = append(rrs, fmt.Sprintf("h%d.example.com. 300 IN A 192.0.2.%d", i, j+1))
		}
		c := create(setOf(t, rrs...))
		if i%3 == 2 { // some updates: delete + adds travel together
			c.Action = diff.Update
			c.Old = setOf(t, fmt.Sprintf("h%d.example.com. 300 IN A 198.51.100.1", i))
		}
		changes = append(changes, c)
	}
	changes = append(changes, diff.Change{Action: diff.Delete, Key: rkey("old.example.com.", dns.TypeA),
		Old: setOf(t, "old.example.com. 300 IN A 192.0.2.99")})
	p := diff.Plan{Zone: updZone, Changes: changes}
	all, owner := planOps(p)

	for _, max := range []int{1, 2, 4, 6, 100} {
		t.Run(fmt.Sprint("max ", max), func(t *testing.T) {
			msgs := BuildUpdates(p, max)
			checkZoneSection(t, msgs, updZone)
			var got []string
			seen := map[rrset.Key]int{} // RRset -> message index
			for i, m := range msgs {
				if len(m.Ns) == 0 {
					t.Errorf("message %d is empty", i)
				}
				keys := map[rrset.Key]bool{}
				for _, rr := range m.Ns {
					k := owner[op(rr)]
					keys[k] = true
					if j, ok := seen[k]; ok && j != i {
						t.Errorf("RRset %v split across messages %d and %d", k, j, i)
					}
					seen[k] = i
					got = append(got, op(rr))
				}
				if len(m.Ns) > max && len(keys) > 1 {
					t.Errorf("message %d: %d records from %d RRsets, over the limit of %d", i, len(m.Ns), len(keys), max)
				}
			}
			// Nothing lost, nothing reordered: deletes still precede adds.
			if !slices.Equal(got, all) {
				t.Errorf("ops across messages\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(all, "\n"))
			}
			if max >= len(all) && len(msgs) != 1 {
				t.Errorf("%d messages for %d records under a limit of %d, want 1", len(msgs), len(all), max)
			}
		})
	}
}

// signedLen packs m as send does, TSIG included.
func signedLen(t *testing.T, m *dns.Msg, key, alg, secret string) int {
	t.Helper()
	m = m.Copy()
	m.SetTsig(key, alg, 300, time.Now().Unix())
	b, _, err := dns.TsigGenerate(m, secret, "", false)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

func TestBuildUpdatesSplitBySize(t *testing.T) {
	// A long key name and the longest MAC make the TSIG as big as it gets.
	longKey := strings.Repeat(strings.Repeat("k", 63)+".", 3) + "key."
	tests := []struct {
		name    string
		changes func() []diff.Change
	}{
		{
			name: "5000 A RRsets",
			changes: func() []diff.Change {
				var cs []diff.Change
				for i := range 5000 {
					cs = append(cs, create(setOf(t, fmt.Sprintf("host-%04d.example.com. 300 IN A 10.0.%d.%d", i, i>>8, i&0xff))))
				}
				return cs
			},
		},
		{
			name: "long names, updates and TXT",
			changes: func() []diff.Change {
				var cs []diff.Change
				label := strings.Repeat("a", 60)
				for i := range 600 {
					name := fmt.Sprintf("%s.%s.%s.n%04d.example.com.", label, label, label, i)
					c := create(setOf(t,
						fmt.Sprintf(`%s 300 IN TXT "%s" "%s"`, name, strings.Repeat("x", 255), strings.Repeat("y", 200)),
						fmt.Sprintf(`%s 300 IN TXT "v=%d"`, name, i)))
					if i%2 == 0 {
						c.Action = diff.Update
						c.Old = setOf(t, fmt.Sprintf(`%s 300 IN TXT "old"`, name))
					}
					cs = append(cs, c)
				}
				return cs
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := diff.Plan{Zone: updZone, Changes: tt.changes()}
			all, _ := planOps(p)
			msgs := BuildUpdates(p, 0)
			if len(msgs) < 2 {
				t.Fatalf("%d messages: the plan does not fit in one, it must be split", len(msgs))
			}
			checkZoneSection(t, msgs, updZone)
			var got []string
			total := 0
			for i, m := range msgs {
				n := signedLen(t, m, longKey, dns.HmacSHA512, updSecret)
				if n > dns.MaxMsgSize {
					t.Errorf("message %d: %d bytes signed, over %d", i, n, dns.MaxMsgSize)
				}
				total += n
				got = append(got, ops(m.Ns)...)
			}
			if !slices.Equal(got, all) {
				t.Errorf("split lost or reordered records: %d ops, want %d", len(got), len(all))
			}
			// Split only when needed: not many more messages than the bytes call for.
			if limit := total/maxUpdateBytes + 2; len(msgs) > limit {
				t.Errorf("%d messages for %d bytes, want at most %d", len(msgs), total, limit)
			}
		})
	}
}

// updateServer is a DNS UPDATE primary for tests: it checks TSIG as a real
// server does, records each request and answers with the next of rcodes
// (NOERROR once they run out).
type updateServer struct {
	addr string
	// signAnyway answers with a signed NOERROR even when the request's TSIG
	// does not verify: a server that holds another secret for the key.
	signAnyway bool

	mu     sync.Mutex
	rcodes []int
	got    []request
}

type request struct {
	msg     *dns.Msg
	network string
	tsigErr error
}

func startUpdateServer(t *testing.T, secrets map[string]string, rcodes ...int) *updateServer {
	t.Helper()
	s := &updateServer{rcodes: rcodes}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	started := make(chan struct{})
	srv := &dns.Server{
		Listener:          l,
		Handler:           s,
		TsigSecret:        secrets,
		NotifyStartedFunc: func() { close(started) },
		// miekg/dns answers NOTIMP to anything but QUERY and NOTIFY by default.
		MsgAcceptFunc: func(dns.Header) dns.MsgAcceptAction { return dns.MsgAccept },
	}
	done := make(chan error, 1)
	go func() { done <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("update server: %v", err)
	}
	t.Cleanup(func() {
		srv.Shutdown()
		<-done
	})
	return s
}

func (s *updateServer) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	s.mu.Lock()
	s.got = append(s.got, request{msg: r.Copy(), network: w.RemoteAddr().Network(), tsigErr: w.TsigStatus()})
	rcode := dns.RcodeSuccess
	if len(s.rcodes) > 0 {
		rcode, s.rcodes = s.rcodes[0], s.rcodes[1:]
	}
	s.mu.Unlock()

	m := new(dns.Msg)
	m.SetReply(r)
	t := r.IsTsig()
	switch {
	case t == nil:
		m.Rcode = dns.RcodeRefused // unsigned updates are not allowed here
	case w.TsigStatus() != nil && !s.signAnyway:
		// RFC 8945 5.2: NOTAUTH with an unsigned TSIG carrying the error.
		m.Rcode = dns.RcodeNotAuth
		m.SetTsig(t.Hdr.Name, t.Algorithm, t.Fudge, time.Now().Unix())
		m.IsTsig().Error = dns.RcodeBadSig
		if errors.Is(w.TsigStatus(), dns.ErrSecret) {
			m.IsTsig().Error = dns.RcodeBadKey
		}
	default:
		m.Rcode = rcode
		m.SetTsig(t.Hdr.Name, t.Algorithm, t.Fudge, time.Now().Unix())
	}
	w.WriteMsg(m)
}

func (s *updateServer) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

func newRFC2136(t *testing.T, server string) *RFC2136 {
	t.Helper()
	o, _ := loadOwned(t, filepath.Join(t.TempDir(), "state", "owned.json"))
	b, err := NewRFC2136(RFC2136Options{
		Server:     server,
		TSIG:       observed.TSIG{Name: "dnssync-key", Algorithm: "hmac-sha256", Secret: updSecret},
		MaxRecords: 1024,
		Timeout:    5 * time.Second,
		Owned:      o,
		Log:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sharedZone is a zone on a primary that people and dnssync both write to.
// dnssync owns www A, alias CNAME and old TXT.
func sharedZone(t *testing.T, b *RFC2136) (desired, served rrset.Zone) {
	t.Helper()
	err := b.owned.Update(updZone, []rrset.Key{
		rkey("www.example.com.", dns.TypeA),
		rkey("alias.example.com.", dns.TypeCNAME),
		rkey("old.example.com.", dns.TypeTXT),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	served = zoneOf(
		mustRR(t, "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 7 3600 600 604800 300"),
		mustRR(t, "example.com. 3600 IN NS ns1.example.com."),
		mustRR(t, "www.example.com. 300 IN A 192.0.2.1"),
		mustRR(t, "alias.example.com. 300 IN CNAME www.example.com."),
		mustRR(t, `old.example.com. 300 IN TXT "bye"`),
		mustRR(t, "api.example.com. 300 IN A 192.0.2.5"),      // served as desired, not owned: adopted
		mustRR(t, "printer.example.com. 300 IN A 192.0.2.9"),  // someone else's, differs: foreign
		mustRR(t, "dhcp-17.example.com. 300 IN A 192.0.2.17"), // someone else's, not desired: kept
	)
	desired = zoneOf(
		mustRR(t, "www.example.com. 600 IN A 192.0.2.2"),
		mustRR(t, "www.example.com. 600 IN A 192.0.2.3"),
		mustRR(t, "alias.example.com. 300 IN A 192.0.2.7"),
		mustRR(t, "api.example.com. 300 IN A 192.0.2.5"),
		mustRR(t, "new.example.com. 300 IN AAAA 2001:db8::1"),
		mustRR(t, "printer.example.com. 300 IN A 192.0.2.10"),
	)
	return desired, served
}

func TestRFC2136Apply(t *testing.T) {
	srv := startUpdateServer(t, map[string]string{updKey: updSecret})
	b := newRFC2136(t, srv.addr)
	desired, served := sharedZone(t, b)
	p := diff.Compute(diff.Input{Zone: updZone, Desired: desired, Observed: served, Managed: b.Managed(updZone)})
	if !slices.Equal(p.Adopt, []rrset.Key{rkey("api.example.com.", dns.TypeA)}) ||
		!slices.Equal(p.Foreign, []rrset.Key{rkey("printer.example.com.", dns.TypeA)}) {
		t.Fatalf("plan: adopt %v, foreign %v", p.Adopt, p.Foreign)
	}

	if _, err := b.Apply(context.Background(), &observed.Zone{}, p); err != nil {
		t.Fatal(err)
	}

	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("server got %d messages, want one UPDATE", len(reqs))
	}
	r := reqs[0]
	if r.network != "tcp" {
		t.Errorf("sent over %s, want tcp", r.network)
	}
	if r.tsigErr != nil {
		t.Errorf("server's TSIG check: %v", r.tsigErr)
	}
	ts := r.msg.IsTsig()
	if ts == nil {
		t.Fatal("UPDATE not signed")
	}
	if ts.Hdr.Name != updKey || ts.Algorithm != dns.HmacSHA256 {
		t.Errorf("signed with key %s, algorithm %s; want %s, %s", ts.Hdr.Name, ts.Algorithm, updKey, dns.HmacSHA256)
	}
	checkZoneSection(t, []*dns.Msg{r.msg}, updZone)
	want := []string{
		"delete alias.example.com. CNAME",
		"delete old.example.com. TXT",
		"add alias.example.com. 300 IN A 192.0.2.7",
		"add new.example.com. 300 IN AAAA 2001:db8::1",
		"delete www.example.com. A",
		"add www.example.com. 600 IN A 192.0.2.2",
		"add www.example.com. 600 IN A 192.0.2.3",
	}
	if got := ops(r.msg.Ns); !slices.Equal(got, want) {
		t.Errorf("update section\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Ownership: created, updated and adopted sets are dnssync's, deleted
	// ones no longer; other people's records never become dnssync's.
	ownership := map[rrset.Key]bool{
		rkey("www.example.com.", dns.TypeA):       true,
		rkey("alias.example.com.", dns.TypeA):     true,
		rkey("new.example.com.", dns.TypeAAAA):    true,
		rkey("api.example.com.", dns.TypeA):       true,
		rkey("alias.example.com.", dns.TypeCNAME): false,
		rkey("old.example.com.", dns.TypeTXT):     false,
		rkey("printer.example.com.", dns.TypeA):   false,
		rkey("dhcp-17.example.com.", dns.TypeA):   false,
		rkey("example.com.", dns.TypeSOA):         false,
		rkey("example.com.", dns.TypeNS):          false,
	}
	reloaded, found := loadOwned(t, b.owned.path)
	if !found {
		t.Fatal("ownership not persisted")
	}
	for k, want := range ownership {
		if got := b.owned.Has(updZone, k); got != want {
			t.Errorf("Has(%v) = %v, want %v", k, got, want)
		}
		if got := reloaded.Has(updZone, k); got != want {
			t.Errorf("after reload, Has(%v) = %v, want %v", k, got, want)
		}
	}

	// The next pass, against what the server now serves, has nothing to
	// send: no perpetual diff, no message.
	next := diff.Compute(diff.Input{Zone: updZone, Desired: desired, Observed: p.Apply(served), Managed: b.Managed(updZone)})
	if !next.Empty() || len(next.Adopt) != 0 {
		t.Fatalf("second plan: changes %v, adopt %v", next.Changes, next.Adopt)
	}
	if _, err := b.Apply(context.Background(), &observed.Zone{}, next); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("an empty plan sent %d more messages", n-1)
	}
}

func TestRFC2136AdoptOnly(t *testing.T) {
	srv := startUpdateServer(t, map[string]string{updKey: updSecret})
	b := newRFC2136(t, srv.addr)
	api := rkey("api.example.com.", dns.TypeA)
	p := diff.Plan{Zone: updZone, Adopt: []rrset.Key{api}}
	if _, err := b.Apply(context.Background(), &observed.Zone{}, p); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("adoption sent %d messages, want none", n)
	}
	if !b.owned.Has(updZone, api) {
		t.Error("adopted set not owned")
	}
	if reloaded, _ := loadOwned(t, b.owned.path); !reloaded.Has(updZone, api) {
		t.Error("adoption not persisted")
	}
}

func TestRFC2136ApplySplit(t *testing.T) {
	srv := startUpdateServer(t, map[string]string{updKey: updSecret})
	b := newRFC2136(t, srv.addr)
	b.maxRecords = 2
	var p diff.Plan
	p.Zone = updZone
	for i := range 5 {
		p.Changes = append(p.Changes, create(setOf(t, fmt.Sprintf("h%d.example.com. 300 IN A 192.0.2.%d", i, i+1))))
	}
	if _, err := b.Apply(context.Background(), &observed.Zone{}, p); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 3 {
		t.Fatalf("server got %d messages, want 3 (5 records, 2 a message)", len(reqs))
	}
	for i, r := range reqs {
		// Each message carries its own signature.
		if r.msg.IsTsig() == nil || r.tsigErr != nil {
			t.Errorf("message %d: TSIG %v, server's check %v", i, r.msg.IsTsig(), r.tsigErr)
		}
	}
	for i := range 5 {
		if k := rkey(fmt.Sprintf("h%d.example.com.", i), dns.TypeA); !b.owned.Has(updZone, k) {
			t.Errorf("%v not owned", k)
		}
	}
}

// TestRFC2136KeyNameCase: key names are DNS names; a tsig_key written in
// capitals is the same key to the server.
func TestRFC2136KeyNameCase(t *testing.T) {
	srv := startUpdateServer(t, map[string]string{updKey: updSecret})
	b := newRFC2136(t, srv.addr)
	b.tsig.Name = "DNSSync-Key"
	b.tsig.Algorithm = "HMAC-SHA256"
	p := diff.Plan{Zone: updZone, Changes: []diff.Change{create(setOf(t, "www.example.com. 300 IN A 192.0.2.1"))}}
	if _, err := b.Apply(context.Background(), &observed.Zone{}, p); err != nil {
		t.Fatal(err)
	}
}

func TestRFC2136ApplyErrors(t *testing.T) {
	tests := []struct {
		name       string
		secrets    map[string]string
		signAnyway bool
		rcodes     []int
		want       []string
		is         error // the sentinel the error matches, if any
	}{
		{
			name:    "refused",
			secrets: map[string]string{updKey: updSecret},
			rcodes:  []int{dns.RcodeRefused},
			want:    []string{"REFUSED", "allow", "update-policy", updKey},
			is:      ErrUpdateRefused,
		},
		{
			name:    "not authoritative",
			secrets: map[string]string{updKey: updSecret},
			rcodes:  []int{dns.RcodeNotAuth},
			want:    []string{"NOTAUTH", "primary", updKey},
			is:      ErrUpdateRefused,
		},
		{
			name:    "server failure",
			secrets: map[string]string{updKey: updSecret},
			rcodes:  []int{dns.RcodeServerFailure},
			want:    []string{"SERVFAIL", "check"},
		},
		{
			name:    "second of two messages refused",
			secrets: map[string]string{updKey: updSecret},
			rcodes:  []int{dns.RcodeSuccess, dns.RcodeRefused},
			want:    []string{"REFUSED"},
			is:      ErrUpdateRefused,
		},
		{
			name:    "server holds another secret: BADSIG",
			secrets: map[string]string{updKey: otherSecret},
			want:    []string{"tsig_secret_file", updKey},
			is:      observed.ErrTSIGRefused,
		},
		{
			name:    "server does not know the key: BADKEY",
			secrets: map[string]string{"other-key.": updSecret},
			want:    []string{"tsig_secret_file", updKey},
			is:      observed.ErrTSIGRefused,
		},
		{
			name:       "answer signed with another secret",
			secrets:    map[string]string{updKey: otherSecret},
			signAnyway: true,
			want:       []string{"tsig_secret_file", updKey},
			is:         observed.ErrTSIGRefused,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startUpdateServer(t, tt.secrets, tt.rcodes...)
			srv.signAnyway = tt.signAnyway
			b := newRFC2136(t, srv.addr)
			b.maxRecords = 1
			p := diff.Plan{Zone: updZone, Changes: []diff.Change{
				create(setOf(t, "a.example.com. 300 IN A 192.0.2.1")),
				create(setOf(t, "b.example.com. 300 IN A 192.0.2.2")),
			}, Adopt: []rrset.Key{rkey("api.example.com.", dns.TypeA)}}
			_, err := b.Apply(context.Background(), &observed.Zone{}, p)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			for _, w := range append([]string{updZone, srv.addr}, tt.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q does not match %v", err, tt.is)
			}
			if tt.is == nil && (errors.Is(err, ErrUpdateRefused) || errors.Is(err, observed.ErrTSIGRefused)) {
				t.Errorf("error %q reads as refused", err)
			}
			if len(srv.requests()) == 0 {
				t.Error("nothing reached the server")
			}
			checkNothingOwned(t, b, p)
		})
	}
}

// checkNothingOwned: a failed apply records no ownership, in memory or on disk.
func checkNothingOwned(t *testing.T, b *RFC2136, p diff.Plan) {
	t.Helper()
	keys := slices.Clone(p.Adopt)
	for _, c := range p.Changes {
		keys = append(keys, c.Key)
	}
	for _, k := range keys {
		if b.owned.Has(p.Zone, k) {
			t.Errorf("%v owned after a failed apply", k)
		}
	}
	if _, err := os.Stat(b.owned.path); !os.IsNotExist(err) {
		t.Errorf("state file written after a failed apply (stat: %v)", err)
	}
}

func TestRFC2136Unreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	b := newRFC2136(t, addr)
	b.timeout = 2 * time.Second
	p := diff.Plan{Zone: updZone, Changes: []diff.Change{create(setOf(t, "a.example.com. 300 IN A 192.0.2.1"))},
		Adopt: []rrset.Key{rkey("api.example.com.", dns.TypeA)}}
	_, err = b.Apply(context.Background(), &observed.Zone{}, p)
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{updZone, addr} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	checkNothingOwned(t, b, p)
}

func TestRFC2136Cancelled(t *testing.T) {
	// A server that accepts and never answers: the context ends the wait.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
	})
	b := newRFC2136(t, l.Addr().String())
	b.timeout = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	p := diff.Plan{Zone: updZone, Changes: []diff.Change{create(setOf(t, "a.example.com. 300 IN A 192.0.2.1"))}}
	start := time.Now()
	if _, err := b.Apply(ctx, &observed.Zone{}, p); err == nil {
		t.Fatal("no error")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Apply took %v after the context ended", d)
	}
	checkNothingOwned(t, b, p)
}

func TestRcodeError(t *testing.T) {
	const server = "192.0.2.53:53"
	reply := func(rcode int, tsigErr uint16) *dns.Msg {
		m := new(dns.Msg)
		m.SetUpdate(updZone)
		m.Response = true
		m.Rcode = rcode
		if tsigErr != 0 {
			m.SetTsig(updKey, dns.HmacSHA256, 300, 0)
			m.IsTsig().Error = tsigErr
		}
		return m
	}
	tests := []struct {
		name string
		resp *dns.Msg
		want []string // nil: no error
		is   error    // the sentinel the error matches, if any
	}{
		{name: "success", resp: reply(dns.RcodeSuccess, 0)},
		{name: "signed success", resp: func() *dns.Msg {
			m := reply(dns.RcodeSuccess, 0)
			m.SetTsig(updKey, dns.HmacSHA256, 300, 0)
			return m
		}()},
		{name: "refused", resp: reply(dns.RcodeRefused, 0),
			want: []string{"REFUSED", "key " + updKey, "`allow " + updKey + " * *`", "update-policy", "allow-update", "max_update_records"}, is: ErrUpdateRefused},
		{name: "not authoritative", resp: reply(dns.RcodeNotAuth, 0),
			want: []string{"NOTAUTH", "not primary", updKey, "zone name", "server address"}, is: ErrUpdateRefused},
		{name: "not zone", resp: reply(dns.RcodeNotZone, 0), want: []string{"NOTZONE", "zone name"}, is: ErrUpdateRefused},
		{name: "server failure", resp: reply(dns.RcodeServerFailure, 0), want: []string{"SERVFAIL", "check"}},
		{name: "not implemented", resp: reply(dns.RcodeNotImplemented, 0), want: []string{"NOTIMP", "dynupdate"}},
		{name: "format error", resp: reply(dns.RcodeFormatError, 0), want: []string{"FORMERR"}},
		{name: "TSIG BADTIME", resp: reply(dns.RcodeNotAuth, dns.RcodeBadTime),
			want: []string{"TSIG BADTIME", updKey, "tsig_secret_file", "clocks"}, is: observed.ErrTSIGRefused},
		{name: "TSIG BADSIG", resp: reply(dns.RcodeNotAuth, dns.RcodeBadSig), want: []string{"TSIG BADSIG", "tsig_secret_file"}, is: observed.ErrTSIGRefused},
		{name: "TSIG BADKEY", resp: reply(dns.RcodeNotAuth, dns.RcodeBadKey), want: []string{"TSIG BADKEY", "tsig_key"}, is: observed.ErrTSIGRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := rcodeError(updZone, server, updKey, tt.resp)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append([]string{"update " + updZone + " at " + server}, tt.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q does not match %v", err, tt.is)
			}
			if tt.is != ErrUpdateRefused && errors.Is(err, ErrUpdateRefused) {
				t.Errorf("error %q reads as a refused update", err)
			}
		})
	}
}

func TestReadTSIGSecret(t *testing.T) {
	tests := []struct {
		name    string
		content string // "" with missing: no file
		missing bool
		mode    os.FileMode
		want    string
		wantErr []string
	}{
		{name: "base64 with a trailing newline", content: updSecret + "\n", mode: 0o600, want: updSecret},
		{name: "group readable", content: updSecret, mode: 0o640, want: updSecret},
		{name: "surrounding blanks", content: "  " + updSecret + " \r\n\n", mode: 0o400, want: updSecret},
		{name: "world readable", content: updSecret + "\n", mode: 0o644, wantErr: []string{"readable by every user", "0644", "chmod 600"}},
		{name: "world readable only", content: updSecret + "\n", mode: 0o604, wantErr: []string{"chmod 600"}},
		{name: "not base64", content: "hunter2!\n", mode: 0o600, wantErr: []string{"base64", "tsig-keygen"}},
		{name: "a BIND key file", content: `key "dnssync-key" { algorithm hmac-sha256; secret "` + updSecret + `"; };` + "\n", mode: 0o600, wantErr: []string{"base64"}},
		{name: "empty", content: "\n", mode: 0o600, wantErr: []string{"base64"}},
		{name: "missing", missing: true, wantErr: []string{"tsig_secret_file", "no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tsig.key")
			if !tt.missing {
				if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.mode); err != nil { // not subject to the umask
					t.Fatal(err)
				}
			}
			got, err := ReadTSIGSecret(path)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Errorf("secret %q, want %q", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("secret %q, want an error", got)
			}
			if got != "" {
				t.Errorf("secret %q returned beside the error", got)
			}
			for _, w := range append([]string{path}, tt.wantErr...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), updSecret) {
				t.Errorf("error %q leaks the secret", err)
			}
		})
	}
}

// The daemon's view of what it owns follows another process's save at the
// start of each pass (Managed), not only at its own next save: a set
// `dnssync apply --force` created and records.d then dropped is deleted.
// A state file gone bad meanwhile is logged, without its content, and the
// copy in memory stays.
func TestRFC2136ManagedCatchesUp(t *testing.T) {
	t.Parallel()
	b := newRFC2136(t, "127.0.0.1:1") // never contacted
	var logs strings.Builder
	var mu sync.Mutex
	b.log = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	x, y := rkey("x.example.com.", dns.TypeA), rkey("y.example.com.", dns.TypeA)
	if err := b.owned.Update(updZone, []rrset.Key{y}, nil); err != nil {
		t.Fatal(err)
	}
	cli, _ := loadOwned(t, b.owned.path)
	if err := cli.Update(updZone, []rrset.Key{x}, nil); err != nil {
		t.Fatal(err)
	}
	if !b.Managed(updZone)(x) {
		t.Errorf("Managed(%s)(%v) = false after another process created and recorded it", updZone, x)
	}
	const secret = "s3cr3t-token"
	if err := os.WriteFile(b.owned.path, []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	managed := b.Managed(updZone)
	if !managed(x) || !managed(y) {
		t.Error("a corrupt state file dropped what this process knew it owns")
	}
	mu.Lock()
	got := logs.String()
	mu.Unlock()
	if !strings.Contains(got, "ownership state") || !strings.Contains(got, b.owned.path) {
		t.Errorf("the corrupt state file is not logged: %q", got)
	}
	if strings.Contains(got, secret) {
		t.Errorf("the log quotes the state file: %q", got)
	}
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
