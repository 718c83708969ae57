package corednstest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// tomlWriter writes tables of key = value lines. A table header is written
// only once one of its keys is, so that a table with every key left out
// leaves no trace; tables are separated by a blank line.
type tomlWriter struct {
	b       strings.Builder
	pending string // the header of the table being written, not yet out
}

func (w *tomlWriter) table(name string) { w.pending = "[" + name + "]" }

// line writes key = value, value already TOML.
func (w *tomlWriter) line(key, value string) {
	if w.pending != "" {
		if w.b.Len() > 0 {
			w.b.WriteString("\n")
		}
		w.b.WriteString(w.pending + "\n")
		w.pending = ""
	}
	fmt.Fprintf(&w.b, "%s = %s\n", key, value)
}

func (w *tomlWriter) str(key, v string) {
	if v != "" {
		w.line(key, quote(v))
	}
}

func (w *tomlWriter) int(key string, v int) {
	if v != 0 {
		w.line(key, strconv.Itoa(v))
	}
}

// float writes a TOML float: always with a fraction or an exponent, which
// tells it from an integer. (NaN and infinities are no test's setting.)
func (w *tomlWriter) float(key string, v float64) {
	if v == 0 {
		return
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	w.line(key, s)
}

// dur writes a duration as dnssync reads it: a Go duration string.
func (w *tomlWriter) dur(key string, v time.Duration) {
	if v != 0 {
		w.line(key, quote(v.String()))
	}
}

func (w *tomlWriter) strs(key string, vs []string) {
	if len(vs) == 0 {
		return
	}
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = quote(v)
	}
	w.line(key, "["+strings.Join(q, ", ")+"]")
}

func (w *tomlWriter) String() string { return w.b.String() }

// quote is a TOML basic string: Go's %q escapes (\x, \a, \v) are not all
// TOML, so control characters are written as \uXXXX.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
