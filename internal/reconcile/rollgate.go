package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/dnssec"
	"github.com/dnssync/dnssync/internal/verify"
)

// What a key roll checks before a step its waits allow: the waits follow
// the TTLs, but they cannot see a zone that does not validate, a
// secondary that fell back, a trust anchor or a parent that still names
// the key about to go. Each says why the roll waits, in the roll's state
// (dnssec.Roll.Waiting), which `dnssync dnssec status` shows.

// TrustAnchors are [dnssec] trust_anchors as a key roll reads them: a key
// an anchor names is never removed.
type TrustAnchors struct {
	File  string                        // the file's path, for the message
	Zones map[string]config.TrustAnchor // by canonical zone name
}

// rollHeld records, for a zone whose changes are held, that its roll (if
// any) is held too: the zone cannot be written, so no step and no request
// is taken.
func (r *Reconciler) rollHeld(ks *dnssec.KeyStore, zone string) {
	log := r.Log.With("zone", zone)
	if pending, err := ks.Pending(zone); err != nil || !pending {
		return
	}
	keys, roll, err := ks.LoadRoll(zone)
	if err != nil || roll == nil {
		return
	}
	why := "the zone's changes are held by the safety rules (`dnssync plan` shows them; `dnssync apply --force` releases them): the roll takes no step, and no request is taken, while they are"
	if roll.Waiting == why {
		return
	}
	roll.Waiting = why
	if err := ks.SaveRoll(zone, keys, roll); err != nil {
		log.Error("key roll: the roll could not be saved", "err", err)
		return
	}
	log.Warn("key roll: the roll is held with the zone's changes", "stage", roll.Stage)
}

// checkFailed says why zone's roll takes no step in a pass whose DNSSEC
// check is rep: the zone did not validate at some server, or it was not
// checked at all; "" when it validated everywhere or no check is set up.
func (r *Reconciler) checkFailed(rep *verify.Report, zone string) string {
	if r.DNSSEC == nil {
		return ""
	}
	if rep == nil {
		return "the zone's DNSSEC check did not run in this pass (the servers did not answer): the roll takes no step until it has validated everywhere"
	}
	seen := false
	for _, z := range rep.DNSSEC {
		if z.Zone != zone || z.Server == "" {
			continue
		}
		seen = true
		if !z.OK() {
			return fmt.Sprintf("the zone's DNSSEC check failed at %s in this pass (%s): the roll takes no step until the zone validates everywhere", z.Name, z.Err)
		}
	}
	if !seen {
		return "the zone was not validated in this pass's DNSSEC check: the roll takes no step until it has validated everywhere"
	}
	return ""
}

// rollGate says why the roll's due step may not be taken now ("": it
// may): a secondary no longer serves the stage, or the step would remove
// a key a trust anchor or the parent still names. It may raise the
// roll's DS TTL (and so its NextAfter) to what the parent serves.
func (r *Reconciler) rollGate(ctx context.Context, log *slog.Logger, zone string, keys []*dnssec.Key, roll *dnssec.Roll, p dnssec.Policy, primarySerial uint32, now time.Time) string {
	if !r.servedEverywhere(ctx, log, zone, roll.Serial, primarySerial) {
		return fmt.Sprintf("serial %d (the stage) is no longer served by the primary and every secondary: the roll waits until it is (a secondary that fell back could break the chain)", roll.Serial)
	}
	if !roll.RemovesOld() {
		return ""
	}
	old := keyOf(keys, roll.Old)
	if old != nil && r.TrustAnchors.Names(zone, old) {
		return fmt.Sprintf("the trust anchor in %s still names key %d: update it to the new DS once the parent serves it", r.TrustAnchors.File, roll.Old)
	}
	if !roll.WaitsForDS() || p.ParentResolver == "" {
		return ""
	}
	nw := keyOf(keys, roll.New)
	ds, ttl, err := parentDS(ctx, p.ParentResolver, zone)
	if err != nil {
		return fmt.Sprintf("the parent resolver %s ([dnssec] parent_resolver) was asked for the DS of %s and did not answer (%v): the old key stays until it serves the new DS", p.ParentResolver, zone, err)
	}
	if nw == nil || !dsNames(ds, nw) {
		return fmt.Sprintf("the parent resolver %s ([dnssec] parent_resolver) serves no DS for key %d (it serves %s): the old key stays until it does", p.ParentResolver, roll.New, dsTags(ds))
	}
	if roll.RaiseDSTTL(p, ttl) {
		log.Info("key roll: the parent serves the DS with a TTL above parent_ds_ttl; the roll waits it out", "ds_ttl", ttl, "next_after", roll.NextAfter)
	}
	return ""
}

// cancelGate says why a cancel of roll may not be taken ("": it may): a
// cancel at publish drops the incoming key at once, and a trust anchor
// may already name it (its DS put in early). At swap a cancel runs the
// roll back and the incoming key leaves by the roll's own step, which
// rollGate guards.
func (r *Reconciler) cancelGate(zone string, keys []*dnssec.Key, roll *dnssec.Roll) string {
	if roll == nil || roll.Stage != dnssec.StagePublish {
		return ""
	}
	if nw := keyOf(keys, roll.New); nw != nil && r.TrustAnchors.Names(zone, nw) {
		return fmt.Sprintf("the trust anchor in %s names key %d, the incoming key a cancel at publish drops: take it out of the anchors (and reload) first, or let the roll go on", r.TrustAnchors.File, roll.New)
	}
	return ""
}

func keyOf(keys []*dnssec.Key, tag uint16) *dnssec.Key {
	for _, k := range keys {
		if k.Tag() == tag {
			return k
		}
	}
	return nil
}

// Names reports whether zone's trust anchor names k: a DS of it, or it
// as a DNSKEY.
func (t TrustAnchors) Names(zone string, k *dnssec.Key) bool {
	a, ok := t.Zones[zone]
	if !ok {
		return false
	}
	if dsNames(a.DS, k) {
		return true
	}
	for _, d := range a.Keys {
		if d.Algorithm == k.DNSKEY.Algorithm && d.PublicKey == k.DNSKEY.PublicKey {
			return true
		}
	}
	return false
}

// dsNames reports whether one of ds is a DS of k.
func dsNames(ds []*dns.DS, k *dnssec.Key) bool {
	for _, d := range ds {
		if d.KeyTag != k.Tag() || d.Algorithm != k.DNSKEY.Algorithm {
			continue
		}
		if mine := k.DNSKEY.ToDS(d.DigestType); mine != nil && strings.EqualFold(mine.Digest, d.Digest) {
			return true
		}
	}
	return false
}

// dsTags names the keys a DS set is for: "DS for keys 123, 456", or "no DS".
func dsTags(ds []*dns.DS) string {
	if len(ds) == 0 {
		return "no DS"
	}
	var tags []string
	for _, d := range ds {
		tags = append(tags, fmt.Sprint(d.KeyTag))
	}
	return "DS for key " + strings.Join(tags, ", ")
}
