package apply

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

const fenceSeed = `$ORIGIN example.org.
@ 3600 IN SOA ns1.example.org. hostmaster.example.org. 7 3600 600 604800 300
@ 3600 IN NS ns1.example.org.
ns1 3600 IN A 192.0.2.53
`

// fencedPrimary starts an update primary of kind k for example.org and
// returns it with an rfc2136 backend writing it, at most maxRecords records
// (prerequisite included) an UPDATE.
func fencedPrimary(t *testing.T, k corednstest.Kind, maxRecords int) (*corednstest.Server, *RFC2136, corednstest.UpdateZone) {
	t.Helper()
	z := corednstest.UpdateZone{Zone: "example.org", Seed: fenceSeed, KeyName: updKey, Secret: updSecret, MaxUpdateRecords: maxRecords}
	srv := corednstest.StartUpdatePrimary(t, k, z)
	b := newRFC2136(t, srv.Addr)
	b.maxRecords = maxRecords
	return srv, b, z
}

func transfer(t *testing.T, addr string) *observed.Zone {
	t.Helper()
	c := &observed.Client{Addr: addr, Timeout: 5 * time.Second, TSIG: &observed.TSIG{Name: updKey, Algorithm: "hmac-sha256", Secret: updSecret}}
	z, err := c.Transfer(context.Background(), "example.org.")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func creates(t *testing.T, names ...string) diff.Plan {
	t.Helper()
	p := diff.Plan{Zone: "example.org."}
	for i, n := range names {
		p.Changes = append(p.Changes, create(setOf(t, fmt.Sprintf("%s.example.org. 300 IN A 192.0.2.%d", n, i+1))))
	}
	return p
}

// TestRFC2136FencedOnSOA: on each real primary, an UPDATE planned against
// a zone another writer changed since is refused whole (NXRRSET, read as
// ErrConcurrentWrite): the other writer's record stays, none of the stale
// plan's is applied or owned. Planned again from a fresh transfer, it
// applies; split into several messages, each fenced on the serial the one
// before produced, it applies whole.
func TestRFC2136FencedOnSOA(t *testing.T) {
	t.Parallel()
	for _, k := range []corednstest.Kind{corednstest.CoreDNS, corednstest.BIND, corednstest.Knot} {
		t.Run(k.String(), func(t *testing.T) {
			t.Parallel()
			srv, b, _ := fencedPrimary(t, k, 2) // one record and the prerequisite a message
			ctx := context.Background()
			stale := transfer(t, srv.Addr)

			// Another writer (another dnssync, with its own state) comes first.
			other := newRFC2136(t, srv.Addr)
			if _, err := other.Apply(ctx, transfer(t, srv.Addr), creates(t, "theirs")); err != nil {
				t.Fatalf("the other writer: %v", err)
			}
			p := creates(t, "a", "b", "c")
			_, err := b.Apply(ctx, stale, p)
			if !errors.Is(err, ErrConcurrentWrite) {
				t.Fatalf("stale plan applied: err %v, want ErrConcurrentWrite", err)
			}
			fresh := transfer(t, srv.Addr)
			if fresh.Sets[rkey("theirs.example.org.", dns.TypeA)] == nil {
				t.Error("the other writer's record is gone")
			}
			for _, c := range p.Changes {
				if fresh.Sets[c.Key] != nil {
					t.Errorf("%v served from a stale plan", c.Key)
				}
				if b.owned.Has(p.Zone, c.Key) {
					t.Errorf("%v owned after a refused plan", c.Key)
				}
			}

			// Planned again: three messages, each fenced on the last one's serial.
			if _, err := b.Apply(ctx, fresh, p); err != nil {
				t.Fatalf("plan from a fresh transfer: %v", err)
			}
			now := transfer(t, srv.Addr)
			for _, key := range []rrset.Key{rkey("theirs.example.org.", dns.TypeA), rkey("a.example.org.", dns.TypeA), rkey("b.example.org.", dns.TypeA), rkey("c.example.org.", dns.TypeA)} {
				if now.Sets[key] == nil {
					t.Errorf("%v not served", key)
				}
			}
			if want := fresh.Serial + 3; now.Serial != want {
				t.Errorf("serial %d after three UPDATEs from %d, want %d", now.Serial, fresh.Serial, want)
			}
		})
	}
}

// TestRFC2136FencePrerequisites: the messages of a split plan carry the SOA
// as planned, then bumped once per message sent; NXRRSET on the second
// stops the apply with ErrConcurrentWrite and owns nothing.
func TestRFC2136FencePrerequisites(t *testing.T) {
	t.Parallel()
	srv := startUpdateServer(t, map[string]string{updKey: updSecret}, dns.RcodeSuccess, dns.RcodeNXRrset)
	b := newRFC2136(t, srv.addr)
	b.maxRecords = 2
	soa := mustRR(t, "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300")
	served := &observed.Zone{Name: updZone, Serial: 0xffffffff, Sets: zoneOf(soa)}
	p := diff.Plan{Zone: updZone}
	for i := range 3 {
		p.Changes = append(p.Changes, create(setOf(t, fmt.Sprintf("h%d.example.com. 300 IN A 192.0.2.%d", i, i+1))))
	}
	_, err := b.Apply(context.Background(), served, p)
	if !errors.Is(err, ErrConcurrentWrite) {
		t.Fatalf("err %v, want ErrConcurrentWrite", err)
	}
	var reqs []request // the UPDATEs: after an NXRRSET the served SOA is asked too (rfc2136_fencecheck.go)
	for _, r := range srv.requests() {
		if r.msg.Opcode == dns.OpcodeUpdate {
			reqs = append(reqs, r)
		}
	}
	if len(reqs) != 2 {
		t.Fatalf("%d messages sent, want 2 (the second refused)", len(reqs))
	}
	// The serial wraps past 2^32-1 to 1, never 0 (RFC 2136 7.11).
	for i, want := range []uint32{0xffffffff, 1} {
		m := reqs[i].msg
		if len(m.Answer) != 1 {
			t.Fatalf("message %d: prerequisites %v, want the SOA", i, m.Answer)
		}
		pre, ok := m.Answer[0].(*dns.SOA)
		if !ok || pre.Serial != want || pre.Hdr.Ttl != 0 || pre.Hdr.Class != dns.ClassINET || pre.Ns != "ns1.example.com." {
			t.Errorf("message %d: prerequisite %v, want the SOA with serial %d, TTL 0, class IN", i, m.Answer[0], want)
		}
		if len(m.Ns) != 1 {
			t.Errorf("message %d: %d updates, want 1 (the prerequisite counts against max_records)", i, len(m.Ns))
		}
	}
	checkNothingOwned(t, b, p)
}
