package textcap

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCut(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
		want     string
	}{
		{"short", "abc", 3, "abc"},
		{"cut", "abcdef", 4, "abcd… (2 more bytes)"},
		{"never inside a character", "ab" + "é" + "cd", 3, "ab… (4 more bytes)"},
		{"empty", "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Cut(tt.in, tt.n); got != tt.want {
				t.Errorf("Cut(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
	long := strings.Repeat("日本", 1000)
	for n := 0; n < 12; n++ {
		if got := Cut(long, n); !utf8.ValidString(got) {
			t.Errorf("Cut(_, %d) = %q: not valid UTF-8", n, got)
		}
	}
}

func TestQuote(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
		want     string
	}{
		{"short", "a.b", 40, `"a.b"`},
		{"escapes", "a\x00b\n", 40, `"a\x00b\n"`},
		{"cut", strings.Repeat("x", 50), 40, `"` + strings.Repeat("x", 40) + `"…`},
		{"never inside a character", "abé", 3, `"ab"…`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Quote(tt.in, tt.n); got != tt.want {
				t.Errorf("Quote(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
}
