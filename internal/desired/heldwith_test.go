package desired

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHeldWith: files about to be added are merged with what the store
// declares as the loader merges them: a CNAME beside data a file
// declares already, or within the added files, is held; names untouched
// by them are not answered for; and the store's own state is unchanged.
func TestHeldWith(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := Options{Dir: dir, Zones: []string{"example.com"}, DefaultTTL: 300}
	existing := "records:\n  - {name: alias.example.com, type: CNAME, value: web.example.com}\n" +
		"  - {name: held.example.com, type: A, value: 192.0.2.1, ttl: 60}\n  - {name: held.example.com, type: A, value: 192.0.2.2, ttl: 600}\n"
	if err := os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte(existing), 0o644); err != nil {
		t.Fatal(err)
	}
	s := NewStore(opts, nil)
	if _, err := s.Scan(); err != nil {
		t.Fatal(err)
	}
	added := map[string][]byte{
		"a.yaml": []byte("records:\n  - {name: alias.example.com, type: TXT, value: x}\n  - {name: ok.example.com, type: A, value: 192.0.2.7}\n"),
		"b.yaml": []byte("records:\n  - {name: both.example.com, type: CNAME, value: web.example.com}\n"),
		"c.yaml": []byte("records:\n  - {name: both.example.com, type: A, value: 192.0.2.8}\n"),
	}
	held, problems := HeldWith(opts, s, added)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	for _, name := range []string{"alias.example.com.", "both.example.com."} {
		if c, ok := held[name]; !ok || !strings.Contains(c.Reason, "CNAME beside other data") {
			t.Errorf("%s: %+v, want held as CNAME beside other data", name, c)
		}
	}
	if len(held) != 2 {
		t.Errorf("held %v, want alias and both only (held.example.com. is not the added files' doing)", held)
	}
	st := s.State()
	if _, ok := st.Held["example.com."]["alias.example.com."]; ok || st.Zone("example.com.").Len() != 1 {
		t.Errorf("the store changed: zones %v, held %v", st.Zones, st.Held)
	}
	if held, _ := HeldWith(opts, nil, map[string][]byte{"a.yaml": added["a.yaml"]}); len(held) != 0 {
		t.Errorf("without a store: held %v, want nothing", held)
	}
}
