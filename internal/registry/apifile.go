package registry

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"

	"github.com/dnssync/dnssync/internal/desired"
)

// apiFile is the content of one API file.
type apiFile struct {
	name    string  // canonical owner name
	Records []entry `yaml:"records"`
}

type entry struct {
	Name   string   `yaml:"name"`
	Type   string   `yaml:"type"`
	Values []string `yaml:"values,flow"`
	TTL    *uint32  `yaml:"ttl,omitempty"`
}

func (e entry) equal(o entry) bool {
	sameTTL := e.TTL == nil && o.TTL == nil || e.TTL != nil && o.TTL != nil && *e.TTL == *o.TTL
	return e.Type == o.Type && sameTTL && slices.Equal(e.Values, o.Values)
}

func (f *apiFile) entry(typ string) *entry {
	for i := range f.Records {
		if f.Records[i].Type == typ {
			return &f.Records[i]
		}
	}
	return nil
}

const header = "# Written by the dnssync API for one name; it rewrites this file.\n# Declare records of your own in a file of your own.\n"

func (f *apiFile) marshal() ([]byte, error) {
	b, err := yaml.Marshal(struct {
		Records []entry `yaml:"records"`
	}{f.Records})
	if err != nil {
		return nil, err
	}
	return append([]byte(header), b...), nil
}

// readAPIFile reads the API's file at path in dir for the canonical name
// (none there: no records yet). It reads as the loader does
// (desired.ReadRecordFile): a FIFO there would otherwise block the edit in
// open() while it holds records.d's lock, stalling every writer, and a
// link to a huge file or a device would take the daemon's memory. Such a
// path is ErrUnreadable. A file that is not as the API writes it, or that
// holds another name, is an error too. No error quotes the file's content.
func readAPIFile(dir, path, name string) (*apiFile, error) {
	f := &apiFile{name: name}
	b, err := desired.ReadRecordFile(dir, path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v; remove it to start over", ErrUnreadable, path, err)
	}
	if err := yaml.Unmarshal(b, f); err != nil {
		return nil, fmt.Errorf("%s is not as the API writes it (not its YAML shape); remove it to start over", path)
	}
	for i := range f.Records {
		f.Records[i].Type = strings.ToUpper(f.Records[i].Type)
		if dns.CanonicalName(f.Records[i].Name) != name {
			return nil, fmt.Errorf("%s holds records of another name than %s; remove it to start over", path, strings.TrimSuffix(name, "."))
		}
	}
	return f, nil
}
