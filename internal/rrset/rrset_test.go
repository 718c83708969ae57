package rrset

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// rr parses one record in zone-file syntax, failing the test on error.
func rr(t testing.TB, s string) dns.RR {
	t.Helper()
	r, err := dns.NewRR(s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return r
}

func set(t testing.TB, lines ...string) *Set {
	t.Helper()
	rrs := make([]dns.RR, len(lines))
	for i, l := range lines {
		rrs[i] = rr(t, l)
	}
	return New(rrs...)
}

func TestCanonicalEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b []string
	}{
		{"owner case", []string{"WWW.Example.COM. 300 IN A 192.0.2.1"}, []string{"www.example.com. 300 IN A 192.0.2.1"}},
		{"owner without trailing dot", []string{"www.example.com 300 IN A 192.0.2.1"}, []string{"www.example.com. 300 IN A 192.0.2.1"}},
		{"CNAME target case", []string{"www.example.com. 300 IN CNAME App.EXAMPLE.com."}, []string{"www.example.com. 300 IN CNAME app.example.com."}},
		{"NS target case", []string{"sub.example.com. 300 IN NS NS1.Sub.Example.com."}, []string{"sub.example.com. 300 IN NS ns1.sub.example.com."}},
		{"MX target case", []string{"example.com. 300 IN MX 10 MAIL.example.com."}, []string{"example.com. 300 IN MX 10 mail.example.com."}},
		{"SRV target case", []string{"_sip._tcp.example.com. 300 IN SRV 10 5 5060 SIP.example.com."}, []string{"_sip._tcp.example.com. 300 IN SRV 10 5 5060 sip.example.com."}},
		{"PTR target case", []string{"1.2.0.192.in-addr.arpa. 300 IN PTR Host.Example.com."}, []string{"1.2.0.192.in-addr.arpa. 300 IN PTR host.example.com."}},
		{"SOA names case", []string{"example.com. 3600 IN SOA NS1.example.com. HostMaster.example.com. 0 3600 600 604800 300"}, []string{"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300"}},
		{"CAA tag case", []string{`example.com. 300 IN CAA 0 ISSUE "letsencrypt.org"`}, []string{`example.com. 300 IN CAA 0 issue "letsencrypt.org"`}},
		{"IPv6 expanded", []string{"h.example.com. 300 IN AAAA 2001:0db8:0000:0000:0000:0000:0000:0001"}, []string{"h.example.com. 300 IN AAAA 2001:db8::1"}},
		{"IPv6 upper case", []string{"h.example.com. 300 IN AAAA 2001:DB8::A"}, []string{"h.example.com. 300 IN AAAA 2001:db8::a"}},
		{"IPv6 zero run", []string{"h.example.com. 300 IN AAAA fe80:0:0:0:0:0:0:1"}, []string{"h.example.com. 300 IN AAAA fe80::1"}},
		{"record order", []string{"a.example.com. 60 IN A 192.0.2.2", "a.example.com. 60 IN A 192.0.2.1"}, []string{"a.example.com. 60 IN A 192.0.2.1", "a.example.com. 60 IN A 192.0.2.2"}},
		{"duplicate dropped", []string{"a.example.com. 60 IN A 192.0.2.1", "A.example.com. 60 IN A 192.0.2.1"}, []string{"a.example.com. 60 IN A 192.0.2.1"}},
		{"TXT split the same", []string{`t.example.com. 60 IN TXT "a" "b"`}, []string{`t.example.com. 60 IN TXT "a" "b"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := set(t, tt.a...), set(t, tt.b...)
			if !a.Equal(b) || !b.Equal(a) {
				t.Errorf("sets differ:\n%v %v\n%v %v", a.Key, a, b.Key, b)
			}
		})
	}
}

func TestNotEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b *Set
	}{
		{"TTL", set(t, "a.example.com. 60 IN A 192.0.2.1"), set(t, "a.example.com. 300 IN A 192.0.2.1")},
		{"value", set(t, "a.example.com. 60 IN A 192.0.2.1"), set(t, "a.example.com. 60 IN A 192.0.2.2")},
		{"extra value", set(t, "a.example.com. 60 IN A 192.0.2.1"), set(t, "a.example.com. 60 IN A 192.0.2.1", "a.example.com. 60 IN A 192.0.2.2")},
		{"name", set(t, "a.example.com. 60 IN A 192.0.2.1"), set(t, "b.example.com. 60 IN A 192.0.2.1")},
		{"type", set(t, "a.example.com. 60 IN TXT \"x\""), set(t, "a.example.com. 60 IN SPF \"x\"")},
		{"TXT split differently", set(t, `t.example.com. 60 IN TXT "ab"`), set(t, `t.example.com. 60 IN TXT "a" "b"`)},
		{"TXT case", set(t, `t.example.com. 60 IN TXT "Hello"`), set(t, `t.example.com. 60 IN TXT "hello"`)},
		{"one nil", set(t, "a.example.com. 60 IN A 192.0.2.1"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.a.Equal(tt.b) || tt.b.Equal(tt.a) {
				t.Errorf("%v and %v compare equal", tt.a, tt.b)
			}
		})
	}
	var nilSet *Set
	if !nilSet.Equal(nil) {
		t.Error("nil set does not equal nil")
	}
}

func TestNewDoesNotModifyArguments(t *testing.T) {
	orig := rr(t, "WWW.Example.COM. 60 IN CNAME App.Example.COM.")
	before := orig.String()
	s := New(orig)
	if orig.String() != before {
		t.Errorf("New modified its argument: %q became %q", before, orig.String())
	}
	if got := s.RRs[0].String(); got != "www.example.com.\t60\tIN\tCNAME\tapp.example.com." {
		t.Errorf("canonical record = %q", got)
	}
}

func TestSetAdd(t *testing.T) {
	tests := []struct {
		name   string
		add    []string
		ttl    uint32
		values []string
	}{
		{
			name:   "duplicates dropped",
			add:    []string{"a.example.com. 60 IN A 192.0.2.1", "a.example.com. 60 IN A 192.0.2.1", "a.example.com. 60 IN A 192.0.2.1"},
			ttl:    60,
			values: []string{"192.0.2.1"},
		},
		{
			name:   "duplicate with another TTL dropped, set TTL kept",
			add:    []string{"a.example.com. 60 IN A 192.0.2.1", "a.example.com. 300 IN A 192.0.2.1"},
			ttl:    60,
			values: []string{"192.0.2.1"},
		},
		{
			name:   "new value takes the set's TTL",
			add:    []string{"a.example.com. 60 IN A 192.0.2.2", "a.example.com. 300 IN A 192.0.2.1"},
			ttl:    60,
			values: []string{"192.0.2.1", "192.0.2.2"},
		},
		{
			name:   "IPv6 spellings are one record",
			add:    []string{"a.example.com. 60 IN AAAA 2001:db8::1", "a.example.com. 60 IN AAAA 2001:0DB8:0:0:0:0:0:1"},
			ttl:    60,
			values: []string{"2001:db8::1"},
		},
		{
			name:   "target case is one record",
			add:    []string{"example.com. 60 IN MX 10 mail.example.com.", "example.com. 60 IN MX 10 MAIL.EXAMPLE.COM."},
			ttl:    60,
			values: []string{"10 mail.example.com."},
		},
		{
			name:   "sorted by data",
			add:    []string{"a.example.com. 60 IN A 192.0.2.3", "a.example.com. 60 IN A 192.0.2.1", "a.example.com. 60 IN A 192.0.2.2", "a.example.com. 60 IN A 192.0.2.1"},
			ttl:    60,
			values: []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := set(t, tt.add[0])
			for _, l := range tt.add[1:] {
				s.Add(rr(t, l))
			}
			if s.TTL != tt.ttl {
				t.Errorf("TTL = %d, want %d", s.TTL, tt.ttl)
			}
			if got := s.Values(); !slices.Equal(got, tt.values) {
				t.Errorf("values = %q, want %q", got, tt.values)
			}
			for _, r := range s.RRs {
				if r.Header().Ttl != s.TTL {
					t.Errorf("record %v has TTL %d, set has %d", r, r.Header().Ttl, s.TTL)
				}
			}
		})
	}
}

func TestZonePut(t *testing.T) {
	z := Zone{}
	for _, l := range []string{
		"A.example.com. 60 IN A 192.0.2.1",
		"a.example.com. 300 IN A 192.0.2.2",
		"a.example.com. 60 IN A 192.0.2.1",
		"a.example.com. 60 IN TXT \"x\"",
		"example.com. 3600 IN NS ns1.example.com.",
	} {
		z.Put(rr(t, l))
	}
	if len(z) != 3 {
		t.Fatalf("zone has %d sets, want 3: %v", len(z), z.Keys())
	}
	if z.Count() != 4 {
		t.Errorf("Count() = %d, want 4", z.Count())
	}
	a := z[Key{Name: "a.example.com.", Type: dns.TypeA}]
	if a == nil || a.TTL != 60 || !slices.Equal(a.Values(), []string{"192.0.2.1", "192.0.2.2"}) {
		t.Errorf("a.example.com. A = %v", a)
	}
	want := []Key{
		{"example.com.", dns.TypeNS},
		{"a.example.com.", dns.TypeA},
		{"a.example.com.", dns.TypeTXT},
	}
	if got := z.Keys(); !slices.Equal(got, want) {
		t.Errorf("Keys() = %v, want %v", got, want)
	}
	if got := len(z.Records()); got != 4 {
		t.Errorf("Records() has %d records, want 4", got)
	}
}

// canonicalOrder is RFC 4034 section 6.1's example, restricted to names
// dnssync accepts (no escaped octets), in lower case.
var canonicalOrder = []string{
	"example.",
	"a.example.",
	"yljkjljk.a.example.",
	"z.a.example.",
	"zabc.a.example.",
	"z.example.",
	"*.z.example.",
	"-.z.example.",
	"0.z.example.",
	"_tcp.z.example.",
	"zz.example.",
	"a.example2.",
}

func TestCompareNames(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{"equal", "a.example.com.", "a.example.com.", 0},
		{"equal without trailing dot", "a.example.com", "a.example.com.", 0},
		{"apex before child", "example.com.", "www.example.com.", -1},
		{"child after apex", "www.example.com.", "example.com.", 1},
		{"compared from the root", "z.a.example.com.", "a.b.example.com.", -1},
		{"subtree stays together", "b.a.example.com.", "aa.example.com.", -1},
		{"label prefix first", "a.example.com.", "ab.example.com.", -1},
		{"wildcard before letters", "*.example.com.", "a.example.com.", -1},
		{"root first", ".", "com.", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CompareNames(tt.a, tt.b); sign(got) != tt.want {
				t.Errorf("CompareNames(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
	t.Run("RFC 4034 order", func(t *testing.T) {
		for range 20 {
			names := slices.Clone(canonicalOrder)
			rand.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
			slices.SortFunc(names, CompareNames)
			if !slices.Equal(names, canonicalOrder) {
				t.Fatalf("sorted:\n%q\nwant\n%q", names, canonicalOrder)
			}
		}
	})
}

func TestKeyCompare(t *testing.T) {
	keys := []Key{
		{"example.com.", dns.TypeA},
		{"example.com.", dns.TypeNS},
		{"example.com.", dns.TypeSOA},
		{"example.com.", dns.TypeMX},
		{"a.example.com.", dns.TypeA},
		{"a.example.com.", dns.TypeAAAA},
	}
	want := []Key{
		{"example.com.", dns.TypeA},
		{"example.com.", dns.TypeNS},
		{"example.com.", dns.TypeSOA},
		{"example.com.", dns.TypeMX},
		{"a.example.com.", dns.TypeA},
		{"a.example.com.", dns.TypeAAAA},
	}
	got := slices.Clone(keys)
	slices.Reverse(got)
	slices.SortFunc(got, Key.Compare)
	if !slices.Equal(got, want) {
		t.Errorf("sorted keys = %v, want %v", got, want)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// TestSignatureSetKeepsTTLs: the RRSIGs at a name are one set here, but
// each keeps its own TTL, the TTL of the set it covers (RFC 4034 section
// 3); the set's TTL is the lowest of them.
func TestSignatureSetKeepsTTLs(t *testing.T) {
	z := Zone{}
	long := "example.com. 3600 IN RRSIG SOA 13 2 3600 20261215000000 20261201000000 12345 example.com. AAAA"
	short := "example.com. 300 IN RRSIG TXT 13 2 300 20261215000000 20261201000000 12345 example.com. AAAA"
	for _, s := range []string{long, short} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		z.Put(rr)
	}
	set := z[Key{Name: "example.com.", Type: dns.TypeRRSIG}]
	if set.TTL != 300 {
		t.Errorf("set TTL %d, want the lowest, 300", set.TTL)
	}
	for _, rr := range set.RRs {
		if sig := rr.(*dns.RRSIG); sig.Hdr.Ttl != sig.OrigTtl {
			t.Errorf("%v: TTL %d, want its own %d", sig, sig.Hdr.Ttl, sig.OrigTtl)
		}
	}
}

// SortBy orders as sorting by rank and Key.Compare does: on random keys
// over a small alphabet, where shared tails, label prefixes, equal labels
// and the root are common, and on names holding bytes below 0x02.
func TestSortByIsKeyCompare(t *testing.T) {
	name := func() string {
		var labels []string
		for range rand.IntN(4) {
			labels = append(labels, []string{"a", "b", "ab", "ba", "bench", "xbench", "test", "*", "a\x01", "\x00"}[rand.IntN(10)])
		}
		return strings.Join(labels, ".") + "."
	}
	type elem struct {
		rank byte
		key  Key
	}
	for round := range 200 {
		s := make([]elem, 300+rand.IntN(300))
		for i := range s {
			s[i] = elem{byte(rand.IntN(3)), Key{Name: name(), Type: []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCNAME, 256, 257, 65535}[rand.IntN(6)]}}
		}
		want := slices.Clone(s)
		slices.SortStableFunc(want, func(a, b elem) int {
			if c := cmp.Compare(a.rank, b.rank); c != 0 {
				return c
			}
			return a.key.Compare(b.key)
		})
		SortBy(s, func(e elem) byte { return e.rank }, func(e elem) Key { return e.key })
		for i := range s {
			if s[i].rank != want[i].rank || s[i].key.Compare(want[i].key) != 0 {
				t.Fatalf("round %d: at %d: %v, want %v", round, i, s[i], want[i])
			}
		}
	}
}
