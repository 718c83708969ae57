package dnssec

import (
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

func policies() map[string]Policy {
	def := DefaultPolicy()
	split := def
	split.Split = true
	ed := def
	ed.Algorithm = dns.ED25519
	edSplit := split
	edSplit.Algorithm = dns.ED25519
	n3 := def
	n3.NSEC3 = true
	n3Split := split
	n3Split.NSEC3 = true
	return map[string]Policy{
		"csk ecdsa nsec": def,
		"split ecdsa":    split,
		"csk ed25519":    ed,
		"split ed25519":  edSplit,
		"csk nsec3":      n3,
		"split nsec3":    n3Split,
	}
}

func TestSignValidates(t *testing.T) {
	t.Parallel()
	for name, p := range policies() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			keys := testKeys(t, p)
			unsigned := testUnsigned(t, 1)
			signed, err := Sign(testZone, unsigned, keys, p, t0)
			if err != nil {
				t.Fatal(err)
			}
			validate(t, signed, keys, p, t0)
			dnssecVerify(t, signed, p, t0)
			if len(unsigned) != len(testUnsigned(t, 1)) {
				t.Error("Sign modified its argument")
			}
		})
	}
}

func TestSignLeavesDelegationsAndGlueUnsigned(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	signed, err := Sign(testZone, testUnsigned(t, 1), testKeys(t, p), p, t0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key     rrset.Key
		signed  bool
		hasNSEC bool
	}{
		{rrset.Key{Name: "sub.example.com.", Type: dns.TypeNS}, false, true},
		{rrset.Key{Name: "sub.example.com.", Type: dns.TypeDS}, true, true},
		{rrset.Key{Name: "ns.sub.example.com.", Type: dns.TypeA}, false, false},
		{rrset.Key{Name: "deep.glue.sub.example.com.", Type: dns.TypeA}, false, false},
		{rrset.Key{Name: "insecure.example.com.", Type: dns.TypeNS}, false, true},
		{rrset.Key{Name: "www.example.com.", Type: dns.TypeA}, true, true},
		{rrset.Key{Name: testZone, Type: dns.TypeNS}, true, true},
	}
	for _, tt := range tests {
		if got := len(covering(signed, tt.key)) > 0; got != tt.signed {
			t.Errorf("%s signed = %v, want %v", tt.key, got, tt.signed)
		}
		if _, got := signed[rrset.Key{Name: tt.key.Name, Type: dns.TypeNSEC}]; got != tt.hasNSEC {
			t.Errorf("%s has NSEC = %v, want %v", tt.key.Name, got, tt.hasNSEC)
		}
	}
	nsec := signed[rrset.Key{Name: "insecure.example.com.", Type: dns.TypeNSEC}].RRs[0].(*dns.NSEC)
	if want := []uint16{dns.TypeNS, dns.TypeRRSIG, dns.TypeNSEC}; !equalTypes(nsec.TypeBitMap, want) {
		t.Errorf("NSEC at an insecure delegation lists %v", typeNames(nsec.TypeBitMap))
	}
}

func equalTypes(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSignRefuses(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	keys := testKeys(t, p)
	tests := map[string]rrset.Zone{
		"no SOA":         zoneOf(t, "www.example.com. 300 IN A 192.0.2.1"),
		"out of zone":    zoneOf(t, "example.com. 3600 IN SOA ns1.example.com. h.example.com. 1 3600 600 604800 300", "www.example.net. 300 IN A 192.0.2.1"),
		"an RRSIG":       zoneOf(t, "example.com. 3600 IN SOA ns1.example.com. h.example.com. 1 3600 600 604800 300", "example.com. 300 IN RRSIG A 13 2 300 20260101000000 20250101000000 1 example.com. AAAA"),
		"its own DNSKEY": zoneOf(t, "example.com. 3600 IN SOA ns1.example.com. h.example.com. 1 3600 600 604800 300", keys[0].DNSKEY.String()),
	}
	for name, z := range tests {
		if _, err := Sign(testZone, z, keys, p, t0); err == nil {
			t.Errorf("%s: signed, want an error", name)
		}
	}
	if _, err := Sign(testZone, testUnsigned(t, 1), nil, p, t0); err == nil {
		t.Error("signed without keys")
	}
	other, err := NewKey("example.net.", CSK, p.Algorithm, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sign(testZone, testUnsigned(t, 1), []*Key{other}, p, t0); err == nil {
		t.Error("signed with another zone's key")
	}
}
