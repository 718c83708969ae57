package verify

import (
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
)

// The validator against a signer it did not grow up with: a zone signed by
// BIND's dnssec-signzone, served by the pinned CoreDNS (NSEC) or by named
// (NSEC3, which CoreDNS v1.15.0's file plugin refuses), asked with DO, its
// DNSKEY set anchored by the DS dnssec-dsfromkey prints.

const bindZone = `$TTL 300
example.org. 3600 IN SOA ns.example.org. admin.example.org. 1 7200 3600 1209600 300
example.org. 3600 IN NS ns.example.org.
ns IN A 192.0.2.1
www IN A 192.0.2.10
*.wild IN A 192.0.2.20
a.b IN TXT "below an empty non-terminal"
`

func TestValidateBINDSignedZone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		nsec3  bool
		denial uint16
	}{{"NSEC", false, dns.TypeNSEC}, {"NSEC3", true, dns.TypeNSEC3}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			signed := corednstest.SignWithBIND(t, dir, "example.org", bindZone, tc.nsec3)
			spec := corednstest.Spec{Kind: corednstest.CoreDNS, Conf: corednstest.FileCorefile("example.org", signed.File), Zones: []string{"example.org"}}
			if tc.nsec3 {
				spec.Kind, spec.Conf = corednstest.BIND, corednstest.FileNamedConf("example.org", signed.File)
			}
			srv := corednstest.StartSpec(t, spec)
			ds, err := dns.NewRR(signed.DS)
			if err != nil {
				t.Fatalf("DS %q: %v", signed.DS, err)
			}
			now := time.Now()
			keys, exp, err := ValidateDNSKEY("example.org", askDO(t, srv.Addr, "example.org.", dns.TypeDNSKEY).Answer,
				TrustAnchor{DS: []*dns.DS{ds.(*dns.DS)}}, now, 72*time.Hour)
			if err != nil {
				t.Fatalf("DNSKEY: %v", err)
			}
			// dnssec-signzone signs for 30 days from an hour ago.
			if len(keys) != 2 || exp.Before(now.Add(29*24*time.Hour)) || exp.After(now.Add(31*24*time.Hour)) {
				t.Fatalf("DNSKEY: %d keys, expiry %s", len(keys), exp)
			}
			for _, q := range []struct {
				name     string
				qtype    uint16
				kind     AnswerKind
				wildcard string
			}{
				{"www.example.org.", dns.TypeA, AnswerPositive, ""},
				{"nope.example.org.", dns.TypeA, AnswerNXDomain, ""},
				{"www.example.org.", dns.TypeTXT, AnswerNoData, ""},
				{"b.example.org.", dns.TypeA, AnswerNoData, ""},
				{"host.wild.example.org.", dns.TypeA, AnswerPositive, "*.wild.example.org."},
				{"host.wild.example.org.", dns.TypeTXT, AnswerNoData, "*.wild.example.org."},
			} {
				in := askDO(t, srv.Addr, q.name, q.qtype)
				v, err := ValidateAnswer(in, q.name, q.qtype, keys, now, 72*time.Hour)
				if err != nil {
					t.Errorf("%s %s: %v\n%s", q.name, dns.TypeToString[q.qtype], err, in)
					continue
				}
				wantDenial := tc.denial
				if q.kind == AnswerPositive && q.wildcard == "" {
					wantDenial = 0
				}
				if v.Kind != q.kind || v.Wildcard != q.wildcard || v.Denial != wantDenial || v.Expiry.IsZero() {
					t.Errorf("%s %s: %+v, want kind %s, wildcard %q, denial %d", q.name, dns.TypeToString[q.qtype], v, q.kind, q.wildcard, wantDenial)
				}
			}
			// The same answer read with the margin past its expiry fails, and says so.
			in := askDO(t, srv.Addr, "www.example.org.", dns.TypeA)
			if _, err := ValidateAnswer(in, "www.example.org.", dns.TypeA, keys, now, 40*24*time.Hour); err == nil {
				t.Errorf("www.example.org. A validated with a 40-day margin on a 30-day signature")
			}
		})
	}
}

// askDO asks addr over TCP with DO set, as a validating resolver would.
func askDO(t *testing.T, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.RecursionDesired = false
	q.SetEdns0(4096, true)
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second}
	in, _, err := c.Exchange(q, addr)
	if err != nil {
		t.Fatalf("ask %s %s at %s: %v", name, dns.TypeToString[qtype], addr, err)
	}
	return in
}
