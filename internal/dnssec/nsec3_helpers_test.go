package dnssec

import (
	"slices"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// checkNSEC3 checks the NSEC3 chain: RFC 9276 parameters, one record for
// each authoritative name and empty non-terminal (found by hashing them
// here), hashes in order, closing, and bitmaps telling the truth.
func checkNSEC3(t *testing.T, z rrset.Zone) {
	t.Helper()
	param := z[rrset.Key{Name: testZone, Type: dns.TypeNSEC3PARAM}]
	if param == nil {
		t.Fatal("no NSEC3PARAM at the apex")
	}
	if p := param.RRs[0].(*dns.NSEC3PARAM); p.Iterations != 0 || p.Salt != "" || p.Flags != 0 || p.Hash != dns.SHA1 {
		t.Errorf("NSEC3PARAM = %v, want SHA-1, no iterations, no salt, no flags", p)
	}
	var chain []*dns.NSEC3
	for k, s := range z {
		if k.Type == dns.TypeNSEC {
			t.Errorf("NSEC at %s in an NSEC3 zone", k.Name)
		}
		if k.Type == dns.TypeNSEC3 {
			chain = append(chain, s.RRs[0].(*dns.NSEC3))
		}
	}
	slices.SortFunc(chain, func(a, b *dns.NSEC3) int { return strings.Compare(a.Hdr.Name, b.Hdr.Name) })
	for i, n := range chain {
		next := chain[(i+1)%len(chain)]
		if !strings.EqualFold(n.NextDomain+"."+testZone, next.Hdr.Name) {
			t.Errorf("NSEC3 %s points at %s, want %s", n.Hdr.Name, n.NextDomain, next.Hdr.Name)
		}
		if n.Iterations != 0 || n.Salt != "" || n.Flags != 0 {
			t.Errorf("NSEC3 %s has iterations %d, salt %q, flags %d", n.Hdr.Name, n.Iterations, n.Salt, n.Flags)
		}
	}
	// Every name that needs a proof has one, matched by hash.
	want := map[string][]uint16{}
	for k := range z {
		if k.Type == dns.TypeNSEC3 || k.Type == dns.TypeRRSIG || kindOf(z, testZone, k.Name) == occluded {
			continue
		}
		want[k.Name] = wantBitmap(z, k.Name, false)
		for a := k.Name; a != testZone; {
			a = a[strings.IndexByte(a, '.')+1:]
			if _, ok := want[a]; !ok {
				want[a] = nil // an empty non-terminal, unless it has data (filled in above when seen)
			}
		}
	}
	for name := range want {
		if want[name] == nil {
			want[name] = wantBitmap(z, name, false)
		}
	}
	if len(chain) != len(want) {
		t.Errorf("%d NSEC3 records for %d names", len(chain), len(want))
	}
	for name, types := range want {
		found := false
		for _, n := range chain {
			if n.Match(name) {
				found = true
				if !slices.Equal(n.TypeBitMap, types) {
					t.Errorf("NSEC3 of %s lists %v, want %v", name, typeNames(n.TypeBitMap), typeNames(types))
				}
			}
		}
		if !found {
			t.Errorf("no NSEC3 matches %s", name)
		}
	}
}
