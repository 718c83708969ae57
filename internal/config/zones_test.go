package config

import (
	"net/netip"
	"path/filepath"
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

// Zero [[zones]] is a valid config: the zones may all come from zones.d.
// (Before issue 13 it was "at least one [[zones]] entry is needed".)
func TestNoZonesIsAllowed(t *testing.T) {
	t.Parallel()
	c, err := Load(writeConfig(t, "zones = []\n"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(c.Zones) != 0 {
		t.Errorf("zones = %v, want none", c.ZoneNames())
	}
}

func TestReversePrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, want, err string
	}{
		{"2.0.192.in-addr.arpa", "192.0.2.0/24", ""},
		{"10.IN-ADDR.ARPA.", "10.0.0.0/8", ""},
		{"168.192.in-addr.arpa.", "192.168.0.0/16", ""},
		{"8.b.d.0.1.0.0.2.ip6.arpa", "2001:db8::/32", ""},
		{"f.ip6.arpa.", "f000::/4", ""},
		{"in-addr.arpa.", "", "is not under"},
		{"ip6.arpa", "", "is not under"},
		{"example.com", "", "is not under"},
		{"1.2.0.192.in-addr.arpa", "", "4 octets"},
		{"256.in-addr.arpa", "", "is not an octet"},
		{"02.in-addr.arpa", "", "is not an octet"},
		{"0-25.0.192.in-addr.arpa", "", "is not an octet"},
		{"ab.ip6.arpa", "", "is not one hex digit"},
		{"g.ip6.arpa", "", "is not one hex digit"},
		{strings.Repeat("0.", 33) + "ip6.arpa", "", "33 nibbles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReversePrefix(tt.name)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ReversePrefix(%s) = %v, %v; want an error containing %q", tt.name, got, err, tt.err)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("ReversePrefix(%s) = %v, %v; want %s", tt.name, got, err, tt.want)
			}
		})
	}
	p, err := ReversePrefix(strings.Repeat("1.", 32) + "ip6.arpa")
	if err != nil || p.Bits() != 128 || p.Addr().String() != "1111:1111:1111:1111:1111:1111:1111:1111" {
		t.Errorf("32 nibbles: %v, %v", p, err)
	}
}

// BuildZone is the one builder: a reverse zone is checked, "invalid." is
// a nameserver outside the zone needing no address (the catalog's), and
// Spec turns a zone back into what builds it again.
func TestBuildZoneAndSpec(t *testing.T) {
	t.Parallel()
	z, err := BuildZone(ZoneSpec{Name: "Catalog.Invalid", Nameservers: []string{"invalid."}})
	if err != nil {
		t.Fatalf("catalog-like zone: %v", err)
	}
	if len(z.NameserverAddresses) != 0 || !reflect.DeepEqual(z.Nameservers, []string{"invalid."}) || z.Name != "catalog.invalid." {
		t.Errorf("catalog-like zone = %+v", z)
	}
	if _, err := BuildZone(ZoneSpec{Name: "example.com", Reverse: true}); err == nil || !strings.HasPrefix(err.Error(), "reverse: ") {
		t.Errorf("forward name with reverse = true: %v, want a reverse: error", err)
	}
	rev, err := BuildZone(ZoneSpec{Name: "2.0.192.in-addr.arpa", Reverse: true, Nameservers: []string{"ns1.example.com"}})
	if err != nil || !rev.Reverse {
		t.Fatalf("reverse zone: %+v, %v", rev, err)
	}
	for _, spec := range []ZoneSpec{
		{Name: "example.org"},
		{Name: "example.org", Nameservers: []string{"ns.example.org", "ns.provider.net"}, NameserverAddresses: []string{"2001:db8::1"},
			Hostmaster: "h.example.net", Refresh: 1, Retry: 2, Expire: 3, NegativeTTL: 4, SOATTL: 5},
		{Name: "2.0.192.in-addr.arpa", Reverse: true, Nameservers: []string{"ns1.example.com"}},
	} {
		z, err := BuildZone(spec)
		if err != nil {
			t.Fatal(err)
		}
		again, err := BuildZone(z.Spec())
		if err != nil || !reflect.DeepEqual(again, z) {
			t.Errorf("BuildZone(Spec()) = %+v, %v; want %+v", again, err, z)
		}
	}
}

func TestZonesDirDefaultsBesideRecordsDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct{ file, want string }{
		{"", filepath.Join(dir, "zones.d")},
		{"[records]\ndir = \"/srv/dns/records.d/\"\n", "/srv/dns/zones.d"},
		{"[records]\nzones_dir = \"zones\"\n", filepath.Join(dir, "zones")},
		{"[records]\nzones_dir = \"/etc/dnssync/zones.d\"\n", "/etc/dnssync/zones.d"},
	}
	for _, tt := range tests {
		c, err := Load(writeConfigIn(t, dir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		if c.Records.ZonesDir != tt.want {
			t.Errorf("%q: zones_dir = %q, want %q", tt.file, c.Records.ZonesDir, tt.want)
		}
	}
	c, err := Load("")
	if err != nil || c.Records.ZonesDir != "zones.d" || c.Catalog.Zone != "" {
		t.Errorf("defaults alone: zones_dir %q, catalog %q, %v; want zones.d (the working directory) and no catalog", c.Records.ZonesDir, c.Catalog.Zone, err)
	}
	c, err = Load(writeConfigIn(t, dir, "[catalog]\nzone = \"Catalog.Invalid\"\n"))
	if err != nil || c.Catalog.Zone != "catalog.invalid." {
		t.Errorf("catalog = %q, %v; want catalog.invalid.", c.Catalog.Zone, err)
	}
}

// TestBuildZoneRefusesNamesUnfitForFiles (issue 13 review): a zone's name
// is part of paths (zones.d/<name>.yaml, the zonefile backend's
// db.<name>), so BuildZone, the one builder of [[zones]], zones.d files
// and the API's zones, refuses a name with anything but letters, digits,
// '-', '_' and dots: no backend can form a path from it.
func TestBuildZoneRefusesNamesUnfitForFiles(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"a/b.example", "0/25.2.0.192.in-addr.arpa", `a\032b.example`, `a\.b.example`, "a:b.example", "a*b.example"} {
		_, err := BuildZone(ZoneSpec{Name: name, Nameservers: []string{"ns1.example.com"}})
		if err == nil || !strings.HasPrefix(err.Error(), "name: ") || !strings.Contains(err.Error(), "cannot name a file") {
			t.Errorf("BuildZone(%q) = %v, want a name: error saying it cannot name a file", name, err)
		}
	}
	for _, name := range []string{"0-25.2.0.192.in-addr.arpa", "_tcp.example.com", "Example.COM."} {
		if _, err := BuildZone(ZoneSpec{Name: name, Nameservers: []string{"ns1.example.com"}}); err != nil {
			t.Errorf("BuildZone(%q): %v", name, err)
		}
	}
}
