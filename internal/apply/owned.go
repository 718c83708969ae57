package apply

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"
	"golang.org/x/sys/unix"

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
// Between its own saves a process catches up with the others' (CatchUp),
// so that it deletes a set another created as soon as records.d drops it.
type Owned struct {
	path string
	mu   sync.Mutex
	// id is the file's identity as this process last read or wrote it
	// (zero: none, or unknown): CatchUp reads it again only when it moved.
	id    stateID
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
	id, zones, found, err := readOwned(path)
	if err != nil {
		return nil, false, err
	}
	return &Owned{path: path, id: id, zones: zones, pending: map[string]map[rrset.Key]bool{}}, found, nil
}

// readOwned reads the state file at path (missing: nothing owned, found
// false, zero id). The id is of the file read, taken from the open file:
// one taken from the path could belong to a file that replaced it since,
// and CatchUp would then miss that file's changes. Errors say where the
// file is wrong, never what it says.
func readOwned(path string) (id stateID, zones map[string]map[rrset.Key]bool, found bool, err error) {
	zones = map[string]map[rrset.Key]bool{}
	// Non-blocking: a FIFO put there must not stall every pass.
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return stateID{}, zones, false, nil
	}
	if err != nil {
		return stateID{}, nil, false, fmt.Errorf("read ownership state: %w", err)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return stateID{}, nil, false, fmt.Errorf("read ownership state %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return stateID{}, nil, false, fmt.Errorf("ownership state %s: not a regular file (%s)", path, startOver)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return stateID{}, nil, false, fmt.Errorf("read ownership state %s: %w", path, err)
	}
	var of ownedFile
	if err := json.Unmarshal(b, &of); err != nil {
		return stateID{}, nil, false, fmt.Errorf("ownership state %s: %s (%s)", path, ownedJSONErr(err), startOver)
	}
	for zone, keys := range of.Zones {
		set := map[rrset.Key]bool{}
		for i, s := range keys {
			name, typ, ok := strings.Cut(s, " ")
			t, known := dns.StringToType[typ]
			if !ok || !known {
				return stateID{}, nil, false, fmt.Errorf("ownership state %s: entry %d of a zone is not \"name TYPE\" (fix it, or %s)", path, i+1, startOver)
			}
			set[rrset.Key{Name: dns.CanonicalName(name), Type: t}] = true
		}
		zones[dns.CanonicalName(zone)] = set
	}
	return idOfOwned(&st), zones, true, nil
}

// ownedJSONErr keeps of a decoding error where it happened: encoding/json
// quotes the offending text.
func ownedJSONErr(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("a value of the wrong type at byte %d", typ.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "cut short"
	}
	return "not valid"
}

// stateID tells a state file replaced by rename from the one before it
// (atomicfile.Write renames a new inode in for every write, whoever makes
// it).
type stateID struct {
	dev, ino, size, mtime, ctime int64
}

func idOfOwned(st *unix.Stat_t) stateID {
	return stateID{dev: int64(st.Dev), ino: int64(st.Ino), size: st.Size, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}
}

// statState is the state file at path's stateID, zero when it cannot be
// told (no file, or an error): such a file is read again.
func statState(path string) stateID {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return stateID{}
	}
	return idOfOwned(&st)
}

// CatchUp takes in what other processes saved since this one last read or
// wrote the file, keeping this process's changes not yet saved on top. It
// is cheap when nothing moved (a stat), so a caller can run it once per
// zone and pass. It takes no lock: the file is replaced by rename, so the
// read sees a whole file, old or new, and an old one is caught up with on
// the next call. On an error the copy in memory stays as it was: it is
// what this process last knew, and its next save reports the file too.
func (o *Owned) CatchUp() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	var st unix.Stat_t
	err := unix.Stat(o.path, &st)
	switch {
	case errors.Is(err, unix.ENOENT):
		if o.id == (stateID{}) {
			return nil // still none
		}
		// Moved away to start over: owned is then only what this
		// process has not saved yet, as after a restart.
	case err != nil:
		return fmt.Errorf("ownership state %s: %w", o.path, err)
	case o.id != (stateID{}) && idOfOwned(&st) == o.id:
		return nil
	}
	id, zones, _, err := readOwned(o.path)
	if err != nil {
		return err
	}
	for zone, changed := range o.pending {
		applyChanges(zones, zone, changed)
	}
	o.id, o.zones = id, zones
	return nil
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
	id, zones, found, err := readOwned(o.path)
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
		// Stat under the lock: no other writer can have replaced it
		// since. Should that fail, a zero id has CatchUp read it again.
		var st unix.Stat_t
		id = stateID{}
		if unix.Stat(o.path, &st) == nil {
			id = idOfOwned(&st)
		}
	}
	o.id, o.zones = id, zones
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
