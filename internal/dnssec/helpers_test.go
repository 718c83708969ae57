package dnssec

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

const testZone = "example.com."

// t0 is the signing time of the tests: the real clock, because
// dnssec-verify judges signatures by it (it has no option for another time).
var t0 = time.Now().UTC().Truncate(time.Second)

func mustRR(t testing.TB, s string) dns.RR {
	t.Helper()
	r, err := dns.NewRR(s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return r
}

func zoneOf(t testing.TB, lines ...string) rrset.Zone {
	t.Helper()
	z := rrset.Zone{}
	for _, l := range lines {
		z.Put(mustRR(t, l))
	}
	return z
}

// testUnsigned is a zone with the shapes signing must get right: apex data,
// an in-zone name server, a wildcard, empty non-terminals, a secure
// delegation (DS) with glue, an insecure one, and glue deep below a cut.
func testUnsigned(t testing.TB, serial int) rrset.Zone {
	return zoneOf(t,
		fmt.Sprintf("example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. %d 3600 600 604800 300", serial),
		"example.com. 3600 IN NS ns1.example.com.",
		"example.com. 300 IN MX 10 mail.example.com.",
		"example.com. 300 IN TXT \"v=spf1 -all\"",
		"ns1.example.com. 3600 IN A 192.0.2.53",
		"mail.example.com. 300 IN A 192.0.2.25",
		"www.example.com. 300 IN A 192.0.2.80",
		"www.example.com. 300 IN AAAA 2001:db8::80",
		"*.wild.example.com. 300 IN A 192.0.2.99",
		"a.b.c.example.com. 300 IN TXT \"deep\"",
		"sub.example.com. 3600 IN NS ns.sub.example.com.",
		"sub.example.com. 3600 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
		"ns.sub.example.com. 3600 IN A 192.0.2.54",
		"deep.glue.sub.example.com. 3600 IN A 192.0.2.55",
		"insecure.example.com. 3600 IN NS ns.elsewhere.net.",
	)
}

func testKeys(t testing.TB, p Policy) []*Key {
	t.Helper()
	roles := []Role{CSK}
	if p.Split {
		roles = []Role{KSK, ZSK}
	}
	var keys []*Key
	for _, r := range roles {
		k, err := NewKey(testZone, r, p.Algorithm, t0.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	return keys
}

// validate checks signed as a validating resolver would, with miekg's
// RRSIG.Verify: every authoritative RRset carries a valid signature by
// each active key of its role, nothing else is signed, and the NSEC chain
// (or NSEC3 chain) closes and tells the truth about each name's types.
func validate(t *testing.T, z rrset.Zone, keys []*Key, p Policy, now time.Time) {
	t.Helper()
	dnskeys := z[rrset.Key{Name: testZone, Type: dns.TypeDNSKEY}]
	if dnskeys == nil {
		t.Fatal("no DNSKEY RRset at the apex")
	}
	for k, set := range z {
		if k.Type == dns.TypeRRSIG {
			continue
		}
		sigs := covering(z, k)
		kd := kindOf(z, testZone, k.Name)
		if isNSEC3Owner(z, k) {
			kd = authoritative
		}
		if !signed(kd, k.Type) {
			if len(sigs) > 0 {
				t.Errorf("%s is not authoritative but signed", k)
			}
			continue
		}
		for _, key := range keys {
			keyType := k.Type == dns.TypeDNSKEY || k.Type == dns.TypeCDS || k.Type == dns.TypeCDNSKEY
			if !key.IsActive(now) || keyType && !key.Role.signsKeys() || !keyType && !key.Role.signsZone() {
				continue
			}
			if !verifiedBy(t, sigs, key, dnskeys, set, now, p) {
				t.Errorf("%s has no valid signature by key %s", k, key)
			}
		}
	}
	if p.NSEC3 {
		checkNSEC3(t, z)
	} else {
		checkNSEC(t, z)
	}
}

func isNSEC3Owner(z rrset.Zone, k rrset.Key) bool {
	_, ok := z[rrset.Key{Name: k.Name, Type: dns.TypeNSEC3}]
	return ok
}

func covering(z rrset.Zone, k rrset.Key) []*dns.RRSIG {
	var out []*dns.RRSIG
	if s := z[rrset.Key{Name: k.Name, Type: dns.TypeRRSIG}]; s != nil {
		for _, rr := range s.RRs {
			if sig := rr.(*dns.RRSIG); sig.TypeCovered == k.Type {
				out = append(out, sig)
			}
		}
	}
	return out
}

func verifiedBy(t *testing.T, sigs []*dns.RRSIG, key *Key, dnskeys *rrset.Set, set *rrset.Set, now time.Time, p Policy) bool {
	t.Helper()
	var pub *dns.DNSKEY
	for _, rr := range dnskeys.RRs {
		if k := rr.(*dns.DNSKEY); k.KeyTag() == key.Tag() && k.PublicKey == key.DNSKEY.PublicKey {
			pub = k
		}
	}
	if pub == nil {
		t.Errorf("key %s is not in the DNSKEY RRset", key)
		return false
	}
	for _, sig := range sigs {
		if sig.KeyTag != key.Tag() {
			continue
		}
		if err := sig.Verify(pub, set.RRs); err != nil {
			t.Errorf("%s: signature by %d does not verify: %v", set.Key, sig.KeyTag, err)
			return false
		}
		if !sig.ValidityPeriod(now) || !sig.ValidityPeriod(now.Add(p.Refresh)) {
			t.Errorf("%s: signature by %d is not valid from now past the refresh window", set.Key, sig.KeyTag)
			return false
		}
		return true
	}
	return false
}

// checkNSEC walks the NSEC chain from the apex: every NSEC visited once, in
// canonical order, back to the apex, and each bitmap is the name's types.
func checkNSEC(t *testing.T, z rrset.Zone) {
	t.Helper()
	count := 0
	for k := range z {
		if k.Type == dns.TypeNSEC {
			count++
		}
	}
	name, seen := testZone, 0
	for {
		set := z[rrset.Key{Name: name, Type: dns.TypeNSEC}]
		if set == nil {
			t.Fatalf("chain broken: no NSEC at %s", name)
		}
		nsec := set.RRs[0].(*dns.NSEC)
		seen++
		if want := wantBitmap(z, name, true); !slices.Equal(nsec.TypeBitMap, want) {
			t.Errorf("NSEC at %s lists %v, want %v", name, typeNames(nsec.TypeBitMap), typeNames(want))
		}
		next := nsec.NextDomain
		if next == testZone {
			break
		}
		if rrset.CompareNames(name, next) >= 0 {
			t.Fatalf("chain out of order: %s -> %s", name, next)
		}
		if seen > count {
			t.Fatal("chain does not close")
		}
		name = next
	}
	if seen != count {
		t.Errorf("chain visits %d NSEC records of %d", seen, count)
	}
}

// wantBitmap is the types a proof of name must list.
func wantBitmap(z rrset.Zone, name string, nsec bool) []uint16 {
	kd := kindOf(z, testZone, name)
	var out []uint16
	anySigned := false
	for k := range z {
		if k.Name != name || k.Type == dns.TypeRRSIG || k.Type == dns.TypeNSEC {
			continue
		}
		if kd == delegation && k.Type != dns.TypeNS && k.Type != dns.TypeDS {
			continue
		}
		out = append(out, k.Type)
		anySigned = anySigned || signed(kd, k.Type)
	}
	if nsec {
		out = append(out, dns.TypeRRSIG, dns.TypeNSEC)
	} else if anySigned {
		out = append(out, dns.TypeRRSIG)
	}
	slices.Sort(out)
	return out
}

func typeNames(ts []uint16) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = dns.TypeToString[t]
	}
	return out
}

// writeZoneFile writes z as zone file text, one record a line.
func writeZoneFile(t *testing.T, z rrset.Zone) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("$ORIGIN " + testZone + "\n")
	for _, rr := range z.Records() {
		b.WriteString(rr.String() + "\n")
	}
	path := filepath.Join(t.TempDir(), "db.example.com")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// dnssecVerify runs BIND's dnssec-verify, a validator dnssync did not
// write, over z. CI installs bind9-utils; only a machine without it skips.
func dnssecVerify(t *testing.T, z rrset.Zone, p Policy, now time.Time) {
	t.Helper()
	bin, err := exec.LookPath("dnssec-verify")
	if err != nil {
		t.Skip("dnssec-verify (bind9-utils) is not installed; CI installs it")
	}
	args := []string{"-o", testZone, "-c", "IN"}
	if !p.Split {
		args = append(args, "-z") // one combined key: no separate KSK
	}
	args = append(args, writeZoneFile(t, z))
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dnssec-verify %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
