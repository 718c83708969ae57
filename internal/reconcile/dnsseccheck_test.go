package reconcile

import (
	"crypto"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/verify"
)

// signedZoneServer serves zone signed by one combined key whose
// signatures expire at expire, on loopback: the apex alone, one NSEC
// (apex to apex) denying every other name and type.
func signedZoneServer(t *testing.T, zone string, key *dns.DNSKEY, priv crypto.Signer, now, expire time.Time) string {
	t.Helper()
	rr := func(s string) dns.RR {
		x, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	sign := func(set ...dns.RR) []dns.RR {
		sig := &dns.RRSIG{Hdr: dns.RR_Header{Ttl: set[0].Header().Ttl}, Algorithm: key.Algorithm, KeyTag: key.KeyTag(),
			SignerName: zone, Inception: uint32(now.Add(-time.Hour).Unix()), Expiration: uint32(expire.Unix())}
		if err := sig.Sign(priv, set); err != nil {
			t.Fatal(err)
		}
		return append(set, sig)
	}
	soa := sign(rr(zone + " 300 IN SOA ns." + zone + " admin." + zone + " 1 7200 3600 1209600 300"))
	nsec := sign(rr(zone + " 300 IN NSEC " + zone + " SOA RRSIG NSEC DNSKEY"))
	keys := sign(key)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		switch qn, qt := dns.CanonicalName(q.Question[0].Name), q.Question[0].Qtype; {
		case qn != zone:
			m.Rcode = dns.RcodeNameError
			m.Ns = append(append(m.Ns, soa...), nsec...)
		case qt == dns.TypeDNSKEY:
			m.Answer = keys
		case qt == dns.TypeSOA:
			m.Answer = soa
		default:
			m.Ns = append(append(m.Ns, soa...), nsec...)
		}
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

// A signed zone is validated at the primary and at each secondary: one
// serving signatures that expire within the margin fails the check,
// named; a zone the anchor says is not signed is not asked about.
func TestCheckDNSSECFailsASecondaryNearExpiry(t *testing.T) {
	t.Parallel()
	const zone = "signed.test."
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	key, priv := newZoneKey(t, zone)
	primary := signedZoneServer(t, zone, key, priv, now, now.Add(14*24*time.Hour))
	stale := signedZoneServer(t, zone, key, priv, now, now.Add(24*time.Hour))
	r := &Reconciler{Zones: []string{zone, "plain.test."}, Log: discardLog(),
		Replication: Replication{Primary: primary, Secondaries: []Secondary{
			{Name: "ns2", Addr: stale, Zones: []string{zone, "plain.test."}},
		}},
		DNSSEC: &DNSSECCheck{Margin: 72 * time.Hour, now: func() time.Time { return now },
			Anchor: func(z config.Zone) (verify.TrustAnchor, bool) {
				if z.Name != zone {
					return verify.TrustAnchor{}, false
				}
				return verify.TrustAnchor{DS: []*dns.DS{key.ToDS(dns.SHA256)}}, true
			}},
	}
	var rep verify.Report
	r.checkDNSSEC(t.Context(), &rep)
	if len(rep.DNSSEC) != 2 {
		t.Fatalf("%d signature checks, want 2 (the signed zone at the primary and at ns2): %v", len(rep.DNSSEC), rep.DNSSEC)
	}
	p, sec := rep.DNSSEC[0], rep.DNSSEC[1]
	if p.Role != verify.RolePrimary || !p.OK() || p.Anchor != verify.AnchorDS || !p.Expires.Equal(now.Add(14*24*time.Hour)) {
		t.Errorf("primary: %+v, want valid, anchored on the DS, expiring in 14 days", p)
	}
	if sec.Role != verify.RoleSecondary || sec.Name != "ns2" || sec.OK() || !strings.Contains(sec.Err, "within the 72h0m0s margin") {
		t.Errorf("ns2: %+v, want failed within the margin", sec)
	}
	if !sec.Expires.Equal(now.Add(24 * time.Hour)) {
		t.Errorf("ns2 expires %s, want %s", sec.Expires, now.Add(24*time.Hour))
	}
	if rep.OK() {
		t.Error("the report is OK with a signed zone not validating at a secondary")
	}
}

func newZoneKey(t *testing.T, zone string) (*dns.DNSKEY, crypto.Signer) {
	t.Helper()
	key := &dns.DNSKEY{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	for {
		priv, err := key.Generate(256)
		if err != nil {
			t.Fatal(err)
		}
		if key.KeyTag() != 0 { // miekg/dns signs with no key of tag 0 (one in 65,536)
			return key, priv.(crypto.Signer)
		}
	}
}

// Without a configured anchor (rfc2136: the server signs), the primary is
// anchored on its served keys and each secondary on the primary's
// key-signing keys: a secondary serving another self-consistent key set
// fails, named. A primary whose set cannot be read leaves the secondary
// anchored on its own served keys, and the result says so.
func TestCheckDNSSECAnchorsSecondariesOnThePrimary(t *testing.T) {
	t.Parallel()
	const zone = "signed.test."
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	key, priv := newZoneKey(t, zone)
	otherKey, otherPriv := newZoneKey(t, zone)
	primary := signedZoneServer(t, zone, key, priv, now, now.Add(14*24*time.Hour))
	same := signedZoneServer(t, zone, key, priv, now, now.Add(14*24*time.Hour))
	other := signedZoneServer(t, zone, otherKey, otherPriv, now, now.Add(14*24*time.Hour))
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // bound, never answering
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	served := func(z config.Zone) (verify.TrustAnchor, bool) { return verify.TrustAnchor{}, true }
	check := func(primary string) verify.Report {
		r := &Reconciler{Zones: []string{zone}, Log: discardLog(),
			Replication: Replication{Primary: primary, Secondaries: []Secondary{
				{Name: "ns2", Addr: same, Zones: []string{zone}},
				{Name: "ns3", Addr: other, Zones: []string{zone}},
			}},
			DNSSEC: &DNSSECCheck{Margin: 72 * time.Hour, Timeout: 200 * time.Millisecond, now: func() time.Time { return now }, Anchor: served},
		}
		var rep verify.Report
		r.checkDNSSEC(t.Context(), &rep)
		if len(rep.DNSSEC) != 3 {
			t.Fatalf("%d signature checks, want 3: %v", len(rep.DNSSEC), rep.DNSSEC)
		}
		return rep
	}
	rep := check(primary)
	p, ns2, ns3 := rep.DNSSEC[0], rep.DNSSEC[1], rep.DNSSEC[2]
	if !p.OK() || p.Anchor != verify.AnchorServed {
		t.Errorf("primary: %+v, want valid, anchored on its served keys", p)
	}
	if !ns2.OK() || ns2.Anchor != verify.AnchorPrimary {
		t.Errorf("ns2: %+v, want valid, anchored on the primary's keys", ns2)
	}
	if ns3.OK() || ns3.Anchor != verify.AnchorPrimary || !strings.Contains(ns3.Err, "has no key matching the trust anchor") {
		t.Errorf("ns3: %+v, want failed: no key matching the primary's", ns3)
	}
	if want := "(secondary ns3): DNSSEC: DNSKEY set of signed.test. has no key matching the trust anchor (key " + itoa(key.KeyTag()) + ") (anchored on the primary's keys)"; !strings.HasSuffix(ns3.String(), want) {
		t.Errorf("ns3: %q, want it to end %q", ns3.String(), want)
	}

	rep = check(pc.LocalAddr().String())
	if p, ns3 := rep.DNSSEC[0], rep.DNSSEC[2]; p.OK() || !ns3.OK() || ns3.Anchor != verify.AnchorServed {
		t.Errorf("primary silent: primary %+v, ns3 %+v; want the primary failed, ns3 valid on its served keys", p, ns3)
	}
}

// A trust anchor naming no signed zone managed (a typo, a zone without
// dnssec = true) fails the check, naming the file and line: it would
// otherwise leave the zone it meant anchored on nothing it says.
func TestCheckDNSSECAnchorForNoSignedZone(t *testing.T) {
	t.Parallel()
	const zone = "signed.test."
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	key, priv := newZoneKey(t, zone)
	primary := signedZoneServer(t, zone, key, priv, now, now.Add(14*24*time.Hour))
	r := &Reconciler{Zones: []string{zone, "plain.test."}, Log: discardLog(), Replication: Replication{Primary: primary},
		DNSSEC: &DNSSECCheck{Margin: 72 * time.Hour, now: func() time.Time { return now },
			Anchors: map[string]string{zone: "/etc/anchors:1", "sigend.test.": "/etc/anchors:2", "plain.test.": "/etc/anchors:3"},
			Anchor: func(z config.Zone) (verify.TrustAnchor, bool) {
				return verify.TrustAnchor{DS: []*dns.DS{key.ToDS(dns.SHA256)}}, z.Name == zone
			}},
	}
	var rep verify.Report
	r.checkDNSSEC(t.Context(), &rep)
	var got []string
	for _, z := range rep.DNSSECFailed() {
		got = append(got, z.String())
	}
	want := []string{
		"zone plain.test.: DNSSEC: [dnssec] trust_anchors /etc/anchors:3 names plain.test., not a managed zone with dnssec = true: it anchors nothing",
		"zone sigend.test.: DNSSEC: [dnssec] trust_anchors /etc/anchors:2 names sigend.test., not a managed zone with dnssec = true: it anchors nothing",
	}
	if !slices.Equal(got, want) {
		t.Errorf("failed:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func itoa(n uint16) string { return strconv.Itoa(int(n)) }
