package reconcile

import (
	"crypto"
	"net"
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
	key := &dns.DNSKEY{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	priv, err := key.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	primary := signedZoneServer(t, zone, key, priv.(crypto.Signer), now, now.Add(14*24*time.Hour))
	stale := signedZoneServer(t, zone, key, priv.(crypto.Signer), now, now.Add(24*time.Hour))
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
