package zones

import (
	"fmt"
	"maps"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/config"
)

// The catalog zone's content is dnssync's own (RFC 9432): it cannot be a
// managed zone too. config.Load refuses it in [[zones]]; a zones.d file
// that declares it is a problem of that file, as a conflict is, and its
// zone is left out, so the catalog stays the catalog.

// WithCatalog returns s without the zone named catalog when a zones.d
// file declares it, and with a problem naming that file. catalog "" (no
// catalog) returns s.
func (s Set) WithCatalog(catalog string) Set {
	if catalog == "" {
		return s
	}
	name := dns.CanonicalName(catalog)
	src, ok := s.sources[name]
	if !ok || src.File == "" {
		return s
	}
	out := Set{zones: maps.Clone(s.zones), sources: maps.Clone(s.sources)}
	delete(out.zones, name)
	delete(out.sources, name)
	problems := append(s.Problems(), Problem{File: src.File, Line: src.Line,
		Msg: fmt.Sprintf("zone %s is the [catalog] zone, whose content is dnssync's own; this file is ignored (remove it, or choose another [catalog] zone)", name)})
	out.problems = sortProblems(problems)
	return out
}

// WithRefusal returns s without each zones.d zone refuse returns an error
// for (a zone the backend cannot serve as declared), with a problem naming
// its file and the reason, as a conflict is. The config's own zones are
// refused by config.Load already. A nil refuse returns s.
func (s Set) WithRefusal(refuse func(config.Zone) error) Set {
	if refuse == nil {
		return s
	}
	var out *Set
	var problems []Problem
	for name, z := range s.zones {
		src := s.sources[name]
		if src.File == "" {
			continue
		}
		err := refuse(z)
		if err == nil {
			continue
		}
		if out == nil {
			out = &Set{zones: maps.Clone(s.zones), sources: maps.Clone(s.sources)}
		}
		delete(out.zones, name)
		delete(out.sources, name)
		problems = append(problems, Problem{File: src.File, Line: src.Line, Msg: fmt.Sprintf("zone %s: %v; this file is ignored", name, err)})
	}
	if out == nil {
		return s
	}
	out.problems = sortProblems(append(s.Problems(), problems...))
	return *out
}

// CatalogDir is a Dir whose Sets are WithCatalog(Catalog) and
// WithRefusal(Refuse): the zone set a Reconciler follows.
type CatalogDir struct {
	*Dir
	Catalog string
	Refuse  func(config.Zone) error
}

// Scan is Dir.Scan, WithCatalog and WithRefusal.
func (d CatalogDir) Scan() (Set, bool, error) {
	s, changed, err := d.Dir.Scan()
	return s.WithCatalog(d.Catalog).WithRefusal(d.Refuse), changed, err
}
