package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/verify"
)

// Signed zones validated at every check, on the primary and each
// secondary: a signature that lapses or a chain served broken takes the
// zone off the internet for every validating resolver, silently, since a
// resolver says only SERVFAIL. The check validates what a resolver would
// (verify.SignatureChecker) and fails the check (and so /readyz) for a
// zone that does not validate at a server, or whose signatures expire
// within the margin: before any resolver fails it.

// DNSSECCheck says which zones are signed and what they are validated
// against.
type DNSSECCheck struct {
	// Anchor returns the trust anchor of zone (its DNSKEY set is validated
	// against it; empty: at the primary, the served set's own SEP keys, at
	// a secondary the primary's, verify.PrimaryAnchor), and false for a
	// zone not to check: not signed, or not signed yet (its keys are made
	// by its first write).
	Anchor func(zone config.Zone) (verify.TrustAnchor, bool)
	// Anchors are the zones [dnssec] trust_anchors names, each with where
	// ("file:line"): one naming no zone checked fails every check, as a
	// typo would otherwise leave the zone it meant unanchored, silently.
	// It is checked here, not at load, as a zones.d zone may come later.
	Anchors map[string]string
	// Margin: a signature expiring sooner fails the check.
	Margin time.Duration
	// Timeout bounds each query (0: verify's default).
	Timeout time.Duration

	now func() time.Time // tests; nil: time.Now
}

// checkDNSSEC validates every signed zone at the primary and at each of
// its secondaries, all at once within syncTimeout and at most
// syncParallelism at a time, and adds the results to rep. A secondary
// whose serial could not be read in this check (rep.Sync) is not asked
// again: it already fails the check, and a dead one must cost one
// timeout per check, not one per zone. The set of failures is logged when
// it changes.
func (r *Reconciler) checkDNSSEC(ctx context.Context, rep *verify.Report) {
	if r.DNSSEC == nil || r.DNSSEC.Anchor == nil {
		return
	}
	now := time.Now()
	if r.DNSSEC.now != nil {
		now = r.DNSSEC.now()
	}
	ctx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	unread := map[string]bool{}
	for _, s := range rep.Sync {
		if s.Role == verify.RoleSecondary && s.Serial == 0 && !s.InSync {
			unread[s.Zone+" "+s.Server] = true
		}
	}
	var jobs []sigJob
	checked := map[string]bool{}
	for _, z := range r.Zones {
		if r.zoneSet.retiring[z] {
			continue
		}
		anchor, ok := r.DNSSEC.Anchor(r.zoneParams(z))
		if !ok {
			continue
		}
		checked[z] = true
		p := r.Replication.Primary
		jobs = append(jobs, sigJob{verify.ZoneSignature{Zone: z, Server: p, Name: p, Role: verify.RolePrimary}, anchor})
		for _, s := range r.secondariesOf(z) {
			if !unread[z+" "+s.Addr] {
				jobs = append(jobs, sigJob{verify.ZoneSignature{Zone: z, Server: s.Addr, Name: cmp.Or(s.Name, s.Addr), Role: verify.RoleSecondary}, anchor})
			}
		}
	}
	c := verify.SignatureChecker{Timeout: r.DNSSEC.Timeout, Margin: r.DNSSEC.Margin}
	sem := make(chan struct{}, syncParallelism)
	primary := r.primaryAnchors(ctx, c, jobs, sem, now)
	out := make([]verify.ZoneSignature, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			a, byPrimary := primary[j.zs.Zone]
			byPrimary = byPrimary && j.zs.Role == verify.RoleSecondary
			if byPrimary {
				j.anchor = a
			}
			zs := c.Check(ctx, j.zs.Server, j.zs.Zone, j.anchor, now)
			zs.Name, zs.Role = j.zs.Name, j.zs.Role
			if byPrimary {
				zs.Anchor = verify.AnchorPrimary
			}
			out[i] = zs
		})
	}
	wg.Wait()
	rep.DNSSEC = append(rep.DNSSEC, out...)
	rep.DNSSEC = append(rep.DNSSEC, r.unusedAnchors(checked)...)
	r.logDNSSEC(rep)
}

// sigJob is one zone to validate at one server, against anchor.
type sigJob struct {
	zs     verify.ZoneSignature
	anchor verify.TrustAnchor
}

// primaryAnchors reads, for each zone of jobs with no anchor and a
// secondary to check, the primary's key-signing keys
// (verify.PrimaryAnchor). A zone whose primary's keys cannot be read is
// left out: its secondaries fall back on their own served keys, and their
// results say so (AnchorServed); the primary's own result says why.
func (r *Reconciler) primaryAnchors(ctx context.Context, c verify.SignatureChecker, jobs []sigJob, sem chan struct{}, now time.Time) map[string]verify.TrustAnchor {
	var zones []string
	for _, j := range jobs {
		if j.zs.Role == verify.RoleSecondary && len(j.anchor.DS) == 0 && len(j.anchor.Keys) == 0 && !slices.Contains(zones, j.zs.Zone) {
			zones = append(zones, j.zs.Zone)
		}
	}
	out := map[string]verify.TrustAnchor{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, z := range zones {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			a, err := c.PrimaryAnchor(ctx, r.Replication.Primary, z, now)
			if err != nil {
				r.Log.Debug("secondaries anchored on their served keys: the primary's cannot be read", "zone", z, "err", err)
				return
			}
			mu.Lock()
			out[z] = a
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// unusedAnchors are the failures of the trust anchors that name no zone
// checked, in name order.
func (r *Reconciler) unusedAnchors(checked map[string]bool) []verify.ZoneSignature {
	var out []verify.ZoneSignature
	for _, z := range slices.Sorted(maps.Keys(r.DNSSEC.Anchors)) {
		if !checked[z] {
			out = append(out, verify.ZoneSignature{Zone: z, Err: fmt.Sprintf("[dnssec] trust_anchors %s names %s, not a managed zone with dnssec = true: it anchors nothing", r.DNSSEC.Anchors[z], z)})
		}
	}
	return out
}

// logDNSSEC logs the zones that do not validate when that set changes.
func (r *Reconciler) logDNSSEC(rep *verify.Report) {
	failed := rep.DNSSECFailed()
	key := make([]string, len(failed))
	for i, z := range failed {
		key[i] = fmt.Sprintf("%s %s", z.Zone, z.Server)
	}
	if !r.changed("dnssec", key) {
		return
	}
	for _, z := range failed {
		r.Log.Warn("signed zone does not validate", "zone", z.Zone, "server", z.Name, "role", z.Role, "err", z.Err)
	}
	if len(failed) == 0 && len(rep.DNSSEC) > 0 {
		r.Log.Info("every signed zone validates at every server", "checks", len(rep.DNSSEC))
	}
}

// zoneParams is zone's configuration as the zone set has it (a zone of a
// static set: its name alone).
func (r *Reconciler) zoneParams(zone string) config.Zone {
	if z, ok := r.zoneSet.params[zone]; ok {
		return z
	}
	return config.Zone{Name: zone}
}
