package config

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

func TestZoneDefaults(t *testing.T) {
	tests := []struct {
		name string
		file string
		want Zone
	}{
		{
			name: "name only",
			file: "[[zones]]\nname = \"Example.ORG\"\n",
			want: Zone{
				Name:                "example.org.",
				Nameservers:         []string{"ns1.example.org."},
				NameserverAddresses: addrs("127.0.0.1"),
				Hostmaster:          "hostmaster.example.org.",
				Refresh:             3600, Retry: 600, Expire: 604800, NegativeTTL: 300, SOATTL: 3600,
			},
		},
		{
			name: "everything set",
			file: `[[zones]]
name = "example.org."
nameservers = ["NS-A.example.org", "ns-b.example.org."]
nameserver_addresses = ["192.0.2.53", "2001:db8::53"]
hostmaster = "dns-admin.example.net"
refresh = 7200
retry = 900
expire = 1209600
negative_ttl = 60
soa_ttl = 86400
`,
			want: Zone{
				Name:                "example.org.",
				Nameservers:         []string{"ns-a.example.org.", "ns-b.example.org."},
				NameserverAddresses: addrs("192.0.2.53", "2001:db8::53"),
				Hostmaster:          "dns-admin.example.net.",
				Refresh:             7200, Retry: 900, Expire: 1209600, NegativeTTL: 60, SOATTL: 86400,
			},
		},
		{
			name: "nameservers outside the zone need no address",
			file: "[[zones]]\nname = \"example.org\"\nnameservers = [\"ns1.provider.net\", \"ns2.provider.net\"]\n",
			want: Zone{
				Name:        "example.org.",
				Nameservers: []string{"ns1.provider.net.", "ns2.provider.net."},
				Hostmaster:  "hostmaster.example.org.",
				Refresh:     3600, Retry: 600, Expire: 604800, NegativeTTL: 300, SOATTL: 3600,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(writeConfig(t, tt.file))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(c.Zones) != 1 {
				t.Fatalf("zones = %+v, want one", c.Zones)
			}
			if !reflect.DeepEqual(c.Zones[0], tt.want) {
				t.Errorf("zone =\n%+v\nwant\n%+v", c.Zones[0], tt.want)
			}
		})
	}
}

func TestReserved(t *testing.T) {
	c, err := Load(writeConfig(t, `[[zones]]
name = "example.com"

[[zones]]
name = "example.org"
nameservers = ["ns.example.org", "ns1.provider.net"]
nameserver_addresses = ["192.0.2.1", "2001:db8::1"]
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		key      rrset.Key
		reserved bool
	}{
		{"default glue A", rrset.Key{Name: "ns1.example.com.", Type: dns.TypeA}, true},
		{"default glue AAAA", rrset.Key{Name: "ns1.example.com.", Type: dns.TypeAAAA}, true},
		{"configured nameserver A", rrset.Key{Name: "ns.example.org.", Type: dns.TypeA}, true},
		{"nameserver TXT is free", rrset.Key{Name: "ns1.example.com.", Type: dns.TypeTXT}, false},
		{"other name", rrset.Key{Name: "www.example.com.", Type: dns.TypeA}, false},
		{"ns2 is not a nameserver", rrset.Key{Name: "ns2.example.com.", Type: dns.TypeA}, false},
		{"out-of-zone nameserver", rrset.Key{Name: "ns1.provider.net.", Type: dns.TypeA}, false},
		{"apex NS is not an address", rrset.Key{Name: "example.com.", Type: dns.TypeNS}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Reserved()(tt.key)
			if (got != "") != tt.reserved {
				t.Fatalf("Reserved(%v) = %q, want reserved=%v", tt.key, got, tt.reserved)
			}
			if tt.reserved && !strings.Contains(got, "nameserver_addresses") {
				t.Errorf("Reserved(%v) = %q, should point at nameserver_addresses", tt.key, got)
			}
		})
	}
}
