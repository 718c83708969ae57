package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dnssync/dnssync/internal/dnssec"
)

// `dnssync dnssec roll` asks the daemon to roll a key: the daemon is the
// one writer of the keys, so this leaves a request in the zone's key
// directory, which the daemon's next scheduled pass takes. What can be
// refused here is refused here (a roll in progress, a request not yet
// taken, a key the zone does not have), so that a request left is one the
// daemon will take.

func (c *cli) dnssecRollCmd() *cobra.Command {
	var ksk, zsk, dsPublished, cancel bool
	cmd := &cobra.Command{
		Use:   "roll ZONE [--ksk | --zsk | --ds-published | --cancel]",
		Short: "Ask the daemon to roll a signed zone's key, one step per scheduled pass",
		Long: `Ask the daemon to roll ZONE's signing key: the combined key (CSK) by
default, or the ZSK of a KSK/ZSK split; --ksk rolls the split's KSK. The
daemon starts the roll at its next scheduled pass and takes one step per
pass, each once the zone written at the step before is served by the
primary and every secondary and the wait the TTLs ask for has passed
(RFC 7583): pre-publication for a ZSK, double-KSK for a KSK or CSK. The
zone validates at every step.

A KSK or CSK roll needs the parent: once ` + "`dnssync dnssec status`" + ` says
so, give the parent the new DS (` + "`dnssync dnssec ds`" + ` prints it, and the
CDS names it), and when the parent serves it run
` + "`dnssync dnssec roll ZONE --ds-published`" + `; the old key is removed once the
parent's DS TTL ([dnssec] parent_ds_ttl) and roll_margin have passed.
With [dnssec] parent_resolver set, the daemon also asks it for the DS and
keeps the old key until it serves the new one; without it, it takes your
word. A key a [dnssec] trust_anchors entry names is never removed.

--cancel stops the roll in progress while the old key is still published
and signs the DNSKEY set (stages publish and swap): at publish the new key
is dropped; at swap the roll runs back, the old key active again and the
new one removed after the same waits. Refused once the old key is being
removed.

A roll in progress cannot be started again. Run it as the user the
daemon runs as. Nothing is written but the request; nothing private is
printed.`,
		Example: `  dnssync dnssec roll example.com
  dnssync dnssec roll example.com --ksk
  dnssync dnssec roll example.com --ds-published
  dnssync dnssec roll example.com --cancel`,
		Args:              positional("ZONE", 1, 1),
		ValidArgsFunction: noFiles,
	}
	cmd.Flags().BoolVar(&ksk, "ksk", false, "roll the KSK of a zone signed with a KSK and a ZSK")
	cmd.Flags().BoolVar(&zsk, "zsk", false, "roll the ZSK of a zone signed with a KSK and a ZSK (the default for one)")
	cmd.Flags().BoolVar(&dsPublished, "ds-published", false, "the parent now serves the new DS of the KSK or CSK roll in progress")
	cmd.Flags().BoolVar(&cancel, "cancel", false, "cancel the roll in progress (at stage publish or swap)")
	cmd.MarkFlagsMutuallyExclusive("ksk", "zsk", "ds-published", "cancel")
	cmd.RunE = c.action(func(_ context.Context, cmd *cobra.Command, args []string) int {
		zone, err := zoneArg(args[0])
		if err != nil {
			return c.usageError(cmd, err)
		}
		var kind dnssec.Role
		switch {
		case ksk:
			kind = dnssec.KSK
		case zsk:
			kind = dnssec.ZSK
		}
		if cancel {
			return c.rollCancel(zone, time.Now())
		}
		return c.dnssecRoll(zone, kind, dsPublished, time.Now())
	})
	return cmd
}

// dnssecRoll leaves the request: ds-published, or a start of a roll of
// kind ("": the zone's CSK, or its ZSK).
func (c *cli) dnssecRoll(zone string, kind dnssec.Role, dsPublished bool, now time.Time) int {
	sz, err := c.signedZone("dnssec roll", zone)
	if err != nil {
		return c.fail(err)
	}
	what := "dnssec roll " + sz.display
	if len(sz.keys) == 0 {
		return c.fail(fmt.Errorf("%s: no keys yet: the daemon makes them on its first write of the zone", what))
	}
	if sz.request != nil {
		return c.fail(fmt.Errorf("%s: a request (%s) is already waiting for the daemon, which takes it at its next scheduled pass; `dnssync dnssec status %s` shows when it has", what, requestText(sz.request), sz.display))
	}
	if dsPublished {
		return c.rollDSPublished(sz, now)
	}
	if r := sz.roll; r != nil {
		return c.fail(fmt.Errorf("%s: %w (%s %d -> %d, stage %s); `dnssync dnssec status %s` shows what it waits for", what, dnssec.ErrRollInProgress, r.Kind, r.Old, r.New, r.Stage, sz.display))
	}
	if kind == "" {
		kind = dnssec.ZSK
		if hasActive(sz.keys, dnssec.CSK, now) {
			kind = dnssec.CSK
		}
	}
	var old *dnssec.Key
	for _, k := range sz.keys {
		if k.Role == kind && k.IsActive(now) {
			old = k
		}
	}
	if old == nil {
		return c.fail(fmt.Errorf("%s: the zone has no active %s to roll (it is signed with %s)", what, kind, roles(sz.keys, now)))
	}
	if err := sz.store.WriteRequest(sz.name, dnssec.RollRequest{Action: dnssec.RequestStart, Kind: kind, Requested: now.UTC()}); err != nil {
		return c.fail(fmt.Errorf("%s: %w", what, err))
	}
	return c.printRollPlan(sz, old)
}

func hasActive(keys []*dnssec.Key, role dnssec.Role, now time.Time) bool {
	for _, k := range keys {
		if k.Role == role && k.IsActive(now) {
			return true
		}
	}
	return false
}

// roles names the zone's active keys' roles: "csk", "ksk and zsk".
func roles(keys []*dnssec.Key, now time.Time) string {
	var out []string
	for _, k := range keys {
		if k.IsActive(now) {
			out = append(out, string(k.Role))
		}
	}
	return strings.Join(out, " and ")
}

func (c *cli) rollDSPublished(sz signedKeys, now time.Time) int {
	what := "dnssec roll " + sz.display + " --ds-published"
	r := sz.roll
	switch {
	case r == nil:
		return c.fail(fmt.Errorf("%s: no key roll is in progress", what))
	case !r.WaitsForDS():
		return c.fail(fmt.Errorf("%s: the %s roll is at stage %s, where the parent's DS is not asked for: it waits for %s", what, r.Kind, r.Stage, r.WaitingFor(sz.display, sz.policy, now)))
	case !r.DSPublished.IsZero():
		return c.fail(fmt.Errorf("%s: already recorded: the parent serves the new DS since %s", what, keyTime(r.DSPublished)))
	}
	if err := sz.store.WriteRequest(sz.name, dnssec.RollRequest{Action: dnssec.RequestDSPublished, Requested: now.UTC()}); err != nil {
		return c.fail(fmt.Errorf("%s: %w", what, err))
	}
	p := sz.policy
	_, err := fmt.Fprintf(c.stdout, `Told the daemon that the parent of %s serves the DS of the new %s %d from now; it records it at its next scheduled pass.
The old %s %d is removed from the zone once the parent's DS TTL (parent_ds_ttl, %s) and roll_margin (%s) have passed,
so that no resolver holds the old DS any more. Follow it with `+"`dnssync dnssec status %s`"+`.
`, sz.display, r.Kind, r.New, r.Kind, r.Old, p.ParentDSTTL, p.RollMargin, sz.display)
	if err != nil {
		return c.fail(errors.Join(errors.New(what), err))
	}
	return exitOK
}

// printRollPlan says what the roll of old will do, step by step.
func (c *cli) printRollPlan(sz signedKeys, old *dnssec.Key) int {
	p, k, tag, z := sz.policy, strings.ToUpper(string(old.Role)), old.Tag(), sz.display
	var b strings.Builder
	fmt.Fprintf(&b, "Asked the daemon to roll the %s %d of %s. The daemon starts the roll at its next scheduled pass,\n", k, tag, z)
	b.WriteString("then takes one step per pass, once the zone written at the step before is served by the primary and\nevery secondary and the wait has passed:\n")
	if old.Role == dnssec.ZSK {
		fmt.Fprintf(&b, "  1. publish: a new ZSK is published beside %d, which still signs the zone; wait: the DNSKEY TTL + roll_margin (%s)\n", tag, p.RollMargin)
		fmt.Fprintf(&b, "  2. swap: the new ZSK signs the zone; %d stays published; wait: the zone's largest TTL + roll_margin\n", tag)
		fmt.Fprintf(&b, "  3. remove: %d leaves the DNSKEY RRset; the roll is done\n", tag)
	} else {
		fmt.Fprintf(&b, "  1. publish: a new %s is published and signs the DNSKEY RRset beside %d; wait: the DNSKEY TTL + roll_margin (%s)\n", k, tag, p.RollMargin)
		if old.Role == dnssec.CSK {
			fmt.Fprintf(&b, "  2. swap: the new CSK signs the zone and the CDS names it; %d still signs the DNSKEY RRset.\n", tag)
		} else {
			fmt.Fprintf(&b, "  2. swap: the CDS names the new KSK; both sign the DNSKEY RRset.\n")
		}
		fmt.Fprintf(&b, "     Give the parent the new DS (`dnssync dnssec ds %s` prints it), and once the parent serves it run\n", z)
		fmt.Fprintf(&b, "     `dnssync dnssec roll %s --ds-published`; wait: the parent's DS TTL (parent_ds_ttl, %s) + roll_margin\n", z, p.ParentDSTTL)
		fmt.Fprintf(&b, "  3. remove: %d leaves the DNSKEY RRset; the roll is done\n", tag)
	}
	fmt.Fprintf(&b, "Follow it with `dnssync dnssec status %s`.\n", z)
	if _, err := fmt.Fprint(c.stdout, b.String()); err != nil {
		return c.fail(fmt.Errorf("dnssec roll %s: %w", z, err))
	}
	return exitOK
}
