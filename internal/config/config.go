// Package config loads dnssync's TOML configuration: the embedded defaults
// first, then the operator's file on top, strictly, and parses it into
// typed values once. Every key is either known or an error naming it, so a
// typo never silently falls back to a default; every value that does not
// parse or is out of range is an error naming the file and the key, at
// load time, so nothing downstream parses a config string again.
package config

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/BurntSushi/toml"
)

// Load returns the defaults overlaid with the file at path (none when path
// is empty), parsed and checked. Relative paths, the file's and the
// defaults' alike, are taken relative to the file's directory. Its error lists every problem found, one a
// line, each naming the file and the key. Commands load their config with
// Discover, which finds the path.
func Load(path string) (*Config, error) {
	var f fileConfig
	if _, err := decode(&f, defaultsName, defaults); err != nil {
		return nil, err
	}
	name := defaultsName
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		// Lists (zones among them) in the file replace the defaults whole.
		// The TOML decoder reuses a slice's existing elements, so a [[zones]]
		// entry would otherwise inherit the default zone's fields (its name
		// among them); decode zones into an empty list instead.
		defaultZones := f.Zones
		f.Zones = nil
		_, err = decode(&f, path, string(b))
		if err != nil {
			return nil, err
		}
		if f.Zones == nil {
			f.Zones = defaultZones
		}
		f.rebase(path)
		name = path
	}
	c, problems := f.build()
	if len(problems) > 0 {
		errs := make([]error, len(problems))
		for i, p := range problems {
			errs[i] = fmt.Errorf("%s: %w", name, p)
		}
		return nil, errors.Join(errs...)
	}
	c.File = path
	return c, nil
}

// decode reads text over f: a key the text sets replaces f's value. A
// syntax error names the file and line, an unknown key names the key. The
// metadata says which keys the text set.
func decode(f *fileConfig, name, text string) (toml.MetaData, error) {
	md, err := toml.Decode(text, f)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return md, fmt.Errorf("%s:%d: %s", name, perr.Position.Line, perr.Message)
		}
		return md, fmt.Errorf("%s: %w", name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return md, fmt.Errorf("%s: unknown key %s", name, strings.Join(keys, ", "))
	}
	return md, nil
}
