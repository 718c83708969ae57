package apply

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// Owned remembers which RRsets dnssync created in zones it shares with
// others (an RFC 2136 server holds records of people, DHCP servers and its
// own seed). It is the one place that decides ownership: dnssync changes or
// deletes an RRset only if it is listed here. The list is a file, replaced
// atomically after every change, so it survives restarts.
//
// More than one process writes it: the daemon, and `dnssync apply` run
// beside it. Each holds its own copy, so a save writes no copy back: under
// a lock shared by every process (ownedLockName, flock) it reads the file
// again, applies to it the keys this process added and removed since it
// last saved, writes that and takes it as its copy. A set one process
// created is then never dropped by the other's save (it would be foreign
// from then on, never deleted), and a set one deleted never comes back.
type Owned struct {
	path  string
	mu    sync.Mutex
	zones map[string]map[rrset.Key]bool
	// pending is what this process changed and has not written yet, by
	// zone and key: true added, false removed. A change whose save failed
	// stays here, and the next save writes it.
	pending map[string]map[rrset.Key]bool
}

// ownedFile is the state file's shape; keys are "name TYPE", sorted.
type ownedFile struct {
	Version int                 `json:"version"`
	Zones   map[string][]string `json:"zones"`
}

// ownedLockName is the lock file beside the state file (lockState).
const ownedLockName = ".owned.lock"

// LoadOwned reads the state file at path. A missing file is an empty list
// (found reports false): dnssync then owns nothing and adopts only what
// already matches records.d, so foreign records are never at risk.
func LoadOwned(path string) (o *Owned, found bool, err error) {
	zones, found, err := readOwned(path)
	if err != nil {
		return nil, false, err
	}
	return &Owned{path: path, zones: zones, pending: map[string]map[rrset.Key]bool{}}, found, nil
}

// readOwned reads the state file at path (missing: nothing owned, found
// false).
func readOwned(path string) (zones map[string]map[rrset.Key]bool, found bool, err error) {
	zones = map[string]map[rrset.Key]bool{}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return zones, false, nil
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
		zones[dns.CanonicalName(zone)] = set
	}
	return zones, true, nil
}

const startOver = "move it away to start over: dnssync then adopts only records that match records.d"

// Has reports whether dnssync owns key in zone.
func (o *Owned) Has(zone string, key rrset.Key) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.zones[zone][key]
}

// Update adds and removes keys of zone and persists the list. Should the
// save fail, this process still owns what it added (the server has it) and
// the next Update writes the change.
func (o *Owned) Update(zone string, add, remove []rrset.Key) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.pending == nil { // an Owned not from LoadOwned
		o.pending = map[string]map[rrset.Key]bool{}
	}
	if o.zones == nil {
		o.zones = map[string]map[rrset.Key]bool{}
	}
	changed := o.pending[zone]
	if changed == nil {
		changed = map[rrset.Key]bool{}
		o.pending[zone] = changed
	}
	for _, k := range remove {
		changed[k] = false
	}
	for _, k := range add {
		changed[k] = true
	}
	applyChanges(o.zones, zone, changed)
	return o.save()
}

// save merges the pending changes into the file as it is now, under the
// lock, and adopts the result: what other processes saved meanwhile is
// kept, and becomes this process's view too.
func (o *Owned) save() error {
	release, err := lockState(o.path, ownedLockName)
	if err != nil {
		return fmt.Errorf("ownership state: %w", err)
	}
	defer release()
	zones, found, err := readOwned(o.path)
	if err != nil {
		return err
	}
	before := cloneOwned(zones)
	for zone, changed := range o.pending {
		applyChanges(zones, zone, changed)
	}
	// An empty update leaves the file as it is; one that finds no file
	// creates it, as before (found says there is state from now on).
	if !found || !maps.EqualFunc(zones, before, maps.Equal) {
		if err := writeState(o.path, toOwnedFile(zones)); err != nil {
			return err
		}
	}
	o.zones = zones
	clear(o.pending)
	return nil
}

// applyChanges applies one zone's changes (true added, false removed) to
// zones.
func applyChanges(zones map[string]map[rrset.Key]bool, zone string, changed map[rrset.Key]bool) {
	set := zones[zone]
	if set == nil {
		set = map[rrset.Key]bool{}
		zones[zone] = set
	}
	for k, owned := range changed {
		if owned {
			set[k] = true
		} else {
			delete(set, k)
		}
	}
}

func cloneOwned(zones map[string]map[rrset.Key]bool) map[string]map[rrset.Key]bool {
	out := make(map[string]map[rrset.Key]bool, len(zones))
	for zone, set := range zones {
		out[zone] = maps.Clone(set)
	}
	return out
}

func toOwnedFile(zones map[string]map[rrset.Key]bool) ownedFile {
	f := ownedFile{Version: 1, Zones: map[string][]string{}}
	for zone, set := range zones {
		out := make([]string, 0, len(set))
		for k := range set {
			out = append(out, k.String())
		}
		slices.Sort(out) // a stable file for people and diffs; any order will do
		f.Zones[zone] = out
	}
	return f
}
