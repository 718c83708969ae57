package registry

// The API's view of records.d, in the client package's JSON shapes: for
// the HTTP API and the CLI's local mode alike, so that both answer the same.

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/rrset"
)

// ToRecord is d as the API lists it: name without the trailing dot, the
// value as a person writes it, source the file's base name.
func ToRecord(d desired.Declared) client.Record {
	h := d.RR.Header()
	return client.Record{
		Name:       strings.TrimSuffix(h.Name, "."),
		RecordType: dns.TypeToString[h.Rrtype],
		Value:      Value(d.RR),
		TTL:        h.Ttl,
		Source:     filepath.Base(d.File),
	}
}

// Value is rr's data as a person writes it in records.d: for TXT the text
// itself (its strings joined, unescaped), otherwise the data as miekg/dns
// prints it after the header, e.g. "10 mail.example.com.".
func Value(rr dns.RR) string {
	if t, ok := rr.(*dns.TXT); ok {
		var b strings.Builder
		for _, s := range t.Txt {
			b.WriteString(unescapeTXT(s))
		}
		return b.String()
	}
	return rrset.Rdata(rr)
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

// Querier answers what a server serves for one RRset (nil: nothing).
// *verify.Resolver is one.
type Querier interface {
	Query(ctx context.Context, name string, t uint16) (*rrset.Set, error)
}

// Check asks q for every RRset declared at one name (decl, as DeclaredAt
// returns it) and compares each with what records.d wants, TTL included.
// It is verified when every set is served exactly; a name with nothing
// declared is not. server names q in the result.
func Check(ctx context.Context, q Querier, server, name string, decl []desired.Declared) client.Verification {
	v := client.Verification{
		Name:    strings.TrimSuffix(dns.CanonicalName(name), "."),
		Server:  server,
		Records: []client.RRsetStatus{},
	}
	want := rrset.Zone{}
	for _, d := range decl {
		want.Put(d.RR)
	}
	for _, k := range want.Keys() {
		w := want[k]
		st := client.RRsetStatus{RecordType: dns.TypeToString[k.Type], Want: values(w), WantTTL: w.TTL, Served: []string{}}
		got, err := q.Query(ctx, k.Name, k.Type)
		switch {
		case err != nil:
			st.Error = err.Error()
		case got != nil:
			st.Served, st.ServedTTL = values(got), got.TTL
			st.Verified = got.Equal(w)
		}
		v.Records = append(v.Records, st)
	}
	v.Verified = len(v.Records) > 0
	for _, st := range v.Records {
		v.Verified = v.Verified && st.Verified
	}
	return v
}

func values(s *rrset.Set) []string {
	out := make([]string, len(s.RRs))
	for i, rr := range s.RRs {
		out[i] = Value(rr)
	}
	return out
}
