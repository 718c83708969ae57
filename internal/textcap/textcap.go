// Package textcap bounds text that came from outside (a request, a records
// file, a record's value) before it goes into an error message, a log line
// or an audit line: a TXT value may be 64 KiB, a name in a request body
// anything at all. Cuts fall on character boundaries, so the result is
// still valid UTF-8 whenever the input was, and say that something was cut.
package textcap

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// QuoteLen is how much of a request's token an error message quotes:
// enough to find a typo. What a caller sent is no secret of the server's;
// file content is quoted shorter (desired's excerpts) and only from files
// shaped like records files.
const QuoteLen = 40

// Cut returns s cut to at most n bytes of it, on a character boundary,
// followed by "… (N more bytes)" when anything was left out.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := boundary(s, n)
	return fmt.Sprintf("%s… (%d more bytes)", s[:cut], len(s)-cut)
}

// Quote returns s as a Go-quoted string (control characters and invalid
// UTF-8 escaped), of at most n bytes of s, with "…" after the closing
// quote when it was cut: for an excerpt in an error message.
func Quote(s string, n int) string {
	if len(s) <= n {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:boundary(s, n)]) + "…"
}

// boundary is the largest index <= n that starts a character of s
// (n < len(s)).
func boundary(s string, n int) int {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}
