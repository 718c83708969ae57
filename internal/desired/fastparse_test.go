package desired

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzFastFields: whenever the short way reads a file, yaml.v3 reads it
// too, to the same entries: the same keys, and nodes of the same kind,
// style, tag, text, line and column.
func FuzzFastFields(f *testing.F) {
	for _, seed := range []string{
		"records:\n  - name: host-000001.bench.test.\n    type: A\n    value: 10.0.0.1\n",
		"records:\n- name: a.example.com\n  type: AAAA\n  value: 2001:db8::1\n  ttl: 300\n- name: b.example.com\n  type: A\n  value: 10.0.0.2\n  ptr: false\n",
		"records:\n  - name: a.example.com\n    type: TXT\n    value: true\n  - name: b.example.com\n    type: TXT\n    value: null\n",
		"records:\n  - name: a.example.com\n    type: TXT\n    value: 1e5\n  - name: b\n    value: 0x10\n    ttl: 2001-12-14\n",
		"records:\n  - name: a\n    name: b\n",
		"records:\n  - name: a\n      type: A\n",
		"records:\n  - name: a\n   type: A\n",
		"records:\n    - name: a\n      ttl: 1_000\n      ptr: yes\n  - name: b\n",
		"records:\n  - name: a\n  - type: A\n    value: 10.0.0.1",
		"records:\n  - name: a:b\n    type: a:\n",
		"records:\n  - name: a\n---\nrecords:\n",
		"records:\n  - name: a.example.com\r\n    type: A\r\n",
		"records:\n  - name: a.example.com\n    type: CNAME\n    value: b.example.com\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := fastFields(data, new(nodeBuf))
		if !ok {
			return
		}
		slow, lerr := decodeYAML(data)
		if lerr != nil {
			t.Fatalf("the short way read a file yaml.v3 refuses (line %d: %s):\n%q", lerr.line, lerr.msg, data)
		}
		if a, b := describeFields(fast), describeFields(slow); a != b {
			t.Fatalf("the short way read\n%s\nyaml.v3 read\n%s\nfrom %q", a, b, data)
		}
	})
}

func describeFields(fields []recordFields) string {
	var b strings.Builder
	node := func(key string, n *yaml.Node) {
		if n == nil {
			return
		}
		fmt.Fprintf(&b, " %s={kind %d style %d tag %q value %q at %d:%d anchor %q alias %v content %d comments %q %q %q}",
			key, n.Kind, n.Style, n.Tag, n.Value, n.Line, n.Column, n.Anchor, n.Alias != nil, len(n.Content),
			n.HeadComment, n.LineComment, n.FootComment)
	}
	for _, f := range fields {
		fmt.Fprintf(&b, "entry at %d:", f.line)
		node("name", f.name)
		node("type", f.typ)
		node("value", f.value)
		node("values", f.values)
		node("ttl", f.ttl)
		node("ptr", f.ptr)
		b.WriteString("\n")
	}
	return b.String()
}

// TestFastFieldsReadsTheCommonShape: the files orchestrators write (and
// the benchmark generates) take the short way, and their problems still
// name the line.
func TestFastFieldsReadsTheCommonShape(t *testing.T) {
	data := "records:\n  - name: a.example.com\n    type: A\n    value: 10.0.0.1\n" +
		"  - name: b.example.com\n    type: A\n    value: 10.0.0.300\n    ttl: 60\n"
	if _, ok := fastFields([]byte(data), new(nodeBuf)); !ok {
		t.Fatal("the common shape went to yaml.v3")
	}
	v := newValidator(testOptions("records.d"))
	_, problems := parseFile("records.d/f.yaml", []byte(data), v)
	if len(problems) != 1 || problems[0].Line != 7 {
		t.Fatalf("problems %v, want one at line 7", problems)
	}
}

// TestPlainTag: the tags worked out without yaml.v3 are its own.
func TestPlainTag(t *testing.T) {
	for _, v := range []string{"A", "AAAA", "host-000001.bench.test.", "10.0.0.1", "1.2", "1.2.3", "1.2e5", "2001:db8::1",
		"true", "True", "no", "yes", "null", "NULL", "n", "y", "on", "Off", "1_000", "0x10", "0o17", "0b101", "10.0.0.1e5",
		"2001-12-14", "300", "09", "1..", "1.2.3.4.5", "ns1.example.com", "true1", "nan", "inf"} {
		n := &yaml.Node{Kind: yaml.ScalarNode, Value: v}
		if got, want := plainTag(n), n.ShortTag(); got != want {
			t.Errorf("%q: tag %s, yaml.v3 says %s", v, got, want)
		}
	}
}
