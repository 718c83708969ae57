package desired

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

func testOptions(dir string) Options {
	return Options{
		Dir:        dir,
		Zones:      []string{"Example.com", "sub.example.com.", "10.in-addr.arpa"},
		DefaultTTL: 3600,
		Reserved: func(k rrset.Key) string {
			if k == (rrset.Key{Name: "ns1.example.com.", Type: dns.TypeA}) {
				return "the nameserver's own address comes from the configuration"
			}
			return ""
		},
	}
}

// rrText is a record as one line with single spaces, for readable wants.
func rrText(rr dns.RR) string { return strings.ReplaceAll(rr.String(), "\t", " ") }

func recordTexts(recs []record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = rrText(r.rr)
	}
	return out
}

func problemTexts(ps []Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Error()
	}
	return out
}

// zoneTexts lists a zone's records in canonical order.
func zoneTexts(z rrset.Sets) []string {
	var out []string
	for _, rr := range rrset.Zone(maps.Collect(z.All())).Records() {
		out = append(out, rrText(rr))
	}
	return out
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func removeFile(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}
