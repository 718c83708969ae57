package apply

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dnssync/dnssync/internal/atomicfile"
)

// Zones come and go at run time (zones.d, the zones API): the reconciler
// tells a backend that keeps per-zone parameters the set it now manages,
// and tells one that keeps per-zone files when a zone has left. Both are
// optional: the rfc2136 backend keeps neither (the server owns its zones).

// ZoneSetter is a backend that writes each zone's SOA and apex NS from the
// zones it is given.
type ZoneSetter interface {
	// SetZones replaces the zones the backend knows. It fails, changing
	// nothing, when one of them is not fit to write.
	SetZones(zones []Zone) error
}

// ZoneRemover is a backend that keeps a file per zone and removes it once
// the zone is no longer managed.
type ZoneRemover interface {
	RemoveZone(ctx context.Context, zone string) error
}

var (
	_ ZoneSetter  = (*ZoneFile)(nil)
	_ ZoneRemover = (*ZoneFile)(nil)
	_ ZoneSetter  = view{}
)

// SetZones replaces the zones the backend writes SOA and NS for.
func (b *ZoneFile) SetZones(zones []Zone) error {
	m, err := zoneMap(zones)
	if err != nil {
		return err
	}
	b.zonesMu.Lock()
	defer b.zonesMu.Unlock()
	b.zones = m
	return nil
}

// RemoveZone removes zone's file, so that CoreDNS's auto stops serving
// the zone on its next scan. The zone's last serial stays in serials.json:
// a zone added again later goes on above it, and secondaries that still
// hold the old copy take the new one.
func (b *ZoneFile) RemoveZone(ctx context.Context, zone string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer b.zoneLock(zone)()
	path := b.Path(zone)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove zone file of %s: %w", zone, err)
	}
	// The removal is durable before the zone is forgotten.
	if err := atomicfile.SyncDir(filepath.Dir(path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove zone file of %s: sync %s: %w", zone, b.dir, err)
	}
	b.mu.Lock()
	delete(b.texts, zone)
	delete(b.signed, zone)
	delete(b.unwritten, zone)
	b.mu.Unlock()
	b.log.Info("zone file removed", "zone", zone, "path", path)
	return nil
}

// SetZones passes the zones on to the wrapped backend, if it keeps any:
// a check plans a zone added at run time with its SOA and NS too.
func (v view) SetZones(zones []Zone) error {
	if s, ok := v.b.(ZoneSetter); ok {
		return s.SetZones(zones)
	}
	return nil
}

// zoneMap checks zones and indexes them by name.
func zoneMap(zones []Zone) (map[string]Zone, error) {
	m := make(map[string]Zone, len(zones))
	for _, z := range zones {
		if err := z.check(); err != nil {
			return nil, fmt.Errorf("zone file backend: %w", err)
		}
		if _, dup := m[z.Name]; dup {
			return nil, fmt.Errorf("zone file backend: zone %s given twice", z.Name)
		}
		m[z.Name] = z
	}
	return m, nil
}
