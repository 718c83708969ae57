package yamlnode

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{
		"did not find expected key":            "did not find expected key",
		"unknown anchor 'TOKEN' referenced":    "unknown anchor referenced",
		"anchor 'TOKEN' value contains itself": "anchor value contains itself",
		"did not find expected ',' or ']'":     "did not find expected ',' or ']'",
		"control \x01 char":                    `control \x01 char`,
		strings.Repeat("x", 150):               strings.Repeat("x", maxMsg) + "…",
	} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
}

// A syntax error keeps its line and drops what the file says.
func TestSyntaxError(t *testing.T) {
	var n yaml.Node
	err := yaml.Unmarshal([]byte("a: 1\nb: [1, 2\n"), &n)
	if err == nil {
		t.Fatal("no error for an unclosed list")
	}
	if line, msg := SyntaxError(err); line == 0 || msg == "" || strings.HasPrefix(msg, "yaml:") {
		t.Errorf("SyntaxError = %d, %q; want a line and the message alone", line, msg)
	}
	err = yaml.Unmarshal([]byte("a: 1\nb: *SECRET\n"), &n)
	if err == nil {
		t.Fatal("no error for an unknown alias")
	}
	if _, msg := SyntaxError(err); strings.Contains(msg, "SECRET") || !strings.Contains(msg, "anchor") {
		t.Errorf("SyntaxError message %q: want the anchor's name dropped", msg)
	}
}

func TestDescribeNeverQuotes(t *testing.T) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte("[s3cret, 12, true, ~, {k: v}, [x]]"), &n); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range n.Content[0].Content {
		got = append(got, Describe(Deref(c)))
	}
	want := "a string,a number,a boolean,nothing,a mapping,a list"
	if strings.Join(got, ",") != want {
		t.Errorf("Describe = %v, want %s", got, want)
	}
}
