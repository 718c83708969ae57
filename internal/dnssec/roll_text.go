package dnssec

import (
	"fmt"
	"strings"
	"time"
)

// Describe says in words what the zone's keys do at the roll's stage.
func (r *Roll) Describe() string {
	switch {
	case r.Cancelled && r.Stage == StageSwap:
		return fmt.Sprintf("the roll to %s %d is cancelled: %d signs again (and the CDS names it); %d is retired and stays published until what it signed leaves every cache", strings.ToUpper(string(r.Kind)), r.Old, r.New, r.Old)
	case r.Cancelled:
		return fmt.Sprintf("the roll to %s %d is cancelled: %d is removed from the DNSKEY RRset; %d is the zone's %s", strings.ToUpper(string(r.Kind)), r.Old, r.Old, r.New, strings.ToUpper(string(r.Kind)))
	case r.Stage == StagePublish && r.Kind == ZSK:
		return fmt.Sprintf("the new ZSK %d is published beside ZSK %d, which still signs the zone", r.New, r.Old)
	case r.Stage == StagePublish:
		return fmt.Sprintf("the new %s %d is published and signs the DNSKEY RRset beside %s %d; the parent's DS and the CDS still name %d", strings.ToUpper(string(r.Kind)), r.New, strings.ToUpper(string(r.Kind)), r.Old, r.Old)
	case r.Stage == StageSwap && r.Kind == ZSK:
		return fmt.Sprintf("the new ZSK %d signs the zone; ZSK %d is retired and stays published until its signatures leave every cache", r.New, r.Old)
	case r.Stage == StageSwap && r.Kind == CSK:
		return fmt.Sprintf("the new CSK %d signs the zone and the CDS names it; CSK %d still signs the DNSKEY RRset, for the parent's old DS", r.New, r.Old)
	case r.Stage == StageSwap:
		return fmt.Sprintf("the CDS names the new KSK %d; both KSKs sign the DNSKEY RRset, so that the parent's old DS and its new one validate", r.New)
	}
	return fmt.Sprintf("%s %d is removed from the DNSKEY RRset; %d is the zone's %s", strings.ToUpper(string(r.Kind)), r.Old, r.New, strings.ToUpper(string(r.Kind)))
}

// WaitingFor says in words what the roll waits for at now before its
// next step; zone is the zone as the CLI names it (for the command to
// run), p the policy (whether a parent resolver checks the DS).
func (r *Roll) WaitingFor(zone string, p Policy, now time.Time) string {
	switch {
	case r.Waiting != "":
		return r.Waiting
	case r.Serial == 0:
		return "the daemon to write the zone with this stage (at its next scheduled pass)"
	case r.Served.IsZero():
		return fmt.Sprintf("serial %d to be served by the primary and every secondary (checked at each scheduled pass)", r.Serial)
	case r.WaitsForDS() && r.DSPublished.IsZero() && r.Cancelled:
		return fmt.Sprintf("the parent's DS: the roll is cancelled, so the parent must serve the DS of key %d again (`dnssync dnssec ds %s` prints it); run `dnssync dnssec roll %s --ds-published` once it does%s", r.New, zone, zone, parentNote(p))
	case r.WaitsForDS() && r.DSPublished.IsZero():
		return fmt.Sprintf("the parent's DS: give the parent the new DS (`dnssync dnssec ds %s` prints it), then run `dnssync dnssec roll %s --ds-published` once the parent serves it%s", zone, zone, parentNote(p))
	case now.Before(r.NextAfter):
		what := "caches to expire"
		switch {
		case r.Stage == StagePublish:
			what = "every cache to hold the new key (the DNSKEY TTL and the roll margin)"
		case r.WaitsForDS():
			what = "the parent's old DS to leave every cache (its TTL and the roll margin)"
		case r.Stage == StageSwap:
			what = "signatures by the old key to leave every cache (the zone's largest TTL and the roll margin)"
		}
		return fmt.Sprintf("%s, until %s", what, r.NextAfter.UTC().Format(time.RFC3339))
	case r.Stage == StageRemove:
		return "the daemon's next scheduled pass, which ends the roll"
	}
	return "the daemon's next scheduled pass, which takes the next step"
}

// parentNote says how the parent's DS is checked.
func parentNote(p Policy) string {
	if p.ParentResolver == "" {
		return " (no [dnssec] parent_resolver is set: the daemon takes your word for it)"
	}
	return fmt.Sprintf(" (the daemon also asks %s, [dnssec] parent_resolver, and waits until it serves the new DS)", p.ParentResolver)
}
