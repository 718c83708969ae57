package reconcile

import (
	"slices"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/zones"
)

// Which derived zones a pass plans, and how (derived.go): a derived zone is
// planned whole, and a pass for changed files adds the derived zones whose
// content the change may have changed.

// isDerived reports whether zone's content was derived in this pass's
// State: it is then planned whole (zone.go).
func (r *Reconciler) isDerived(zone string) bool {
	return r.derived.now[dns.CanonicalName(zone)]
}

// derivedZones is the derived zones a pass for changed files must plan
// beside the changed ones (and the Store's hint), which cannot tell that
// their content changed: every reverse zone once a forward zone is
// planned, and the catalog when its content differs from the catalog as
// last seen (or none was), as after a zone was added or removed. Only
// managed zones are returned, in r.Zones order.
func (r *Reconciler) derivedZones(changed []string, d Derivation) []string {
	isReverse := make(map[string]bool, len(d.Reverse))
	for _, z := range d.Reverse {
		isReverse[z] = true
	}
	forward := slices.ContainsFunc(changed, func(z string) bool {
		z = dns.CanonicalName(z)
		return !isReverse[z] && z != d.Catalog
	})
	var out []string
	for _, z := range r.Zones {
		if slices.Contains(changed, z) {
			continue
		}
		switch c := dns.CanonicalName(z); {
		case isReverse[c] && forward && len(d.Reverse) > 0:
			out = append(out, z)
		case c == d.Catalog && d.Catalog != "" && !r.catalogSeen(z, d):
			out = append(out, z)
		}
	}
	return out
}

// catalogSeen reports whether the catalog as last seen (cache.go) serves
// exactly d's catalog records.
func (r *Reconciler) catalogSeen(zone string, d Derivation) bool {
	e, ok := r.served.zones[zone]
	if !ok || e.served == nil {
		return false
	}
	want := zones.CatalogRecords(d.Catalog, d.Members, d.CatalogTTL)
	n := 0
	for k := range e.served.Sets {
		if k.Type == dns.TypePTR || k.Type == dns.TypeTXT {
			n++
		}
	}
	if n != len(want) {
		return false
	}
	for _, s := range want {
		if !s.Equal(e.served.Sets[s.Key]) {
			return false
		}
	}
	return true
}
