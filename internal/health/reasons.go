package health

import (
	"fmt"
	"strings"

	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/verify"
)

// maxListed bounds how many failures a message spells out: enough to act
// on, short enough for a probe's log line.
const maxListed = 3

// zoneReasons is what the latest pass of one zone says about health.
func zoneReasons(z reconcile.ZoneResult) []Reason {
	if z.Err != nil {
		kind := KindZoneFailed
		switch z.Stage {
		case reconcile.StageTransfer:
			kind = KindCoreDNSUnreachable
		case reconcile.StageApply:
			kind = KindApplyFailed
		case reconcile.StageUnsafe:
			kind = KindUnsafePlanRefused
		}
		return []Reason{{Kind: kind, Message: aboutZone(z.Zone, z.Err.Error())}}
	}
	if z.Applied && len(z.Mismatches) > 0 {
		return []Reason{{Kind: KindDriftNotHealed,
			Message: fmt.Sprintf("zone %s: not served as planned: %s", z.Zone, verify.Summary(z.Mismatches))}}
	}
	return nil
}

// aboutZone names the zone in msg unless the error already does (errors
// from transfer, apply and the safety check say what they were doing).
func aboutZone(zone, msg string) string {
	if strings.Contains(msg, strings.TrimSuffix(zone, ".")) {
		return msg
	}
	return fmt.Sprintf("zone %s: %s", zone, msg)
}

func filesReason(problems []desired.Problem, incomplete []string) *Reason {
	if len(problems) == 0 {
		return nil
	}
	parts := make([]string, 0, len(problems)+1)
	for _, p := range problems {
		parts = append(parts, p.Error())
	}
	if len(incomplete) > 0 {
		parts = append(parts, "never read successfully, deletions held: "+strings.Join(incomplete, ", "))
	}
	return &Reason{Kind: KindInvalidFiles, Message: strings.Join(parts, "; ")}
}

func checkReason(rep verify.Report) *Reason {
	failed := rep.Failed()
	parts := make([]string, 0, maxListed)
	for _, f := range failed[:min(len(failed), maxListed)] {
		parts = append(parts, f.String())
	}
	msg := fmt.Sprintf("%d of %d checks failed: %s", len(failed), rep.Checked, strings.Join(parts, "; "))
	if more := len(failed) - maxListed; more > 0 {
		msg += fmt.Sprintf("; and %d more", more)
	}
	return &Reason{Kind: KindVerifyFailed, Message: msg}
}
