package verify

import (
	"crypto"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// A test zone signed here with miekg/dns, with hand-built NSEC and NSEC3
// chains: the validator's cases, each a message built as a server would
// answer.

var (
	testNow    = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	testMargin = 72 * time.Hour
)

// testKey is a DNSKEY and its private half.
type testKey struct {
	key  *dns.DNSKEY
	priv crypto.Signer
}

func newTestKey(t *testing.T, zone string, flags uint16) testKey {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: flags, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	for {
		priv, err := k.Generate(256)
		if err != nil {
			t.Fatal(err)
		}
		if k.KeyTag() != 0 { // miekg/dns signs with no key of tag 0 (one in 65,536)
			return testKey{k, priv.(crypto.Signer)}
		}
	}
}

// signAt signs set with k, valid from incept to expire.
func (k testKey) signAt(t *testing.T, incept, expire time.Time, set ...dns.RR) *dns.RRSIG {
	t.Helper()
	sig := &dns.RRSIG{Hdr: dns.RR_Header{Ttl: set[0].Header().Ttl}, Algorithm: k.key.Algorithm, KeyTag: k.key.KeyTag(),
		SignerName: k.key.Hdr.Name, Inception: uint32(incept.Unix()), Expiration: uint32(expire.Unix())}
	if err := sig.Sign(k.priv, set); err != nil {
		t.Fatal(err)
	}
	return sig
}

// testZone is example.org. with a KSK, a ZSK, its records by owner and
// type, and a denial chain.
type testZone struct {
	t        *testing.T
	ksk, zsk testKey
	otherKey testKey             // of the zone's name, not in its DNSKEY set
	sets     map[string][]dns.RR // "owner TYPE" -> set
	nsec3    []*dns.NSEC3        // the NSEC3 chain, when built
}

const testApex = "example.org."

var testRecords = []string{
	"example.org. 3600 IN SOA ns.example.org. admin.example.org. 1 7200 3600 1209600 300",
	"example.org. 3600 IN NS ns.example.org.",
	"ns.example.org. 3600 IN A 192.0.2.1",
	"www.example.org. 300 IN A 192.0.2.10",
	"mail.example.org. 300 IN A 192.0.2.25", // its NSEC3 covers *.example.org., the apex's does not
	"*.wild.example.org. 300 IN A 192.0.2.20",
	"a.b.example.org. 300 IN TXT \"below an empty non-terminal\"",
	"alias.example.org. 300 IN CNAME www.example.org.",
	"sec.example.org. 300 IN NS ns.sec.example.net.", // a secure delegation
	"sec.example.org. 300 IN DS 12345 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE4B0A4C8FE6CFC4CC7A5D9B23",
	"sub.example.org. 300 IN NS ns.sub.example.net.", // an insecure one
}

// The NSEC chain of testRecords, in canonical order.
var testNSEC = []string{
	"example.org. 300 IN NSEC a.b.example.org. SOA NS RRSIG NSEC DNSKEY",
	"a.b.example.org. 300 IN NSEC alias.example.org. TXT RRSIG NSEC",
	"alias.example.org. 300 IN NSEC mail.example.org. CNAME RRSIG NSEC",
	"mail.example.org. 300 IN NSEC ns.example.org. A RRSIG NSEC",
	"ns.example.org. 300 IN NSEC sec.example.org. A RRSIG NSEC",
	"sec.example.org. 300 IN NSEC sub.example.org. NS DS RRSIG NSEC",
	"sub.example.org. 300 IN NSEC *.wild.example.org. NS RRSIG NSEC",
	"*.wild.example.org. 300 IN NSEC www.example.org. A RRSIG NSEC",
	"www.example.org. 300 IN NSEC example.org. A RRSIG NSEC",
}

func newTestZone(t *testing.T, nsec3 bool) *testZone {
	t.Helper()
	z := &testZone{t: t, ksk: newTestKey(t, testApex, 257), zsk: newTestKey(t, testApex, 256), otherKey: newTestKey(t, testApex, 256), sets: map[string][]dns.RR{}}
	for _, s := range testRecords {
		z.addRR(s)
	}
	z.addRR(z.ksk.key.String())
	z.addRR(z.zsk.key.String())
	if !nsec3 {
		for _, s := range testNSEC {
			z.addRR(s)
		}
		return z
	}
	// Every name with data, and the empty non-terminals, get an NSEC3
	// (RFC 5155 7.1), chained in hash order.
	names := map[string][]uint16{
		"example.org.":    {dns.TypeSOA, dns.TypeNS, dns.TypeDNSKEY, dns.TypeNSEC3PARAM, dns.TypeRRSIG},
		"ns.example.org.": {dns.TypeA, dns.TypeRRSIG}, "www.example.org.": {dns.TypeA, dns.TypeRRSIG},
		"*.wild.example.org.": {dns.TypeA, dns.TypeRRSIG}, "wild.example.org.": nil,
		"a.b.example.org.": {dns.TypeTXT, dns.TypeRRSIG}, "b.example.org.": nil,
		"alias.example.org.": {dns.TypeCNAME, dns.TypeRRSIG}, "mail.example.org.": {dns.TypeA, dns.TypeRRSIG},
		"sec.example.org.": {dns.TypeNS, dns.TypeDS, dns.TypeRRSIG}, "sub.example.org.": {dns.TypeNS},
	}
	type h struct {
		hash  string
		types []uint16
	}
	var hs []h
	for n, types := range names {
		hs = append(hs, h{dns.HashName(n, dns.SHA1, 0, ""), slices.Sorted(slices.Values(types))})
	}
	slices.SortFunc(hs, func(a, b h) int { return strings.Compare(a.hash, b.hash) })
	for i, x := range hs {
		n := &dns.NSEC3{Hdr: dns.RR_Header{Name: strings.ToLower(x.hash) + "." + testApex, Rrtype: dns.TypeNSEC3, Class: dns.ClassINET, Ttl: 300},
			Hash: dns.SHA1, Iterations: 0, SaltLength: 0, Salt: "", HashLength: 20, NextDomain: hs[(i+1)%len(hs)].hash, TypeBitMap: x.types}
		z.add(n)
		z.nsec3 = append(z.nsec3, n)
	}
	return z
}

func (z *testZone) addRR(s string) {
	z.t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		z.t.Fatalf("%s: %v", s, err)
	}
	z.add(rr)
}

func (z *testZone) add(rr dns.RR) {
	k := dns.CanonicalName(rr.Header().Name) + " " + dns.TypeToString[rr.Header().Rrtype]
	z.sets[k] = append(z.sets[k], rr)
}

// rrs is the set at "owner TYPE", unsigned, copied.
func (z *testZone) rrs(k string) []dns.RR {
	z.t.Helper()
	set, ok := z.sets[k]
	if !ok {
		z.t.Fatalf("test zone has no %s", k)
	}
	out := make([]dns.RR, len(set))
	for i, rr := range set {
		out[i] = dns.Copy(rr)
	}
	return out
}

// signed is the set at "owner TYPE" with its RRSIG by the ZSK (the
// DNSKEY set by the KSK), valid from an hour ago for 14 days.
func (z *testZone) signed(k string) []dns.RR {
	z.t.Helper()
	set := z.rrs(k)
	by := z.zsk
	if strings.HasSuffix(k, " DNSKEY") {
		by = z.ksk
	}
	return append(set, by.signAt(z.t, testNow.Add(-time.Hour), testNow.Add(14*24*time.Hour), set...))
}

// nsec3Signed is the NSEC3 records of the chain: all of them, signed, but
// those that cover or match the names in without.
func (z *testZone) nsec3Signed(without ...string) []dns.RR {
	z.t.Helper()
	var out []dns.RR
	for _, n := range z.nsec3 {
		skip := false
		for _, name := range without {
			skip = skip || n.Cover(name) || n.Match(name)
		}
		if !skip {
			out = append(out, z.signed(dns.CanonicalName(n.Hdr.Name)+" NSEC3")...)
		}
	}
	return out
}

func (z *testZone) other() testKey { return z.otherKey }

func (z *testZone) keys() []*dns.DNSKEY { return []*dns.DNSKEY{z.ksk.key, z.zsk.key} }

func testMsg(rcode int, answer []dns.RR, ns ...[]dns.RR) *dns.Msg {
	m := new(dns.Msg)
	m.Rcode = rcode
	m.Answer = answer
	for _, s := range ns {
		m.Ns = append(m.Ns, s...)
	}
	return m
}

func TestValidateDNSKEY(t *testing.T) {
	t.Parallel()
	z := newTestZone(t, false)
	set := z.signed(testApex + " DNSKEY")
	ds := z.ksk.key.ToDS(dns.SHA256)
	other := newTestKey(t, testApex, 257)
	tests := []struct {
		name    string
		rrs     []dns.RR
		anchor  TrustAnchor
		wantErr string
	}{
		{"DS of the KSK", set, TrustAnchor{DS: []*dns.DS{ds}}, ""},
		{"the KSK as anchor", set, TrustAnchor{Keys: []*dns.DNSKEY{z.ksk.key}}, ""},
		{"DS of another key", set, TrustAnchor{DS: []*dns.DS{other.key.ToDS(dns.SHA256)}}, "DNSKEY set of example.org. has no key matching the trust anchor (DS " + itoa(other.key.KeyTag()) + ")"},
		{"set signed by the ZSK only, DS of the KSK", append(z.rrs(testApex+" DNSKEY"), z.zsk.signAt(t, testNow.Add(-time.Hour), testNow.Add(240*time.Hour), z.rrs(testApex+" DNSKEY")...)),
			TrustAnchor{DS: []*dns.DS{ds}}, "RRSIG example.org. DNSKEY: no DNSKEY with tag " + itoa(z.zsk.key.KeyTag()) + " (algorithm ECDSAP256SHA256)"},
		{"unsigned set", z.rrs(testApex + " DNSKEY"), TrustAnchor{DS: []*dns.DS{ds}}, "no RRSIG over example.org. DNSKEY"},
		{"no anchor", set, TrustAnchor{}, "no trust anchor (DS or key) for example.org."},
		{"no keys", nil, TrustAnchor{DS: []*dns.DS{ds}}, "no DNSKEY for example.org."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, exp, err := ValidateDNSKEY("Example.ORG", tt.rrs, tt.anchor, testNow, testMargin)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != 2 || !exp.Equal(testNow.Add(14*24*time.Hour)) {
				t.Fatalf("keys %d, expiry %s; want 2, %s", len(keys), exp, testNow.Add(14*24*time.Hour))
			}
		})
	}
}

func TestValidateDNSKEYExpiringKeepsKeys(t *testing.T) {
	t.Parallel()
	z := newTestZone(t, false)
	set := z.rrs(testApex + " DNSKEY")
	expire := testNow.Add(time.Hour)
	set = append(set, z.ksk.signAt(t, testNow.Add(-time.Hour), expire, set...))
	keys, exp, err := ValidateDNSKEY(testApex, set, TrustAnchor{DS: []*dns.DS{z.ksk.key.ToDS(dns.SHA256)}}, testNow, testMargin)
	var ee *ExpiryError
	if !errors.As(err, &ee) {
		t.Fatalf("err = %v, want an *ExpiryError", err)
	}
	if want := "RRSIG example.org. DNSKEY by key " + itoa(z.ksk.key.KeyTag()) + " expires at 2026-12-01T13:00:00Z, within the 72h0m0s margin"; err.Error() != want {
		t.Fatalf("err = %q, want %q", err, want)
	}
	if len(keys) != 2 || !exp.Equal(expire) {
		t.Fatalf("keys %d, expiry %s; want 2, %s", len(keys), exp, expire)
	}
}

func itoa(n uint16) string { return strconv.Itoa(int(n)) }
