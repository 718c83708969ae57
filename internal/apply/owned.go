package apply

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/dnssync/dnssync/internal/rrset"
)

// Owned remembers which RRsets dnssync created in zones it shares with
// others (an RFC 2136 server holds records of people, DHCP servers and its
// own seed). It is the one place that decides ownership: dnssync changes or
// deletes an RRset only if it is listed here. The list survives restarts.
//
// More than one process writes it: the daemon, and `dnssync apply` run
// beside it. Each holds its own copy, so a save writes no copy back: under
// a lock shared by every process (ownedLockName, flock) it catches up with
// the files, writes the keys this process added and removed since it last
// saved, and takes the result as its copy. A set one process created is
// then never dropped by the other's save (it would be foreign from then
// on, never deleted), and a set one deleted never comes back. Between its
// own saves a process catches up with the others' (CatchUp), so that it
// deletes a set another created as soon as records.d drops it.
//
// A change costs what it changes, not what the list holds (a zone can hold
// a million sets). The list is two files (owned_journal.go): owned.json,
// the whole list as of some moment, replaced atomically, and a journal
// beside it, one fsynced line per save since then with what it added and
// removed. A save appends a line; once the journal passes a quarter of the
// list, a save writes the whole list again and removes the journal, so
// each change pays a bounded share of that write. A process reads the
// files again only when their identity moved, and a journal that only
// grew only from where it last read. A small list is written whole on
// every save, as it always was: nothing to gain there.
type Owned struct {
	path string
	log  *slog.Logger // a torn journal line; nil discards (NewRFC2136 sets it)
	mu   sync.Mutex
	// seen is the files as this process last read or wrote them; zones is
	// what they say, with pending on top.
	seen  ownedSeen
	zones map[string]map[rrset.Key]bool
	// pending is what this process changed and has not written yet, by
	// zone and key: true added, false removed. A change whose save failed
	// stays here, and the next save writes it.
	pending map[string]map[rrset.Key]bool
	// wholeBelow is the size of owned.json under which a save writes the
	// whole list (0: ownedWholeBelow), journalMax the journal's size past
	// which it does (0: a quarter of owned.json's). Tests set them.
	wholeBelow, journalMax int64
	// What saves did, for tests: whole lists written, journal lines
	// appended (one per zone), reads of the whole list.
	writes, appends, reads int
	// crashPoint, when set (tests), runs between writing the whole list
	// and removing the journal: where a crash leaves both.
	crashPoint func()
}

// ownedLockName is the lock file beside the state file (lockState).
const ownedLockName = ".owned.lock"

// ownedWholeBelow: a list smaller than this (bytes of owned.json, about
// 2,000 sets) is written whole on every save.
const ownedWholeBelow = 64 << 10

// LoadOwned reads the state at path (owned.json and its journal). A
// missing owned.json is an empty list (found reports false): dnssync then
// owns nothing and adopts only what already matches records.d, so foreign
// records are never at risk.
func LoadOwned(path string) (o *Owned, found bool, err error) {
	o = &Owned{path: path, pending: map[string]map[rrset.Key]bool{}}
	if err := o.readAll(false); err != nil {
		return nil, false, err
	}
	return o, o.seen.base != (stateID{}), nil
}

// stateID tells a state file replaced by rename from the one before it
// (atomicfile.Write renames a new inode in for every write, whoever makes
// it), and a journal that grew from the one before.
type stateID struct {
	dev, ino, size, mtime, ctime int64
}

func stateIDOf(st *unix.Stat_t) stateID {
	return stateID{dev: int64(st.Dev), ino: int64(st.Ino), size: st.Size, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}
}

// sameFile: a and b are one inode (a journal appended to in between).
func (a stateID) sameFile(b stateID) bool { return a.dev == b.dev && a.ino == b.ino }

// statState is the state file at path's stateID, zero when it cannot be
// told (no file, or an error): such a file is read again.
func statState(path string) stateID {
	id, _ := statOwned(path)
	return id
}

// statOwned is the file at path's stateID, zero with no error when there
// is none.
func statOwned(path string) (stateID, error) {
	var st unix.Stat_t
	err := unix.Stat(path, &st)
	if errors.Is(err, unix.ENOENT) {
		return stateID{}, nil
	}
	if err != nil {
		return stateID{}, fmt.Errorf("ownership state %s: %w", path, err)
	}
	return stateIDOf(&st), nil
}

// CatchUp takes in what other processes saved since this one last read or
// wrote the files, keeping this process's changes not yet saved on top. It
// is cheap when nothing moved (two stats), and reads only the new journal
// lines when only those were added, so a caller can run it once per zone
// and pass. It takes no lock: owned.json is replaced by rename and the
// journal only grows by whole lines (one being written is left for the
// next call), and a read that another process's rewrite overtook is done
// again (readAll). On an error the copy in memory stays as it was: it is
// what this process last knew, and its next save reports the file too.
func (o *Owned) CatchUp() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.refresh(false)
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
		// Sized up front: a cold sync adopts a whole zone in one Update.
		changed = make(map[rrset.Key]bool, len(add)+len(remove))
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

// save writes the pending changes under the lock, after catching up with
// the files: what other processes saved meanwhile is kept, and becomes this
// process's view too. A list with no owned.json (never saved, or moved
// away to start over) is written whole, as is a small one; otherwise the
// changes are a journal line, or, once the journal is long enough, part of
// the whole list written again.
func (o *Owned) save() error {
	release, err := lockState(o.path, ownedLockName)
	if err != nil {
		return fmt.Errorf("ownership state: %w", err)
	}
	defer release()
	if err := o.refresh(true); err != nil {
		return err
	}
	if o.seen.torn {
		o.logger().Warn("ownership journal: its last line was cut short (a crash while it was written, before the change was acknowledged); dropping it",
			"file", o.journalPath(), "line", o.seen.lines+1)
	}
	if o.seen.base == (stateID{}) {
		// An empty update that finds no file creates it, as before:
		// found says there is state from now on.
		return o.writeFresh()
	}
	if !hasChanges(o.pending) && !o.seen.torn {
		clear(o.pending)
		return nil // an empty update leaves the files as they are
	}
	line, err := journalLines(o.pending)
	if err != nil {
		return err
	}
	if o.journalTakes(int64(len(line))) {
		return o.appendPending(line)
	}
	return o.compact(line)
}

// journalTakes: n more bytes of journal lines are still worth appending,
// rather than writing the whole list. Up to a quarter of owned.json's
// size, a compaction costs each change at most four times what its line
// does, and a full read replays at most that much.
func (o *Owned) journalTakes(n int64) bool {
	wholeBelow, most := int64(ownedWholeBelow), o.seen.base.size/4
	if o.wholeBelow != 0 {
		wholeBelow = o.wholeBelow
	}
	if o.journalMax != 0 {
		most = o.journalMax
	}
	return o.seen.base.size >= wholeBelow && o.seen.offset+n <= most
}

// hasChanges: some zone has a change pending.
func hasChanges(pending map[string]map[rrset.Key]bool) bool {
	for _, changed := range pending {
		if len(changed) > 0 {
			return true
		}
	}
	return false
}

// logger is o.log, or one that discards.
func (o *Owned) logger() *slog.Logger {
	if o.log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.log
}

// useLog has o's warnings logged to log, unless it has a logger already.
func (o *Owned) useLog(log *slog.Logger) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.log == nil {
		o.log = log
	}
}

// applyChanges applies one zone's changes (true added, false removed) to
// zones.
func applyChanges(zones map[string]map[rrset.Key]bool, zone string, changed map[rrset.Key]bool) {
	set := zones[zone]
	if set == nil {
		set = make(map[rrset.Key]bool, len(changed))
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

// ownedFile is owned.json's shape; keys are "name TYPE", sorted.
type ownedFile struct {
	Version int                 `json:"version"`
	Zones   map[string][]string `json:"zones"`
}

func toOwnedFile(zones map[string]map[rrset.Key]bool) ownedFile {
	f := ownedFile{Version: 1, Zones: map[string][]string{}}
	for zone, set := range zones {
		f.Zones[zone] = keyStrings(set, true)
	}
	return f
}

// keyStrings is the keys of set whose value is want as "name TYPE",
// sorted: a stable file for people and diffs; any order will do.
func keyStrings(set map[rrset.Key]bool, want bool) []string {
	out := make([]string, 0, len(set))
	for k, v := range set {
		if v == want {
			out = append(out, k.String())
		}
	}
	slices.Sort(out)
	return out
}

// removeOwned removes path; a file already gone is fine.
func removeOwned(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("ownership state: %w", err)
	}
	return nil
}
