package rrset

import (
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Text is rr's data as a person writes it in records.d, and as the API and
// the CLI show it: for TXT the text itself (its strings joined, unescaped),
// otherwise the data as miekg/dns prints it after the header, e.g.
// "10 mail.example.com.".
func Text(rr dns.RR) string {
	if t, ok := rr.(*dns.TXT); ok {
		var b strings.Builder
		for _, s := range t.Txt {
			b.WriteString(unescapeTXT(s))
		}
		return b.String()
	}
	return Rdata(rr)
}

// Texts is Text of every record of s, in the set's order; never nil, so
// that JSON shows [] for a set that is not there.
func Texts(s *Set) []string {
	if s == nil {
		return []string{}
	}
	out := make([]string, len(s.RRs))
	for i, rr := range s.RRs {
		out[i] = Text(rr)
	}
	return out
}

// unescapeTXT undoes miekg/dns's escaping of a character-string: \DDD is a
// byte, \X is X.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		if i+3 < len(s) && isDigits(s[i+1:i+4]) {
			if n, err := strconv.Atoi(s[i+1 : i+4]); err == nil && n < 256 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
