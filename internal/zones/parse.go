package zones

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/textcap"
	"github.com/dnssync/dnssync/internal/yamlnode"
)

// The file is decoded into yaml.Node and walked by hand, as records.d's
// are (internal/desired/parse.go): every error points at the line of the
// offending key, and unknown keys are errors.

const wantZoneFields = "want name, nameservers, nameserver_addresses, hostmaster, refresh, retry, expire, negative_ttl, soa_ttl, reverse, dnssec"

// notZonesFile is the whole message for a file whose top level is not a
// mapping with the one key "zone": it may be any file at all (a hard link
// to a key is a regular file), so the message quotes nothing of it.
const notZonesFile = "not a zones file (want a mapping with a \"zone\" mapping)"

// excerptLen is how much of a token a message quotes (see
// internal/desired/redact.go for why that is short).
const excerptLen = 24

func excerpt(s string) string { return textcap.Quote(s, excerptLen) }

// lineError is a problem at a line of the file being parsed.
type lineError struct {
	line int
	msg  string
}

func errAt(line int, format string, args ...any) *lineError {
	return &lineError{line: line, msg: fmt.Sprintf(format, args...)}
}

// parseFile decodes one zones.d file and builds its zone. line is that of
// the "zone:" key.
func parseFile(path string, data []byte) (declared, *Problem) {
	spec, lines, zoneLine, lerr := decode(data)
	if lerr == nil {
		z, err := config.BuildZone(spec)
		if err == nil {
			return declared{zone: z, source: Source{File: path, Line: zoneLine}}, nil
		}
		// BuildZone's errors begin with the field's name: point at it.
		line := zoneLine
		if field, _, ok := strings.Cut(err.Error(), ":"); ok && lines[field] != 0 {
			line = lines[field]
		}
		lerr = errAt(line, "%s", textcap.Cut(err.Error(), 200))
	}
	return declared{}, &Problem{File: path, Line: lerr.line, Msg: lerr.msg}
}

// decode checks the file's structure and returns the spec with the line of
// each field it sets.
func decode(data []byte) (config.ZoneSpec, map[string]int, int, *lineError) {
	var spec config.ZoneSpec
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return spec, nil, 0, errAt(0, "file is empty (half-written?)")
		}
		return spec, nil, 0, yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return spec, nil, 0, yamlError(err)
		}
		return spec, nil, 0, errAt(extra.Line, "more than one YAML document (want one)")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = yamlnode.Deref(root)
	if root.Kind != yaml.MappingNode || len(root.Content) == 0 {
		return spec, nil, 0, errAt(root.Line, notZonesFile)
	}
	var zone *yaml.Node
	zoneLine := 0
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		switch {
		case k.Kind != yaml.ScalarNode || k.Value != "zone":
			return spec, nil, 0, errAt(k.Line, notZonesFile)
		case zone != nil:
			return spec, nil, 0, errAt(k.Line, "duplicate field \"zone\"")
		}
		zone, zoneLine = yamlnode.Deref(root.Content[i+1]), k.Line
	}
	if zone.Kind != yaml.MappingNode {
		return spec, nil, 0, errAt(zone.Line, "\"zone\" must be a mapping, got %s", yamlnode.Describe(zone))
	}
	lines := map[string]int{}
	for i := 0; i+1 < len(zone.Content); i += 2 {
		k, v := zone.Content[i], yamlnode.Deref(zone.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return spec, nil, 0, errAt(k.Line, "zone key must be a string, got %s", yamlnode.Describe(k))
		}
		if lines[k.Value] != 0 {
			return spec, nil, 0, errAt(k.Line, "duplicate field %s in zone", excerpt(k.Value))
		}
		lines[k.Value] = k.Line
		var err *lineError
		switch k.Value {
		case "name":
			spec.Name, err = str(k.Value, v)
		case "hostmaster":
			spec.Hostmaster, err = str(k.Value, v)
		case "nameservers":
			spec.Nameservers, err = strs(k.Value, v)
		case "nameserver_addresses":
			spec.NameserverAddresses, err = strs(k.Value, v)
			if err == nil && spec.NameserverAddresses == nil {
				spec.NameserverAddresses = []string{} // [] says "none", as in TOML
			}
		case "refresh":
			spec.Refresh, err = u32(k.Value, v)
		case "retry":
			spec.Retry, err = u32(k.Value, v)
		case "expire":
			spec.Expire, err = u32(k.Value, v)
		case "negative_ttl":
			spec.NegativeTTL, err = u32(k.Value, v)
		case "soa_ttl":
			spec.SOATTL, err = u32(k.Value, v)
		case "reverse":
			spec.Reverse, err = boolean(k.Value, v)
		case "dnssec":
			spec.DNSSEC, err = boolean(k.Value, v)
		default:
			return spec, nil, 0, errAt(k.Line, "unknown field %s in zone (%s)", excerpt(k.Value), wantZoneFields)
		}
		if err != nil {
			return spec, nil, 0, err
		}
	}
	if lines["name"] == 0 {
		return spec, nil, 0, errAt(zoneLine, "zone has no name")
	}
	return spec, lines, zoneLine, nil
}

func str(field string, n *yaml.Node) (string, *lineError) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return "", errAt(n.Line, "%s must be a string, got %s", field, yamlnode.Describe(n))
	}
	return n.Value, nil
}

func strs(field string, n *yaml.Node) ([]string, *lineError) {
	if n.Kind != yaml.SequenceNode {
		return nil, errAt(n.Line, "%s must be a list of strings, got %s", field, yamlnode.Describe(n))
	}
	var out []string
	for _, item := range n.Content {
		s, err := str(field, yamlnode.Deref(item))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func u32(field string, n *yaml.Node) (uint32, *lineError) {
	var v int64
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil || v < 0 || v > math.MaxUint32 {
		return 0, errAt(n.Line, "%s must be a number of seconds (0 to %d; 0 is the default), got %s", field, uint32(math.MaxUint32), yamlnode.Describe(n))
	}
	return uint32(v), nil
}

func boolean(field string, n *yaml.Node) (bool, *lineError) {
	var v bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		return false, errAt(n.Line, "%s must be true or false, got %s", field, yamlnode.Describe(n))
	}
	return v, nil
}

// yamlError turns a yaml.v3 syntax error into a line and a message that
// quotes nothing of the file.
func yamlError(err error) *lineError {
	line, msg := yamlnode.SyntaxError(err)
	return errAt(line, "invalid YAML: %s", msg)
}
