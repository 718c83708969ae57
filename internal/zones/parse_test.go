package zones

import (
	"strings"
	"testing"
)

func TestParseFileErrorsHaveLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		want       string // Problem.Error() without the path prefix
	}{
		{"empty", "", "file is empty"},
		{"not a mapping", "just-a-token\n", `:1: not a zones file`},
		{"other key quoted nowhere", "secret: abc\n", `:1: not a zones file (want a mapping with a "zone" mapping)`},
		{"zone not a mapping", "zone: [a]\n", `:1: "zone" must be a mapping, got a list`},
		{"unknown key", "zone:\n  name: a.test\n  nameserver: x\n", `:3: unknown field "nameserver" in zone`},
		{"duplicate key", "zone:\n  name: a.test\n  name: b.test\n", `:3: duplicate field "name" in zone`},
		{"no name", "zone:\n  hostmaster: h.a.test\n", `:1: zone has no name`},
		{"ttl not a number", "zone:\n  name: a.test\n\n  negative_ttl: soon\n", `:4: negative_ttl must be a number of seconds`},
		{"negative ttl", "zone:\n  name: a.test\n  refresh: -1\n", `:3: refresh must be a number`},
		{"reverse not bool", "zone:\n  name: a.test\n  reverse: yes please\n", `:3: reverse must be true or false, got a string`},
		{"nameservers not a list", "zone:\n  name: a.test\n  nameservers: ns1.a.test\n", `:3: nameservers must be a list of strings`},
		{"bad name", "zone:\n  name: 'a..test'\n", `:2: name: "a..test" is not a zone name`},
		// A zone name is part of paths (zones.d/<name>.yaml, the zonefile
		// backend's db.<name>): one that cannot be a file name is refused.
		{"slash in name", "zone:\n  hostmaster: h.example\n  name: a/b.example\n", `:3: name: "a/b.example" cannot name a file`},
		{"classless slash", "zone:\n  name: 0/25.2.0.192.in-addr.arpa\n", `:2: name: "0/25.2.0.192.in-addr.arpa" cannot name a file`},
		{"escaped byte in name", "zone:\n  name: 'a\\009b.example'\n", `:2: name: `},
		{"bad address at its line", "zone:\n  name: a.test\n  hostmaster: h.a.test\n  nameserver_addresses: [192.0.2.300]\n", `:4: nameserver_addresses: "192.0.2.300" is not an IP address`},
		{"in-zone ns with no addresses", "zone:\n  name: a.test\n  nameservers: [ns.a.test]\n  nameserver_addresses: []\n", `:4: nameserver_addresses: a nameserver inside the zone needs an address`},
		{"reverse not under arpa", "zone:\n  name: a.test\n  reverse: true\n", `:3: reverse: a.test. is not under in-addr.arpa.`},
		{"reverse not on a prefix", "zone:\n  name: 1.2.0.192.in-addr.arpa\n  reverse: true\n", `:3: reverse: 4 octets under in-addr.arpa.`},
		{"syntax", "zone:\n  name: [a\n", `invalid YAML`},
		{"two documents", "zone:\n  name: a.test\n---\nzone:\n  name: b.test\n", `:3: more than one YAML document`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p := parseFile("zones.d/x.yaml", []byte(tt.text))
			if p == nil {
				t.Fatalf("parsed %q; want a problem", tt.text)
			}
			if got := p.Error(); !strings.Contains(got, tt.want) || !strings.HasPrefix(got, "zones.d/x.yaml") {
				t.Errorf("problem %q\nwant it to contain %q", got, tt.want)
			}
			if strings.Contains(p.Error(), "abc") || strings.Contains(p.Error(), "just-a-token") {
				t.Errorf("problem %q quotes a file that is not a zones file", p.Error())
			}
		})
	}
}

func TestParseFileGood(t *testing.T) {
	t.Parallel()
	d, p := parseFile("zones.d/staging.yaml", []byte(`# staging
zone:
  name: Staging.Example.NET
  nameservers: [ns1.example.net, ns2.example.net]
  hostmaster: hostmaster.example.net
  negative_ttl: 60
  refresh: 7200
  retry: 900
  expire: 1209600
  soa_ttl: 86400
  reverse: false
`))
	if p != nil {
		t.Fatal(p)
	}
	z := d.zone
	if z.Name != "staging.example.net." || z.Nameservers[1] != "ns2.example.net." || z.Hostmaster != "hostmaster.example.net." ||
		z.NegativeTTL != 60 || z.Refresh != 7200 || z.Retry != 900 || z.Expire != 1209600 || z.SOATTL != 86400 || z.Reverse ||
		len(z.NameserverAddresses) != 0 {
		t.Errorf("zone = %+v", z)
	}
	if d.source.String() != "zones.d/staging.yaml:2" {
		t.Errorf("source = %s, want zones.d/staging.yaml:2", d.source)
	}
	d, p = parseFile("r.yaml", []byte("zone:\n  name: 8.b.d.0.1.0.0.2.ip6.arpa\n  reverse: true\n"))
	if p != nil || !d.zone.Reverse || d.zone.Nameservers[0] != "ns1.8.b.d.0.1.0.0.2.ip6.arpa." {
		t.Errorf("reverse zone: %+v, %v", d.zone, p)
	}
}
