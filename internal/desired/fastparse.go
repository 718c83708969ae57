package desired

import (
	"bytes"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Nearly every records file has one shape, the one orchestrators write:
//
//	records:
//	  - name: web-01.example.com
//	    type: A
//	    value: 192.0.2.10
//
// yaml.v3 builds a tree of nodes for it, most of a cold start's time and
// allocations at a million records. fastFields reads that shape alone, by
// lines, and yields the very recordFields decodeFile would: nodes with
// the same value, tag (yaml.v3's own resolution), line and column. Any
// line it does not know exactly (comments, quotes, flow style, blank
// lines, `values:` lists, a duplicate or unknown key, a value with a
// character outside a safe set) sends the whole file to yaml.v3, so
// problems are always yaml.v3's and decodeFile's. FuzzFastFields checks
// the two agree.

// nodeBuf holds the nodes of one file's fields while they are validated.
// They are garbage once the file is (nothing keeps a node), so the arrays
// are used again from a pool: at a cold start they were most of what
// reading the files allocated.
type nodeBuf struct {
	nodes  []yaml.Node
	fields []recordFields
}

var nodePool = sync.Pool{New: func() any { return new(nodeBuf) }}

// maxPooledNodes: a larger array (a file of over 1,000 records) is not
// kept for the next file.
const maxPooledNodes = 4096

func getNodes() *nodeBuf { return nodePool.Get().(*nodeBuf) }

// putNodes returns nb once nothing points into its nodes any more.
func putNodes(nb *nodeBuf) {
	if cap(nb.nodes) > maxPooledNodes {
		return
	}
	clear(nb.nodes) // drop the values' strings
	clear(nb.fields)
	nb.nodes, nb.fields = nb.nodes[:0], nb.fields[:0]
	nodePool.Put(nb)
}

// fastFields decodes data if it has the common shape, with nodes from nb;
// ok is false when it must be decoded by yaml.v3 instead.
func fastFields(data []byte, nb *nodeBuf) (_ []recordFields, ok bool) {
	const head = "records:\n"
	if !bytes.HasPrefix(data, []byte(head)) {
		return nil, false
	}
	// One node per line at most: never moved once taken, so pointers
	// into it stay valid.
	if need := bytes.Count(data, []byte{'\n'}) + 1; cap(nb.nodes) < need {
		nb.nodes = make([]yaml.Node, 0, need)
	}
	nodes, out := nb.nodes[:0], nb.fields[:0]
	defer func() { nb.nodes, nb.fields = nodes, out }()
	indent := -1 // of the items' "- "
	rest := data[len(head):]
	for line := 2; len(rest) > 0; line++ {
		var l []byte
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			l, rest = rest, nil
		}
		sp := 0
		for sp < len(l) && l[sp] == ' ' {
			sp++
		}
		body, col := l[sp:], sp+1
		switch {
		case bytes.HasPrefix(body, []byte("- ")):
			if indent < 0 {
				indent = sp
			}
			if sp != indent {
				return nil, false
			}
			out = append(out, recordFields{line: line})
			body, col = body[2:], col+2
		case len(out) == 0 || sp != indent+2:
			return nil, false
		}
		key, val, ok := cutField(body)
		if !ok {
			return nil, false
		}
		f := &out[len(out)-1]
		slot := f.slot(string(key))
		if slot == nil || slot == &f.values { // values: a list, for yaml.v3
			return nil, false
		}
		if *slot != nil {
			return nil, false
		}
		nodes = append(nodes, yaml.Node{Kind: yaml.ScalarNode, Value: scalarText(val), Line: line, Column: col + len(key) + 2})
		n := &nodes[len(nodes)-1]
		n.Tag = plainTag(n)
		*slot = n
	}
	return out, len(out) > 0
}

// cutField splits "key: value" where value is a plain scalar that means
// exactly its text in YAML: letters, digits, '.', '-', '_' and ':' (not
// last), starting with a letter or digit.
func cutField(b []byte) (key, val []byte, ok bool) {
	i := bytes.Index(b, []byte(": "))
	if i <= 0 {
		return nil, nil, false
	}
	key, val = b[:i], b[i+2:]
	if len(val) == 0 || !isAlnumByte(val[0]) || val[len(val)-1] == ':' {
		return nil, nil, false
	}
	for _, c := range val {
		if !isAlnumByte(c) && c != '.' && c != '-' && c != '_' && c != ':' {
			return nil, nil, false
		}
	}
	return key, val, true
}

func isAlnumByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// scalarText is the text of a value: the common types' names shared, any
// other value a string of its own (not a slice of the file, which a
// record could otherwise keep alive whole).
func scalarText(b []byte) string {
	switch string(b) {
	case "A":
		return "A"
	case "AAAA":
		return "AAAA"
	case "CNAME":
		return "CNAME"
	case "TXT":
		return "TXT"
	}
	return string(b)
}

// plainTag is the tag yaml.v3 resolves a plain scalar of cutField's to:
// worked out here for names and IPv4 addresses, which yaml.v3's resolution
// (ShortTag) would try as numbers and timestamps first, allocating errors.
func plainTag(n *yaml.Node) string {
	v := n.Value
	switch c := v[0]; {
	case c >= '0' && c <= '9':
		// Digits and at least two dots: no int, float or timestamp.
		if strings.Count(v, ".") >= 2 && strings.Trim(v, "0123456789.") == "" {
			return "!!str"
		}
	default:
		// A letter: only these words are not strings (yaml.v3's resolve
		// table; 1.1's yes, no, on, off are strings in yaml.v3).
		switch v {
		case "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL":
		default:
			return "!!str"
		}
	}
	return n.ShortTag()
}
