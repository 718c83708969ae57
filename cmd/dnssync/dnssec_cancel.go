package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/dnssync/dnssync/internal/dnssec"
)

// rollCancel leaves a request to cancel the zone's roll in progress: what
// the daemon would refuse (no roll, a roll already cancelled or removing
// its old key) is refused here.
func (c *cli) rollCancel(zone string, now time.Time) int {
	sz, err := c.signedZone("dnssec roll", zone)
	if err != nil {
		return c.fail(err)
	}
	what := "dnssec roll " + sz.display + " --cancel"
	r := sz.roll
	switch {
	case sz.request != nil:
		return c.fail(fmt.Errorf("%s: a request (%s) is already waiting for the daemon, which takes it at its next scheduled pass", what, requestText(sz.request)))
	case r == nil:
		return c.fail(fmt.Errorf("%s: no key roll is in progress", what))
	case r.Cancelled:
		return c.fail(fmt.Errorf("%s: the roll is already cancelled: %s", what, r.Describe()))
	case r.Stage == dnssec.StageRemove:
		return c.fail(fmt.Errorf("%s: the old key %d is being removed (stage remove): too late to cancel; to go back to it, roll the key again once this roll is done", what, r.Old))
	}
	if r.Stage == dnssec.StagePublish {
		// The daemon refuses it too (reconcile's cancelGate); said here
		// first, where the operator is.
		anchors, err := rollAnchors(sz.cfg)
		if err != nil {
			return c.fail(fmt.Errorf("%s: %w", what, err))
		}
		for _, k := range sz.keys {
			if k.Tag() == r.New && anchors.Names(sz.name, k) {
				return c.fail(fmt.Errorf("%s: the trust anchor in %s names key %d, the incoming key a cancel at publish drops: take it out of the anchors (and reload the daemon) first, or let the roll go on", what, anchors.File, r.New))
			}
		}
	}
	if err := sz.store.WriteRequest(sz.name, dnssec.RollRequest{Action: dnssec.RequestCancel, Requested: now.UTC()}); err != nil {
		return c.fail(fmt.Errorf("%s: %w", what, err))
	}
	k := r.Kind
	text := fmt.Sprintf("Asked the daemon to cancel the %s roll of %s at its next scheduled pass: the new %s %d is dropped from the zone; %d stays.\n", k, sz.display, k, r.New, r.Old)
	if r.Stage == dnssec.StageSwap {
		text = fmt.Sprintf("Asked the daemon to cancel the %s roll of %s at its next scheduled pass: %d signs again, and the new %s %d\nstays published until what it signed leaves every cache, then is removed.\n", k, sz.display, r.Old, k, r.New)
		if k != dnssec.ZSK {
			text += fmt.Sprintf("The parent must serve the DS of %d: if you gave it the new DS, give it back the old one (`dnssync dnssec ds %s`\nprints it once the daemon has taken the cancel) and run `dnssync dnssec roll %s --ds-published` once it does.\n", r.Old, sz.display, sz.display)
		}
	}
	if _, err := fmt.Fprintf(c.stdout, "%sFollow it with `dnssync dnssec status %s`.\n", text, sz.display); err != nil {
		return c.fail(errors.Join(errors.New(what), err))
	}
	return exitOK
}
