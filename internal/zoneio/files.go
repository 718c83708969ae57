package zoneio

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// GroupBy says which records share a file.
type GroupBy int

const (
	// ByName: one file per owner name (web-01.example.com.yaml).
	ByName GroupBy = iota
	// ByLabel: one file per label right below the zone, with every name
	// under it: web-01.example.com and _acme-challenge.web-01.example.com
	// share web-01.example.com.yaml, a server's records in one file.
	ByLabel
	// ByZone: one file for the whole zone (example.com.yaml).
	ByZone
)

// GroupNames are the --group-by values, in GroupBy's order.
var GroupNames = []string{"name", "label", "zone"}

// ParseGroupBy reads a --group-by value.
func ParseGroupBy(s string) (GroupBy, error) {
	for i, n := range GroupNames {
		if s == n {
			return GroupBy(i), nil
		}
	}
	return 0, fmt.Errorf("unknown grouping %q (want %s)", s, strings.Join(GroupNames, ", "))
}

func (g GroupBy) String() string { return GroupNames[g] }

// group returns the name whose file holds name's records (all canonical).
func (g GroupBy) group(zone, name string) string {
	switch g {
	case ByZone:
		return zone
	case ByLabel:
		if name == zone {
			return zone
		}
		labels := dns.SplitDomainName(name)
		below := labels[len(labels)-dns.CountLabel(zone)-1]
		return below + "." + zone
	}
	return name
}

const (
	fileSuffix = ".yaml"
	// maxFileName is the longest file name Linux file systems take.
	maxFileName = 255
	// A name too long for a file name keeps a prefix (so that a person
	// can tell the files apart) and a digest (so that no two names share
	// a file), as the registry does for the API's files.
	digestPrefixLen = 160
	digestHexLen    = 32
	// apiPrefix starts the API's own files (internal/registry): an
	// imported file must never look like one, or the API would take it
	// for the file of another name.
	apiPrefix = "api-"
)

// FileName is the records.d file for the records of a (canonical) name:
// the name without its trailing dot, with every character unfit for a
// file name (the wildcard's "*", anything but letters, digits, '-', '_'
// and '.') escaped as %XX, and ".yaml": "*.example.com." is
// "%2A.example.com.yaml". '%' never occurs in a name records.d takes, so
// two names never share a file name.
func FileName(name string) string {
	bare := strings.TrimSuffix(name, ".")
	var b strings.Builder
	for i := 0; i < len(bare); i++ {
		c := bare[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' && i > 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	esc := b.String()
	if rest, ok := strings.CutPrefix(esc, apiPrefix); ok {
		esc = "api%2D" + rest
	}
	if len(esc)+len(fileSuffix) <= maxFileName {
		return esc + fileSuffix
	}
	sum := sha256.Sum256([]byte(bare))
	prefix := esc[:digestPrefixLen]
	if i := strings.LastIndexByte(prefix, '%'); i >= len(prefix)-2 {
		prefix = prefix[:i] // no escape cut in half
	}
	prefix = strings.TrimRight(prefix, ".")
	return prefix + "-" + hex.EncodeToString(sum[:])[:digestHexLen] + fileSuffix
}
