package apply

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// TestRFC2136FencedOnServerResign: a zone BIND signs under a dnssec-policy
// moves on by itself: BIND re-signs it and bumps the serial with no UPDATE
// sent (here every second or so). A plan made before such a re-sign is
// refused whole as a concurrent write (ErrConcurrentWrite, what the
// reconciler plans again on), never as a failure of the server; planned
// again from a fresh transfer it applies, and BIND signs what it added.
// The signer's records in the transfer are never dnssync's.
func TestRFC2136FencedOnServerResign(t *testing.T) {
	t.Parallel()
	z := corednstest.UpdateZone{Zone: "example.org", Seed: fenceSeed, KeyName: updKey, Secret: updSecret}
	srv := corednstest.StartSignedPrimary(t, corednstest.BIND, z, corednstest.SignPolicy{Resign: time.Second})
	b := newRFC2136(t, srv.Addr)
	ctx := context.Background()

	stale := transfer(t, srv.Addr)
	for _, typ := range []uint16{dns.TypeDNSKEY, dns.TypeRRSIG, dns.TypeNSEC, 65534} {
		k := rkey("example.org.", typ)
		if stale.Sets[k] == nil {
			t.Errorf("the transfer of the signed zone has no %v", k)
		}
		if b.Managed("example.org.")(k) {
			t.Errorf("%v is dnssync's", k)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for transfer(t, srv.Addr).Serial == stale.Serial {
		if time.Now().After(deadline) {
			t.Fatalf("BIND did not re-sign within 30s; its log:\n%s", srv.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	p := creates(t, "a")
	if _, err := b.Apply(ctx, stale, p); !errors.Is(err, ErrConcurrentWrite) {
		t.Fatalf("a plan from before BIND re-signed: err %v, want ErrConcurrentWrite", err)
	}
	if b.owned.Has(p.Zone, p.Changes[0].Key) || transfer(t, srv.Addr).Sets[p.Changes[0].Key] != nil {
		t.Fatal("a refused plan was applied or owned")
	}

	// Planned again from a fresh transfer, as the reconciler does; BIND
	// may re-sign in between again, so a few tries.
	var err error
	for try := 0; try < 10; try++ {
		if _, err = b.Apply(ctx, transfer(t, srv.Addr), p); !errors.Is(err, ErrConcurrentWrite) {
			break
		}
	}
	if err != nil {
		t.Fatalf("planned again from fresh transfers: %v", err)
	}
	now := transfer(t, srv.Addr)
	if now.Sets[p.Changes[0].Key] == nil || now.Sets[rkey("a.example.org.", dns.TypeRRSIG)] == nil {
		t.Errorf("a.example.org A served %v, signed %v; want both", now.Sets[p.Changes[0].Key] != nil, now.Sets[rkey("a.example.org.", dns.TypeRRSIG)] != nil)
	}
}

// TestRFC2136SplitOnSignedZone: BIND signs what an UPDATE adds in the
// same serial bump (one per message), so a plan split into several
// messages, each fenced on the serial the one before produced, applies
// whole on a zone it signs, as on an unsigned one.
func TestRFC2136SplitOnSignedZone(t *testing.T) {
	t.Parallel()
	z := corednstest.UpdateZone{Zone: "example.org", Seed: fenceSeed, KeyName: updKey, Secret: updSecret}
	srv := corednstest.StartSignedPrimary(t, corednstest.BIND, z, corednstest.SignPolicy{})
	b := newRFC2136(t, srv.Addr)
	b.maxRecords = 2 // one record and the prerequisite a message
	before := transfer(t, srv.Addr)
	p := creates(t, "a", "b", "c")
	if _, err := b.Apply(context.Background(), before, p); err != nil {
		t.Fatalf("split plan on a signed zone: %v", err)
	}
	now := transfer(t, srv.Addr)
	for _, c := range p.Changes {
		if now.Sets[c.Key] == nil || now.Sets[rkey(c.Key.Name, dns.TypeRRSIG)] == nil {
			t.Errorf("%v: served %v, signed %v; want both", c.Key, now.Sets[c.Key] != nil, now.Sets[rkey(c.Key.Name, dns.TypeRRSIG)] != nil)
		}
	}
	if want := before.Serial + 3; now.Serial != want {
		t.Errorf("serial %d after three UPDATEs from %d, want %d", now.Serial, before.Serial, want)
	}
}

// TestSignerTypeBINDState: BIND's private signing state (type 65534),
// in the transfer of every zone BIND signed, is the signer's like RRSIG
// and NSEC: never planned in a signed zone, never counted (diff's
// counted), as SignerType says.
func TestSignerTypeBINDState(t *testing.T) {
	t.Parallel()
	b := signedBackend(t, t.TempDir(), t.TempDir())
	if b.Managed("example.com.")(rkey("example.com.", 65534)) {
		t.Error("BIND's signing state (TYPE65534) is dnssync's to plan in a signed zone")
	}
}

// TestRFC2136InlineSigningNamed: BIND with inline-signing checks an
// UPDATE's prerequisites against its unsigned copy of the zone, whose
// serial is not the one it serves, so every fenced UPDATE fails with
// NXRRSET though nothing else writes the zone. That is no concurrent
// write (planning again would fail the same way, every pass): the error
// says what the server does and what to set.
func TestRFC2136InlineSigningNamed(t *testing.T) {
	t.Parallel()
	z := corednstest.UpdateZone{Zone: "example.org", Seed: fenceSeed, KeyName: updKey, Secret: updSecret}
	srv := corednstest.StartSignedPrimary(t, corednstest.BIND, z, corednstest.SignPolicy{Inline: true})
	b := newRFC2136(t, srv.Addr)
	_, err := b.Apply(context.Background(), transfer(t, srv.Addr), creates(t, "a"))
	if err == nil || errors.Is(err, ErrConcurrentWrite) || !errors.Is(err, ErrUpdateRefused) || !strings.Contains(err.Error(), "inline-signing") {
		t.Fatalf("apply to an inline-signed BIND zone: err %v, want ErrUpdateRefused naming inline-signing", err)
	}
}
