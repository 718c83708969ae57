package reconcile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/jsonerr"
	"github.com/dnssync/dnssync/internal/rrset"
)

// held.json: its shape, reading it strictly and writing it.

// heldVersion is the version of the file's shape this dnssync reads and
// writes. A file of another version is refused, not taken for "nothing
// held".
const heldVersion = 1

// The file's shape.
type (
	heldJSON struct {
		Version int                     `json:"version"`
		Zones   map[string]heldZoneJSON `json:"zones"`
	}
	heldZoneJSON struct {
		Safety heldSafetyJSON `json:"safety"`
		Held   []heldKeyJSON  `json:"held"`
	}
	heldSafetyJSON struct {
		MaxDeletePercent float64 `json:"max_delete_percent"`
		MaxUpdatePercent float64 `json:"max_update_percent"`
		MinRecords       int     `json:"min_records"`
	}
	heldKeyJSON struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
)

// readHeld reads and checks the file at path (missing: nothing held).
// Its errors quote nothing of the file: it is the state dir's, but an
// error travels to logs and health.
func readHeld(path string) (fileID, map[string]heldEntry, error) {
	id, b, err := readStateFile(path)
	switch {
	case err != nil:
		return fileID{}, nil, heldErr(path, err)
	case b == nil:
		return fileID{}, map[string]heldEntry{}, nil
	}
	zones, err := parseHeld(b)
	if err != nil {
		return fileID{}, nil, heldErr(path, err)
	}
	return id, zones, nil
}

// readStateFile reads one of the state dir's files (held.json,
// zones.json) as atomicfile.ReadRegular does: never through a link, never
// a FIFO or a device. A missing file is nil content, no error.
func readStateFile(path string) (fileID, []byte, error) {
	b, st, err := atomicfile.ReadRegular(path)
	if err != nil || b == nil {
		return fileID{}, nil, err
	}
	return idOf(st), b, nil
}

// heldErr says what is wrong with the file and what a person can do.
func heldErr(path string, err error) error {
	return fmt.Errorf("held state %s %w; nothing is applied while the changes the safety rules hold are not known (fix the file, or remove it to release every hold: the plans are then judged afresh)", path, err)
}

// parseHeld checks the file's content. Errors say where, never what.
func parseHeld(b []byte) (map[string]heldEntry, error) {
	var v struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, jsonErr(err)
	}
	if v.Version != heldVersion {
		return nil, fmt.Errorf("is of version %d, not %d (written by another dnssync?)", v.Version, heldVersion)
	}
	var f heldJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, jsonErr(err)
	}
	zones := make(map[string]heldEntry, len(f.Zones))
	for zone, z := range f.Zones {
		if _, ok := dns.IsDomainName(zone); !ok || !dns.IsFqdn(zone) {
			return nil, errors.New("names a zone that is not a fully qualified domain name")
		}
		e := heldEntry{
			safety: diff.Safety{MaxDeletePercent: z.Safety.MaxDeletePercent, MaxUpdatePercent: z.Safety.MaxUpdatePercent, MinRecords: z.Safety.MinRecords},
			keys:   make(map[rrset.Key]bool, len(z.Held)),
		}
		for i, k := range z.Held {
			t, typeOK := typeOf(k.Type)
			if _, nameOK := dns.IsDomainName(k.Name); !typeOK || !nameOK || !dns.IsFqdn(k.Name) {
				return nil, fmt.Errorf("holds an RRset that is not valid (entry %d of a zone)", i+1)
			}
			e.keys[rrset.Key{Name: dns.CanonicalName(k.Name), Type: t}] = true
		}
		zones[dns.CanonicalName(zone)] = e
	}
	return zones, nil
}

// jsonErr is a decoding error as the state file errors say it: where,
// never what.
func jsonErr(err error) error { return errors.New("is " + jsonerr.Where(err)) }

// writeHeld writes zones to path, atomically.
func writeHeld(path string, zones map[string]heldEntry) error {
	f := heldJSON{Version: heldVersion, Zones: make(map[string]heldZoneJSON, len(zones))}
	for zone, e := range zones {
		keys := slices.SortedFunc(maps.Keys(e.keys), rrset.Key.Compare)
		z := heldZoneJSON{
			Safety: heldSafetyJSON{MaxDeletePercent: e.safety.MaxDeletePercent, MaxUpdatePercent: e.safety.MaxUpdatePercent, MinRecords: e.safety.MinRecords},
			Held:   make([]heldKeyJSON, len(keys)),
		}
		for i, k := range keys {
			z.Held[i] = heldKeyJSON{Name: k.Name, Type: typeName(k.Type)}
		}
		f.Zones[zone] = z
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("held state: %w", err)
	}
	if err := atomicfile.Write(path, filepath.Dir(path), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("held state: %w", err)
	}
	return nil
}

// typeName is a type's mnemonic, or TYPEnnn (RFC 3597) for one without.
func typeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// typeOf reads typeName's output back.
func typeOf(s string) (uint16, bool) {
	if t, ok := dns.StringToType[s]; ok {
		return t, true
	}
	if n, ok := strings.CutPrefix(s, "TYPE"); ok {
		if v, err := strconv.ParseUint(n, 10, 16); err == nil {
			return uint16(v), true
		}
	}
	return 0, false
}
