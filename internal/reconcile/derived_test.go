package reconcile

import (
	"fmt"
	"log/slog"
	"maps"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
	"github.com/dnssync/dnssync/internal/zones"
)

const (
	zoneRev = "2.0.192.in-addr.arpa."
	zoneCat = "catalog.invalid."
)

// zoneLines renders a zone's records as sorted zone-file lines.
func zoneLines(z rrset.Sets) []string {
	out := []string{}
	for _, rr := range rrset.Zone(maps.Collect(z.All())).Records() {
		out = append(out, strings.ReplaceAll(rr.String(), "\t", " "))
	}
	return out
}

// derive lays the derived content over the State: a reverse zone gets the
// store's own sets plus the PTRs of every forward A and AAAA, where
// records.d says nothing at the name and the record did not opt out; the
// catalog lists its members. The State given is left as it was.
func TestDerive(t *testing.T) {
	t.Parallel()
	const zoneRev6 = "8.b.d.0.1.0.0.2.ip6.arpa."
	st := stateOf(map[string]rrset.Zone{
		zoneA: zoneOf(t,
			"www.example.com. 300 IN A 192.0.2.1",
			"www.example.com. 300 IN AAAA 2001:db8::1",
			"mail.example.com. 60 IN A 192.0.2.1",
			"quiet.example.com. 300 IN A 192.0.2.9",
			"*.example.com. 300 IN A 192.0.2.10",
			"custom.example.com. 300 IN A 192.0.2.5",
			"sub.example.com. 300 IN A 192.0.2.70",
			"far.example.com. 300 IN A 198.51.100.1"),
		zoneRev: zoneOf(t,
			"5.2.0.192.in-addr.arpa. 600 IN PTR named-by-hand.example.com.",
			"70.2.0.192.in-addr.arpa. 600 IN CNAME 70.64/26.2.0.192.in-addr.arpa."),
	}, zoneA, zoneRev, zoneRev6)
	st.NoPTR = map[string]map[rrset.Key]map[string]bool{
		zoneA: {{Name: "quiet.example.com.", Type: dns.TypeA}: {"192.0.2.9": true}},
	}
	st.Records = map[string]int{zoneA: 8, zoneRev: 2}
	before := maps.Clone(st.Zones)
	beforeRev := maps.Collect(st.Zone(zoneRev).All())

	got, capped := derive(st, Derivation{
		Catalog: zoneCat, Members: []string{zoneA, zoneRev, zoneRev6},
		Reverse: []string{zoneRev, zoneRev6}, CatalogTTL: 3600,
	})
	if len(capped) != 0 {
		t.Errorf("capped = %v, want none", capped)
	}
	wantRev := []string{
		"1.2.0.192.in-addr.arpa. 60 IN PTR mail.example.com.",
		"1.2.0.192.in-addr.arpa. 60 IN PTR www.example.com.",
		"5.2.0.192.in-addr.arpa. 600 IN PTR named-by-hand.example.com.",
		"70.2.0.192.in-addr.arpa. 600 IN CNAME 70.64/26.2.0.192.in-addr.arpa.",
	}
	if g := zoneLines(got.Zone(zoneRev)); !slices.Equal(g, wantRev) {
		t.Errorf("reverse zone:\n%s\nwant (explicit PTR and CNAME win, wildcard and ptr: false skipped, lowest TTL):\n%s",
			strings.Join(g, "\n"), strings.Join(wantRev, "\n"))
	}
	wantRev6 := []string{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 300 IN PTR www.example.com."}
	if g := zoneLines(got.Zone(zoneRev6)); !slices.Equal(g, wantRev6) {
		t.Errorf("ip6 reverse zone: %q, want %q", g, wantRev6)
	}
	wantCat := zones.CatalogRecords(zoneCat, []string{zoneA, zoneRev, zoneRev6}, 3600)
	if got.Zone(zoneCat).Len() != len(wantCat) || len(wantCat) != 4 {
		t.Errorf("catalog holds %d sets, want %d (version and 3 members)", got.Zone(zoneCat).Len(), len(wantCat))
	}
	for _, s := range wantCat {
		if !s.Equal(got.Zone(zoneCat).Get(s.Key)) {
			t.Errorf("catalog %s = %v, want %v", s.Key, got.Zone(zoneCat).Get(s.Key), s)
		}
	}
	if got.Records[zoneRev] != 4 || got.Records[zoneCat] != 4 || got.Records[zoneA] != 8 {
		t.Errorf("records = %v, want the derived zones counted", got.Records)
	}
	if !maps.EqualFunc(maps.Collect(got.Zone(zoneA).All()), maps.Collect(st.Zone(zoneA).All()), func(a, b *rrset.Set) bool { return a == b }) {
		t.Errorf("forward zone changed")
	}

	// The input: the same zones, the same sets, no catalog added.
	if got == st || !maps.EqualFunc(st.Zones, before, func(a, b rrset.Sets) bool { return a.Len() == b.Len() }) {
		t.Errorf("derive changed the State it was given: %d zones, was %d", len(st.Zones), len(before))
	}
	if !maps.Equal(maps.Collect(st.Zone(zoneRev).All()), beforeRev) || st.Records[zoneRev] != 2 {
		t.Errorf("derive changed the given reverse zone: %v", zoneLines(st.Zone(zoneRev)))
	}

	if same, _ := derive(st, Derivation{}); same != st {
		t.Errorf("nothing to derive: a new State, want the one given")
	}
}

// More names at one address than the cap: the last in canonical order are
// left out, and counted.
func TestDeriveCap(t *testing.T) {
	t.Parallel()
	st := stateOf(map[string]rrset.Zone{zoneA: zoneOf(t,
		"a.example.com. 300 IN A 192.0.2.1", "b.example.com. 300 IN A 192.0.2.1", "c.example.com. 300 IN A 192.0.2.1")}, zoneA, zoneRev)
	got, capped := derive(st, Derivation{Reverse: []string{zoneRev}, Cap: 2})
	want := []string{"1.2.0.192.in-addr.arpa. 300 IN PTR a.example.com.", "1.2.0.192.in-addr.arpa. 300 IN PTR b.example.com."}
	if g := zoneLines(got.Zone(zoneRev)); !slices.Equal(g, want) {
		t.Errorf("reverse zone = %q, want %q", g, want)
	}
	if len(capped) != 1 || capped[0].Dropped != 1 || capped[0].Names != 3 {
		t.Errorf("capped = %+v, want one name, 1 of 3 dropped", capped)
	}
}

// reverseHarness: zoneA and its reverse zone, served at serial 5 with only
// the base records; the backend applies to the server at serial 5, so that
// a verified zone stays cached for passes of changed files.
func reverseHarness(t *testing.T, zs ...string) *harness {
	h := newHarness(zs...)
	h.backend.base = map[string][]dns.RR{}
	for _, z := range zs {
		h.server.serve(z, 5, zoneOf(t, baseOf(z)...))
		h.backend.base[z] = mustRRs(t, baseOf(z)...)
	}
	h.backend.server, h.backend.serial = h.server, 5
	h.verifier.serials = []uint32{5}
	return h
}

// planOfZone is the summary of zone's plan in res.
func planOfZone(t *testing.T, res Result, zone string) []string {
	t.Helper()
	for _, z := range res.Zones {
		if z.Zone == zone {
			if z.Err != nil {
				t.Fatalf("zone %s: %v", zone, z.Err)
			}
			return summary(z.Plan)
		}
	}
	return nil
}

// A pass for changed files that plans a forward zone plans the reverse
// zone too, in full though the Store says nothing changed in it, against
// the zone as last seen: a PTR comes with its address and goes with it,
// and only the PTR that changed is applied.
func TestChangedPlansReverseZone(t *testing.T) {
	const path = "records.d/a.yaml"
	h := reverseHarness(t, zoneA, zoneRev)
	h.r.ReverseZones = []string{zoneRev}
	h.store.reload = map[string][]string{path: {zoneA}}
	www := "www.example.com. 300 IN A 192.0.2.1"
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, www)}, zoneA, zoneRev))

	res := h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true})
	if got, want := planOfZone(t, res, zoneRev), []string{"create 1.2.0.192.in-addr.arpa. PTR"}; !slices.Equal(got, want) {
		t.Fatalf("full pass, reverse zone: %q, want %q", got, want)
	}

	steps := []struct {
		name    string
		forward []string
		want    []string
	}{
		{"an address added", []string{www, "api.example.com. 300 IN A 192.0.2.2"}, []string{"create 2.2.0.192.in-addr.arpa. PTR"}},
		{"a name added at an address", []string{www, "api.example.com. 300 IN A 192.0.2.2", "alias.example.com. 300 IN A 192.0.2.1"},
			[]string{"update 1.2.0.192.in-addr.arpa. PTR"}},
		{"an address removed", []string{"api.example.com. 300 IN A 192.0.2.2", "alias.example.com. 300 IN A 192.0.2.1"},
			[]string{"update 1.2.0.192.in-addr.arpa. PTR"}},
		{"every address removed", nil, []string{"delete 1.2.0.192.in-addr.arpa. PTR", "delete 2.2.0.192.in-addr.arpa. PTR"}},
	}
	for _, s := range steps {
		h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, s.forward...)}, zoneA, zoneRev))
		before := len(h.server.transfers())
		res := h.r.Changed(t.Context(), []string{path}, Options{Apply: true, Verify: true})
		if got := planOfZone(t, res, zoneRev); !slices.Equal(got, s.want) {
			t.Errorf("%s: reverse zone planned %q, want %q", s.name, got, s.want)
		}
		if n := len(h.server.transfers()) - before; n != 0 {
			t.Errorf("%s: %d transfers, want the zones as last seen", s.name, n)
		}
	}
	served := h.server.zones[zoneRev].Sets
	for k := range served {
		if k.Type == dns.TypePTR {
			t.Errorf("PTR %s still served after its addresses went", k)
		}
	}
}

// An explicit PTR in records.d wins over the derived one, a record that
// says `ptr: false` gets none, and a pass for changed files follows both.
func TestChangedReverseExplicitAndOptOut(t *testing.T) {
	const path = "records.d/a.yaml"
	h := reverseHarness(t, zoneA, zoneRev)
	h.r.ReverseZones = []string{zoneRev}
	h.store.reload = map[string][]string{path: {zoneA, zoneRev}}
	fwd := zoneOf(t, "www.example.com. 300 IN A 192.0.2.1", "db.example.com. 300 IN A 192.0.2.3")
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: fwd}, zoneA, zoneRev))
	h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true})

	st := stateOf(map[string]rrset.Zone{zoneA: fwd, zoneRev: zoneOf(t, "1.2.0.192.in-addr.arpa. 300 IN PTR by-hand.example.com.")}, zoneA, zoneRev)
	st.NoPTR = map[string]map[rrset.Key]map[string]bool{zoneA: {{Name: "db.example.com.", Type: dns.TypeA}: {"192.0.2.3": true}}}
	h.store.setState(st)
	res := h.r.Changed(t.Context(), []string{path}, Options{Apply: true, Verify: true})
	if got, want := planOfZone(t, res, zoneRev), []string{"delete 3.2.0.192.in-addr.arpa. PTR", "update 1.2.0.192.in-addr.arpa. PTR"}; !slices.Equal(got, want) {
		t.Errorf("reverse zone planned %q, want %q", got, want)
	}
	got := h.server.zones[zoneRev].Sets[rrset.Key{Name: "1.2.0.192.in-addr.arpa.", Type: dns.TypePTR}]
	if got == nil || !slices.Equal(got.Values(), []string{"by-hand.example.com."}) {
		t.Errorf("served PTR = %v, want the explicit one", got)
	}
}

// A pass for changed files that touches no forward zone leaves the reverse
// zone alone; one that touches a zone without addresses changed plans it
// and finds nothing to do.
func TestChangedReverseOnlyWhenForwardPlanned(t *testing.T) {
	h := reverseHarness(t, zoneA, zoneB, zoneRev)
	h.r.ReverseZones = []string{zoneRev}
	h.store.reload = map[string][]string{"a.yaml": {zoneA}}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.1")}, zoneA, zoneB, zoneRev))
	h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true})

	res := h.r.Changed(t.Context(), []string{"other.yaml"}, Options{Apply: true, Verify: true})
	if len(res.Zones) != 0 {
		t.Errorf("nothing changed: planned %d zones", len(res.Zones))
	}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.1", "www.example.com. 300 IN TXT hello")}, zoneA, zoneB, zoneRev))
	res = h.r.Changed(t.Context(), []string{"a.yaml"}, Options{Apply: true, Verify: true})
	var planned []string
	for _, z := range res.Zones {
		planned = append(planned, z.Zone)
	}
	if !slices.Equal(planned, []string{zoneA, zoneRev}) {
		t.Errorf("planned %q, want the forward zone and the reverse zone", planned)
	}
	if got := planOfZone(t, res, zoneRev); len(got) != 0 {
		t.Errorf("reverse zone planned %q, want nothing", got)
	}
}

// The catalog lists the other zones; a zone added later joins it in the
// next pass for changed files, with nothing else planned.
func TestCatalogFollowsZones(t *testing.T) {
	h := reverseHarness(t, zoneA, zoneB, zoneCat)
	h.r.Catalog = zoneCat
	res := h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true})
	want := []string{
		"create " + zones.CatalogID(zoneA) + ".zones.catalog.invalid. PTR",
		"create " + zones.CatalogID(zoneB) + ".zones.catalog.invalid. PTR",
		"create version.catalog.invalid. TXT",
	}
	got := planOfZone(t, res, zoneCat)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("full pass, catalog: %q, want %q", got, want)
	}

	if res := h.r.Changed(t.Context(), nil, Options{Apply: true, Verify: true}); len(res.Zones) != 0 {
		t.Errorf("catalog as served: planned %d zones, want none", len(res.Zones))
	}
	h.server.serve(zoneC, 5, zoneOf(t, baseOf(zoneC)...))
	h.r.Zones = append(h.r.Zones, zoneC) // as a zone refresh does
	res = h.r.Changed(t.Context(), nil, Options{Apply: true, Verify: true})
	if got, want := planOfZone(t, res, zoneCat), []string{"create " + zones.CatalogID(zoneC) + ".zones.catalog.invalid. PTR"}; !slices.Equal(got, want) || len(res.Zones) != 1 {
		t.Errorf("zone added: %d zones planned, catalog %q, want only the catalog, %q", len(res.Zones), got, want)
	}
	ptr := h.server.zones[zoneCat].Sets[rrset.Key{Name: zones.CatalogID(zoneC) + ".zones.catalog.invalid.", Type: dns.TypePTR}]
	if ptr == nil || !slices.Equal(ptr.Values(), []string{zoneC}) {
		t.Errorf("catalog serves %v for the new zone, want %s", ptr, zoneC)
	}
}

// Verify checks the derived sets like any desired set, and a derived set
// served is not stale.
func TestVerifyDerived(t *testing.T) {
	h := reverseHarness(t, zoneA, zoneRev, zoneCat)
	h.r.ReverseZones, h.r.Catalog = []string{zoneRev}, zoneCat
	c := &fakeChecker{report: verify.Report{Servers: []string{"ns1"}}}
	h.r.Checker = c
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.1")}, zoneA, zoneRev))
	h.r.RunOnce(t.Context(), Options{Apply: true, Verify: true})

	rep, err := h.r.Verify(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range rep.Results {
		if res.Status == verify.StatusStale {
			t.Errorf("stale: %s", res.Key)
		}
	}
	want := c.wants[len(c.wants)-1]
	for _, k := range []rrset.Key{
		{Name: "1.2.0.192.in-addr.arpa.", Type: dns.TypePTR},
		{Name: "version.catalog.invalid.", Type: dns.TypeTXT},
		{Name: zones.CatalogID(zoneA) + ".zones.catalog.invalid.", Type: dns.TypePTR},
	} {
		if want[k] == nil {
			t.Errorf("check did not ask for %s; asked %v", k, keysOf(want))
		}
	}
}

// The cap's warning is logged when what is capped changes, not every pass.
func TestReverseCapLoggedOnce(t *testing.T) {
	h := reverseHarness(t, zoneA, zoneRev)
	var buf logBuffer
	h.r.Log = slog.New(slog.NewTextHandler(&buf, nil))
	h.r.ReverseZones, h.r.ReverseCap = []string{zoneRev}, 1
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t,
		"a.example.com. 300 IN A 192.0.2.1", "b.example.com. 300 IN A 192.0.2.1")}, zoneA, zoneRev))
	for range 2 {
		h.r.RunOnce(t.Context(), Options{})
	}
	if n := strings.Count(buf.String(), "reverse cap"); n != 1 {
		t.Errorf("cap warned %d times over two passes, want once:\n%s", n, buf.String())
	}
}

// BenchmarkDerive: the derived content of a pass at 100,000 forward
// addresses over 256 reverse zones (a /16 as its /24s).
func BenchmarkDerive(b *testing.B) {
	fwd := rrset.Zone{}
	var rev []string
	for i := range 256 {
		rev = append(rev, fmt.Sprintf("%d.10.in-addr.arpa.", i))
	}
	for i := range 100_000 {
		fwd.Put(&dns.A{Hdr: dns.RR_Header{Name: fmt.Sprintf("h%d.example.com.", i), Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300},
			A: net.IPv4(10, 0, byte(i>>8), byte(i)).To4()})
	}
	st := stateOf(map[string]rrset.Zone{zoneA: fwd}, append([]string{zoneA}, rev...)...)
	d := Derivation{Reverse: rev}
	b.ReportAllocs()
	for b.Loop() {
		derive(st, d)
	}
}

// The derived content is derived once per generation of the desired state
// and derivation: a pass that finds both as they were reuses it.
func TestStateReusesDerivation(t *testing.T) {
	t.Parallel()
	h := reverseHarness(t, zoneA, zoneRev)
	h.r.ReverseZones = []string{zoneRev}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.1")}, zoneA, zoneRev))
	same := func(a, b rrset.Sets) bool {
		return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
	}
	first := h.r.state()
	if again := h.r.state(); !same(first.Zones[zoneRev], again.Zones[zoneRev]) {
		t.Errorf("same generation: derived again")
	}
	h.r.ReverseCap = 3
	if again := h.r.state(); same(first.Zones[zoneRev], again.Zones[zoneRev]) {
		t.Errorf("derivation changed: not derived again")
	}
	h.store.setState(stateOf(map[string]rrset.Zone{zoneA: zoneOf(t, "www.example.com. 300 IN A 192.0.2.2")}, zoneA, zoneRev))
	if got := zoneLines(h.r.state().Zone(zoneRev)); len(got) != 1 || !strings.HasPrefix(got[0], "2.2.0.192.in-addr.arpa.") {
		t.Errorf("new generation: reverse zone %q, want the new address's PTR", got)
	}
}
