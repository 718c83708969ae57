package desired

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
)

// TestManyNamesMerge: enough names that State merges them on several
// goroutines (parallelMerges), some declared by two files, some held; run
// with -race. Then a file of most names goes, and they merge again with
// their old sets forgotten.
func TestManyNamesMerge(t *testing.T) {
	const files, perFile = 40, 100
	s, dir := newTestStore(t)
	name := func(i int) string { return fmt.Sprintf("n-%05d.example.com", i) }
	for f := range files {
		var recs []string
		for i := f * perFile; i < (f+1)*perFile; i++ {
			recs = append(recs, aRecord(name(i), fmt.Sprintf("10.0.%d.%d", i>>8, i&255), 300))
		}
		writeFile(t, dir, fmt.Sprintf("g%02d.yaml", f), yamlFile(recs...))
	}
	// extra.yaml, not sorted by name: a second value for 3 names in 4,
	// a TTL conflict at i%100 == 5, a CNAME beside the A at i%100 == 7.
	var extra []string
	wantHeld, wantRecords := 0, files*perFile
	for i := files*perFile - 1; i >= 0; i-- {
		switch {
		case i%100 == 5:
			extra = append(extra, aRecord(name(i), "192.0.2.1", 600))
			wantHeld++
			wantRecords--
		case i%100 == 7:
			extra = append(extra, fmt.Sprintf("  - name: %s\n    type: CNAME\n    value: target.example.com\n", name(i)))
			wantHeld++
			wantRecords--
		case i%4 != 3:
			extra = append(extra, aRecord(name(i), fmt.Sprintf("192.0.%d.%d", i>>8, i&255), 300))
			wantRecords++
		}
	}
	if len(extra) <= parallelMerges {
		t.Fatalf("only %d names in extra.yaml: not enough to merge in parallel", len(extra))
	}
	writeFile(t, dir, "extra.yaml", yamlFile(extra...))
	mustScan(t, s)
	st := s.State()
	if got := st.Records["example.com."]; got != wantRecords {
		t.Errorf("%d records, want %d", got, wantRecords)
	}
	if got := len(st.Held["example.com."]); got != wantHeld {
		t.Errorf("%d names held, want %d", got, wantHeld)
	}
	zone := maps.Collect(st.Zone("example.com.").All())
	for _, i := range []int{0, 3, 105, 107, 2222} {
		var got []string
		for _, s := range zone {
			if s.Name == name(i)+"." {
				got = append(got, s.String())
			}
		}
		var want []string
		switch {
		case i%100 == 5 || i%100 == 7:
			if _, ok := st.Held["example.com."][name(i)+"."]; !ok {
				t.Errorf("%s not held", name(i))
			}
		case i%4 != 3:
			want = []string{fmt.Sprintf("300 [10.0.%d.%d, 192.0.%d.%d]", i>>8, i&255, i>>8, i&255)}
		default:
			want = []string{fmt.Sprintf("300 [10.0.%d.%d]", i>>8, i&255)}
		}
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Errorf("%s: %q, want %q", name(i), got, want)
		}
	}

	removeFile(t, dir, "extra.yaml")
	mustScan(t, s)
	st2 := s.State()
	if got := st2.Records["example.com."]; got != files*perFile {
		t.Errorf("without extra.yaml: %d records, want %d", got, files*perFile)
	}
	if got := len(st2.Held["example.com."]); got != 0 {
		t.Errorf("without extra.yaml: %d names held, want none", got)
	}
	if names, ok := s.ChangedSince("example.com.", st.Generation); !ok || len(names) != len(extra) {
		t.Errorf("%d names changed (known %v), want %d", len(names), ok, len(extra))
	}
	if got := st.Records["example.com."]; got != wantRecords || st.Zone("example.com.").Len() != len(zone) {
		t.Errorf("the first State changed: %d records", got)
	}
	if after := maps.Collect(st.Zone("example.com.").All()); !maps.EqualFunc(after, zone, func(a, b *rrset.Set) bool { return a == b }) {
		t.Errorf("the first State's sets changed: %d sets, had %d", len(after), len(zone))
	}
}
