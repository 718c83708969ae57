package desired

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// Reading a State takes nothing away: every reader of the same generation
// is told the same changed names, however many States were read meanwhile.
func TestChangedSinceSurvivesOtherReaders(t *testing.T) {
	t.Parallel()
	s, dir := newTestStore(t)
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("web.example.com", "10.0.0.1", 300)))
	writeFile(t, dir, "b.yaml", yamlFile(aRecord("db.example.com", "10.0.0.2", 300)))
	mustScan(t, s)
	before := s.State()

	writeFile(t, dir, "a.yaml", yamlFile(aRecord("web.example.com", "10.0.0.9", 300)))
	mustScan(t, s)
	other := s.State() // a check or a list, not the pass
	again := s.State()
	if other.Generation != before.Generation+1 || again.Generation != other.Generation {
		t.Fatalf("generations %d, %d, %d; want one step for one change, none for a read", before.Generation, other.Generation, again.Generation)
	}
	for range 2 {
		names, ok := s.ChangedSince("example.com.", before.Generation)
		if !ok || !slices.Equal(slices.Sorted(maps.Keys(names)), []string{"web.example.com."}) {
			t.Fatalf("ChangedSince(%d) = %v, %v; want web.example.com. only", before.Generation, names, ok)
		}
	}
	if names, ok := s.ChangedSince("example.com.", again.Generation); !ok || len(names) != 0 {
		t.Errorf("ChangedSince(current) = %v, %v; want nothing, known", names, ok)
	}
	if _, ok := s.ChangedSince("example.com.", again.Generation+1); ok {
		t.Error("ChangedSince(a future generation) is known; want unknown")
	}
}

// The log is bounded: past it the Store says it does not know, and the
// caller compares everything.
func TestChangedSinceForgetsPastTheBound(t *testing.T) {
	t.Parallel()
	s, dir := newTestStore(t)
	writeFile(t, dir, "a.yaml", yamlFile(aRecord("web.example.com", "10.0.0.1", 300)))
	mustScan(t, s)
	first := s.State().Generation
	for i := range maxLogGenerations + 1 {
		writeFile(t, dir, "a.yaml", yamlFile(aRecord("web.example.com", fmt.Sprintf("10.0.%d.%d", i>>8+1, i&255), 300)))
		mustScan(t, s)
		s.State()
	}
	if names, ok := s.ChangedSince("example.com.", first); ok {
		t.Errorf("ChangedSince(%d) after %d generations = %v, known; want unknown", first, maxLogGenerations+1, names)
	}
	cur := s.State().Generation
	if names, ok := s.ChangedSince("example.com.", cur-1); !ok || !names["web.example.com."] {
		t.Errorf("ChangedSince(previous) = %v, %v; want web.example.com., known", names, ok)
	}
}

// A change of more names than the log holds is not remembered.
func TestChangedSinceBoundedByNames(t *testing.T) {
	t.Parallel()
	var l changeLog
	big := map[string]map[string]bool{"example.com.": {}}
	for i := range maxLogNames + 1 {
		big["example.com."][fmt.Sprintf("h%d.example.com.", i)] = true
	}
	l.advance(map[string]map[string]bool{"example.com.": {"a.example.com.": true}}, 1)
	l.advance(big, maxLogNames+1)
	if _, ok := l.since("example.com.", 0); ok {
		t.Error("since(0) known after a change past the bound")
	}
	if _, ok := l.since("example.com.", 1); ok {
		t.Error("since(1) known although generation 2 was too large to keep")
	}
	if names, ok := l.since("example.com.", 2); !ok || len(names) != 0 {
		t.Errorf("since(2) = %v, %v; want nothing, known", names, ok)
	}
}

// A name merged again to what it merged to before is not a change: one
// record changed in a file of many names names that record's name alone,
// and a file rewritten as it was names nothing. A hold or an opt-out that
// changes is a change.
func TestChangedSinceNamesOnlyWhatMergedDifferently(t *testing.T) {
	t.Parallel()
	s, dir := newTestStore(t)
	web, db, mail := aRecord("web.example.com", "10.0.0.1", 300), aRecord("db.example.com", "10.0.0.2", 300), aRecord("mail.example.com", "10.0.0.3", 300)
	writeFile(t, dir, "a.yaml", yamlFile(web, db, mail))
	writeFile(t, dir, "b.yaml", yamlFile(mail))
	mustScan(t, s)
	web9, web8 := aRecord("web.example.com", "10.0.0.9", 300), aRecord("web.example.com", "10.0.0.8", 300)
	dbOut, mail600 := db+"    ptr: false\n", aRecord("mail.example.com", "10.0.0.3", 600)
	for _, tc := range []struct {
		what    string
		content string
		want    []string
		records int
	}{
		{"the same records in another order", yamlFile(mail, db, web), nil, 3},
		{"one value changed", yamlFile(web9, db, mail), []string{"web.example.com."}, 3},
		{"an opt-out of the PTR", yamlFile(web9, dbOut, mail), []string{"db.example.com."}, 3},
		{"a TTL that puts a name on hold", yamlFile(web9, dbOut, mail600), []string{"mail.example.com."}, 2},
		{"another name changed beside the hold", yamlFile(web8, dbOut, mail600), []string{"web.example.com."}, 2},
		{"the hold released", yamlFile(web8, dbOut, mail), []string{"mail.example.com."}, 3},
		{"the opt-out taken back", yamlFile(web8, db, mail), []string{"db.example.com."}, 3},
	} {
		gen := s.State().Generation
		writeFile(t, dir, "a.yaml", tc.content)
		mustScan(t, s)
		names, ok := s.ChangedSince("example.com.", gen)
		if got := slices.Sorted(maps.Keys(names)); !ok || !slices.Equal(got, tc.want) {
			t.Errorf("%s: ChangedSince = %q, %v; want %q", tc.what, got, ok, tc.want)
		}
		if got := s.State().Records["example.com."]; got != tc.records {
			t.Errorf("%s: %d records, want %d", tc.what, got, tc.records)
		}
	}
}

// One record changed in a file of thousands of names copies one shard of
// the zone's sets, not the shards of every name the file declares: the
// others merge to what they were and are left alone.
func TestChangeInLargeFileCopiesOneShard(t *testing.T) {
	t.Parallel()
	s, dir := newTestStore(t)
	file := func(changed string) string {
		var b strings.Builder
		b.WriteString("records:\n")
		for i := range 20_000 {
			ip := fmt.Sprintf("10.0.%d.%d", i>>8, i&255)
			if i == 7 {
				ip = changed
			}
			b.WriteString(aRecord(fmt.Sprintf("h%d.example.com", i), ip, 300))
		}
		return b.String()
	}
	writeFile(t, dir, "hosts.yaml", file("192.0.2.1"))
	mustScan(t, s)
	first := s.State()
	sets := s.ix.zones["example.com."].sets
	copied := sets.Copied()
	writeFile(t, dir, "hosts.yaml", file("192.0.2.2"))
	mustScan(t, s)
	names, ok := s.ChangedSince("example.com.", first.Generation)
	if got := sets.Copied() - copied; got != 1 {
		t.Errorf("%d shards copied for one record changed, want 1", got)
	}
	if !ok || len(names) != 1 || !names["h7.example.com."] {
		t.Errorf("ChangedSince = %v, %v; want h7.example.com. alone", names, ok)
	}
}
