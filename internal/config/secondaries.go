package config

import (
	"fmt"
	"slices"

	"github.com/miekg/dns"
)

// Secondary is one [[secondaries]] entry: a server that transfers zones
// from the primary (the server dnssync writes). dnssync notifies it once
// the primary serves a new serial and waits until it serves that serial
// too.
type Secondary struct {
	Address HostPort
	Name    string // a label for logs, metrics and reports; the address when unset
	// Zones are the managed zones it serves (canonical names); every
	// managed zone when the entry lists none.
	Zones []string
	// AllZones: the entry lists no zones, so the secondary serves every
	// managed zone, also those added at run time (zones.d).
	AllZones bool
	Notify   bool // dnssync sends it a NOTIFY (default true)
}

// Serves reports whether s transfers zone (canonical).
func (s Secondary) Serves(zone string) bool { return slices.Contains(s.Zones, zone) }

// Resolver is one [[resolvers]] entry: a caching resolver whose clients
// must see the changes. It is asked with RD set, as [verify] nameservers
// are.
type Resolver struct {
	Address HostPort
	Name    string // the address when unset
}

type fileSecondary struct {
	Address string   `toml:"address"`
	Name    string   `toml:"name"`
	Zones   []string `toml:"zones"`
	Notify  *bool    `toml:"notify"` // nil: true
}

type fileResolver struct {
	Address string `toml:"address"`
	Name    string `toml:"name"`
}

// buildSecondaries checks [[secondaries]] against the managed zones.
func buildSecondaries(p *problems, fs []fileSecondary, zones []Zone) []Secondary {
	managed := make([]string, len(zones))
	for i, z := range zones {
		managed[i] = z.Name
	}
	out := make([]Secondary, 0, len(fs))
	seen := map[HostPort]bool{}
	for i, f := range fs {
		key := fmt.Sprintf("secondaries[%d]", i)
		s := Secondary{Name: f.Name, Notify: f.Notify == nil || *f.Notify,
			Address: parse(p, key+".address", f.Address, parseServer)}
		if s.Address.IsZero() {
			continue
		}
		if seen[s.Address] {
			p.add(key+".address", "%s is listed twice", s.Address)
		}
		seen[s.Address] = true
		if s.Name == "" {
			s.Name = s.Address.String()
		}
		s.Zones, s.AllZones = slices.Clone(managed), f.Zones == nil
		if f.Zones != nil {
			s.Zones = nil
			for j, z := range f.Zones {
				name := dns.CanonicalName(z)
				if !slices.Contains(managed, name) {
					p.add(fmt.Sprintf("%s.zones[%d]", key, j), "%q is not a managed zone (see [[zones]])", z)
					continue
				}
				s.Zones = append(s.Zones, name)
			}
			if len(f.Zones) == 0 {
				p.add(key+".zones", "is empty: list the zones it serves, or leave zones out for every managed zone")
			}
		}
		out = append(out, s)
	}
	return out
}

func buildResolvers(p *problems, fr []fileResolver) []Resolver {
	out := make([]Resolver, 0, len(fr))
	seen := map[HostPort]bool{}
	for i, f := range fr {
		key := fmt.Sprintf("resolvers[%d].address", i)
		r := Resolver{Name: f.Name, Address: parse(p, key, f.Address, parseServer)}
		if r.Address.IsZero() {
			continue
		}
		if seen[r.Address] {
			p.add(key, "%s is listed twice", r.Address)
		}
		seen[r.Address] = true
		if r.Name == "" {
			r.Name = r.Address.String()
		}
		out = append(out, r)
	}
	return out
}

// checkServerNames refuses two [[secondaries]] or [[resolvers]] entries
// with one name, given or defaulted to the address: the name labels a
// server's metric series (dnssync_server_serial{server}) and its report
// lines, and two servers would write one series. Secondaries come first,
// then resolvers; the later of two entries is named in the problem, with
// the earlier one. Two unnamed secondaries at one address are already
// "listed twice" and not reported again.
func checkServerNames(p *problems, fs []fileSecondary, fr []fileResolver) {
	type entry struct {
		key     string // "secondaries[1]"
		list    string // "secondaries"
		name    string
		unnamed bool // name is the address, by default
	}
	var entries []entry
	add := func(list string, i int, name, address string) {
		e := entry{key: fmt.Sprintf("%s[%d]", list, i), list: list, name: name}
		if name == "" {
			a, err := parseServer(address)
			if err != nil || a.IsZero() {
				return // reported by the builder
			}
			e.name, e.unnamed = a.String(), true
		}
		entries = append(entries, e)
	}
	for i, f := range fs {
		add("secondaries", i, f.Name, f.Address)
	}
	for i, f := range fr {
		add("resolvers", i, f.Name, f.Address)
	}
	first := map[string]entry{}
	for _, e := range entries {
		prev, ok := first[e.name]
		if !ok {
			first[e.name] = e
			continue
		}
		if e.unnamed && prev.unnamed && e.list == prev.list {
			continue // one address twice in one list: "listed twice"
		}
		other := prev.key + "'s"
		if prev.unnamed {
			other += " (its address, the default name)"
		}
		if e.unnamed {
			p.add(e.key+".address", "%q, its default name, is also %s; give it a name", e.name, other)
		} else {
			p.add(e.key+".name", "%q is also %s", e.name, other)
		}
	}
}

// SecondariesOf returns the secondaries that serve zone (canonical).
func (c *Config) SecondariesOf(zone string) []Secondary {
	var out []Secondary
	for _, s := range c.Secondaries {
		if s.Serves(zone) {
			out = append(out, s)
		}
	}
	return out
}
