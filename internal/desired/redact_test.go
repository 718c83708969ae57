package desired

import (
	"strings"
	"testing"
)

// Whatever a file says reaches a message only as a short excerpt of one
// token, and a file that is not a records file at all says nothing.
func TestProblemsQuoteNoContent(t *testing.T) {
	long := strings.Repeat("k", 500) // stands for a key or a token
	cut := `"` + strings.Repeat("k", excerptLen) + `"…`
	for _, tc := range []struct {
		name, content, want string
	}{
		{"a token file", fakeSecret + "\n", "not a records file"},
		{"passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:" + fakeSecret + ":/usr/sbin:/usr/sbin/nologin\n", "not a records file"},
		{"a quoted scalar", "\"" + fakeSecret + "\"\n", "not a records file"},
		{"a long top-level key", long + ": 1\n", `not a records file`},
		{"records as a scalar", "records: " + long + "\n", `"records" must be a list, got a string`},
		{"a long record key", "records:\n  - " + long + ": 1\n", "unknown field " + cut + " in record"},
		{"a long name", "records:\n  - name: " + long + "\n    type: A\n    value: 10.0.0.1\n", "invalid name " + cut + ": longer than 253 octets"},
		{"a long type", "records:\n  - name: a.example.com\n    type: " + long + "\n    value: 10.0.0.1\n", "unsupported type " + cut},
		{"a long value", "records:\n  - name: a.example.com\n    type: A\n    value: " + long + "\n", "invalid A value " + cut + ": not an IPv4 address"},
		{"a long MX host", "records:\n  - name: a.example.com\n    type: MX\n    value: 10 " + long + "\n", "host " + cut},
		{"a long ttl", "records:\n  - name: a.example.com\n    type: A\n    value: 10.0.0.1\n    ttl: " + long + "\n", "invalid ttl " + cut},
		{"an alias to an unknown anchor", "records: *" + fakeSecret[:40] + "\n", "invalid YAML: unknown anchor referenced"},
		{"a non-ASCII name", "records:\n  - name: \"\\xff\\xfe" + long + "\"\n    type: A\n    value: 10.0.0.1\n", `invalid name "ÿþ` + strings.Repeat("k", excerptLen-4) + `"…`},
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
		strings.Repeat("a", 24):          `"` + strings.Repeat("a", 24) + `"`,
		strings.Repeat("a", 25):          `"` + strings.Repeat("a", 24) + `"…`,
		strings.Repeat("é", 30):          `"` + strings.Repeat("é", 12) + `"…`, // cut on a rune boundary
		"x" + strings.Repeat("é", 30):    `"x` + strings.Repeat("é", 11) + `"…`,
		"a\nb\x00":                       `"a\nb\x00"`,
		"\xff" + strings.Repeat("b", 50): `"\xff` + strings.Repeat("b", 23) + `"…`,
	} {
		if got := excerpt(in); got != want {
			t.Errorf("excerpt(%q) = %s, want %s", in, got, want)
		}
	}
}

// The payloads an attacker got printed through a hard link (a regular file
// in records.d, so it is read): none of the secret, nor any 8 bytes of it,
// may reach a problem message.
func TestProblemsQuoteNothingOfANonRecordsFile(t *testing.T) {
	const (
		token  = "S3cr3tT0kenValue0123456789abcdef"
		tsig   = "q8Zk3+Vn0/pLw7Xe1RtYb2Mh5sUd9GfJ4aC6oNiE0lQ=" // 44 chars of base64
		shadow = "$6$Xq9sAlt7Pz$Hq3vW8yN2mRkT5uJ1oLs0dF4gB7cE9aZxYwVuTsRqPoNmLkJiHgF"
	)
	for _, tc := range []struct {
		name, content, secret string
	}{
		{"a token as a top-level key", token + ": x\n", token},
		{"a TSIG key file as key: value", tsig + ": hmac-sha256\nalgorithm: hmac-sha256\n", tsig},
		{"records as a string", `{"records": "` + token + tsig + `"}` + "\n", token + tsig},
		{"a shadow line", "root:" + shadow + ":19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\n", shadow},
		{"a records list of strings", "records:\n  - " + token + "\n", token},
		{"records as a number", "records: 12345678901234567890\n", "12345678901234567890"},
		{"a secret after records", "records: []\n" + token + ": x\n", token},
		{"a non-string top-level key", "? [" + token + "]\n: x\n", token},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := ParseFile(testOptions("records.d"), "records.d/x.yaml", []byte(tc.content))
			if len(problems) == 0 {
				t.Fatal("no problem")
			}
			for _, p := range problems {
				if i := leaked(p.Error(), tc.secret); i >= 0 {
					t.Errorf("problem %q quotes %q of the secret", p.Error(), tc.secret[i:i+8])
				}
			}
		})
	}
}

// leaked returns where in secret an 8-byte run that msg contains starts, or -1.
func leaked(msg, secret string) int {
	for i := 0; i+8 <= len(secret); i++ {
		if strings.Contains(msg, secret[i:i+8]) {
			return i
		}
	}
	return -1
}
