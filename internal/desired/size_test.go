package desired

import (
	"fmt"
	"strings"
	"testing"
)

// aValues is one entry with n A values, from 10.0.first.0 on.
func aValues(name string, n, first int) string {
	vals := make([]string, n)
	for i := range vals {
		k := first*256 + i
		vals[i] = fmt.Sprintf("10.%d.%d.%d", k>>16&255, k>>8&255, k&255)
	}
	return fmt.Sprintf("  - name: %s\n    type: A\n    values: [%s]\n", name, strings.Join(vals, ", "))
}

// An RRset whose answer cannot fit in one DNS message over TCP is invalid,
// at the line of its first record; one that fits is fine.
func TestRRsetTooLargeForAMessage(t *testing.T) {
	s, dir := newTestStore(t)
	big := writeFile(t, dir, "big.yaml", yamlFile(
		aRecord("ok.example.com", "10.0.0.1", 300),
		aValues("big.example.com", 10000, 0),
	))
	writeFile(t, dir, "fits.yaml", yamlFile(aValues("fits.example.com", 4000, 0)))
	mustScan(t, s)
	st := s.State()
	if len(st.Problems) != 1 {
		t.Fatalf("problems = %q, want one for big.yaml", problemTexts(st.Problems))
	}
	want := big + ":6: big.example.com. A has 10000 values: its answer would take 160044 bytes, more than one DNS message carries even over TCP (64511, with room for a signature)"
	if got := st.Problems[0].Error(); got != want {
		t.Errorf("problem:\n got %s\nwant %s", got, want)
	}
	if n := st.Records["example.com."]; n != 4000 {
		t.Errorf("%d records, want the 4000 that fit", n)
	}
	// Spread over several entries of one file, the same.
	writeFile(t, dir, "big.yaml", yamlFile(aValues("big.example.com", 2100, 0), aValues("big.example.com", 2100, 10)))
	mustScan(t, s)
	if st := s.State(); len(st.Problems) != 1 || st.Problems[0].Line != 2 {
		t.Errorf("problems = %q, want big.yaml:2", problemTexts(st.Problems))
	}
}

// Files that each fit but add up to a set too large: the name is held like
// a conflict (left as served), reported with every file, and Validate
// names each file.
func TestMergedRRsetTooLarge(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions(dir)
	s := NewStore(opts, nil)
	a := writeFile(t, dir, "a.yaml", yamlFile(aValues("big.example.com", 2100, 0)))
	b := writeFile(t, dir, "b.yaml", yamlFile(aRecord("other.example.com", "10.0.0.1", 300), aValues("big.example.com", 2100, 10)))
	mustScan(t, s)
	st := s.State()
	c, ok := st.Held["example.com."]["big.example.com."]
	if !ok {
		t.Fatalf("big.example.com. not held; held: %v", st.Held)
	}
	for _, want := range []string{"A has 4200 values", a + ":2", b + ":6"} {
		if !strings.Contains(c.Reason, want) {
			t.Errorf("reason %q lacks %q", c.Reason, want)
		}
	}
	if got := zoneTexts(st.Zone("example.com.")); len(got) != 1 || got[0] != "other.example.com. 300 IN A 10.0.0.1" {
		t.Errorf("zone = %q, want only other.example.com.", got)
	}
	problems, err := Validate(opts)
	if err != nil {
		t.Fatal(err)
	}
	got := problemTexts(problems)
	if len(got) != 2 || !strings.HasPrefix(got[0], a+":2: conflict at big.example.com.: A has 4200 values") || !strings.HasPrefix(got[1], b+":6: ") {
		t.Errorf("Validate = %q", got)
	}
}
