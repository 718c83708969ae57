package apply

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/atomicfile"
)

// Serials remembers the last serial dnssync wrote for each zone, in a small
// file in the state dir (serials.json). The zone file on disk and what
// CoreDNS serves can both be lost (a wiped volume, a restarted CoreDNS that
// dropped the zone); this file is what keeps the next serial from going
// back below one that secondaries already hold.
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

// LoadSerials reads the state file at path; a missing file means no serial
// was written yet. A file that cannot be read is an error: starting without
// it could write a serial below one already served.
func LoadSerials(path string) (*Serials, error) {
	s := &Serials{path: path, last: map[string]uint32{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read serial state: %w", err)
	}
	var f serialsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("serial state %s: %w (fix it, or move it away: the next serials then follow only what is served and on disk)", path, err)
	}
	for zone, serial := range f.Zones {
		s.last[dns.CanonicalName(zone)] = serial
	}
	return s, nil
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
func (s *Serials) Record(zone string, serial uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	zone = dns.CanonicalName(zone)
	if s.last[zone] == serial {
		return nil
	}
	prev, had := s.last[zone]
	s.last[zone] = serial
	if err := s.save(); err != nil {
		if had {
			s.last[zone] = prev
		} else {
			delete(s.last, zone)
		}
		return fmt.Errorf("record serial %d of %s: %w", serial, zone, err)
	}
	return nil
}

func (s *Serials) save() error {
	b, err := json.MarshalIndent(serialsFile{Version: 1, Zones: s.last}, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	return atomicfile.Write(s.path, dir, append(b, '\n'), 0o644)
}
