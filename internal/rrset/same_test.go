package rrset

import (
	"testing"

	"github.com/miekg/dns"
)

// TestSameRdataIsRdataEquality holds sameRdata to the one definition of a
// record's identity, Rdata equality, over pairs of every type it decides on
// fields (each field changed in turn) and some it does not: a field it
// forgot to compare would call two different records the same, and a
// header it compared would call one record two.
func TestSameRdataIsRdataEquality(t *testing.T) {
	groups := [][]string{
		{"a.example. 60 IN A 192.0.2.1", "a.example. 300 IN A 192.0.2.1", "a.example. 60 IN A 192.0.2.2"},
		{"a.example. 60 IN AAAA 2001:db8::1", "a.example. 9 IN AAAA 2001:0db8:0:0::1", "a.example. 60 IN AAAA 2001:db8::2"},
		{"a.example. 60 IN CNAME b.example.", "a.example. 1 IN CNAME b.example.", "a.example. 60 IN CNAME c.example."},
		{"a.example. 60 IN NS b.example.", "a.example. 60 IN NS c.example."},
		{"1.2.0.192.in-addr.arpa. 60 IN PTR b.example.", "1.2.0.192.in-addr.arpa. 60 IN PTR c.example."},
		{`a.example. 60 IN TXT "x" "y"`, `a.example. 61 IN TXT "x" "y"`, `a.example. 60 IN TXT "xy"`, `a.example. 60 IN TXT "x" "Y"`},
		{"a.example. 60 IN MX 10 m.example.", "a.example. 60 IN MX 20 m.example.", "a.example. 60 IN MX 10 n.example."},
		{"_s._tcp.a.example. 60 IN SRV 1 2 3 t.example.", "_s._tcp.a.example. 60 IN SRV 9 2 3 t.example.",
			"_s._tcp.a.example. 60 IN SRV 1 9 3 t.example.", "_s._tcp.a.example. 60 IN SRV 1 2 9 t.example.",
			"_s._tcp.a.example. 60 IN SRV 1 2 3 u.example."},
		{"example. 60 IN SOA ns.example. h.example. 1 2 3 4 5", "example. 60 IN SOA ns2.example. h.example. 1 2 3 4 5",
			"example. 60 IN SOA ns.example. h2.example. 1 2 3 4 5", "example. 60 IN SOA ns.example. h.example. 9 2 3 4 5",
			"example. 60 IN SOA ns.example. h.example. 1 9 3 4 5", "example. 60 IN SOA ns.example. h.example. 1 2 9 4 5",
			"example. 60 IN SOA ns.example. h.example. 1 2 3 9 5", "example. 60 IN SOA ns.example. h.example. 1 2 3 4 9"},
		{`example. 60 IN CAA 0 issue "ca.example"`, `example. 60 IN CAA 128 issue "ca.example"`,
			`example. 60 IN CAA 0 iodef "ca.example"`, `example. 60 IN CAA 0 issue "cb.example"`},
		{"a.example. 60 IN RRSIG A 13 2 60 20300101000000 20200101000000 12345 example. AAAA",
			"a.example. 60 IN RRSIG AAAA 13 2 60 20300101000000 20200101000000 12345 example. AAAA",
			"a.example. 60 IN RRSIG A 8 2 60 20300101000000 20200101000000 12345 example. AAAA",
			"a.example. 60 IN RRSIG A 13 1 60 20300101000000 20200101000000 12345 example. AAAA",
			"a.example. 60 IN RRSIG A 13 2 61 20300101000000 20200101000000 12345 example. AAAA",
			"a.example. 60 IN RRSIG A 13 2 60 20300102000000 20200101000000 12345 example. AAAA",
			"a.example. 60 IN RRSIG A 13 2 60 20300101000000 20200102000000 12345 example. AAAA",
			"a.example. 60 IN RRSIG A 13 2 60 20300101000000 20200101000000 12346 example. AAAA",
			"a.example. 60 IN RRSIG A 13 2 60 20300101000000 20200101000000 12345 other. AAAA",
			"a.example. 60 IN RRSIG A 13 2 60 20300101000000 20200101000000 12345 example. AAAB"},
		{"a.example. 60 IN NSEC b.example. A RRSIG NSEC", "a.example. 60 IN NSEC c.example. A RRSIG NSEC",
			"a.example. 60 IN NSEC b.example. AAAA RRSIG NSEC"},
		{"example. 60 IN DNSKEY 257 3 13 AAAA", "example. 60 IN DNSKEY 256 3 13 AAAA",
			"example. 60 IN DNSKEY 257 3 15 AAAA", "example. 60 IN DNSKEY 257 3 13 AAAB"},
		{"s.example. 60 IN DS 1 13 2 AABB", "s.example. 60 IN DS 2 13 2 AABB", "s.example. 60 IN DS 1 8 2 AABB",
			"s.example. 60 IN DS 1 13 1 AABB", "s.example. 60 IN DS 1 13 2 AABC"},
		// Types decided by their text alone.
		{`a.example. 60 IN HINFO "x" "y"`, `a.example. 60 IN HINFO "x" "z"`},
		{"a.example. 60 IN SSHFP 1 1 AABB", "a.example. 60 IN SSHFP 1 2 AABB"},
	}
	for _, g := range groups {
		var rrs []dns.RR
		for _, l := range g {
			rrs = append(rrs, Canonical(rr(t, l)))
		}
		for _, a := range rrs {
			for _, b := range rrs {
				if got, want := sameRdata(a, b), Rdata(a) == Rdata(b); got != want {
					t.Errorf("sameRdata(%q, %q) = %v, want %v (Rdata %q vs %q)", a, b, got, want, Rdata(a), Rdata(b))
				}
			}
		}
	}
}

// TestSameRecordsIgnoresTTL: a cache's answer, its TTL counted down, holds
// the same records as the set wanted; another value does not.
func TestSameRecordsIgnoresTTL(t *testing.T) {
	want := set(t, "a.example. 300 IN A 192.0.2.1", "a.example. 300 IN A 192.0.2.2")
	cached := set(t, "a.example. 17 IN A 192.0.2.2", "a.example. 17 IN A 192.0.2.1")
	other := set(t, "a.example. 300 IN A 192.0.2.1", "a.example. 300 IN A 192.0.2.3")
	if !cached.SameRecords(want) {
		t.Errorf("%v and %v: not the same records", cached, want)
	}
	if cached.Equal(want) {
		t.Errorf("%v equals %v despite the TTL", cached, want)
	}
	if other.SameRecords(want) || want.SameRecords(nil) {
		t.Errorf("different records compared the same")
	}
	var none *Set
	if !none.SameRecords(nil) {
		t.Error("two nil sets do not hold the same records")
	}
}

// TestContains is Has of the canonical Rdata, for records in any spelling.
func TestContains(t *testing.T) {
	s := set(t, "a.example. 60 IN AAAA 2001:db8::1", "a.example. 60 IN AAAA 2001:db8::2")
	for _, tt := range []struct {
		rr   string
		want bool
	}{
		{"A.Example. 5 IN AAAA 2001:0DB8::1", true},
		{"a.example. 60 IN AAAA 2001:db8::2", true},
		{"a.example. 60 IN AAAA 2001:db8::3", false},
	} {
		r := rr(t, tt.rr)
		if got := s.Contains(r); got != tt.want {
			t.Errorf("Contains(%q) = %v, want %v", tt.rr, got, tt.want)
		}
		if got := s.Has(Rdata(Canonical(r))); got != tt.want {
			t.Errorf("Has(%q) = %v, want %v", tt.rr, got, tt.want)
		}
	}
}
