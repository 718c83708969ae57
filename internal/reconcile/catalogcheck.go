package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// The catalog zone (RFC 9432) is data for its consumers, which transfer
// it; it is not meant to be resolved. So a check asks the primary alone
// for its records: a resolver cannot resolve catalog.invalid, and failing
// it for that would fail every check. Resolvers get no status for it.
//
// A consumer that interprets the catalog may refuse every query for it
// (Knot answers REFUSED), so its serial of the catalog cannot be asked.
// Such a consumer is judged by its members instead: each is a zone it
// serves like any other, and one it failed to pick up from the catalog is
// a member it does not serve, reported there. Its catalog status is in
// sync with a note saying so, never lagging, and a change to the catalog
// does not wait for its serial.

// primaryChecker is a Checker that can ask the primary alone.
type primaryChecker interface {
	CheckPrimary(ctx context.Context, want map[rrset.Key]*rrset.Set, history verify.History, progress func()) verify.Report
}

var _ primaryChecker = verify.Servers(nil)

// isCatalog reports whether zone is the catalog zone.
func (r *Reconciler) isCatalog(zone string) bool {
	return r.Catalog != "" && dns.CanonicalName(zone) == dns.CanonicalName(r.Catalog)
}

// takeCatalog takes the catalog's sets out of want and returns them, for
// checkCatalog; with no catalog, or a Checker that cannot ask the primary
// alone, they stay in want and none is returned.
func (r *Reconciler) takeCatalog(st *desired.State, want map[rrset.Key]*rrset.Set) map[rrset.Key]*rrset.Set {
	if _, ok := r.Checker.(primaryChecker); !ok || r.Catalog == "" {
		return nil
	}
	cat := map[rrset.Key]*rrset.Set{}
	for k, s := range st.Zone(dns.CanonicalName(r.Catalog)).All() {
		cat[k] = s
		delete(want, k)
	}
	return cat
}

// checkCatalog checks the catalog's sets (takeCatalog) at the primary
// alone and adds the results to rep.
func (r *Reconciler) checkCatalog(ctx context.Context, cat map[rrset.Key]*rrset.Set, rep *verify.Report, progress func()) {
	if len(cat) == 0 {
		return
	}
	rep.Add(r.Checker.(primaryChecker).CheckPrimary(ctx, cat, r.history(), progress).Results...)
}

// catalogNote is the note on a consumer that refuses the catalog's SOA.
const catalogNote = "catalog serial not asked: it answers the catalog's SOA with %s, as a consumer that interprets the catalog does (Knot); it is judged by the member zones it serves"

// catalogUnasked makes st, a secondary's status of the catalog zone whose
// serial was read with err, in sync with a note when the secondary
// refuses the catalog's SOA, and reports whether it did.
func catalogUnasked(st *verify.ServerStatus, err error) bool {
	var re *verify.RcodeError
	if !errors.As(err, &re) || re.Rcode != dns.RcodeRefused && re.Rcode != dns.RcodeNotAuth {
		return false
	}
	st.InSync, st.Reason, st.Note = true, "", fmt.Sprintf(catalogNote, dns.RcodeToString[re.Rcode])
	return true
}

// catalogAfterRetire plans the catalog again once a pass retired a zone:
// the pass planned it with the zone still a member (a zone leaves only
// once its pass served nothing managed in it), and the next pass may be
// the schedule's, an hour away, when zones.d's watcher triggered this
// one. The catalog's result replaces the one res holds, and res.State
// becomes the state it was planned with.
func (r *Reconciler) catalogAfterRetire(ctx context.Context, res *Result, opts Options) {
	i := slices.IndexFunc(r.Zones, r.isCatalog)
	if i < 0 || ctx.Err() != nil {
		return
	}
	again := opts
	again.Zones = []string{r.Zones[i]}
	more := r.pass(ctx, again)
	res.State = more.State
	for _, zr := range more.Zones {
		if j := slices.IndexFunc(res.Zones, func(z ZoneResult) bool { return z.Zone == zr.Zone }); j >= 0 {
			res.Zones[j] = zr
		} else {
			res.Zones = append(res.Zones, zr)
		}
	}
}
