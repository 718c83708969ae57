package zones

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/config"
)

// Writing zones.d for the API and the CLI: one file per zone, named after
// it, replaced atomically.

// FileName is the base name of the file WriteFile writes for zone:
// "<canonical name without the trailing dot>.yaml". A name with anything
// but letters, digits, '-', '_' and dots could name a path outside the dir
// (or a dotfile the loader skips), and is refused.
func FileName(zone string) (string, error) {
	name := strings.TrimSuffix(dns.CanonicalName(zone), ".")
	if !config.FitsFileName(name) { // the rule BuildZone applies to every zone
		return "", fmt.Errorf("zone name %s cannot name a file (want letters, digits, '-', '_' and dots)", excerpt(zone))
	}
	return name + ".yaml", nil
}

// WriteFile checks spec as config.BuildZone does and writes it to
// dir/FileName(name), replacing that file, creating dir when missing. It
// returns the path. Defaults stay implicit in the file, as spec has them.
func WriteFile(dir string, spec config.ZoneSpec) (string, error) {
	z, err := config.BuildZone(spec)
	if err != nil {
		return "", fmt.Errorf("zone %s: %w", excerpt(spec.Name), err)
	}
	base, err := FileName(z.Name)
	if err != nil {
		return "", err
	}
	spec.Name = strings.TrimSuffix(z.Name, ".")
	data, err := yaml.Marshal(struct {
		Zone config.ZoneSpec `yaml:"zone"`
	}{spec})
	if err != nil {
		return "", fmt.Errorf("encode zone %s: %w", z.Name, err)
	}
	path := filepath.Join(dir, base)
	// What the loader will read must be this zone: a field the encoder
	// and the parser see differently would otherwise surface later.
	if got, p := parseFile(path, data); p != nil || !reflect.DeepEqual(got.zone, z) {
		return "", fmt.Errorf("encode zone %s: the file would not read back as the zone", z.Name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create zones dir: %w", err)
	}
	if err := atomicfile.Write(path, dir, data, 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// RemoveFile removes the file WriteFile writes for the zone named name
// (<name>.yaml, or <name>.yml written by hand) and returns its path. A
// zone declared in a file named otherwise is found by Set.Source. No such
// file is an error for which errors.Is(err, fs.ErrNotExist) holds.
func RemoveFile(dir, name string) (string, error) {
	base, err := FileName(name)
	if err != nil {
		return "", err
	}
	for _, b := range []string{base, strings.TrimSuffix(base, ".yaml") + ".yml"} {
		path := filepath.Join(dir, b)
		err := os.Remove(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("remove zone file: %w", err)
		}
		return path, syncDir(dir)
	}
	return "", fmt.Errorf("remove zone %s: no file %s in %s: %w", dns.CanonicalName(name), base, dir, fs.ErrNotExist)
}

// syncDir makes a removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync zones dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync zones dir: %w", err)
	}
	return nil
}
