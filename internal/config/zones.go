package config

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// ZoneSpec is one zone as an operator writes it: a [[zones]] entry, a
// zones.d file's `zone:` mapping, the API's body. Empty fields take
// defaults in BuildZone. The tags are the contract with those files.
type ZoneSpec struct {
	Name                string   `toml:"name" yaml:"name" json:"name"`
	Nameservers         []string `toml:"nameservers" yaml:"nameservers,omitempty" json:"nameservers,omitempty"`
	NameserverAddresses []string `toml:"nameserver_addresses" yaml:"nameserver_addresses,omitempty" json:"nameserver_addresses,omitempty"`
	Hostmaster          string   `toml:"hostmaster" yaml:"hostmaster,omitempty" json:"hostmaster,omitempty"`
	Refresh             uint32   `toml:"refresh" yaml:"refresh,omitempty" json:"refresh,omitempty"`
	Retry               uint32   `toml:"retry" yaml:"retry,omitempty" json:"retry,omitempty"`
	Expire              uint32   `toml:"expire" yaml:"expire,omitempty" json:"expire,omitempty"`
	NegativeTTL         uint32   `toml:"negative_ttl" yaml:"negative_ttl,omitempty" json:"negative_ttl,omitempty"`
	SOATTL              uint32   `toml:"soa_ttl" yaml:"soa_ttl,omitempty" json:"soa_ttl,omitempty"`
	Reverse             bool     `toml:"reverse" yaml:"reverse,omitempty" json:"reverse,omitempty"`
	// DNSSEC: the zone is signed as [dnssec] says (dnssec.go).
	DNSSEC bool `toml:"dnssec" yaml:"dnssec,omitempty" json:"dnssec,omitempty"`
}

// buildZones builds the [[zones]] list. None at all is allowed: the zones
// may all come from zones.d (internal/zones).
func buildZones(p *problems, fz []ZoneSpec) []Zone {
	out := make([]Zone, 0, len(fz))
	seen := map[string]bool{}
	for i, f := range fz {
		z, err := BuildZone(f)
		if err != nil {
			p.add(fmt.Sprintf("zones[%d] (%s)", i, z.Name), "%v", err)
			continue
		}
		if seen[z.Name] {
			p.add(fmt.Sprintf("zones[%d]", i), "zone %s is listed twice", z.Name)
		}
		seen[z.Name] = true
		out = append(out, z)
	}
	return out
}

// BuildZone fills the zone's defaults, makes its names canonical and checks
// it: the one builder of [[zones]] entries and zones.d files alike. On
// error the zone's Name is what could be made of it, for the message; the
// error names the field (as the files spell it).
func BuildZone(f ZoneSpec) (Zone, error) {
	z := Zone{Name: f.Name, Hostmaster: f.Hostmaster, Reverse: f.Reverse, DNSSEC: f.DNSSEC,
		Refresh: f.Refresh, Retry: f.Retry, Expire: f.Expire, NegativeTTL: f.NegativeTTL, SOATTL: f.SOATTL}
	if _, ok := dns.IsDomainName(z.Name); !ok || z.Name == "" || z.Name == "." {
		return z, fmt.Errorf("name: %q is not a zone name", z.Name)
	}
	z.Name = dns.CanonicalName(z.Name)
	if !FitsFileName(z.Name) {
		return z, fmt.Errorf("name: %q cannot name a file (want letters, digits, '-', '_' and dots; a classless reverse zone of RFC 2317 can write '-' for '/')", f.Name)
	}
	if z.Reverse {
		if _, err := ReversePrefix(z.Name); err != nil {
			return z, fmt.Errorf("reverse: %w", err)
		}
	}
	z.Nameservers = []string{"ns1." + z.Name}
	if len(f.Nameservers) > 0 {
		z.Nameservers = make([]string, len(f.Nameservers))
	}
	inZone := false
	for i, ns := range f.Nameservers {
		if _, ok := dns.IsDomainName(ns); !ok {
			return z, fmt.Errorf("nameservers: %q is not a host name", ns)
		}
		z.Nameservers[i] = dns.CanonicalName(ns)
	}
	for _, ns := range z.Nameservers {
		inZone = inZone || dns.IsSubDomain(z.Name, ns)
	}
	addrs := f.NameserverAddresses
	if addrs == nil && inZone {
		addrs = []string{"127.0.0.1"}
	}
	if inZone && len(addrs) == 0 {
		return z, errors.New("nameserver_addresses: a nameserver inside the zone needs an address (BIND refuses the zone otherwise)")
	}
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return z, fmt.Errorf("nameserver_addresses: %q is not an IP address", a)
		}
		z.NameserverAddresses = append(z.NameserverAddresses, ip)
	}
	if z.Hostmaster == "" {
		z.Hostmaster = "hostmaster." + z.Name
	}
	if _, ok := dns.IsDomainName(z.Hostmaster); !ok {
		return z, fmt.Errorf("hostmaster: %q is not a domain name", z.Hostmaster)
	}
	z.Hostmaster = dns.CanonicalName(z.Hostmaster)
	def := func(v *uint32, d uint32) {
		if *v == 0 {
			*v = d
		}
	}
	def(&z.Refresh, 3600)
	def(&z.Retry, 600)
	def(&z.Expire, 604800)
	def(&z.NegativeTTL, 300)
	def(&z.SOATTL, 3600)
	return z, nil
}

// FitsFileName reports whether a zone's name (any case, with or without
// the trailing dot) can be part of a file name: it is, in zones.d/<name>.yaml
// and the zonefile backend's db.<name>. Only letters, digits, '-', '_' and
// dots, not leading and never two in a row: a '/' would name a path in
// another dir, a leading dot a file the loaders skip, and an escaped byte
// (\032) a name no one can type. BuildZone refuses every other name, so no
// path is ever formed from one.
func FitsFileName(zone string) bool {
	name := strings.TrimSuffix(dns.CanonicalName(zone), ".")
	return name != "" && !strings.HasPrefix(name, ".") && !strings.Contains(name, "..") &&
		strings.IndexFunc(name, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
		}) < 0
}

// Spec is the zone as a file or an API body holds it, every default
// written out: BuildZone(z.Spec()) is z again.
func (z Zone) Spec() ZoneSpec {
	s := ZoneSpec{Name: z.Name, Nameservers: slices.Clone(z.Nameservers), Hostmaster: z.Hostmaster,
		Refresh: z.Refresh, Retry: z.Retry, Expire: z.Expire, NegativeTTL: z.NegativeTTL, SOATTL: z.SOATTL,
		Reverse: z.Reverse, DNSSEC: z.DNSSEC}
	for _, a := range z.NameserverAddresses {
		s.NameserverAddresses = append(s.NameserverAddresses, a.String())
	}
	return s
}

// ZoneNames returns the managed zones' canonical names.
func (c *Config) ZoneNames() []string {
	out := make([]string, len(c.Zones))
	for i, z := range c.Zones {
		out[i] = z.Name
	}
	return out
}

// Authoritative is the server dnssync reads zones from, verifies against
// and (rfc2136) sends UPDATEs to: [backend] server for the rfc2136 backend
// when it is set, coredns_url otherwise.
func (c *Config) Authoritative() HostPort {
	if c.Backend.Type == RFC2136 && !c.Backend.Server.IsZero() {
		return c.Backend.Server
	}
	return c.Orchestrator.DNS.Coredns
}

// Reserved returns what names the records that the zone file backend
// writes from [[zones]] itself (the nameservers' addresses), so that
// records.d cannot declare them too: a reason for those, "" for any other
// record. It is asked for every record read, so it looks up a map.
func (c *Config) Reserved() func(rrset.Key) string {
	glue := map[string]string{} // nameserver inside its zone -> the zone
	for _, z := range c.Zones {
		for _, ns := range z.Nameservers {
			if dns.IsSubDomain(z.Name, ns) {
				glue[ns] = z.Name
			}
		}
	}
	zonefile := c.Backend.Type == ZoneFile
	return func(k rrset.Key) string {
		if !zonefile || k.Type != dns.TypeA && k.Type != dns.TypeAAAA {
			return ""
		}
		if zone, ok := glue[k.Name]; ok {
			return fmt.Sprintf("%s is nameserver %s of zone %s; its address comes from nameserver_addresses in [[zones]]", k, k.Name, zone)
		}
		return ""
	}
}
