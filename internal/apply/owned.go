package apply

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Owned remembers which RRsets dnssync created in zones it shares with
// others (an RFC 2136 server holds records of people, DHCP servers and its
// own seed). It is the one place that decides ownership: dnssync changes or
// deletes an RRset only if it is listed here. The list is a file, replaced
// atomically after every change, so it survives restarts.
type Owned struct {
	path  string
	mu    sync.Mutex
	zones map[string]map[rrset.Key]bool
}

// ownedFile is the state file's shape; keys are "name TYPE", sorted.
type ownedFile struct {
	Version int                 `json:"version"`
	Zones   map[string][]string `json:"zones"`
}

// LoadOwned reads the state file at path. A missing file is an empty list
// (found reports false): dnssync then owns nothing and adopts only what
// already matches records.d, so foreign records are never at risk.
func LoadOwned(path string) (o *Owned, found bool, err error) {
	o = &Owned{path: path, zones: map[string]map[rrset.Key]bool{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return o, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read ownership state: %w", err)
	}
	var f ownedFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, false, fmt.Errorf("ownership state %s: %w (%s)", path, err, startOver)
	}
	for zone, keys := range f.Zones {
		set := map[rrset.Key]bool{}
		for _, s := range keys {
			name, typ, ok := strings.Cut(s, " ")
			t, known := dns.StringToType[typ]
			if !ok || !known {
				return nil, false, fmt.Errorf("ownership state %s: zone %s: bad entry %q, want \"name TYPE\" (fix it, or %s)", path, zone, s, startOver)
			}
			set[rrset.Key{Name: dns.CanonicalName(name), Type: t}] = true
		}
		o.zones[dns.CanonicalName(zone)] = set
	}
	return o, true, nil
}

const startOver = "move it away to start over: dnssync then adopts only records that match records.d"

// Has reports whether dnssync owns key in zone.
func (o *Owned) Has(zone string, key rrset.Key) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.zones[zone][key]
}

// Update adds and removes keys of zone and persists the list.
func (o *Owned) Update(zone string, add, remove []rrset.Key) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	set := o.zones[zone]
	if set == nil {
		set = map[rrset.Key]bool{}
		o.zones[zone] = set
	}
	for _, k := range remove {
		delete(set, k)
	}
	for _, k := range add {
		set[k] = true
	}
	return o.save()
}

func (o *Owned) save() error {
	f := ownedFile{Version: 1, Zones: map[string][]string{}}
	for zone, set := range o.zones {
		out := make([]string, 0, len(set))
		for k := range set {
			out = append(out, k.String())
		}
		slices.Sort(out) // a stable file for people and diffs; any order will do
		f.Zones[zone] = out
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(o.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	return atomicfile.Write(o.path, dir, append(b, '\n'), 0o644)
}
