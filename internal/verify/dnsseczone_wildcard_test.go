package verify

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// A zone with a wildcard that has no A (`*.zone TXT`): the random name the
// check asks A for is answered NODATA from the wildcard, proved by the NSEC
// covering the name and the wildcard's own NSEC (RFC 4035 3.1.3.4). delv
// accepts it; so must the check. A plain NODATA at the random name (an
// NSEC of its own) says the name exists, and still fails.
func TestSignatureCheckWildcardNoData(t *testing.T) {
	t.Parallel()
	z := newTestZone(t, false)
	z.sets[testApex+" NSEC"] = nil
	z.addRR("example.org. 300 IN NSEC *.example.org. SOA NS RRSIG NSEC DNSKEY")
	z.addRR("*.example.org. 300 IN NSEC a.b.example.org. TXT RRSIG NSEC")
	z.addRR(`*.example.org. 300 IN TXT "any name"`)
	// dnssync-check-… sorts between alias. and mail.: alias.'s NSEC covers it.
	wildNoData := testMsg(dns.RcodeSuccess, nil, z.signed(testApex+" SOA"), z.signed("alias.example.org. NSEC"), z.signed("*.example.org. NSEC"))
	c := SignatureChecker{Timeout: 2 * time.Second, Margin: testMargin}
	t.Run("NODATA from the wildcard", func(t *testing.T) {
		t.Parallel()
		addr := signedServer(t, z, map[string]*dns.Msg{"NXDOMAIN": wildNoData})
		if got := c.Check(context.Background(), addr, testApex, TrustAnchor{}, testNow); !got.OK() {
			t.Fatalf("err = %q, want the zone valid", got.Err)
		}
	})
	t.Run("NODATA at the random name itself", func(t *testing.T) {
		t.Parallel()
		addr := signedServerFunc(t, z, nil, func(qname string) *dns.Msg {
			n := &dns.NSEC{Hdr: dns.RR_Header{Name: qname, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: 300},
				NextDomain: "mail.example.org.", TypeBitMap: []uint16{dns.TypeTXT, dns.TypeRRSIG, dns.TypeNSEC}}
			sig := z.zsk.signAt(t, testNow.Add(-time.Hour), testNow.Add(14*24*time.Hour), n)
			return testMsg(dns.RcodeSuccess, nil, z.signed(testApex+" SOA"), []dns.RR{n, sig})
		})
		got := c.Check(context.Background(), addr, testApex, TrustAnchor{}, testNow)
		if want := "answered nodata, want a denial of a name that does not exist"; !strings.Contains(got.Err, want) {
			t.Fatalf("err = %q, want it to hold %q", got.Err, want)
		}
	})
}

// The same with NSEC3: a zone of an apex and `*.zone TXT`, its chain of
// two NSEC3 records covering every other hash. The closest encloser (the
// apex) is matched, the next closer (the random name) covered, and the
// wildcard matched without A (RFC 5155 8.7).
func TestSignatureCheckWildcardNoDataNSEC3(t *testing.T) {
	t.Parallel()
	z := newTestZone(t, false)
	apex, wild := dns.HashName(testApex, dns.SHA1, 0, ""), dns.HashName("*."+testApex, dns.SHA1, 0, "")
	nsec3 := func(own, next string, types ...uint16) []dns.RR {
		n := &dns.NSEC3{Hdr: dns.RR_Header{Name: strings.ToLower(own) + "." + testApex, Rrtype: dns.TypeNSEC3, Class: dns.ClassINET, Ttl: 300},
			Hash: dns.SHA1, HashLength: 20, NextDomain: next, TypeBitMap: slices.Sorted(slices.Values(types))}
		return []dns.RR{n, z.zsk.signAt(t, testNow.Add(-time.Hour), testNow.Add(14*24*time.Hour), n)}
	}
	chain := append(nsec3(apex, wild, dns.TypeSOA, dns.TypeNS, dns.TypeDNSKEY, dns.TypeNSEC3PARAM, dns.TypeRRSIG),
		nsec3(wild, apex, dns.TypeTXT, dns.TypeRRSIG)...)
	soa := z.signed(testApex + " SOA")
	addr := signedServer(t, z, map[string]*dns.Msg{
		"NXDOMAIN": testMsg(dns.RcodeSuccess, nil, soa, chain),
		"NODATA":   testMsg(dns.RcodeSuccess, nil, soa, chain[:2]),
	})
	c := SignatureChecker{Timeout: 2 * time.Second, Margin: testMargin}
	if got := c.Check(context.Background(), addr, testApex, TrustAnchor{}, testNow); !got.OK() {
		t.Fatalf("err = %q, want the zone valid", got.Err)
	}
}
