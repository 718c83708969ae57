package desired

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// badWant is the exact text of every problem each testdata/bad-*.yaml must
// produce, with "records.d/" as the dir.
var badWant = map[string][]string{
	"bad-ptr-on-txt.yaml":   {"records.d/bad-ptr-on-txt.yaml:5: ptr applies only to A and AAAA records, not TXT"},
	"bad-ptr-not-bool.yaml": {"records.d/bad-ptr-not-bool.yaml:5: ptr must be true or false, got a string"},
	"bad-caa.yaml": {
		"records.d/bad-caa.yaml:5: invalid CAA value \"issue letsencrypt.org\": want \"flags tag value\", e.g. 0 issue \"letsencrypt.org\"",
		"records.d/bad-caa.yaml:6: invalid CAA value \"0 issue letsencrypt.org;\"…: put the value in double quotes when it has spaces or ';'",
		"records.d/bad-caa.yaml:7: invalid CAA value \"0 issue \\\"letsencrypt.org\": the value's closing quote is missing",
		"records.d/bad-caa.yaml:8: invalid CAA value \"0 is-sue \\\"letsencrypt.or\"…: tag \"is-sue\" must be 1 to 15 letters and digits",
		"records.d/bad-caa.yaml:9: invalid CAA value \"256 issue \\\"letsencrypt.o\"…: flags \"256\" is not an integer from 0 to 255",
	},
	"bad-cname-apex.yaml": {
		"records.d/bad-cname-apex.yaml:2: CNAME at the zone apex example.com. is not allowed",
	},
	"bad-cname-target.yaml": {
		"records.d/bad-cname-target.yaml:4: invalid CNAME value \"@\": label \"@\" has invalid character '@'",
	},
	"bad-cname-two-values.yaml": {
		"records.d/bad-cname-two-values.yaml:2: CNAME www.example.com. has 2 values; a CNAME has exactly one",
	},
	"bad-duplicate-field.yaml": {
		"records.d/bad-duplicate-field.yaml:4: duplicate field \"name\" in record",
	},
	"bad-ipv4-given-ipv6.yaml": {
		"records.d/bad-ipv4-given-ipv6.yaml:4: invalid A value \"2001:db8::1\": IPv6 address; use type AAAA",
	},
	"bad-ipv4-mapped.yaml": {
		"records.d/bad-ipv4-mapped.yaml:4: invalid A value \"::ffff:192.168.1.10\": IPv4-mapped IPv6 address; write it as plain IPv4",
	},
	"bad-ipv4.yaml": {
		"records.d/bad-ipv4.yaml:6: invalid A value \"192.168.1.300\": not an IPv4 address",
	},
	"bad-ipv6-given-ipv4.yaml": {
		"records.d/bad-ipv6-given-ipv4.yaml:4: invalid AAAA value \"192.168.1.10\": IPv4 address; use type A",
	},
	"bad-ipv6.yaml": {
		"records.d/bad-ipv6.yaml:4: invalid AAAA value \"2001:db8::zz\": not an IPv6 address",
	},
	"bad-mx.yaml": {
		"records.d/bad-mx.yaml:5: invalid MX value \"mail.example.com\": want \"preference host\"",
		"records.d/bad-mx.yaml:6: invalid MX value \"10 mail.example.com ; ba\"…: want \"preference host\"",
		"records.d/bad-mx.yaml:7: invalid MX value \"70000 mail.example.com\": preference \"70000\" is not an integer from 0 to 65535",
	},
	"bad-name-char.yaml": {
		"records.d/bad-name-char.yaml:2: invalid name \"web 01.example.com\": label \"web 01\" has invalid character ' '",
	},
	"bad-name-empty-label.yaml": {
		"records.d/bad-name-empty-label.yaml:2: invalid name \"web..example.com\": empty label",
	},
	"bad-name-long-label.yaml": {
		"records.d/bad-name-long-label.yaml:2: invalid name \"aaaaaaaaaaaaaaaaaaaaaaaa\"…: label \"aaaaaaaaaaaaaaaaaaaaaaaa\"… is longer than 63 octets",
	},
	"bad-name-too-long.yaml": {
		"records.d/bad-name-too-long.yaml:2: invalid name \"bbbbbbbbbbbbbbbbbbbbbbbb\"…: longer than 253 octets",
	},
	"bad-name-wildcard-inside.yaml": {
		"records.d/bad-name-wildcard-inside.yaml:2: invalid name \"app.*.example.com\": \"*\" is only allowed as the first label",
	},
	"bad-newline-in-value.yaml": {
		"records.d/bad-newline-in-value.yaml:4: invalid TXT value \"v=spf1 -all\\n\": contains a control character (newline, tab, ...)",
	},
	"bad-no-name.yaml": {
		"records.d/bad-no-name.yaml:2: record has no name",
	},
	"bad-no-value.yaml": {
		"records.d/bad-no-value.yaml:2: record web.example.com. has neither value nor values",
	},
	"bad-not-mapping.yaml": {
		"records.d/bad-not-mapping.yaml:1: not a records file (want a mapping with a \"records\" list)",
	},
	"bad-ns-apex.yaml": {
		"records.d/bad-ns-apex.yaml:2: NS at the zone apex sub.example.com. is not allowed: the apex NS records come from the configuration",
	},
	"bad-outside-zones.yaml": {
		"records.d/bad-outside-zones.yaml:2: name www.badexample.com. is not inside a managed zone (10.in-addr.arpa., example.com., sub.example.com.)",
	},
	"bad-record-not-mapping.yaml": {
		"records.d/bad-record-not-mapping.yaml:2: record must be a mapping, got a string",
	},
	"bad-records-not-list.yaml": {
		"records.d/bad-records-not-list.yaml:2: \"records\" must be a list, got a mapping",
	},
	"bad-records-null.yaml": {
		"records.d/bad-records-null.yaml:1: \"records\" must be a list, got nothing",
	},
	"bad-reserved.yaml": {
		"records.d/bad-reserved.yaml:2: ns1.example.com. A is reserved: the nameserver's own address comes from the configuration",
	},
	"bad-soa.yaml": {
		"records.d/bad-soa.yaml:3: unsupported type \"soa\" (want A, AAAA, CNAME, TXT, SRV, MX, CAA, PTR, NS)",
	},
	"bad-srv.yaml": {
		"records.d/bad-srv.yaml:5: invalid SRV value \"10 60 sip.example.com\": want \"priority weight port target\"",
		"records.d/bad-srv.yaml:6: invalid SRV value \"10 60 70000 sip.example.\"…: port \"70000\" is not an integer from 0 to 65535",
		"records.d/bad-srv.yaml:7: invalid SRV value \"10 60 5060 sip@example.c\"…: target \"sip@example.com\": label \"sip@example\" has invalid character '@'",
	},
	"bad-truncated.yaml": {
		"records.d/bad-truncated.yaml:5: invalid YAML: found unexpected end of stream",
	},
	"bad-ttl-negative.yaml": {
		"records.d/bad-ttl-negative.yaml:5: invalid ttl \"-1\": want an integer from 0 to 2147483647",
	},
	"bad-ttl-too-large.yaml": {
		"records.d/bad-ttl-too-large.yaml:5: invalid ttl \"2147483648\": want an integer from 0 to 2147483647",
	},
	"bad-two-documents.yaml": {
		"records.d/bad-two-documents.yaml:2: more than one YAML document (want one)",
	},
	"bad-unknown-key.yaml": {
		"records.d/bad-unknown-key.yaml:7: unknown field \"vlaue\" in record (want name, type, value, values, ttl, ptr)",
	},
	"bad-unknown-top-key.yaml": {
		"records.d/bad-unknown-top-key.yaml:2: not a records file (want a mapping with a \"records\" list)",
	},
	"bad-unknown-type.yaml": {
		"records.d/bad-unknown-type.yaml:3: unsupported type \"SPF\" (want A, AAAA, CNAME, TXT, SRV, MX, CAA, PTR, NS)",
	},
	"bad-value-and-values.yaml": {
		"records.d/bad-value-and-values.yaml:2: record web.example.com. has both value and values (use one)",
	},
	"bad-values-empty.yaml": {
		"records.d/bad-values-empty.yaml:4: values is empty",
	},
	"bad-empty.yaml": {
		"records.d/bad-empty.yaml: file is empty (half-written?); write `records: []` to declare no records",
	},
	"bad-only-comments.yaml": {
		"records.d/bad-only-comments.yaml: file is empty (half-written?); write `records: []` to declare no records",
	},
}

func TestParseBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bad-*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad files: %v", err)
	}
	v := newValidator(testOptions("records.d"))
	seen := make(map[string]bool)
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, ok := badWant[name]
			if !ok {
				t.Fatalf("no expected problems for %s in badWant", name)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			recs, problems := parseFile("records.d/"+name, data, v)
			if recs != nil {
				t.Errorf("an invalid file returned records: %v", recordTexts(recs))
			}
			if got := problemTexts(problems); !slices.Equal(got, want) {
				t.Errorf("problems:\n got %q\nwant %q", got, want)
			}
		})
	}
	for name := range badWant {
		if !seen[name] {
			t.Errorf("badWant has %s but testdata does not", name)
		}
	}
}

var goodWant = map[string][]string{
	"good-basic.yaml": {
		"web-01.example.com. 300 IN A 192.168.1.10",
		"app.example.com. 3600 IN A 192.168.1.10",
		"app.example.com. 3600 IN A 192.168.1.11",
		"app.example.com. 3600 IN A 192.168.1.11", // a second entry; merging dedupes
		"v6.example.com. 3600 IN AAAA 2001:db8::1",
		"deep.sub.example.com. 0 IN A 10.0.0.1",
	},
	"good-types.yaml": {
		"www.example.com. 3600 IN CNAME web-01.example.com.",
		"_sip._tcp.example.com. 3600 IN SRV 10 60 5060 sip.example.com.",
		"example.com. 3600 IN MX 10 mail.example.com.",
		"example.com. 3600 IN MX 20 mail2.example.net.",
		`example.com. 3600 IN CAA 0 issue "letsencrypt.org"`,
		`example.com. 3600 IN TXT "v=spf1 -all"`,
		"*.apps.example.com. 3600 IN A 10.0.0.2",
		"10.1.0.10.in-addr.arpa. 3600 IN PTR web-01.example.com.",
		"team.example.com. 3600 IN NS ns1.team.example.net.",
		"team.example.com. 3600 IN NS ns2.team.example.net.",
		`_acme-challenge.example.com. 3600 IN TXT "abc\"def\\ghi \195\169"`,
		"nomail.sub.example.com. 3600 IN MX 0 .",
	},
	"good-txt-long.yaml": {
		`dkim._domainkey.example.com. 3600 IN TXT "` + strings.Repeat("abcdefghijklmnopqrstuvwxyz", 12)[:255] +
			`" "` + strings.Repeat("abcdefghijklmnopqrstuvwxyz", 12)[255:300] + `"`,
	},
	"good-empty-list.yaml": nil,
}

func TestParseGoodFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/good-*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no good files: %v", err)
	}
	v := newValidator(testOptions("records.d"))
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			want, ok := goodWant[name]
			if !ok {
				t.Fatalf("no expected records for %s in goodWant", name)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			recs, problems := parseFile("records.d/"+name, data, v)
			if len(problems) > 0 {
				t.Fatalf("problems: %q", problemTexts(problems))
			}
			if got := recordTexts(recs); !slices.Equal(got, want) {
				t.Errorf("records:\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestTXTSplitsInto255ByteStrings(t *testing.T) {
	text := strings.Repeat("x", 600)
	rr, err := parseTXT(dns.RR_Header{Name: "t.example.com.", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, text)
	if err != nil {
		t.Fatal(err)
	}
	got := rr.(*dns.TXT).Txt
	want := []string{strings.Repeat("x", 255), strings.Repeat("x", 255), strings.Repeat("x", 90)}
	if !slices.Equal(got, want) {
		t.Errorf("got %d strings of lengths %v, want 255, 255, 90", len(got), lens(got))
	}
}

func lens(ss []string) []int {
	out := make([]int, len(ss))
	for i, s := range ss {
		out[i] = len(s)
	}
	return out
}

// Desired TXT data must equal what an AXFR delivers, or every plan would
// update it forever: pack the record to wire form and unpack it again.
func TestTXTMatchesWireForm(t *testing.T) {
	for _, text := range []string{
		`plain`,
		`with "quotes" and \backslash\`,
		"unicode é ü 😀",
		strings.Repeat(`"\é`, 120), // escapes straddle the 255-byte split
		``,
	} {
		rr, err := parseTXT(dns.RR_Header{Name: "t.example.com.", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		buf := make([]byte, 65535)
		n, err := dns.PackRR(rr, buf, 0, nil, false)
		if err != nil {
			t.Fatalf("%q: pack: %v", text, err)
		}
		back, _, err := dns.UnpackRR(buf[:n], 0)
		if err != nil {
			t.Fatalf("%q: unpack: %v", text, err)
		}
		if got, want := back.(*dns.TXT).Txt, rr.(*dns.TXT).Txt; !slices.Equal(got, want) {
			t.Errorf("%q: after the wire\n got %q\nwant %q", text, got, want)
		}
	}
}

func TestCheckName(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	name253 := strings.Repeat(label63+".", 3) + strings.Repeat("b", 61) // 3*64 + 61 = 253
	for _, tc := range []struct {
		in       string
		wildcard bool
		want     string // canonical, or "" for an error
	}{
		{"Web-01.Example.COM", true, "web-01.example.com."},
		{"web-01.example.com.", true, "web-01.example.com."},
		{"*.example.com", true, "*.example.com."},
		{"*.example.com", false, ""},
		{"_dmarc.example.com", false, "_dmarc.example.com."},
		{label63 + ".example.com", true, label63 + ".example.com."},
		{name253, true, name253 + "."},
		{name253 + "b", true, ""},
		{"a..b", true, ""},
		{".", true, ""},
		{"", true, ""},
		{"a.b..", true, ""},
		{`a\.b`, true, ""},
		{"exa mple.com", true, ""},
		{"münchen.de", true, ""},
	} {
		got, err := checkName(tc.in, tc.wildcard)
		if (err == nil) != (tc.want != "") || got != tc.want {
			t.Errorf("checkName(%q, %v) = %q, %v; want %q", tc.in, tc.wildcard, got, err, tc.want)
		}
	}
}

func TestZoneOf(t *testing.T) {
	zs := newZoneSet([]string{"Example.com", "sub.example.com.", " 10.in-addr.arpa "})
	for name, want := range map[string]string{
		"example.com.":           "example.com.",
		"a.example.com.":         "example.com.",
		"sub.example.com.":       "sub.example.com.",
		"a.b.sub.example.com.":   "sub.example.com.",
		"xsub.example.com.":      "example.com.",
		"badexample.com.":        "",
		"com.":                   "",
		"1.0.0.10.in-addr.arpa.": "10.in-addr.arpa.",
	} {
		if got := zs.zoneOf(name); got != want {
			t.Errorf("zoneOf(%q) = %q, want %q", name, got, want)
		}
	}
}
