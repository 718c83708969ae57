package apply

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

func rkey(name string, typ uint16) rrset.Key { return rrset.Key{Name: name, Type: typ} }

// loadOwned loads the state file at path and fails the test on an error.
func loadOwned(t *testing.T, path string) (*Owned, bool) {
	t.Helper()
	o, found, err := LoadOwned(path)
	if err != nil {
		t.Fatalf("LoadOwned(%s): %v", path, err)
	}
	return o, found
}

func TestLoadOwnedMissing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "owned.json")
	o, found := loadOwned(t, path)
	if found {
		t.Error("found = true for a missing file")
	}
	if o.Has("example.com.", rkey("www.example.com.", dns.TypeA)) {
		t.Error("a missing file owns something")
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Errorf("loading created the state dir (stat: %v)", err)
	}
}

func TestOwnedRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "owned.json") // the dir is created on the first save
	o, _ := loadOwned(t, path)
	if err := o.Update("example.com.", []rrset.Key{
		rkey("www.example.com.", dns.TypeA),
		rkey("www.example.com.", dns.TypeAAAA),
		rkey("_sip._tcp.example.com.", dns.TypeSRV),
		rkey("*.dev.example.com.", dns.TypeCNAME),
		rkey("old.example.com.", dns.TypeTXT),
	}, nil); err != nil {
		t.Fatal(err)
	}
	if err := o.Update("2.0.192.in-addr.arpa.", []rrset.Key{rkey("10.2.0.192.in-addr.arpa.", dns.TypePTR)}, nil); err != nil {
		t.Fatal(err)
	}
	// Removals and additions in one call; a removal of a key never owned is harmless.
	if err := o.Update("example.com.",
		[]rrset.Key{rkey("mail.example.com.", dns.TypeMX)},
		[]rrset.Key{rkey("old.example.com.", dns.TypeTXT), rkey("never.example.com.", dns.TypeA)},
	); err != nil {
		t.Fatal(err)
	}

	got, found := loadOwned(t, path)
	if !found {
		t.Fatal("found = false after Update")
	}
	if !reflect.DeepEqual(got.zones, o.zones) {
		t.Errorf("loaded %v, saved %v", got.zones, o.zones)
	}
	want := map[string]map[rrset.Key]bool{
		"example.com.": {
			rkey("www.example.com.", dns.TypeA):         true,
			rkey("www.example.com.", dns.TypeAAAA):      true,
			rkey("_sip._tcp.example.com.", dns.TypeSRV): true,
			rkey("*.dev.example.com.", dns.TypeCNAME):   true,
			rkey("mail.example.com.", dns.TypeMX):       true,
		},
		"2.0.192.in-addr.arpa.": {rkey("10.2.0.192.in-addr.arpa.", dns.TypePTR): true},
	}
	if !reflect.DeepEqual(got.zones, want) {
		t.Errorf("loaded %v, want %v", got.zones, want)
	}
}

func TestOwnedFileIsSortedJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "owned.json")
	o, _ := loadOwned(t, path)
	if err := o.Update("example.com.", []rrset.Key{
		rkey("www.example.com.", dns.TypeAAAA),
		rkey("b.example.com.", dns.TypeA),
		rkey("www.example.com.", dns.TypeA),
		rkey("a.example.com.", dns.TypeTXT),
	}, nil); err != nil {
		t.Fatal(err)
	}
	if err := o.Update("example.org.", []rrset.Key{rkey("x.example.org.", dns.TypeCNAME)}, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("not JSON:\n%s", b)
	}
	if !strings.HasSuffix(string(b), "}\n") {
		t.Errorf("file does not end in a newline:\n%s", b)
	}
	var f struct {
		Version int                 `json:"version"`
		Zones   map[string][]string `json:"zones"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	if f.Version != 1 {
		t.Errorf("version = %d, want 1", f.Version)
	}
	want := map[string][]string{
		"example.com.": {"a.example.com. TXT", "b.example.com. A", "www.example.com. A", "www.example.com. AAAA"},
		"example.org.": {"x.example.org. CNAME"},
	}
	if !reflect.DeepEqual(f.Zones, want) {
		t.Errorf("zones = %v, want %v", f.Zones, want)
	}
	// Saving the same content again gives the same bytes: a stable file for diffs.
	if err := o.Update("example.com.", nil, nil); err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(b) {
		t.Errorf("second save differs:\n%s\nfirst:\n%s", again, b)
	}
}

func TestLoadOwnedCanonical(t *testing.T) {
	// A file edited by a person: mixed case and names as written.
	path := filepath.Join(t.TempDir(), "owned.json")
	text := `{"version": 1, "zones": {"Example.COM.": ["WWW.Example.com. A", "mail.example.com. MX"]}}`
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	o, found := loadOwned(t, path)
	if !found {
		t.Fatal("found = false")
	}
	for _, k := range []rrset.Key{rkey("www.example.com.", dns.TypeA), rkey("mail.example.com.", dns.TypeMX)} {
		if !o.Has("example.com.", k) {
			t.Errorf("Has(example.com., %v) = false", k)
		}
	}
}

func TestLoadOwnedErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{name: "truncated JSON", text: `{"version": 1, "zones": {"example.com.": ["www.example.com. A"`, want: []string{"move it away"}},
		{name: "not JSON", text: "www.example.com. A\n", want: []string{"move it away"}},
		{name: "zones of the wrong shape", text: `{"version": 1, "zones": ["example.com."]}`, want: []string{"move it away"}},
		{name: "unknown type", text: `{"version": 1, "zones": {"example.com.": ["www.example.com. BOGUS"]}}`,
			want: []string{"example.com.", `"www.example.com. BOGUS"`, "move it away"}},
		{name: "entry without a type", text: `{"version": 1, "zones": {"example.com.": ["www.example.com."]}}`,
			want: []string{"example.com.", `"www.example.com."`, "move it away"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "owned.json")
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			o, found, err := LoadOwned(path)
			if err == nil {
				t.Fatalf("LoadOwned = %v, %v, nil; want an error", o, found)
			}
			if o != nil || found {
				t.Errorf("LoadOwned returned %v, found=%v beside the error", o, found)
			}
			for _, w := range append([]string{path}, tt.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadOwnedUnreadable(t *testing.T) {
	// A directory where the file should be: not "missing", so not empty.
	path := filepath.Join(t.TempDir(), "owned.json")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOwned(path); err == nil {
		t.Fatal("LoadOwned of a directory: no error")
	}
}

func TestOwnedHasPerZone(t *testing.T) {
	o, _ := loadOwned(t, filepath.Join(t.TempDir(), "owned.json"))
	www := rkey("www.example.com.", dns.TypeA)
	if err := o.Update("example.com.", []rrset.Key{www}, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		zone string
		key  rrset.Key
		want bool
	}{
		{"example.com.", www, true},
		{"example.com.", rkey("www.example.com.", dns.TypeAAAA), false},
		{"example.com.", rkey("web.example.com.", dns.TypeA), false},
		{"example.org.", www, false},
		{"sub.example.com.", www, false},
	}
	for _, tt := range tests {
		if got := o.Has(tt.zone, tt.key); got != tt.want {
			t.Errorf("Has(%s, %v) = %v, want %v", tt.zone, tt.key, got, tt.want)
		}
	}
	// Managed is Has, per zone.
	b := &RFC2136{Owned: o}
	if !b.Managed("example.com.")(www) || b.Managed("example.org.")(www) {
		t.Error("Managed does not follow Has per zone")
	}
	if b.Base("example.com.") != nil {
		t.Error("Base is not empty: the server's SOA and NS are not dnssync's")
	}
}

func TestOwnedWriteIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "owned.json")
	o, _ := loadOwned(t, path)
	for i := range 20 {
		k := rkey(fmt.Sprintf("host-%02d.example.com.", i), dns.TypeA)
		if err := o.Update("example.com.", []rrset.Key{k}, nil); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"owned.json"}) {
		t.Errorf("state dir holds %v, want only owned.json", names)
	}
}

func TestOwnedUpdateError(t *testing.T) {
	// The state dir cannot be created: a file is in the way.
	root := t.TempDir()
	path := filepath.Join(root, "state", "owned.json")
	o, _ := loadOwned(t, path)
	if err := os.WriteFile(filepath.Join(root, "state"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := o.Update("example.com.", []rrset.Key{rkey("www.example.com.", dns.TypeA)}, nil); err == nil {
		t.Fatal("Update with an impossible state dir: no error")
	}
}

func TestOwnedConcurrent(t *testing.T) {
	// Has is called by the diff while an apply may update: run with -race.
	o, _ := loadOwned(t, filepath.Join(t.TempDir(), "owned.json"))
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			k := rkey(fmt.Sprintf("w%d.example.com.", i), dns.TypeA)
			for range 10 {
				if err := o.Update("example.com.", []rrset.Key{k}, nil); err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Go(func() {
			for range 100 {
				o.Has("example.com.", rkey("w0.example.com.", dns.TypeA))
			}
		})
	}
	wg.Wait()
	for i := range 4 {
		if k := rkey(fmt.Sprintf("w%d.example.com.", i), dns.TypeA); !o.Has("example.com.", k) {
			t.Errorf("%v lost", k)
		}
	}
}
