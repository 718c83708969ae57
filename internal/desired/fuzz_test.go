package desired

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"
)

// FuzzParseFile: the parser never panics, an invalid file yields no records,
// every problem has a message, and every accepted record, written back as
// records.d YAML, is accepted again as the same record.
func FuzzParseFile(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("records:\n  - {name: a.example.com, type: TXT, value: \"\\x01\"}\n"))
	f.Add([]byte("records:\n  - &r {name: a.example.com, type: A, value: 10.0.0.1}\n  - *r\n"))
	v := newValidator(testOptions("records.d"))

	f.Fuzz(func(t *testing.T, data []byte) {
		recs, problems := parseFile("records.d/f.yaml", data, v)
		if len(problems) > 0 && recs != nil {
			t.Fatalf("invalid file returned %d records", len(recs))
		}
		for _, p := range problems {
			if p.Msg == "" || p.File != "records.d/f.yaml" || p.Line < 0 {
				t.Fatalf("bad problem %+v", p)
			}
		}
		if len(recs) == 0 {
			return
		}
		again, problems := parseFile("records.d/again.yaml", render(t, recs), v)
		if len(problems) > 0 {
			t.Fatalf("accepted records do not re-validate: %v\n%s", problems, render(t, recs))
		}
		if len(again) != len(recs) {
			t.Fatalf("re-validated %d records, want %d", len(again), len(recs))
		}
		for i := range recs {
			if a, b := recs[i].rr.String(), again[i].rr.String(); a != b || recs[i].zone != again[i].zone {
				t.Fatalf("record %d changed on re-validation:\n%s\n%s", i, a, b)
			}
			if c := rrset.Canonical(recs[i].rr).String(); c != recs[i].rr.String() {
				t.Fatalf("record not canonical:\n%s\n%s", recs[i].rr, c)
			}
		}
	})
}

// render writes records back as a records.d file, one entry each.
func render(t *testing.T, recs []record) []byte {
	type entry struct {
		Name  string `yaml:"name"`
		Type  string `yaml:"type"`
		Value string `yaml:"value"`
		TTL   uint32 `yaml:"ttl"`
	}
	var doc struct {
		Records []entry `yaml:"records"`
	}
	for _, r := range recs {
		h := r.rr.Header()
		doc.Records = append(doc.Records, entry{h.Name, dns.TypeToString[h.Rrtype], valueText(r.rr), h.Ttl})
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// valueText is the value as a person would write it in records.d.
func valueText(rr dns.RR) string {
	switch r := rr.(type) {
	case *dns.TXT:
		var b strings.Builder
		for _, s := range r.Txt {
			b.WriteString(unescapeTXT(s))
		}
		return b.String()
	case *dns.CAA:
		return fmt.Sprintf("%d %s \"%s\"", r.Flag, r.Tag, r.Value)
	}
	return rrset.Rdata(rr)
}

// unescapeTXT reverses escapeTXT.
func unescapeTXT(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] != '\\' || i+1 == len(s):
			b.WriteByte(s[i])
		case i+3 < len(s) && isDigits(s[i+1:i+4]):
			n, _ := strconv.Atoi(s[i+1 : i+4])
			b.WriteByte(byte(n))
			i += 3
		default:
			b.WriteByte(s[i+1])
			i++
		}
	}
	return b.String()
}

func isDigits(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}
