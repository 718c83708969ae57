package zones

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"regexp"
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
)

// The ID is a function of the name alone: stable across restarts and
// hosts. The golden value pins the documented derivation (SHA-256 of the
// wire form, first 8 bytes): changing it would make every consumer drop
// and re-add every zone.
func TestCatalogIDIsStable(t *testing.T) {
	t.Parallel()
	wire := []byte("\x07example\x03com\x00")
	sum := sha256.Sum256(wire)
	want := hex.EncodeToString(sum[:8])
	for _, name := range []string{"example.com", "Example.COM.", "example.com."} {
		if got := CatalogID(name); got != want {
			t.Errorf("CatalogID(%s) = %s, want %s", name, got, want)
		}
	}
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(want) {
		t.Errorf("ID %s is not 16 hex digits", want)
	}
	if CatalogID("example.net") == want || CatalogID("www.example.com") == want {
		t.Error("different zones share an ID")
	}
}

func TestCatalogRecords(t *testing.T) {
	t.Parallel()
	sets := CatalogRecords("Catalog.Invalid", []string{"b.test", "A.Test.", "a.test", "catalog.invalid"}, 0)
	var got []string
	for _, s := range sets {
		for _, rr := range s.RRs {
			got = append(got, rr.String())
		}
	}
	want := []string{
		CatalogID("a.test") + ".zones.catalog.invalid.\t0\tIN\tPTR\ta.test.",
		CatalogID("b.test") + ".zones.catalog.invalid.\t0\tIN\tPTR\tb.test.",
		"version.catalog.invalid.\t0\tIN\tTXT\t\"2\"",
	}
	// Canonical DNS order sorts by the last label first: "version" or the
	// zones' IDs under "zones".
	sorted := append([]*rrset.Set(nil), sets...)
	for i := 1; i < len(sorted); i++ {
		if sorted[i-1].Key.Compare(sorted[i].Key) >= 0 {
			t.Errorf("sets not sorted: %v before %v", sorted[i-1].Key, sorted[i].Key)
		}
	}
	gotSet, wantSet := map[string]bool{}, map[string]bool{}
	for _, g := range got {
		gotSet[g] = true
	}
	for _, w := range want {
		wantSet[w] = true
	}
	if !reflect.DeepEqual(gotSet, wantSet) || len(got) != len(want) {
		t.Errorf("records =\n%q\nwant\n%q", got, want)
	}
	if len(CatalogRecords("c.invalid", nil, 0)) != 1 {
		t.Error("an empty catalog still has its version")
	}
}

func TestCatalogZone(t *testing.T) {
	t.Parallel()
	z, err := CatalogZone("catalog.invalid")
	if err != nil {
		t.Fatal(err)
	}
	if z.Name != "catalog.invalid." || !reflect.DeepEqual(z.Nameservers, []string{"invalid."}) || len(z.NameserverAddresses) != 0 {
		t.Errorf("catalog zone = %+v; want NS invalid. and no addresses", z)
	}
	if _, err := CatalogZone("bad..name"); err == nil {
		t.Error("CatalogZone(bad..name): no error")
	}
}

// TestCatalogClashes: should two members' IDs ever collide (a 64-bit hash;
// the ID function is swapped here to make one happen), the first by name
// is listed and the other left out, and the clash is reported naming both,
// so the caller can warn: a member silently missing from the catalog is a
// zone no consumer serves.
func TestCatalogClashes(t *testing.T) {
	t.Parallel()
	id := func(zone string) string {
		if zone == "b.test." || zone == "c.test." {
			return "same"
		}
		return CatalogID(zone)
	}
	listed, clashes := catalogMembers("catalog.invalid.", []string{"c.test", "a.test", "B.test."}, id)
	var names []string
	for _, m := range listed {
		names = append(names, m.zone)
	}
	if want := []string{"a.test.", "b.test."}; !reflect.DeepEqual(names, want) {
		t.Errorf("listed = %q, want %q", names, want)
	}
	if want := []CatalogClash{{ID: "same", Listed: "b.test.", Dropped: "c.test."}}; !reflect.DeepEqual(clashes, want) {
		t.Errorf("clashes = %+v, want %+v", clashes, want)
	}
	if got := CatalogClashes("catalog.invalid", []string{"a.test", "b.test", "c.test"}); len(got) != 0 {
		t.Errorf("CatalogClashes with the real IDs = %+v, want none", got)
	}
}
