package apply

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"sync"

	"github.com/miekg/dns"
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
type Serials struct {
	path string
	mu   sync.Mutex
	last map[string]uint32 // by canonical zone name
}

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
	return &Serials{path: path, last: last}, nil
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
// Should another process have recorded the same or a newer serial for
// zone since this one last looked, that one stays, Last returns it from now on, and Record
// fails: the zone file must not be written with an older serial. A serial
// that replaces this process's own is written whatever it is: NextSerial
// chose it, also when no serial could be newer than all known ones.
func (s *Serials) Record(zone string, serial uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	zone = dns.CanonicalName(zone)
	// Always through the file, also for a serial this process recorded
	// before (a retry of a failed write): another process may have taken
	// it meanwhile.
	if err := s.merge(zone, serial); err != nil {
		return fmt.Errorf("record serial %d of %s: %w", serial, zone, err)
	}
	return nil
}

// merge is Record's read-merge-write under the lock; s.last changes only
// once the file is written.
func (s *Serials) merge(zone string, serial uint32) error {
	release, err := lockState(s.path, serialsLockName)
	if err != nil {
		return err
	}
	defer release()
	onDisk, err := readSerials(s.path)
	if err != nil {
		return err
	}
	next := maps.Clone(s.last)
	for z, v := range onDisk {
		if known, ok := s.last[z]; !ok || serialNewer(v, known) {
			next[z] = v // recorded by another process
		}
	}
	if v, ok := onDisk[zone]; ok && v != s.last[zone] && !serialNewer(serial, v) {
		// Another process recorded this serial or a newer one meanwhile
		// (and is writing a zone file with it): a file with this one would
		// go back, or replace that file under the same serial, which
		// CoreDNS and secondaries would never load. Refused; the retry's
		// NextSerial starts from that one.
		s.last = next
		return fmt.Errorf("another dnssync recorded serial %d meanwhile; this write is not made, the next attempt takes a newer serial", v)
	}
	next[zone] = serial
	if !maps.Equal(next, onDisk) {
		if err := writeState(s.path, serialsFile{Version: 1, Zones: next}); err != nil {
			return err
		}
	}
	s.last = next
	return nil
}
