package desired

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Problem messages travel far: the log, `dnssync validate`, metrics labels'
// neighbours, /healthz. Whatever a file says may be a secret (a link to a
// key file, a token pasted in the wrong place), so a message quotes at most
// a short, escaped excerpt of one token of a records file, and nothing of a
// file that is not a records file at all.

// excerptLen is how many bytes of a token a message may quote: enough to
// find a typo, too few to carry a key.
const excerptLen = 40

// excerpt quotes s for a message, cut to excerptLen bytes (on a rune
// boundary) with an ellipsis after the closing quote when cut.
func excerpt(s string) string {
	if len(s) <= excerptLen {
		return strconv.Quote(s)
	}
	n := excerptLen
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strconv.Quote(s[:n]) + "…"
}

// maxYAMLMsg caps a yaml.v3 error text. Its messages are fixed phrases
// (some quote a punctuation mark: "did not find expected ',' or ']'")
// except for anchor names, which are dropped below; the cap is for the
// phrases we have not seen.
const maxYAMLMsg = 100

// yamlAnchor is an anchor or alias name as yaml.v3 quotes it, written in
// the file ("unknown anchor 'x' referenced", "anchor 'x' value contains
// itself").
var yamlAnchor = regexp.MustCompile(`anchor '[^']*'`)

// safeYAMLMessage makes a yaml.v3 error text fit to print: quoted file
// content dropped, non-printable bytes escaped, the length capped.
func safeYAMLMessage(msg string) string {
	q := strconv.QuoteToASCII(yamlAnchor.ReplaceAllString(msg, "anchor"))
	msg = q[1 : len(q)-1]
	if len(msg) > maxYAMLMsg {
		msg = strings.TrimRight(msg[:maxYAMLMsg], `\`) + "…"
	}
	return msg
}
