package api

// Error messages leave the server's own paths behind. The registry's
// errors name files by their absolute path (the operator's log and audit
// trail want that); a client needs only to know which file, and the
// layout of the server's disk is none of its business. A path in the
// records dir becomes "records.d/<file>", one in the zones dir
// "zones.d/<file>"; any other absolute path (a
// state or zone file named by a health reason, say) becomes ".../<its
// base name>".

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// redactor rewrites the paths in messages; a nil one rewrites only paths
// outside any records dir.
type redactor struct {
	dirs []string // the records dir as configured, absolute and resolved; longest first
	// zones: the zones dir's forms, as dirs, named "zones.d"; applied
	// first, as the zones dir may sit inside the records dir.
	zones []string
}

func newRedactor(dir string) *redactor {
	if dir == "" {
		return nil
	}
	return &redactor{dirs: dirForms(dir)}
}

// withZones is r naming the zones dir's files zones.d/<file> too.
func (r *redactor) withZones(dir string) *redactor {
	if dir == "" {
		return r
	}
	if r == nil {
		r = &redactor{}
	}
	r.zones = dirForms(dir)
	return r
}

// dirForms are dir as configured, absolute and resolved, longest first.
func dirForms(dir string) []string {
	forms := []string{filepath.Clean(dir)}
	if abs, err := filepath.Abs(dir); err == nil {
		forms = append(forms, abs)
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			forms = append(forms, real)
		}
	}
	forms = slices.DeleteFunc(forms, func(d string) bool { return d == "/" || d == "." })
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(forms)
}

// absPath is an absolute path in a message: after the start, a space, a
// quote or a bracket, up to a space, quote, bracket or punctuation that
// ends a path in an error message (a colon starts what went wrong).
var absPath = regexp.MustCompile(`(^|[\s"'(\[])(/[^\s"'()\[\]:;,]+)`)

// text is msg with the server's paths rewritten.
func (r *redactor) text(msg string) string {
	if r != nil {
		for _, d := range r.zones {
			msg = strings.ReplaceAll(msg, d+string(filepath.Separator), "zones.d/")
			msg = replaceWhole(msg, d, "zones.d")
		}
		for _, d := range r.dirs {
			msg = strings.ReplaceAll(msg, d+string(filepath.Separator), "records.d/")
			msg = replaceWhole(msg, d, "records.d")
		}
	}
	var b strings.Builder
	last := 0
	for _, m := range absPath.FindAllStringSubmatchIndex(msg, -1) {
		start, end := m[4], m[5]
		b.WriteString(msg[last:start])
		b.WriteString(".../" + filepath.Base(msg[start:end]))
		last = end
	}
	b.WriteString(msg[last:])
	return b.String()
}

// replaceWhole replaces old in s where it is a whole path: not followed by
// a character that would make it a longer name.
func replaceWhole(s, old, new string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := i + len(old)
		b.WriteString(s[:i])
		if j < len(s) && !strings.ContainsRune(" \t\n\"'():;,[]", rune(s[j])) {
			b.WriteString(old)
		} else {
			b.WriteString(new)
		}
		s = s[j:]
	}
}
