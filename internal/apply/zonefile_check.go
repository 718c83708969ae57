package apply

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dnssync/dnssync/internal/atomicfile"
)

// This file holds each backend's Check: what `dnssync check-config` proves
// before the service starts.

// Check proves, without writing any zone, that Apply can work: the zone dir exists
// or can be created, a file can be created, fsynced and renamed there (and
// removed), no zone file is a mount point of its own (rename cannot
// replace one), and the state dir takes the serial state the same way.
// It is what `dnssync check-config` runs, so that a zone dir that can never
// be written fails the service's start instead of every apply.
func (b *ZoneFile) Check() error {
	if err := probeDir("zone_dir", b.dir); err != nil {
		return err
	}
	for zone := range b.zones {
		path := b.Path(zone)
		same, err := sameMount(b.dir, path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // written on the first apply
		}
		if err != nil {
			return fmt.Errorf("zone file %s: %w", path, err)
		}
		if !same {
			return fmt.Errorf("zone file %s is a mount point of its own (a bind-mounted file?): dnssync replaces it by rename, which cannot cross filesystems; mount its directory (zone_dir) instead", path)
		}
	}
	if b.serials != nil {
		if err := probeDir("state_dir", filepath.Dir(b.serials.Path())); err != nil {
			return err
		}
	}
	return nil
}

// Check is the rfc2136 backend's: it writes no zone, but the ownership
// state (owned.json and its journal) is written in state_dir after every
// change, so state_dir must take such a write, as for the zonefile
// backend. `dnssync check-config` runs it.
func (b *RFC2136) Check() error {
	if b.owned == nil {
		return nil
	}
	return probeDir("state_dir", filepath.Dir(b.owned.path))
}

// probeDir creates dir if needed, as an apply would, and proves that files
// can be replaced atomically in it.
func probeDir(key, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("backend.%s %s: cannot create it: %w", key, dir, err)
	}
	if err := atomicfile.Probe(dir); err != nil {
		return fmt.Errorf("backend.%s %s: dnssync must create, fsync and rename files there (uid %d): %w", key, dir, os.Geteuid(), err)
	}
	return nil
}
