package desired

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/miekg/dns"
)

const (
	maxNameLen  = 253 // octets, without the trailing dot
	maxLabelLen = 63
)

// checkName validates a DNS name as a person writes it in records.d and
// returns it canonical (lower case, fully qualified). Owner names may start
// with a "*" label; targets may not. Underscores are allowed in every label:
// SRV owners, DKIM and ACME names need them, and CNAME targets point at such
// names too. Anything else (spaces, escapes, "@") is refused rather than
// interpreted, so a name means the same here as in the zone file we render.
func checkName(s string, wildcard bool) (string, error) {
	raw := s
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", fmt.Errorf("empty name")
	}
	if len(s) > maxNameLen {
		return "", fmt.Errorf("longer than %d octets", maxNameLen)
	}
	for i, rest, more := 0, s, true; more; i++ {
		var label string
		label, rest, more = strings.Cut(rest, ".")
		switch {
		case label == "":
			return "", fmt.Errorf("empty label")
		case len(label) > maxLabelLen:
			return "", fmt.Errorf("label %s is longer than %d octets", excerpt(label), maxLabelLen)
		case label == "*" && wildcard && i == 0:
			continue
		case label == "*" && wildcard:
			return "", fmt.Errorf("\"*\" is only allowed as the first label")
		}
		for _, r := range label {
			if !isNameChar(r) {
				return "", fmt.Errorf("label %s has invalid character %q", excerpt(label), r)
			}
		}
	}
	if len(raw) == len(s)+1 && strings.IndexFunc(s, unicode.IsUpper) < 0 {
		return raw, nil // canonical as written: no copy
	}
	return dns.CanonicalName(s), nil
}

// CheckName validates an owner name as a records file declares it (a
// leading "*" label allowed) and returns it canonical. The registry checks
// the names the API and the CLI are given with it, so that a name is taken
// there exactly when a file could declare it.
func CheckName(name string) (string, error) { return checkName(name, true) }

func isNameChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

// zoneSet finds the managed zone of a name.
type zoneSet struct {
	zones []string        // canonical, unique, sorted
	set   map[string]bool // the same, for lookups by suffix
	list  string          // for error messages
}

func newZoneSet(zones []string) zoneSet {
	var zs zoneSet
	for _, z := range zones {
		if z = strings.TrimSpace(z); z != "" {
			zs.zones = append(zs.zones, dns.CanonicalName(z))
		}
	}
	slices.Sort(zs.zones)
	zs.zones = slices.Compact(zs.zones)
	zs.set = make(map[string]bool, len(zs.zones))
	for _, z := range zs.zones {
		zs.set[z] = true
	}
	zs.list = strings.Join(zs.zones, ", ")
	if zs.list == "" {
		zs.list = "none configured"
	}
	return zs
}

// zoneOf returns the zone whose name is the longest label-aligned suffix of
// name ("badexample.com." is not in "example.com."), or "". It looks up each
// suffix of name, longest first: the cost is the name's labels, not the
// number of zones (1,000 zones x 100,000 names must stay cheap).
func (zs zoneSet) zoneOf(name string) string {
	name = dns.CanonicalName(name)
	for off, end := 0, false; !end; off, end = dns.NextLabel(name, off) {
		if zs.set[name[off:]] {
			return name[off:]
		}
	}
	if zs.set["."] {
		return "."
	}
	return ""
}
