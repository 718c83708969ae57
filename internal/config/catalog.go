package config

import (
	"github.com/miekg/dns"
)

// build checks [catalog] zone: a domain name (made canonical), and not one
// of the [[zones]]: the catalog's content is dnssync's, never records.d's.
// (A zones.d file naming it is internal/zones' to refuse.)
func (f fileCatalog) build(p *problems, zones []Zone) Catalog {
	if f.Zone == "" {
		return Catalog{}
	}
	if _, ok := dns.IsDomainName(f.Zone); !ok || f.Zone == "." {
		p.add("catalog.zone", "%q is not a zone name", f.Zone)
		return Catalog{}
	}
	if !FitsFileName(f.Zone) { // the zonefile backend writes db.<name>
		p.add("catalog.zone", "%q cannot name a file (want letters, digits, '-', '_' and dots)", f.Zone)
		return Catalog{}
	}
	name := dns.CanonicalName(f.Zone)
	for i, z := range zones {
		if z.Name == name {
			p.add("catalog.zone", "%s is also zones[%d]: the catalog zone's content is dnssync's own (RFC 9432), so it cannot be a managed zone too", name, i)
		}
	}
	return Catalog{Zone: name}
}
