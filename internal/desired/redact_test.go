package desired

import (
	"strings"
	"testing"
)

// Whatever a file says reaches a message only as a short excerpt of one
// token, and a file that is not a records file at all says nothing.
func TestProblemsQuoteNoContent(t *testing.T) {
	long := strings.Repeat("k", 500) // stands for a key or a token
	for _, tc := range []struct {
		name, content, want string
	}{
		{"a token file", fakeSecret + "\n", "not a records file"},
		{"passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:" + fakeSecret + ":/usr/sbin:/usr/sbin/nologin\n", "not a records file"},
		{"a quoted scalar", "\"" + fakeSecret + "\"\n", "not a records file"},
		{"a long top-level key", long + ": 1\n", `unknown field "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"… at top level`},
		{"records as a scalar", "records: " + long + "\n", `"records" must be a list, got "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"…`},
		{"a long record key", "records:\n  - " + long + ": 1\n", `unknown field "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"… in record`},
		{"a long name", "records:\n  - name: " + long + "\n    type: A\n    value: 10.0.0.1\n", `invalid name "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"…: longer than 253 octets`},
		{"a long type", "records:\n  - name: a.example.com\n    type: " + long + "\n    value: 10.0.0.1\n", `unsupported type "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"…`},
		{"a long value", "records:\n  - name: a.example.com\n    type: A\n    value: " + long + "\n", `invalid A value "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"…: not an IPv4 address`},
		{"a long MX host", "records:\n  - name: a.example.com\n    type: MX\n    value: 10 " + long + "\n", `host "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"…`},
		{"a long ttl", "records:\n  - name: a.example.com\n    type: A\n    value: 10.0.0.1\n    ttl: " + long + "\n", `invalid ttl "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"…`},
		{"an alias to an unknown anchor", "records: *" + fakeSecret[:40] + "\n", "invalid YAML: unknown anchor referenced"},
		{"a non-ASCII name", "records:\n  - name: \"\\xff\\xfe" + long + "\"\n    type: A\n    value: 10.0.0.1\n", `invalid name "ÿþkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"…`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := ParseFile(testOptions("records.d"), "records.d/x.yaml", []byte(tc.content))
			if len(problems) == 0 {
				t.Fatal("no problem")
			}
			for _, p := range problems {
				msg := p.Error()
				if !strings.Contains(msg, tc.want) {
					t.Errorf("problem %q, want it to say %q", msg, tc.want)
				}
				if strings.Contains(msg, strings.Repeat("k", excerptLen+1)) || strings.Contains(msg, fakeSecret[:12]) {
					t.Errorf("problem quotes too much: %q", msg)
				}
				if len(msg) > 300 {
					t.Errorf("problem is %d bytes: %q", len(msg), msg)
				}
			}
		})
	}
}

func TestExcerpt(t *testing.T) {
	for in, want := range map[string]string{
		"short":                          `"short"`,
		strings.Repeat("a", 40):          `"` + strings.Repeat("a", 40) + `"`,
		strings.Repeat("a", 41):          `"` + strings.Repeat("a", 40) + `"…`,
		strings.Repeat("é", 30):          `"` + strings.Repeat("é", 20) + `"…`, // cut on a rune boundary
		"a\nb\x00":                       `"a\nb\x00"`,
		"\xff" + strings.Repeat("b", 50): `"\xff` + strings.Repeat("b", 39) + `"…`,
	} {
		if got := excerpt(in); got != want {
			t.Errorf("excerpt(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestSafeYAMLMessage(t *testing.T) {
	for in, want := range map[string]string{
		"did not find expected key":            "did not find expected key",
		"unknown anchor 'TOKEN' referenced":    "unknown anchor referenced",
		"anchor 'TOKEN' value contains itself": "anchor value contains itself",
		"did not find expected ',' or ']'":     "did not find expected ',' or ']'",
		"control \x01 char":                    `control \x01 char`,
		strings.Repeat("x", 150):               strings.Repeat("x", maxYAMLMsg) + "…",
	} {
		if got := safeYAMLMessage(in); got != want {
			t.Errorf("safeYAMLMessage(%q) = %q, want %q", in, got, want)
		}
	}
}
