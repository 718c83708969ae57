package zoneio

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"

	"github.com/dnssync/dnssync/internal/rrset"
)

// entry is one record entry of a records.d file: one RRset, its values as
// a person writes them (rrset.Text), its TTL always written (an import
// keeps every set's TTL, whatever the default).
type entry struct {
	key    rrset.Key
	values []string
	ttl    uint32
}

func entryOf(s *rrset.Set) entry {
	return entry{key: s.Key, values: rrset.Texts(s), ttl: s.TTL}
}

// node is the entry as YAML: name (no trailing dot, as people write it),
// type, value or values, ttl. The values are plain strings to the
// encoder, which quotes whatever YAML would read otherwise (a TXT value
// of "yes", "123", "a: b", "#x" or with quotes in it); desired reads a
// value's text whatever its YAML type.
func (e entry) node() *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k string, v *yaml.Node) {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, v)
	}
	add("name", str(strings.TrimSuffix(e.key.Name, ".")))
	add("type", str(dns.TypeToString[e.key.Type]))
	if len(e.values) == 1 {
		add("value", str(e.values[0]))
	} else {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		if flowValues(e.key.Type) {
			seq.Style = yaml.FlowStyle // values: [192.0.2.1, 192.0.2.2], as the README writes them
		}
		for _, v := range e.values {
			seq.Content = append(seq.Content, str(v))
		}
		add("values", seq)
	}
	add("ttl", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(uint64(e.ttl), 10)})
	return m
}

// flowValues: short values fit on one line; text (TXT, CAA) gets a line
// each.
func flowValues(t uint16) bool { return t != dns.TypeTXT && t != dns.TypeCAA }

func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if yaml11Bool[strings.ToLower(s)] {
		// yaml.v3 (YAML 1.2) leaves these plain, and reads them back as
		// text; a YAML 1.1 reader (PyYAML, an orchestrator's script) would
		// take them for booleans.
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

var yaml11Bool = map[string]bool{"y": true, "n": true, "yes": true, "no": true, "on": true, "off": true}

// marshal renders a records.d file: header comment lines (each given
// without "# "), then the records.
func marshal(header []string, entries []entry) ([]byte, error) {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, e := range entries {
		seq.Content = append(seq.Content, e.node())
	}
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "records"}, seq}}
	var b bytes.Buffer
	for _, h := range header {
		b.WriteString("# " + h + "\n")
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
