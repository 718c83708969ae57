package apply

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/miekg/dns"
	"golang.org/x/sys/unix"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/rrset"
)

// The ownership journal, owned.json.journal beside owned.json: one line
// of JSON per zone a save changed, appended and fsynced before the save
// returns, e.g.
//
//	{"zone":"example.com.","add":["www.example.com. A"],"remove":["old.example.com. TXT"]}
//
// A line sets each key it names to owned or not. Replayed in order over
// owned.json it gives the list; replayed over a list that already holds
// it, it gives that list again: the last line naming a key decides it,
// and the list holds that too. So a crash between writing owned.json
// whole and removing the journal (compact) loses nothing and adds
// nothing, provided owned.json holds no change the journal does not: the
// changes a compaction writes go to the journal first.
//
// A crash in the middle of an append leaves the last line cut short (or,
// on some filesystems, not valid): that change was never acknowledged.
// Such a line is not replayed, and the next save warns and cuts it off
// before it appends. Any other line that is not a change is an error
// naming the file and the line.

// journalPath is the journal beside owned.json.
func (o *Owned) journalPath() string { return o.path + ".journal" }

// journalLine is one line's shape; keys are "name TYPE", sorted.
type journalLine struct {
	Zone   string   `json:"zone"`
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
}

// journalChange is a line parsed: what it sets in one zone.
type journalChange struct {
	zone        string
	add, remove []rrset.Key
}

func (c journalChange) applyTo(zones map[string]map[rrset.Key]bool) {
	set := zones[c.zone]
	if set == nil {
		set = map[rrset.Key]bool{}
		zones[c.zone] = set
	}
	for _, k := range c.remove {
		delete(set, k)
	}
	for _, k := range c.add {
		set[k] = true
	}
}

// journalLines is the pending changes as journal lines, zones sorted.
func journalLines(pending map[string]map[rrset.Key]bool) ([]byte, error) {
	var out []byte
	for _, zone := range slices.Sorted(maps.Keys(pending)) {
		changed := pending[zone]
		if len(changed) == 0 {
			continue
		}
		b, err := json.Marshal(journalLine{Zone: zone, Add: keyStrings(changed, true), Remove: keyStrings(changed, false)})
		if err != nil {
			return nil, fmt.Errorf("ownership journal: %w", err)
		}
		out = append(append(out, b...), '\n')
	}
	return out, nil
}

// errJournalShrank: the journal is shorter than what was read of it
// before: not the one read then.
var errJournalShrank = errors.New("ownership journal shorter than read before")

// journalRead is what readJournal found.
type journalRead struct {
	id      stateID // the journal as opened (zero: none)
	changes []journalChange
	end     int64 // offset past the last whole line
	lines   int   // whole lines up to end
	torn    bool  // the journal goes on past end: a line cut short, or not valid and last
}

// readJournal parses the journal at path from offset on, line being the
// number of lines before it. A missing journal is an empty one.
func readJournal(path string, offset int64, line int) (journalRead, error) {
	r := journalRead{end: offset, lines: line}
	b, id, err := readStateFile(path, offset, unix.O_NOFOLLOW)
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	r.id = id
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			// Cut short by a crash, or still being written by another
			// process (a read without the lock): not taken in either way.
			r.torn = true
			break
		}
		c, ok := parseJournalLine(b[:i])
		if !ok {
			if i+1 == len(b) {
				r.torn = true // the last line: an append a crash left in pieces
				break
			}
			return r, fmt.Errorf("ownership journal %s: line %d is not a change of owned sets (fix it, or %s)", path, r.lines+1, startOverJournal)
		}
		r.changes = append(r.changes, c)
		r.lines++
		r.end += int64(i + 1)
		b = b[i+1:]
	}
	return r, nil
}

const startOverJournal = "move it and owned.json away to start over: dnssync then adopts only records that match records.d"

// parseJournalLine parses one line, strictly.
func parseJournalLine(b []byte) (journalChange, bool) {
	var l journalLine
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil || dec.More() || l.Zone == "" {
		return journalChange{}, false
	}
	c := journalChange{zone: dns.CanonicalName(l.Zone)}
	for _, s := range l.Remove {
		k, ok := parseOwnedKey(s)
		if !ok {
			return journalChange{}, false
		}
		c.remove = append(c.remove, k)
	}
	for _, s := range l.Add {
		k, ok := parseOwnedKey(s)
		if !ok {
			return journalChange{}, false
		}
		c.add = append(c.add, k)
	}
	return c, true
}

// appendPending appends the pending changes (lines, from journalLines) to
// the journal, cutting off a torn last line first, and takes the journal
// as written. On an error the changes stay pending: a line that got out
// in part is torn, and cut off by the next save.
func (o *Owned) appendPending(lines []byte) error {
	truncate := int64(-1)
	if o.seen.torn {
		truncate = o.seen.offset
	}
	id, err := appendJournal(o.journalPath(), truncate, lines)
	if err != nil {
		o.seen.known = false
		return err
	}
	n := bytes.Count(lines, []byte{'\n'})
	o.appends += n
	o.seen.journal, o.seen.offset, o.seen.lines, o.seen.torn = id, id.size, o.seen.lines+n, false
	clear(o.pending)
	return nil
}

// appendJournal appends b to the journal at path (created if missing),
// first cutting it to truncate bytes unless that is negative, and syncs
// it: once it returns, the lines survive a crash. It returns the
// journal's id as written.
func appendJournal(path string, truncate int64, b []byte) (stateID, error) {
	_, err := os.Lstat(path)
	created := errors.Is(err, fs.ErrNotExist)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_NONBLOCK|unix.O_NOFOLLOW, 0o644)
	if err != nil {
		return stateID{}, fmt.Errorf("ownership journal: %w", err)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return stateID{}, fmt.Errorf("ownership journal %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return stateID{}, fmt.Errorf("ownership journal %s: not a regular file (%s)", path, startOverJournal)
	}
	if truncate >= 0 {
		if err := f.Truncate(truncate); err != nil {
			return stateID{}, fmt.Errorf("ownership journal %s: cut off a torn line: %w", path, err)
		}
	}
	if _, err := f.Write(b); err != nil {
		return stateID{}, fmt.Errorf("ownership journal %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return stateID{}, fmt.Errorf("ownership journal %s: %w", path, err)
	}
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return stateID{}, fmt.Errorf("ownership journal %s: %w", path, err)
	}
	if created {
		// The new name must survive a crash as well as the data.
		if err := atomicfile.SyncDir(filepath.Dir(path)); err != nil {
			return stateID{}, fmt.Errorf("ownership journal %s: %w", path, err)
		}
	}
	return stateIDOf(&st), nil
}

// compact writes the whole list to owned.json and removes the journal.
// The pending changes (lines) go to the journal first when there is one:
// owned.json then holds nothing the journal lacks, and a crash that
// leaves the journal beside it is harmless (see the top of this file).
func (o *Owned) compact(lines []byte) error {
	if o.seen.journal != (stateID{}) {
		if err := o.appendPending(lines); err != nil {
			return err
		}
	}
	return o.writeWhole()
}

// writeFresh writes the whole list where owned.json is missing (never
// saved, or moved away to start over). A journal found beside no
// owned.json belongs to the list moved away: it must never be replayed
// over the new one, so it goes first. The directory sync after
// owned.json's rename makes that removal durable too.
func (o *Owned) writeFresh() error {
	if err := removeOwned(o.journalPath()); err != nil {
		o.seen.known = false
		return err
	}
	return o.writeWhole()
}

// writeWhole replaces owned.json with the list as this process holds it
// (the files caught up with, the pending changes on top) and removes the
// journal, which it now holds.
func (o *Owned) writeWhole() error {
	if err := writeState(o.path, toOwnedFile(o.zones)); err != nil {
		o.seen.known = false
		return err
	}
	o.writes++
	clear(o.pending)
	// Stat under the lock: no other writer can have replaced it since.
	// Should that fail, a zero id has the next refresh read it again.
	base := statState(o.path)
	if o.crashPoint != nil {
		o.crashPoint()
	}
	o.seen = ownedSeen{known: base != (stateID{}), base: base}
	if err := removeOwned(o.journalPath()); err != nil {
		// Harmless beside owned.json, which holds all of it; the next
		// compaction removes it.
		o.logger().Warn("ownership journal not removed after owned.json was written whole", "err", err)
		o.seen.known = false
	}
	return nil
}
