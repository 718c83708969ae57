package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"

	"github.com/miekg/dns"
	"golang.org/x/sys/unix"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/flock"
)

// ZonesFile keeps the zones dnssync manages in the state dir (zones.json),
// each with its SOA and NS parameters, so that the zone set outlives the
// process: a zone whose zones.d file went while no dnssync ran is still
// known to the next one, which retires it under the safety rules (held
// like a mass delete while it serves many records) instead of forgetting
// it, served, with its zone file (zoneset.go). The parameters let the
// backend keep writing the zone's SOA and NS while it retires.
//
// A zone enters the file before an applying pass writes anything in it,
// and leaves once retired. Several processes write it (the daemon, `dnssync
// apply`): each change takes a lock shared by them (zonesLockName, flock),
// reads the file again and changes only its own zones' entries; the file
// is replaced by rename (internal/atomicfile).
type ZonesFile struct {
	path string
	id   fileID                 // of the file as last read or written (zero: none)
	last map[string]config.Zone // its content then, by zone; never modified in place
}

// ZonesFileName is the state file's name in the state dir.
const ZonesFileName = "zones.json"

// zonesLockName is the lock file beside the state file (it is replaced
// by rename: a lock on it would exclude nobody).
const zonesLockName = ".zones.lock"

// zonesVersion is the file's shape this dnssync reads and writes.
const zonesVersion = 1

// The file's shape.
type (
	zonesJSON struct {
		Version int                 `json:"version"`
		Zones   map[string]zoneJSON `json:"zones"`
	}
	zoneJSON struct {
		Reverse             bool     `json:"reverse,omitempty"`
		Nameservers         []string `json:"nameservers"`
		NameserverAddresses []string `json:"nameserver_addresses,omitempty"`
		Hostmaster          string   `json:"hostmaster"`
		Refresh             uint32   `json:"refresh"`
		Retry               uint32   `json:"retry"`
		Expire              uint32   `json:"expire"`
		NegativeTTL         uint32   `json:"negative_ttl"`
		SOATTL              uint32   `json:"soa_ttl"`
	}
)

// LoadZones reads the zone set state at path; a missing file means no
// zone was recorded yet (a first start, or a dnssync before this file).
// A file that cannot be read or is not one dnssync wrote is an error:
// taking it for "nothing managed" would forget, served, every zone
// removed meanwhile.
func LoadZones(path string) (*ZonesFile, error) {
	f := &ZonesFile{path: path}
	if _, err := f.current(); err != nil {
		return nil, err
	}
	return f, nil
}

// Path is the state file.
func (f *ZonesFile) Path() string { return f.path }

// current is the file's content, read again only when the file was
// replaced since it was last read or written.
func (f *ZonesFile) current() (map[string]config.Zone, error) {
	var st unix.Stat_t
	err := unix.Stat(f.path, &st)
	if errors.Is(err, unix.ENOENT) {
		f.id, f.last = fileID{}, map[string]config.Zone{}
		return f.last, nil
	}
	if err == nil && f.last != nil && idOf(&st) == f.id {
		return f.last, nil
	}
	id, zones, err := readZones(f.path)
	if err != nil {
		return nil, err
	}
	f.id, f.last = id, zones
	return zones, nil
}

// update changes the file under the lock: change gets the content as it
// is now on disk and returns what it should be (without modifying its
// argument); the file is written only when that differs.
func (f *ZonesFile) update(ctx context.Context, change func(map[string]config.Zone) map[string]config.Zone) error {
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("zone set state: state dir: %w", err)
	}
	release, err := flock.LockFile(ctx, filepath.Join(dir, zonesLockName), true, heldLockTimeout)
	if err != nil {
		return fmt.Errorf("zone set state: %w", err)
	}
	defer release()
	id, onDisk, err := readZones(f.path)
	if err != nil {
		return err
	}
	f.id, f.last = id, onDisk
	next := change(onDisk)
	if maps.EqualFunc(next, onDisk, zoneEqual) {
		return nil
	}
	if err := writeZones(f.path, next); err != nil {
		return err
	}
	// Stat under the lock: no other writer can have replaced it since.
	var st unix.Stat_t
	if err := unix.Stat(f.path, &st); err != nil {
		return fmt.Errorf("zone set state: %w", err)
	}
	f.id, f.last = idOf(&st), next
	return nil
}

// zonesErr says what is wrong with the file and what a person can do.
func zonesErr(path string, err error) error {
	return fmt.Errorf("zone set state %s %w; the zones dnssync manages are not known, and a zone removed meanwhile would be left served unseen (fix the file, or remove it: zones removed while no dnssync ran are then no longer retired)", path, err)
}

// readZones reads and checks the file at path (missing: none recorded).
// Its errors quote nothing of the file.
func readZones(path string) (fileID, map[string]config.Zone, error) {
	id, b, err := readStateFile(path)
	switch {
	case err != nil:
		return fileID{}, nil, zonesErr(path, err)
	case b == nil:
		return fileID{}, map[string]config.Zone{}, nil
	}
	zones, err := parseZones(b)
	if err != nil {
		return fileID{}, nil, zonesErr(path, err)
	}
	return id, zones, nil
}

// parseZones checks the file's content. Errors say where, never what.
func parseZones(b []byte) (map[string]config.Zone, error) {
	var v struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, jsonErr(err)
	}
	if v.Version != zonesVersion {
		return nil, fmt.Errorf("is of version %d, not %d (written by another dnssync?)", v.Version, zonesVersion)
	}
	var f zonesJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, jsonErr(err)
	}
	zones := make(map[string]config.Zone, len(f.Zones))
	for name, z := range f.Zones {
		if !fqdn(name) || len(z.Nameservers) == 0 || !fqdn(z.Hostmaster) {
			return nil, errors.New("holds a zone that is not valid (its name, nameservers or hostmaster)")
		}
		p := config.Zone{Name: dns.CanonicalName(name), Reverse: z.Reverse, Hostmaster: z.Hostmaster, Refresh: z.Refresh,
			Retry: z.Retry, Expire: z.Expire, NegativeTTL: z.NegativeTTL, SOATTL: z.SOATTL}
		for _, ns := range z.Nameservers {
			if !fqdn(ns) {
				return nil, errors.New("holds a zone that is not valid (its name, nameservers or hostmaster)")
			}
			p.Nameservers = append(p.Nameservers, ns)
		}
		for _, a := range z.NameserverAddresses {
			addr, err := netip.ParseAddr(a)
			if err != nil {
				return nil, errors.New("holds a nameserver address that is not valid")
			}
			p.NameserverAddresses = append(p.NameserverAddresses, addr)
		}
		zones[p.Name] = p
	}
	return zones, nil
}

func fqdn(name string) bool {
	_, ok := dns.IsDomainName(name)
	return ok && dns.IsFqdn(name)
}

// writeZones writes zones to path, atomically.
func writeZones(path string, zones map[string]config.Zone) error {
	f := zonesJSON{Version: zonesVersion, Zones: make(map[string]zoneJSON, len(zones))}
	for name, z := range zones {
		j := zoneJSON{Reverse: z.Reverse, Nameservers: slices.Clone(z.Nameservers), Hostmaster: z.Hostmaster, Refresh: z.Refresh,
			Retry: z.Retry, Expire: z.Expire, NegativeTTL: z.NegativeTTL, SOATTL: z.SOATTL}
		for _, a := range z.NameserverAddresses {
			j.NameserverAddresses = append(j.NameserverAddresses, a.String())
		}
		f.Zones[name] = j
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("zone set state: %w", err)
	}
	if err := atomicfile.Write(path, filepath.Dir(path), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("zone set state: %w", err)
	}
	return nil
}

// zoneEqual: the same zone with the same SOA and NS parameters.
func zoneEqual(a, b config.Zone) bool {
	return a.Name == b.Name && a.Reverse == b.Reverse && slices.Equal(a.Nameservers, b.Nameservers) &&
		slices.Equal(a.NameserverAddresses, b.NameserverAddresses) && a.Hostmaster == b.Hostmaster &&
		a.Refresh == b.Refresh && a.Retry == b.Retry && a.Expire == b.Expire && a.NegativeTTL == b.NegativeTTL && a.SOATTL == b.SOATTL
}
