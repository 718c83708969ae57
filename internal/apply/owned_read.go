package apply

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/sys/unix"

	"github.com/dnssync/dnssync/internal/jsonerr"
	"github.com/dnssync/dnssync/internal/rrset"
)

// Reading the ownership state: owned.json, then its journal replayed over
// it (owned_journal.go), again only as far as the files moved.

// ownedSeen is the files as a process last read or wrote them.
type ownedSeen struct {
	known   bool    // the fields describe the files (false: read them all again)
	base    stateID // owned.json (zero: none)
	journal stateID // the journal (zero: none)
	offset  int64   // journal bytes taken in: whole lines only
	lines   int     // journal lines taken in
	torn    bool    // past offset the journal ends in a line cut short or not valid
}

// refresh brings o.zones up to the files, o.pending on top: nothing to do
// when neither file moved since o.seen, the new lines only when the journal
// only grew, everything otherwise. locked: under the state lock (save),
// where no other process writes meanwhile.
func (o *Owned) refresh(locked bool) error {
	base, err := statOwned(o.path)
	if err != nil {
		return err
	}
	journal, err := statOwned(o.journalPath())
	if err != nil {
		return err
	}
	s := o.seen
	switch {
	case s.known && base == s.base && journal == s.journal:
		return nil
	case s.known && base != (stateID{}) && base == s.base && journal != (stateID{}) &&
		(s.journal == (stateID{}) || journal.sameFile(s.journal)) && journal.size >= s.offset:
		return o.readTail(locked)
	}
	return o.readAll(locked)
}

// readAll reads owned.json and its journal and takes them, o.pending on
// top. Without the lock another process may replace owned.json (and
// remove the journal it holds) between the two reads: the journal read
// would then not belong to the list read. So the read is done again when
// owned.json moved meanwhile; should it keep moving, the last read is
// taken and the next refresh reads again.
func (o *Owned) readAll(locked bool) error {
	for try := 1; ; try++ {
		zones, seen, err := readOwned(o.path, o.journalPath())
		moved := !locked && statState(o.path) != seen.base
		if moved && try < 3 {
			continue
		}
		if err != nil {
			return err
		}
		o.reads++
		for zone, changed := range o.pending {
			applyChanges(zones, zone, changed)
		}
		seen.known = !moved
		o.zones, o.seen = zones, seen
		return nil
	}
}

// readTail takes in the journal lines added since o.seen, o.pending on top
// again. All are parsed before any is applied: on an error the copy stays
// as it was. A journal that turns out not to be the one read before, or an
// owned.json that moved meanwhile, has everything read again.
func (o *Owned) readTail(locked bool) error {
	j, err := readJournal(o.journalPath(), o.seen.offset, o.seen.lines)
	other := errors.Is(err, errJournalShrank) || err == nil &&
		(j.id == (stateID{}) || o.seen.journal != (stateID{}) && !j.id.sameFile(o.seen.journal))
	if other || !locked && statState(o.path) != o.seen.base {
		return o.readAll(locked)
	}
	if err != nil {
		return err
	}
	for _, c := range j.changes {
		c.applyTo(o.zones)
	}
	for zone, changed := range o.pending {
		applyChanges(o.zones, zone, changed)
	}
	o.seen.journal, o.seen.offset, o.seen.lines, o.seen.torn = j.id, j.end, j.lines, j.torn
	return nil
}

// readOwned reads owned.json at path and replays the journal at journal
// over it. A missing owned.json is nothing owned (seen.base zero), and a
// journal beside none is not replayed: it belongs to a list moved away to
// start over (the next save removes it). Errors say where a file is
// wrong, never what it says.
func readOwned(path, journal string) (map[string]map[rrset.Key]bool, ownedSeen, error) {
	id, zones, found, err := readBase(path)
	if err != nil {
		return nil, ownedSeen{}, err
	}
	if !found {
		return zones, ownedSeen{journal: statState(journal)}, nil
	}
	j, err := readJournal(journal, 0, 0)
	if err != nil {
		return nil, ownedSeen{}, err
	}
	for _, c := range j.changes {
		c.applyTo(zones)
	}
	return zones, ownedSeen{base: id, journal: j.id, offset: j.end, lines: j.lines, torn: j.torn}, nil
}

// readBase reads owned.json at path (missing: nothing owned, found false,
// zero id). The id is of the file read, taken from the open file: one
// taken from the path could belong to a file that replaced it since, and
// CatchUp would then miss that file's changes.
func readBase(path string) (id stateID, zones map[string]map[rrset.Key]bool, found bool, err error) {
	zones = map[string]map[rrset.Key]bool{}
	b, id, err := readStateFile(path, 0, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return stateID{}, zones, false, nil
	}
	if err != nil {
		return stateID{}, nil, false, err
	}
	var of ownedFile
	if err := json.Unmarshal(b, &of); err != nil {
		return stateID{}, nil, false, fmt.Errorf("ownership state %s is %s (%s)", path, jsonerr.Where(err), startOver)
	}
	for zone, keys := range of.Zones {
		set := make(map[rrset.Key]bool, len(keys))
		for i, s := range keys {
			k, ok := parseOwnedKey(s)
			if !ok {
				return stateID{}, nil, false, fmt.Errorf("ownership state %s: entry %d of a zone is not \"name TYPE\" (fix it, or %s)", path, i+1, startOver)
			}
			set[k] = true
		}
		zones[dns.CanonicalName(zone)] = set
	}
	return id, zones, true, nil
}

// readStateFile reads the regular file at path from offset on, and its id
// as opened. Non-blocking: a FIFO put there must not stall every pass.
// A missing file is fs.ErrNotExist, unwrapped. flags are added to the
// open's (the journal is never read through a link).
func readStateFile(path string, offset int64, flags int) ([]byte, stateID, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK|flags, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, stateID{}, fs.ErrNotExist
	}
	if err != nil {
		return nil, stateID{}, fmt.Errorf("read ownership state: %w", err)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return nil, stateID{}, fmt.Errorf("read ownership state %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, stateID{}, fmt.Errorf("ownership state %s: not a regular file (%s)", path, startOver)
	}
	if st.Size < offset {
		return nil, stateIDOf(&st), errJournalShrank
	}
	b, err := io.ReadAll(io.NewSectionReader(f, offset, 1<<62))
	if err != nil {
		return nil, stateID{}, fmt.Errorf("read ownership state %s: %w", path, err)
	}
	return b, stateIDOf(&st), nil
}

// parseOwnedKey parses "name TYPE", canonical.
func parseOwnedKey(s string) (rrset.Key, bool) {
	name, typ, ok := strings.Cut(s, " ")
	t, known := dns.StringToType[typ]
	if !ok || !known {
		return rrset.Key{}, false
	}
	return rrset.Key{Name: dns.CanonicalName(name), Type: t}, true
}
