package apply

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/atomicfile"
)

// Serials remembers the last serial dnssync wrote for each zone, in a small
// file in the state dir (serials.json). The zone file on disk and what
// CoreDNS serves can both be lost (a wiped volume, a restarted CoreDNS that
// dropped the zone); this file is what keeps the next serial from going
// back below one that secondaries already hold.
//
// More than one process writes it: the daemon, and `dnssync apply` run
// beside it. Each holds its own copy, so Record takes a lock shared by
// every process (serialsLockName, flock), reads the file again and keeps,
// for each zone, the newer serial (RFC 1982) of the file's and its own
// before writing: a process never writes back an older serial than another
// recorded meanwhile.
//
// Records made at the same time (zones written in parallel) are written
// together (group commit): while one write of the file is under way, the
// Records that arrive join the next batch, and the first of them to get
// the writer's turn writes the whole batch, once. A pass writing 10,000
// zones then writes the file a few hundred times, not 10,000 times over a
// file of 10,000 zones. A file that no other process replaced since this
// one last wrote or read it (same inode, size and times) is not read again.
type Serials struct {
	path string
	mu   sync.Mutex
	last map[string]uint32 // by canonical zone name
	// pending gathers the Records waiting for the next write; commit is
	// the writer's turn, held over the read-merge-write of one batch.
	pending *serialBatch
	commit  sync.Mutex
	seen    stateID // the file as this process last read or wrote it (zero: unknown)
	// names is last's zones in order with their JSON names; text, the
	// file as last written, its buffer reused (write).
	names []zoneName
	text  []byte
	// reads and writes of the file, under commit (tests).
	reads, writes int
}

// serialBatch is Records written together: each zone's serial and the
// one it was chosen above, and once written (done closed), each zone's
// outcome.
type serialBatch struct {
	zones map[string]serialRecord
	errs  map[string]error
	done  chan struct{}
}

// serialRecord is one Record's serial and base.
type serialRecord struct{ serial, base uint32 }

// serialsFile is the state file's shape.
type serialsFile struct {
	Version int               `json:"version"`
	Zones   map[string]uint32 `json:"zones"`
}

// SerialsFile is the state file's name in the state dir.
const SerialsFile = "serials.json"

// serialsLockName is the lock file beside the state file (lockState).
const serialsLockName = ".serials.lock"

// LoadSerials reads the state file at path; a missing file means no serial
// was written yet. A file that cannot be read is an error: starting without
// it could write a serial below one already served.
func LoadSerials(path string) (*Serials, error) {
	last, err := readSerials(path)
	if err != nil {
		return nil, err
	}
	return &Serials{path: path, last: last, names: withNames(nil, last, nil)}, nil
}

// readSerials reads the state file at path (missing: none recorded).
func readSerials(path string) (map[string]uint32, error) {
	last := map[string]uint32{}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return last, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read serial state: %w", err)
	}
	var f serialsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("serial state %s: %w (fix it, or move it away: the next serials then follow only what is served and on disk)", path, err)
	}
	for zone, serial := range f.Zones {
		last[dns.CanonicalName(zone)] = serial
	}
	return last, nil
}

// Path is the state file.
func (s *Serials) Path() string { return s.path }

// Last is the last serial written for zone, 0 if none.
func (s *Serials) Last(zone string) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last[dns.CanonicalName(zone)]
}

// Record persists serial as the last one written for zone. It is called
// before the zone file carrying that serial is written: a crash in between
// then skips a serial, which is harmless, and never lets one be reused.
//
// base is the serial Last returned when serial was chosen (above it).
// Should another process have recorded another serial for zone since
// (this one may have read it meanwhile, while writing another zone's),
// and serial is not newer than that one, that one stays, Last returns it
// from now on, and Record fails: the zone file must not be written with
// an older serial, nor with one another file carries. A serial that
// replaces this process's own is written whatever it is: NextSerial chose
// it, also when no serial could be newer than all known ones.
func (s *Serials) Record(zone string, serial, base uint32) error {
	zone = dns.CanonicalName(zone)
	s.mu.Lock()
	b := s.pending
	if b == nil {
		b = &serialBatch{zones: map[string]serialRecord{}, done: make(chan struct{})}
		s.pending = b
	}
	// The same zone twice in one batch cannot come from one ZoneFile (it
	// writes a zone at a time); should it, the later serial is the one
	// this process goes on from.
	b.zones[zone] = serialRecord{serial, base}
	s.mu.Unlock()

	s.commit.Lock()
	select {
	case <-b.done: // written by the Record that had the turn before
	default:
		s.mu.Lock()
		if s.pending == b {
			s.pending = nil // no Record joins it from now on
		}
		s.mu.Unlock()
		s.write(b)
		close(b.done)
	}
	s.commit.Unlock()
	if err := b.errs[zone]; err != nil {
		return fmt.Errorf("record serial %d of %s: %w", serial, zone, err)
	}
	return nil
}

// write is one batch's read-merge-write under the lock shared by every
// process; s.last changes only once the file is written (or read). Always
// through the file, also for a serial this process recorded before (a
// retry of a failed write): another process may have taken it meanwhile.
//
// Its cost is the batch's and one pass over the file's text: s.names keeps
// the zones in order with their JSON names, so a write of 10,000 zones'
// serials neither sorts nor quotes them again (it did: a quarter of a
// change's CPU at 10,000 zones). Only a file another process wrote is read
// and merged whole.
func (s *Serials) write(b *serialBatch) {
	b.errs = map[string]error{}
	fail := func(err error) {
		for z := range b.zones {
			b.errs[z] = err
		}
	}
	release, err := lockState(s.path, serialsLockName)
	if err != nil {
		fail(err)
		return
	}
	defer release()
	// Under commit only this goroutine changes s.last (under mu, for Last):
	// reading it here needs no lock.
	stale := false // the file lacks what this process knows
	if id := statState(s.path); id == (stateID{}) || id != s.seen {
		s.reads++
		onDisk, err := readSerials(s.path)
		if err != nil {
			fail(err)
			return
		}
		s.seen = id
		stale = s.takeIn(onDisk)
	}
	changed := map[string]uint32{}
	for zone, rec := range b.zones {
		serial, known := rec.serial, s.last[zone]
		if known != rec.base && !serialNewer(serial, known) {
			// Another process recorded this serial or a newer one since
			// serial was chosen (and is writing a zone file with it),
			// read now or by an earlier write of this one's: a file with
			// this one would go back, or replace that file under the same
			// serial, which CoreDNS and secondaries would never load.
			// Refused; the retry's NextSerial starts from that one.
			b.errs[zone] = fmt.Errorf("another dnssync recorded serial %d meanwhile; this write is not made, the next attempt takes a newer serial", known)
			continue
		}
		if known != serial { // a serial is never 0: an unknown zone is changed
			changed[zone] = serial
		}
	}
	if len(changed) == 0 && !stale {
		return
	}
	names := withNames(s.names, changed, s.last)
	s.writes++
	s.text = appendSerials(s.text[:0], names, func(zone string) uint32 {
		if v, ok := changed[zone]; ok {
			return v
		}
		return s.last[zone]
	})
	if err := atomicfile.Write(s.path, filepath.Dir(s.path), s.text, 0o644); err != nil {
		s.seen = stateID{}
		for z := range b.zones {
			if b.errs[z] == nil {
				b.errs[z] = err
			}
		}
		return
	}
	s.seen = statState(s.path)
	s.mu.Lock()
	maps.Copy(s.last, changed)
	s.names = names
	s.mu.Unlock()
}

// takeIn merges a file another process wrote into s.last: each zone's
// newer serial (RFC 1982) of the file's and this process's. It reports
// whether the file lacks or is behind anything this process knows (it
// must be written even if the batch changes nothing).
func (s *Serials) takeIn(onDisk map[string]uint32) (stale bool) {
	for z, known := range s.last {
		if v, ok := onDisk[z]; !ok || serialNewer(known, v) {
			stale = true
			break
		}
	}
	added := map[string]uint32{}
	s.mu.Lock()
	for z, v := range onDisk {
		if known, ok := s.last[z]; !ok || serialNewer(v, known) {
			if !ok {
				added[z] = v
			}
			s.last[z] = v // recorded by another process
		}
	}
	s.names = withNames(s.names, added, nil)
	s.mu.Unlock()
	return stale
}

// zoneName is a zone's name and its JSON string, as serials.json has it.
type zoneName struct {
	name string
	json []byte
}

// withNames returns names (in order) with the zones of add that known
// lacks, in order; names itself is not changed.
func withNames(names []zoneName, add, known map[string]uint32) []zoneName {
	var fresh []zoneName
	for z := range add {
		if _, ok := known[z]; !ok {
			q, _ := json.Marshal(z) // a string always marshals
			fresh = append(fresh, zoneName{z, q})
		}
	}
	if len(fresh) == 0 {
		return names
	}
	byName := func(a, b zoneName) int { return strings.Compare(a.name, b.name) }
	slices.SortFunc(fresh, byName)
	out := make([]zoneName, 0, len(names)+len(fresh))
	i, j := 0, 0
	for i < len(names) && j < len(fresh) {
		if names[i].name < fresh[j].name {
			out, i = append(out, names[i]), i+1
		} else {
			out, j = append(out, fresh[j]), j+1
		}
	}
	out = append(out, names[i:]...)
	return append(out, fresh[j:]...)
}

// marshalSerials is serialsFile{Version: 1, Zones: zones} as writeState
// writes it (indented JSON, a final newline), without reflection.
func marshalSerials(zones map[string]uint32) []byte {
	return appendSerials(nil, withNames(nil, zones, nil), func(z string) uint32 { return zones[z] })
}

// appendSerials appends the state file for the zones of names, in their
// order, each with its serial: encoding/json's bytes for serialsFile
// (indented, a final newline), without its reflection, sort and quoting
// (a cold start writes the file a few hundred times).
func appendSerials(b []byte, names []zoneName, serial func(zone string) uint32) []byte {
	b = slices.Grow(b, 32+len(names)*48)
	b = append(b, "{\n  \"version\": 1,\n  \"zones\": {"...)
	for i, z := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    "...)
		b = append(b, z.json...)
		b = append(b, ": "...)
		b = strconv.AppendUint(b, uint64(serial(z.name)), 10)
	}
	if len(names) > 0 {
		b = append(b, "\n  "...)
	}
	return append(b, "}\n}\n"...)
}
