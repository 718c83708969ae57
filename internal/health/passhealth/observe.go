// Package passhealth is health's observer of reconcile passes, beside
// metrics and the audit trail's passaudit: the daemon's loop hands it each
// pass's result, and it tells the health Tracker what that pass says, as
// reasons whose kinds are the contract monitoring matches on.
//
// It lives apart from internal/health so that the Tracker, and the API
// that serves /readyz and /healthz from it, do not depend on the
// reconciler, the backends and the transfers.
package passhealth

import (
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/zones"
)

// Observe tells t what the pass res says about health.
func Observe(t *health.Tracker, res reconcile.Result) { t.Record(Pass(res)) }

// ObserveZones tells t what the pass res says about health, and what the
// zones dir's files said to it (Reconciler.ZoneProblems, read after the
// pass): the daemon's call, whose reconciler follows zones.d.
func ObserveZones(t *health.Tracker, res reconcile.Result, problems []zones.Problem) {
	p := Pass(res)
	p.ZonesRead, p.ZoneFiles = true, zoneFilesReason(problems)
	t.Record(p)
}

// Pass is what res says about health.
func Pass(res reconcile.Result) health.Pass {
	p := health.Pass{Full: res.Full, End: res.Start.Add(res.Duration), OK: res.Failed() == nil}
	if res.Err != nil {
		p.Unreadable = &health.Reason{Kind: health.KindRecordsUnreadable, Message: res.Err.Error()}
	} else {
		p.Zones = make(map[string][]health.Reason, len(res.Zones))
		for _, z := range res.Zones {
			p.Zones[z.Zone] = zoneReasons(z)
		}
	}
	if res.State != nil {
		p.FilesRead = true
		p.Files = filesReason(res.State.Problems, res.State.Unread(), res.State.UnzonedReasons())
	}
	if res.Check != nil {
		p.Check = &health.Check{Time: res.Check.Time}
		p.Check.DNSSEC = dnssecReason(*res.Check)
		if !res.Check.OK() && !onlyDNSSEC(*res.Check) {
			p.Check.Failed = checkReason(*res.Check)
		}
	}
	return p
}
