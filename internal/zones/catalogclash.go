package zones

import (
	"fmt"
	"maps"

	"github.com/miekg/dns"
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

// CatalogDir is a Dir whose Sets are WithCatalog(Catalog): the zone set
// a Reconciler follows.
type CatalogDir struct {
	*Dir
	Catalog string
}

// Scan is Dir.Scan and WithCatalog.
func (d CatalogDir) Scan() (Set, bool, error) {
	s, changed, err := d.Dir.Scan()
	return s.WithCatalog(d.Catalog), changed, err
}
