package passhealth

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/verify"
	"github.com/dnssync/dnssync/internal/zones"
)

// maxListed bounds how many failures a message spells out: enough to act
// on, short enough for a probe's log line.
const maxListed = 3

// zoneReasons is what the latest pass of one zone says about health.
func zoneReasons(z reconcile.ZoneResult) []health.Reason {
	var out []health.Reason
	if z.Err != nil {
		out = append(out, health.Reason{Kind: errorKind(z), Message: aboutZone(z.Zone, z.Err.Error())})
	}
	// A pass that applied what was safe and then failed still holds the
	// rest back: say so too (a pass that only planned holds nothing).
	if z.Stage == reconcile.StageApply && z.Refusal != nil && !z.Refused.Empty() {
		out = append(out, health.Reason{Kind: health.KindUnsafePlanRefused, Message: aboutZone(z.Zone, z.Refusal.Error())})
	}
	if z.Applied && len(z.Mismatches) > 0 {
		out = append(out, health.Reason{Kind: health.KindDriftNotHealed,
			Message: fmt.Sprintf("zone %s: not served as planned: %s", z.Zone, verify.Summary(z.Mismatches))})
	}
	return out
}

// errorKind names what failed: where (the stage), and for the server's
// refusals, which one, so that an alert can tell a wrong key or a
// transfer ACL from an outage.
func errorKind(z reconcile.ZoneResult) string {
	switch z.Stage {
	case reconcile.StageTransfer:
		switch {
		case errors.Is(z.Err, observed.ErrTSIGRefused):
			return health.KindTSIGRefused
		case errors.Is(z.Err, observed.ErrTransferRefused):
			return health.KindTransferRefused
		}
		return health.KindCoreDNSUnreachable
	case reconcile.StageApply:
		switch {
		case errors.Is(z.Err, observed.ErrTSIGRefused):
			return health.KindTSIGRefused
		case errors.Is(z.Err, apply.ErrUpdateRefused):
			return health.KindUpdateRefused
		}
		return health.KindApplyFailed
	case reconcile.StageUnsafe:
		return health.KindUnsafePlanRefused
	}
	return health.KindZoneFailed
}

// aboutZone names the zone in msg unless the error already does (errors
// from transfer, apply and the safety check say what they were doing).
func aboutZone(zone, msg string) string {
	if strings.Contains(msg, strings.TrimSuffix(zone, ".")) {
		return msg
	}
	return fmt.Sprintf("zone %s: %s", zone, msg)
}

func filesReason(problems []desired.Problem, unread, unzoned []string) *health.Reason {
	if len(problems) == 0 {
		return nil
	}
	parts := make([]string, 0, len(problems)+1+len(unzoned))
	for _, p := range problems {
		parts = append(parts, p.Error())
	}
	if len(unread) > 0 {
		parts = append(parts, "never read successfully, deletions held: "+strings.Join(unread, ", "))
	}
	// A file found naming only names in no managed zone (a typo in a
	// zone's suffix, or a zone not added yet) holds deletions too, and
	// says so in its own words (desired.Unzoned).
	for _, why := range unzoned {
		parts = append(parts, "deletions held: "+why)
	}
	return &health.Reason{Kind: health.KindInvalidFiles, Message: strings.Join(parts, "; ")}
}

// zoneFilesReason is the zones dir's problems, each "FILE:LINE: MSG" as
// `dnssync validate` prints it (the API names FILE zones.d/<file>). A
// problem's message quotes nothing of a file's content.
func zoneFilesReason(problems []zones.Problem) *health.Reason {
	if len(problems) == 0 {
		return nil
	}
	parts := make([]string, len(problems))
	for i, p := range problems {
		parts[i] = p.Error()
	}
	return &health.Reason{Kind: health.KindInvalidZoneFiles, Message: strings.Join(parts, "; ")}
}

// checkReason is a failed check: the RRsets not served as desired, and
// the authoritative servers (secondaries) not serving the primary's serial
// after the pass's changes had [verify] timeout to reach them.
func checkReason(rep verify.Report) *health.Reason {
	failed := rep.Failed()
	var msgs []string
	if len(failed) > 0 || len(rep.OutOfSync()) == 0 {
		parts := make([]string, 0, maxListed)
		for _, f := range failed[:min(len(failed), maxListed)] {
			parts = append(parts, f.String())
		}
		msg := fmt.Sprintf("%d of %d checks failed: %s", len(failed), rep.Checked, strings.Join(parts, "; "))
		if more := len(failed) - maxListed; more > 0 {
			msg += fmt.Sprintf("; and %d more", more)
		}
		msgs = append(msgs, msg)
	}
	if off := rep.OutOfSync(); len(off) > 0 {
		parts := make([]string, 0, maxListed)
		for _, s := range off[:min(len(off), maxListed)] {
			parts = append(parts, s.String())
		}
		msg := fmt.Sprintf("%d servers not in sync: %s", len(off), strings.Join(parts, "; "))
		if more := len(off) - maxListed; more > 0 {
			msg += fmt.Sprintf("; and %d more", more)
		}
		msgs = append(msgs, msg)
	}
	return &health.Reason{Kind: health.KindVerifyFailed, Message: strings.Join(msgs, "; ")}
}

// dnssecReason is the signed zones that do not validate at a server, each
// named with the server and why (a signature's key tag and times, no
// record data), or nil.
func dnssecReason(rep verify.Report) *health.Reason {
	failed := rep.DNSSECFailed()
	if len(failed) == 0 {
		return nil
	}
	parts := make([]string, 0, maxListed)
	for _, z := range failed[:min(len(failed), maxListed)] {
		parts = append(parts, z.String())
	}
	msg := fmt.Sprintf("%d signed zone checks failed: %s", len(failed), strings.Join(parts, "; "))
	if more := len(failed) - maxListed; more > 0 {
		msg += fmt.Sprintf("; and %d more", more)
	}
	return &health.Reason{Kind: health.KindDNSSECInvalid, Message: msg}
}

// onlyDNSSEC reports whether the signed zones are all that fail rep: the
// check's records and serials are then fine, and verify_failed would say
// nothing dnssec_invalid does not.
func onlyDNSSEC(rep verify.Report) bool {
	return len(rep.Failed()) == 0 && len(rep.OutOfSync()) == 0
}
