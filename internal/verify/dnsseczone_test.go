package verify

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// signedServer serves the test zone (dnssec_test.go) on loopback as a
// signing server would, each answer replaceable: answers["SOA"],
// answers["NXDOMAIN"], answers["NODATA"], answers["DNSKEY"].
func signedServer(t *testing.T, z *testZone, answers map[string]*dns.Msg) string {
	t.Helper()
	return signedServerFunc(t, z, answers, nil)
}

// signedServerFunc is signedServer with the answer for a name other than
// the apex built per query by below when it is not nil.
func signedServerFunc(t *testing.T, z *testZone, answers map[string]*dns.Msg, below func(qname string) *dns.Msg) string {
	t.Helper()
	defaults := map[string]*dns.Msg{
		"DNSKEY":   testMsg(dns.RcodeSuccess, z.signed(testApex+" DNSKEY")),
		"SOA":      testMsg(dns.RcodeSuccess, z.signed(testApex+" SOA")),
		"NXDOMAIN": testMsg(dns.RcodeNameError, nil, z.signed(testApex+" SOA"), z.signed("alias.example.org. NSEC"), z.signed(testApex+" NSEC")),
		"NODATA":   testMsg(dns.RcodeSuccess, nil, z.signed(testApex+" SOA"), z.signed(testApex+" NSEC")),
	}
	for k, m := range answers {
		defaults[k] = m
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		key := "NODATA"
		switch qn, qt := dns.CanonicalName(q.Question[0].Name), q.Question[0].Qtype; {
		case qn != testApex:
			key = "NXDOMAIN"
		case qt == dns.TypeDNSKEY:
			key = "DNSKEY"
		case qt == dns.TypeSOA:
			key = "SOA"
		}
		base := defaults[key]
		if key == "NXDOMAIN" && below != nil {
			base = below(dns.CanonicalName(q.Question[0].Name))
		}
		m := base.Copy()
		m.SetRcode(q, base.Rcode)
		m.Authoritative = true
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestSignatureCheck(t *testing.T) {
	t.Parallel()
	z := newTestZone(t, false)
	ds := TrustAnchor{DS: []*dns.DS{z.ksk.key.ToDS(dns.SHA256)}}
	soa := z.rrs(testApex + " SOA")
	other := z.rrs(testApex + " SOA")
	other[0].(*dns.SOA).Serial = 2
	forged := z.zsk.signAt(t, testNow.Add(-time.Hour), testNow.Add(14*24*time.Hour), other...)
	soon := testNow.Add(time.Hour)
	tests := []struct {
		name       string
		answers    map[string]*dns.Msg
		anchor     TrustAnchor
		wantAnchor string
		wantErr    string // a part of the error; empty: valid
		wantExpiry time.Time
	}{
		{name: "valid, anchored on the DS", anchor: ds, wantAnchor: AnchorDS, wantExpiry: testNow.Add(14 * 24 * time.Hour)},
		{name: "valid, anchored on the served keys", wantAnchor: AnchorServed, wantExpiry: testNow.Add(14 * 24 * time.Hour)},
		{name: "DS of another key", anchor: TrustAnchor{DS: []*dns.DS{z.other().key.ToDS(dns.SHA256)}}, wantAnchor: AnchorDS,
			wantErr: "DNSKEY set of example.org. has no key matching the trust anchor"},
		{name: "bad signature", anchor: ds, wantAnchor: AnchorDS, answers: map[string]*dns.Msg{"SOA": testMsg(dns.RcodeSuccess, append(soa, forged))},
			wantErr: "RRSIG example.org. SOA by key " + itoa(z.zsk.key.KeyTag()) + " does not verify", wantExpiry: testNow.Add(14 * 24 * time.Hour)},
		{name: "expiring within the margin", anchor: ds, wantAnchor: AnchorDS,
			answers: map[string]*dns.Msg{"SOA": testMsg(dns.RcodeSuccess, append(z.rrs(testApex+" SOA"), z.zsk.signAt(t, testNow.Add(-time.Hour), soon, soa...)))},
			wantErr: "RRSIG example.org. SOA by key " + itoa(z.zsk.key.KeyTag()) + " expires at 2026-12-01T13:00:00Z, within the 72h0m0s margin", wantExpiry: soon},
		{name: "NXDOMAIN without its NSEC proof", anchor: ds, wantAnchor: AnchorDS,
			answers: map[string]*dns.Msg{"NXDOMAIN": testMsg(dns.RcodeNameError, nil, z.signed(testApex+" SOA"))},
			wantErr: "(nxdomain): no NSEC or NSEC3 in the answer", wantExpiry: testNow.Add(14 * 24 * time.Hour)},
		{name: "NODATA without its NSEC proof", anchor: ds, wantAnchor: AnchorDS,
			answers: map[string]*dns.Msg{"NODATA": testMsg(dns.RcodeSuccess, nil, z.signed(testApex+" SOA"))},
			wantErr: "example.org. RP (nodata)", wantExpiry: testNow.Add(14 * 24 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := signedServer(t, z, tt.answers)
			c := SignatureChecker{Timeout: 2 * time.Second, Margin: testMargin}
			got := c.Check(context.Background(), addr, "Example.ORG", tt.anchor, testNow)
			if got.Zone != testApex || got.Server != addr || got.Anchor != tt.wantAnchor {
				t.Fatalf("got zone %q server %q anchor %q, want %q %q %q", got.Zone, got.Server, got.Anchor, testApex, addr, tt.wantAnchor)
			}
			if tt.wantErr == "" && !got.OK() || !strings.Contains(got.Err, tt.wantErr) {
				t.Fatalf("err = %q, want it to hold %q", got.Err, tt.wantErr)
			}
			if tt.wantErr != "" && got.OK() {
				t.Fatalf("valid, want an error holding %q", tt.wantErr)
			}
			if !got.Expires.Equal(tt.wantExpiry) {
				t.Fatalf("expires %s, want %s", got.Expires, tt.wantExpiry)
			}
		})
	}
}

func TestSignatureCheckNoAnswer(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // bound, never answering
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	c := SignatureChecker{Timeout: 100 * time.Millisecond, Margin: testMargin}
	got := c.Check(context.Background(), pc.LocalAddr().String(), testApex, TrustAnchor{}, testNow)
	if got.OK() || !strings.Contains(got.Err, "query example.org. DNSKEY with DO at") {
		t.Fatalf("err = %q, want the DNSKEY query's failure", got.Err)
	}
}

// A result's line says what the DNSKEY set was anchored on, valid or not
// ("served keys" proves the set consistent, not that it is the right one);
// a result of no server is the configuration's.
func TestZoneSignatureString(t *testing.T) {
	t.Parallel()
	exp := time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		zs   ZoneSignature
		want string
	}{
		{ZoneSignature{Zone: "a.test.", Server: "127.0.0.1:53", Role: RolePrimary, Expires: exp, Anchor: AnchorServed},
			"zone a.test. at 127.0.0.1:53 (primary): DNSSEC valid until 2026-12-15T12:00:00Z (anchored on served keys)"},
		{ZoneSignature{Zone: "a.test.", Server: "127.0.0.1:5301", Name: "ns2", Role: RoleSecondary, Anchor: AnchorPrimary, Err: "no DNSKEY for a.test."},
			"zone a.test. at 127.0.0.1:5301 (secondary ns2): DNSSEC: no DNSKEY for a.test. (anchored on the primary's keys)"},
		{ZoneSignature{Zone: "b.test.", Err: "[dnssec] trust_anchors f:1 names b.test."}, "zone b.test.: DNSSEC: [dnssec] trust_anchors f:1 names b.test."},
	} {
		if got := tt.zs.String(); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}
