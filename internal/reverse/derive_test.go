package reverse

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

func set(t testing.TB, lines ...string) *rrset.Set {
	t.Helper()
	rrs := make([]dns.RR, len(lines))
	for i, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		rrs[i] = rr
	}
	return rrset.New(rrs...)
}

// texts renders a zone's derived records one a line, in canonical order.
func texts(z rrset.Zone) []string {
	var out []string
	for _, rr := range z.Records() {
		out = append(out, strings.ReplaceAll(rr.String(), "\t", " "))
	}
	return out
}

func TestReverseName(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"192.168.1.10":      "10.1.168.192.in-addr.arpa.",
		"10.0.0.1":          "1.0.0.10.in-addr.arpa.",
		"0.0.0.0":           "0.0.0.0.in-addr.arpa.",
		"255.255.255.255":   "255.255.255.255.in-addr.arpa.",
		"2001:db8::1":       "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
		"2001:db8:abcd::ff": "f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa.",
	} {
		got := reverseName(netip.MustParseAddr(addr))
		if got != want {
			t.Errorf("reverseName(%s) = %s, want %s", addr, got, want)
		}
		// The same as miekg/dns's own, which formats via net.IP.
		if ref, _ := dns.ReverseAddr(addr); got != ref {
			t.Errorf("reverseName(%s) = %s, dns.ReverseAddr says %s", addr, got, ref)
		}
	}
}

func TestDeriveAddressesLandInTheirMostSpecificZone(t *testing.T) {
	t.Parallel()
	zones := []string{"10.in-addr.arpa", "1.168.192.IN-ADDR.ARPA.", "2.10.in-addr.arpa", "8.b.d.0.1.0.0.2.ip6.arpa"}
	forward := []*rrset.Set{
		set(t, "web.example.com. 300 IN A 192.168.1.10"),
		set(t, "db.example.com. 300 IN A 10.1.0.5", "db.example.com. 300 IN A 10.2.3.4"),
		set(t, "out.example.com. 300 IN A 172.16.0.1"), // in no reverse zone
		set(t, "other.example.com. 300 IN A 192.168.10.1"),
		set(t, "web.example.com. 600 IN AAAA 2001:db8::1"),
		set(t, "v6out.example.com. 600 IN AAAA 2001:db9::1"),
		set(t, "web.example.com. 300 IN TXT \"not an address\""),
	}
	got, capped := Derive(zones, nil, forward, nil, nil, 0)
	if len(capped) != 0 {
		t.Errorf("capped = %v", capped)
	}
	want := map[string][]string{
		"10.in-addr.arpa.":          {"5.0.1.10.in-addr.arpa. 300 IN PTR db.example.com."},
		"2.10.in-addr.arpa.":        {"4.3.2.10.in-addr.arpa. 300 IN PTR db.example.com."},
		"1.168.192.in-addr.arpa.":   {"10.1.168.192.in-addr.arpa. 300 IN PTR web.example.com."},
		"8.b.d.0.1.0.0.2.ip6.arpa.": {"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 600 IN PTR web.example.com."},
	}
	if len(got) != len(want) {
		t.Errorf("zones = %q, want every reverse zone given, and only those", slices.Sorted(maps.Keys(got)))
	}
	for z, w := range want {
		if g := texts(got[z]); !slices.Equal(g, w) {
			t.Errorf("%s:\n got %q\nwant %q", z, g, w)
		}
	}
}

func TestDeriveSkipsWildcards(t *testing.T) {
	t.Parallel()
	got, _ := Derive([]string{"10.in-addr.arpa"}, nil, []*rrset.Set{
		set(t, "*.example.com. 300 IN A 10.0.0.1"),
		set(t, "*.apps.example.com. 300 IN A 10.0.0.2"),
		set(t, "host.example.com. 300 IN A 10.0.0.2"),
	}, nil, nil, 0)
	if g, w := texts(got["10.in-addr.arpa."]), []string{"2.0.0.10.in-addr.arpa. 300 IN PTR host.example.com."}; !slices.Equal(g, w) {
		t.Errorf("got %q, want %q", g, w)
	}
}

func TestDeriveSharedAddressCanonicalOrderUpToTheCap(t *testing.T) {
	t.Parallel()
	var forward []*rrset.Set
	// Canonical order is label by label from the root: every x.b.example.com.
	// sorts after a.example.com. and b.example.com.
	for _, n := range []string{"z.example.com.", "x.b.example.com.", "b.example.com.", "a.example.com.", "a.example.net."} {
		forward = append(forward, set(t, n+" 300 IN A 10.0.0.1"))
	}
	got, capped := Derive([]string{"10.in-addr.arpa"}, nil, forward, nil, nil, 3)
	want := []string{
		"1.0.0.10.in-addr.arpa. 300 IN PTR a.example.com.",
		"1.0.0.10.in-addr.arpa. 300 IN PTR b.example.com.",
		"1.0.0.10.in-addr.arpa. 300 IN PTR x.b.example.com.",
	}
	if g := texts(got["10.in-addr.arpa."]); !slices.Equal(g, want) {
		t.Errorf("got %q, want %q (the first 3 in canonical order)", g, want)
	}
	wantCapped := []Capped{{Zone: "10.in-addr.arpa.", Name: "1.0.0.10.in-addr.arpa.", Names: 5, Dropped: 2}}
	if !reflect.DeepEqual(capped, wantCapped) {
		t.Errorf("capped = %+v, want %+v", capped, wantCapped)
	}

	// Under the cap (the default), all are published.
	got, capped = Derive([]string{"10.in-addr.arpa"}, nil, forward, nil, nil, 0)
	if g := texts(got["10.in-addr.arpa."]); len(g) != 5 || len(capped) != 0 {
		t.Errorf("default cap: got %q, capped %v; want all 5", g, capped)
	}
}

func TestDeriveDefaultCap(t *testing.T) {
	t.Parallel()
	var forward []*rrset.Set
	for i := range DefaultCap + 2 {
		forward = append(forward, set(t, fmt.Sprintf("h%02d.example.com. 300 IN A 10.0.0.1", i)))
	}
	got, capped := Derive([]string{"10.in-addr.arpa"}, nil, forward, nil, nil, 0)
	if n := len(texts(got["10.in-addr.arpa."])); n != DefaultCap {
		t.Errorf("%d PTRs published, want DefaultCap (%d)", n, DefaultCap)
	}
	if len(capped) != 1 || capped[0].Dropped != 2 || capped[0].Names != DefaultCap+2 {
		t.Errorf("capped = %+v", capped)
	}
}

func TestDeriveOptOut(t *testing.T) {
	t.Parallel()
	forward := []*rrset.Set{
		set(t, "web.example.com. 300 IN A 10.0.0.1", "web.example.com. 300 IN A 10.0.0.2"),
		set(t, "alias.example.com. 300 IN A 10.0.0.1"),
		set(t, "web.example.com. 300 IN AAAA 2001:db8::1"),
	}
	noPTR := map[string]map[rrset.Key]map[string]bool{
		"example.com.": {
			{Name: "web.example.com.", Type: dns.TypeA}:    {"10.0.0.1": true},
			{Name: "web.example.com.", Type: dns.TypeAAAA}: {"2001:db8::1": true},
		},
	}
	got, _ := Derive([]string{"10.in-addr.arpa", "ip6.arpa"}, nil, forward, OptedOut(noPTR), nil, 0)
	want := []string{
		"1.0.0.10.in-addr.arpa. 300 IN PTR alias.example.com.",
		"2.0.0.10.in-addr.arpa. 300 IN PTR web.example.com.",
	}
	if g := texts(got["10.in-addr.arpa."]); !slices.Equal(g, want) {
		t.Errorf("got %q, want %q", g, want)
	}
	if g := texts(got["ip6.arpa."]); len(g) != 0 {
		t.Errorf("opted-out AAAA derived: %q", g)
	}
	if OptedOut(nil) != nil {
		t.Errorf("no opt-outs should cost no lookups: want a nil OptOut")
	}
}

func TestDeriveExplicitPTRWins(t *testing.T) {
	t.Parallel()
	forward := []*rrset.Set{
		set(t, "web.example.com. 300 IN A 10.0.0.1"),
		set(t, "db.example.com. 300 IN A 10.0.0.2"),
	}
	var asked []rrset.Key
	explicit := func(k rrset.Key) bool {
		asked = append(asked, k)
		return k.Name == "1.0.0.10.in-addr.arpa."
	}
	got, _ := Derive([]string{"10.in-addr.arpa"}, nil, forward, nil, explicit, 0)
	if g, w := texts(got["10.in-addr.arpa."]), []string{"2.0.0.10.in-addr.arpa. 300 IN PTR db.example.com."}; !slices.Equal(g, w) {
		t.Errorf("got %q, want %q", g, w)
	}
	for _, k := range asked {
		if k.Type != dns.TypePTR {
			t.Errorf("explicit asked about %v, want PTR keys", k)
		}
	}
}

func TestDeriveTTLIsTheLowestOfThePublishedNames(t *testing.T) {
	t.Parallel()
	forward := []*rrset.Set{
		set(t, "a.example.com. 600 IN A 10.0.0.1"),
		set(t, "b.example.com. 60 IN A 10.0.0.1"),
		set(t, "c.example.com. 3600 IN A 10.0.0.1"),
		set(t, "z.example.com. 5 IN A 10.0.0.1"), // over the cap: not published, its TTL does not count
		set(t, "solo.example.com. 1234 IN A 10.0.0.9"),
	}
	got, _ := Derive([]string{"10.in-addr.arpa"}, nil, forward, nil, nil, 3)
	want := []string{
		"1.0.0.10.in-addr.arpa. 60 IN PTR a.example.com.",
		"1.0.0.10.in-addr.arpa. 60 IN PTR b.example.com.",
		"1.0.0.10.in-addr.arpa. 60 IN PTR c.example.com.",
		"9.0.0.10.in-addr.arpa. 1234 IN PTR solo.example.com.",
	}
	if g := texts(got["10.in-addr.arpa."]); !slices.Equal(g, want) {
		t.Errorf("got %q, want %q", g, want)
	}
}

func TestDerivedPTRGoesWithItsForwardRecord(t *testing.T) {
	t.Parallel()
	zones := []string{"10.in-addr.arpa"}
	web := set(t, "web.example.com. 300 IN A 10.0.0.1")
	db := set(t, "db.example.com. 300 IN A 10.0.0.2", "db.example.com. 300 IN A 10.0.0.3")
	before, _ := Derive(zones, nil, []*rrset.Set{web, db}, nil, nil, 0)
	if n := len(before["10.in-addr.arpa."]); n != 3 {
		t.Fatalf("before: %d sets, want 3", n)
	}
	// web unregistered, one of db's addresses dropped.
	after, _ := Derive(zones, nil, []*rrset.Set{set(t, "db.example.com. 300 IN A 10.0.0.3")}, nil, nil, 0)
	if g, w := texts(after["10.in-addr.arpa."]), []string{"3.0.0.10.in-addr.arpa. 300 IN PTR db.example.com."}; !slices.Equal(g, w) {
		t.Errorf("after: got %q, want %q", g, w)
	}
	// Nothing left: the zone is there, empty.
	none, _ := Derive(zones, nil, nil, nil, nil, 0)
	if sets, ok := none["10.in-addr.arpa."]; !ok || len(sets) != 0 {
		t.Errorf("no forward records: %v %v, want the zone present and empty", sets, ok)
	}
}

func TestDeriveNoReverseZones(t *testing.T) {
	t.Parallel()
	got, capped := Derive(nil, nil, []*rrset.Set{set(t, "web.example.com. 300 IN A 10.0.0.1")}, nil, nil, 0)
	if len(got) != 0 || len(capped) != 0 {
		t.Errorf("got %v %v, want nothing", got, capped)
	}
}

// The output does not depend on the order of the input: the forward sets
// come out of maps.
func TestDeriveIsDeterministic(t *testing.T) {
	t.Parallel()
	zones := []string{"10.in-addr.arpa", "8.b.d.0.1.0.0.2.ip6.arpa"}
	var forward []*rrset.Set
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		ttl := 60 * (1 + r.IntN(5))
		forward = append(forward,
			set(t, fmt.Sprintf("h%d.example.com. %d IN A 10.0.%d.%d", i, ttl, r.IntN(2), r.IntN(8))),
			set(t, fmt.Sprintf("h%d.example.com. %d IN AAAA 2001:db8::%x", i, ttl, r.IntN(8))))
	}
	want, wantCapped := Derive(zones, nil, forward, nil, nil, 4)
	if len(wantCapped) == 0 {
		t.Fatal("the input should overflow the cap somewhere")
	}
	for range 20 {
		r.Shuffle(len(forward), func(i, j int) { forward[i], forward[j] = forward[j], forward[i] })
		got, capped := Derive(zones, nil, forward, nil, nil, 4)
		if !reflect.DeepEqual(capped, wantCapped) {
			t.Fatalf("capped differs with the input's order")
		}
		for z := range want {
			if !slices.Equal(texts(got[z]), texts(want[z])) {
				t.Fatalf("%s differs with the input's order", z)
			}
		}
	}
}

func BenchmarkDerive100kA(b *testing.B) {
	forward := make([]*rrset.Set, 100_000)
	for i := range forward {
		forward[i] = set(b, fmt.Sprintf("h%d.example.com. 300 IN A 10.%d.%d.%d", i, i>>16&0xff, i>>8&0xff, i&0xff))
	}
	zones := []string{"10.in-addr.arpa"}
	b.ReportAllocs()
	for b.Loop() {
		got, _ := Derive(zones, nil, forward, nil, nil, 0)
		if len(got["10.in-addr.arpa."]) != len(forward) {
			b.Fatal("not every address derived")
		}
	}
}

// TestDeriveSkipsAddressesOfAZoneManagedApart: an address whose most
// specific managed zone is not a reverse zone (a child managed with
// reverse: false) gets no derived PTR: one in the parent, under the
// child's apex, would be answered by no one (the child is authoritative
// there). The parent still gets the addresses outside the child.
func TestDeriveSkipsAddressesOfAZoneManagedApart(t *testing.T) {
	t.Parallel()
	forward := []*rrset.Set{
		set(t, "in-child.example.com. 300 IN A 192.0.2.10"),
		set(t, "in-parent.example.com. 300 IN A 192.0.3.10"),
	}
	managed := []string{"example.com", "0.192.in-addr.arpa", "2.0.192.in-addr.arpa"}
	got, _ := Derive([]string{"0.192.in-addr.arpa"}, managed, forward, nil, nil, 0)
	if want := []string{"10.3.0.192.in-addr.arpa. 300 IN PTR in-parent.example.com."}; !slices.Equal(texts(got["0.192.in-addr.arpa."]), want) {
		t.Errorf("0.192.in-addr.arpa. = %q, want %q", texts(got["0.192.in-addr.arpa."]), want)
	}
	if _, ok := got["2.0.192.in-addr.arpa."]; ok {
		t.Errorf("the zone managed apart got derived content: %q", texts(got["2.0.192.in-addr.arpa."]))
	}
}

// TestDeriveMappedAAAAUnderIP6Arpa: an IPv4-mapped AAAA (::ffff:a.b.c.d)
// is an IPv6 record: `dig -x` of its address asks ip6.arpa, so that is
// where its PTR goes, never in-addr.arpa (where the A's PTR would be).
func TestDeriveMappedAAAAUnderIP6Arpa(t *testing.T) {
	t.Parallel()
	forward := []*rrset.Set{set(t, "mapped.example.com. 300 IN AAAA ::ffff:10.0.0.1")}
	got, _ := Derive([]string{"10.in-addr.arpa", "ip6.arpa"}, nil, forward, nil, nil, 0)
	if g := texts(got["10.in-addr.arpa."]); len(g) != 0 {
		t.Errorf("10.in-addr.arpa. = %q, want nothing from an AAAA", g)
	}
	want := []string{"1.0.0.0.0.0.a.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa. 300 IN PTR mapped.example.com."}
	if g := texts(got["ip6.arpa."]); !slices.Equal(g, want) {
		t.Errorf("ip6.arpa. = %q, want %q", g, want)
	}
}
