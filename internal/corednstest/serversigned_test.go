package corednstest

import (
	"crypto/rand"
	"encoding/base64"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// BIND and Knot sign the zone under the test policy: once
// StartSignedPrimary returns, the zone's DNSKEY and the DS made from it
// are served, and its transfer carries what the signer keeps in the zone
// (RRSIG, NSEC, DNSKEY; BIND's private signing state, TYPE65534; Knot's
// CDS and CDNSKEY at once), the records dnssync must never take for its
// own or another writer's. An UPDATE is signed at once, in one serial
// bump.
func TestSignedPrimary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		k     Kind
		types []uint16
	}{
		{BIND, []uint16{dns.TypeRRSIG, dns.TypeNSEC, dns.TypeDNSKEY, 65534}},
		{Knot, []uint16{dns.TypeRRSIG, dns.TypeNSEC, dns.TypeDNSKEY, dns.TypeCDS, dns.TypeCDNSKEY}},
	} {
		t.Run(tc.k.String(), func(t *testing.T) {
			t.Parallel()
			testSignedPrimary(t, tc.k, tc.types)
		})
	}
}

func testSignedPrimary(t *testing.T, k Kind, types []uint16) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	z := UpdateZone{Zone: "example.org", Seed: seed, KeyName: "dnssync.", Secret: base64.StdEncoding.EncodeToString(b)}
	s := StartSignedPrimary(t, k, z, SignPolicy{})
	ds, err := ServedDS(t.Context(), s.Addr, z.Zone)
	if err != nil || len(ds) != 1 || ds[0].DigestType != dns.SHA256 {
		t.Fatalf("ServedDS = %v, %v; want one SHA-256 DS", ds, err)
	}
	tr := &dns.Transfer{TsigSecret: map[string]string{"dnssync.": z.Secret}} // Knot transfers to the key only
	m := new(dns.Msg)
	m.SetAxfr("example.org.")
	m.SetTsig("dnssync.", dns.HmacSHA256, 300, time.Now().Unix())
	ch, err := tr.In(m, s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	have := map[uint16]bool{}
	for env := range ch {
		if env.Error != nil {
			t.Fatal(env.Error)
		}
		for _, rr := range env.RR {
			have[rr.Header().Rrtype] = true
		}
	}
	for _, want := range types {
		if !have[want] {
			t.Errorf("the transfer of the signed zone has no %s", dns.Type(want))
		}
	}
	before, err := soaSerial(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	u := new(dns.Msg)
	u.SetUpdate("example.org.")
	rr, _ := dns.NewRR("www.example.org. 300 IN A 192.0.2.10")
	u.Insert([]dns.RR{rr})
	u.SetTsig("dnssync.", dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", TsigSecret: map[string]string{"dnssync.": z.Secret}}
	if r, _, err := c.Exchange(u, s.Addr); err != nil || r.Rcode != dns.RcodeSuccess {
		t.Fatalf("UPDATE: %v %v", err, r)
	}
	q := new(dns.Msg)
	q.SetQuestion("www.example.org.", dns.TypeA)
	q.SetEdns0(4096, true)
	r, _, err := c.Exchange(q, s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	signed := false
	for _, rr := range r.Answer {
		if sig, ok := rr.(*dns.RRSIG); ok && sig.TypeCovered == dns.TypeA {
			signed = true
		}
	}
	after, err := soaSerial(s.Addr)
	if !signed || err != nil || after != before+1 {
		t.Errorf("after an UPDATE: A signed %v, serial %d -> %d (%v); want signed, one bump", signed, before, after, err)
	}
}
