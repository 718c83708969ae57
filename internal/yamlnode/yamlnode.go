// Package yamlnode is what dnssync's hand-walked YAML files (records.d and
// zones.d) share: aliases followed, a node named by its shape and never by
// its text, and yaml.v3's syntax errors made fit to print. Those files may
// be anything (a hard link to a key file is a regular file), so nothing
// here ever quotes what a file says.
package yamlnode

import (
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Deref follows YAML aliases (bounded, in case of a cycle).
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// IsNull reports whether n is YAML's null (`~`, `null`, or nothing).
func IsNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// Describe names a node's shape for error messages: the kind of a scalar,
// never its text. It is used where the structure is wrong, and a file whose
// structure is wrong may not be the file it claims to be at all.
func Describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.AliasNode:
		return "an alias"
	case IsNull(n):
		return "nothing"
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	case "!!str":
		return "a string"
	}
	return "a scalar"
}

var lineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// SyntaxError splits a yaml.v3 decoding error into its line (0 when it
// names none) and a message fit to print (Safe).
func SyntaxError(err error) (line int, msg string) {
	msg = err.Error()
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		return line, Safe(m[2])
	}
	return 0, Safe(strings.TrimPrefix(msg, "yaml: "))
}

// maxMsg caps a yaml.v3 error text. Its messages are fixed phrases (some
// quote a punctuation mark: "did not find expected ',' or ']'") except for
// anchor names, which are dropped; the cap is for phrases not seen yet.
const maxMsg = 100

// anchorRE is an anchor or alias name as yaml.v3 quotes it, written in the
// file ("unknown anchor 'x' referenced", "anchor 'x' value contains itself").
var anchorRE = regexp.MustCompile(`anchor '[^']*'`)

// Safe makes a yaml.v3 error text fit to print: quoted file content
// dropped, non-printable bytes escaped, the length capped.
func Safe(msg string) string {
	q := strconv.QuoteToASCII(anchorRE.ReplaceAllString(msg, "anchor"))
	msg = q[1 : len(q)-1]
	if len(msg) > maxMsg {
		msg = strings.TrimRight(msg[:maxMsg], `\`) + "…"
	}
	return msg
}
