package dnssec

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

func TestDSNamesTheKeySigningKeys(t *testing.T) {
	t.Parallel()
	for name, p := range policies() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			keys := testKeys(t, p)
			dss, err := DS(testZone, keys, 3600, t0)
			if err != nil {
				t.Fatal(err)
			}
			if len(dss) != 1 {
				t.Fatalf("%d DS records, want 1 (the CSK or the KSK)", len(dss))
			}
			ds := dss[0]
			ksk := keys[0] // CSK, or KSK when split
			if ds.KeyTag != ksk.Tag() || ds.DigestType != dns.SHA256 || ds.Algorithm != p.Algorithm || ds.Hdr.Ttl != 3600 || ds.Hdr.Name != testZone {
				t.Errorf("DS %v does not name key %s with SHA-256", ds, ksk)
			}
			if want := ksk.DNSKEY.ToDS(dns.SHA256); !strings.EqualFold(ds.Digest, want.Digest) {
				t.Errorf("digest %s, want %s", ds.Digest, want.Digest)
			}
			// The zone publishes the same key for parents that poll (RFC 7344).
			signed, err := Sign(testZone, testUnsigned(t, 1), keys, p, t0)
			if err != nil {
				t.Fatal(err)
			}
			cds := signed[rrset.Key{Name: testZone, Type: dns.TypeCDS}]
			if cds == nil || len(cds.RRs) != 1 || !strings.EqualFold(cds.RRs[0].(*dns.CDS).Digest, ds.Digest) {
				t.Errorf("CDS %v, want the DS %v", cds, ds)
			}
			cdnskey := signed[rrset.Key{Name: testZone, Type: dns.TypeCDNSKEY}]
			if cdnskey == nil || len(cdnskey.RRs) != 1 || cdnskey.RRs[0].(*dns.CDNSKEY).PublicKey != ksk.DNSKEY.PublicKey {
				t.Errorf("CDNSKEY %v, want key %s", cdnskey, ksk)
			}
		})
	}
}

func TestDSRefuses(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	p.Split = true
	keys := testKeys(t, p)
	if _, err := DS("example.net.", keys, 3600, t0); err == nil {
		t.Error("DS of another zone's keys")
	}
	if _, err := DS(testZone, keys[1:], 3600, t0); err == nil {
		t.Error("DS of a ZSK alone")
	}
	later := slices.Clone(keys)
	retired := *keys[0]
	retired.Retired = t0
	later[0] = &retired
	if _, err := DS(testZone, later, 3600, t0.Add(time.Hour)); err == nil {
		t.Error("DS of a retired KSK")
	}
}

func TestDue(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	s, err := newSigner(testZone, testKeys(t, p), p, t0)
	if err != nil {
		t.Fatal(err)
	}
	at := func(d time.Duration) uint32 { return uint32(t0.Add(d).Unix()) }
	tests := []struct {
		name                  string
		inception, expiration uint32
		due                   bool
	}{
		{"fresh", at(-time.Hour), at(14 * 24 * time.Hour), false},
		{"just past the refresh window", at(-time.Hour), at(p.Refresh + time.Second), false},
		{"at the refresh window", at(-time.Hour), at(p.Refresh - time.Second), true},
		{"expired", at(-20 * 24 * time.Hour), at(-time.Hour), true},
		{"not yet valid", at(time.Minute), at(14 * 24 * time.Hour), true},
	}
	for _, tt := range tests {
		if got := s.due(&dns.RRSIG{Inception: tt.inception, Expiration: tt.expiration}); got != tt.due {
			t.Errorf("%s: due = %v, want %v", tt.name, got, tt.due)
		}
	}
}
