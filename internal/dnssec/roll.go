package dnssec

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Key rollover (RFC 6781 section 4.1, RFC 7583). A roll replaces one key
// of a zone by a new one of the same role and algorithm, in stages, and
// the zone validates at each of them from whatever a resolver may have
// cached, and from the DS the parent holds then:
//
//   - ZSK, pre-publication: publish: the new ZSK is in the DNSKEY RRset
//     and signs nothing. After Ipub (the DNSKEY TTL and the margin), swap:
//     the new ZSK signs the zone, the old one is retired but still
//     published, so that signatures made with it and still cached
//     validate. After Iret (the zone's largest TTL and the margin), remove:
//     the old ZSK leaves the DNSKEY RRset.
//   - KSK and CSK, double-KSK: publish: the new key is in the DNSKEY
//     RRset and signs it beside the old one; the parent's DS, the CDS and
//     the CDNSKEY still name the old key. After Ipub, swap: the new key is
//     active: the CDS and CDNSKEY name it (and `dnssec ds` prints it), and
//     a new CSK signs the zone; the old key still signs the DNSKEY RRset,
//     so that the old DS keeps validating. When the person running the
//     zone says the parent serves the new DS (`dnssec roll --ds-published`)
//     and the parent's DS TTL and the margin have passed (and, for a CSK,
//     Iret since the swap), remove: the old key leaves the DNSKEY RRset.
//
// One step is taken at a time, and only once the zone written at the
// stage before is served by the primary and every secondary (Served), and
// the wait since then has passed (NextAfter). The daemon alone writes the
// roll (KeyStore.SaveRoll); the CLI asks for one with a request file
// (roll_request.go). Everything here is pure: the clock is an argument.

// Stage is where a roll is.
type Stage string

// The stages of a roll, in order.
const (
	StagePublish Stage = "publish" // the new key is published beside the old
	StageSwap    Stage = "swap"    // the new key is active, the old retired and still published
	StageRemove  Stage = "remove"  // the old key is removed
)

// Roll is a key roll in progress, as state.json keeps it.
type Roll struct {
	Kind    Role      `json:"kind"` // the role of the keys rolled
	Stage   Stage     `json:"stage"`
	Old     uint16    `json:"old"` // the outgoing key's tag
	New     uint16    `json:"new"` // the incoming key's tag
	Started time.Time `json:"started"`
	StageAt time.Time `json:"stage_at"` // when the keys took the stage's times
	// Serial is the zone's serial the stage was first written at; 0 until
	// the daemon has written it.
	Serial uint32 `json:"serial,omitempty"`
	// Served is when Serial was first seen served by the primary and every
	// secondary; NextAfter the earliest time of the next step from then.
	Served    time.Time `json:"served,omitzero"`
	NextAfter time.Time `json:"next_after,omitzero"`
	// DSPublished is when the parent served the new DS, as the person
	// running the zone said (`dnssec roll --ds-published`).
	DSPublished time.Time `json:"ds_published,omitzero"`
	// DSTTL is the TTL of the new DS as the parent served it
	// (parent_resolver), when larger than parent_ds_ttl; 0: none seen.
	DSTTL uint32 `json:"ds_ttl,omitempty"`
	// DNSKEYTTL and MaxTTL (seconds) are the largest DNSKEY TTL and zone
	// TTL served since the roll started, at any stage: a TTL lowered
	// during the roll (or just before) leaves caches holding what was
	// served with the larger one, so the waits use these (SeeTTLs).
	DNSKEYTTL uint32 `json:"dnskey_ttl,omitempty"`
	MaxTTL    uint32 `json:"max_ttl,omitempty"`
	// Cancelled: the roll runs back (Cancel): New is the key it started
	// from, restored, and Old the one it had brought in.
	Cancelled bool `json:"cancelled,omitempty"`
	// Waiting is why the daemon's last pass took no step it was otherwise
	// due to take, or held the roll (its zone held, its check failed, a
	// trust anchor or the parent naming the old key); "": nothing of that.
	Waiting string `json:"waiting,omitempty"`
}

// ErrRollInProgress is returned for a roll asked for while one is in
// progress.
var ErrRollInProgress = errors.New("a key roll is already in progress")

// check refuses a roll that does not fit keys (a state.json edited by
// hand, or a bug): its keys must be there with its role.
func (r *Roll) check(keys []*Key) error {
	if r == nil {
		return nil
	}
	if !r.Kind.valid() || !slices.Contains([]Stage{StagePublish, StageSwap, StageRemove}, r.Stage) {
		return fmt.Errorf("the key roll has kind %q and stage %q", r.Kind, r.Stage)
	}
	if _, _, err := r.keys(keys); err != nil {
		return err
	}
	return nil
}

// keys finds the roll's outgoing and incoming keys.
func (r *Roll) keys(keys []*Key) (old, nw *Key, err error) {
	for _, k := range keys {
		if k.Role != r.Kind {
			continue
		}
		switch k.Tag() {
		case r.Old:
			old = k
		case r.New:
			nw = k
		}
	}
	if old == nil || nw == nil || r.Old == r.New {
		return nil, nil, fmt.Errorf("the %s roll from key %d to key %d names a key the zone does not have", r.Kind, r.Old, r.New)
	}
	return old, nw, nil
}

// StartRoll begins rolling zone's active key of role kind at now: it
// returns keys with a new key of that role and algorithm, published from
// now and not active, and the roll at its first stage.
func StartRoll(zone string, keys []*Key, kind Role, now time.Time) ([]*Key, *Roll, error) {
	now = now.UTC().Truncate(time.Second)
	var old *Key
	for _, k := range keys {
		if k.Role == kind && k.IsActive(now) {
			if old != nil {
				return nil, nil, fmt.Errorf("roll the %s of %s: it has more than one active %s", kind, zone, kind)
			}
			old = k
		}
	}
	if old == nil {
		return nil, nil, fmt.Errorf("roll the %s of %s: it has no active %s (its keys are %s)", kind, zone, kind, keyRoles(keys))
	}
	nw, err := NewKey(zone, kind, old.DNSKEY.Algorithm, now)
	// Two keys of a zone never share a tag (see Ensure).
	for err == nil && slices.ContainsFunc(keys, func(o *Key) bool { return o.Tag() == nw.Tag() }) {
		nw, err = NewKey(zone, kind, old.DNSKEY.Algorithm, now)
	}
	if err != nil {
		return nil, nil, err
	}
	nw.Active = time.Time{}
	out := append(slices.Clone(keys), nw)
	return out, &Roll{Kind: kind, Stage: StagePublish, Old: old.Tag(), New: nw.Tag(), Started: now, StageAt: now}, nil
}

func keyRoles(keys []*Key) string {
	var roles []string
	for _, k := range keys {
		roles = append(roles, string(k.Role))
	}
	if len(roles) == 0 {
		return "none"
	}
	return fmt.Sprint(roles)
}

// RemovesOld reports whether the roll's next step removes the outgoing
// key from the DNSKEY RRset.
func (r *Roll) RemovesOld() bool { return r.Stage == StageSwap }

// WaitsForDS reports whether the roll waits for the parent's new DS (the
// swap of a KSK or CSK).
func (r *Roll) WaitsForDS() bool { return r.Stage == StageSwap && r.Kind != ZSK }

// wait is how long after its stage is served the next step may be taken,
// the parent's DS aside.
func (r *Roll) wait(p Policy, t ZoneTTLs) time.Duration {
	switch {
	case r.Stage == StagePublish:
		return t.DNSKEY + p.RollMargin // Ipub: every cache holds the new key
	case r.Stage == StageSwap && r.Kind != KSK:
		return t.Max + p.RollMargin // Iret: no cache holds a signature by the old key
	}
	return 0
}

// MarkServed records that the stage's serial is served everywhere since
// now, and when the next step may be taken: t are the TTLs served now,
// the waits use the largest seen since the roll started (SeeTTLs).
func (r *Roll) MarkServed(p Policy, t ZoneTTLs, now time.Time) {
	r.SeeTTLs(t)
	r.Served = now.UTC().Truncate(time.Second)
	r.NextAfter = r.Served.Add(r.wait(p, r.ttls(t)))
	r.dsWait(p)
}

// dsWait puts NextAfter past the parent's DS TTL from DSPublished: until
// then a resolver may hold the old DS, which only the old key matches.
func (r *Roll) dsWait(p Policy) {
	if r.WaitsForDS() && !r.DSPublished.IsZero() && !r.Served.IsZero() {
		ttl := max(p.ParentDSTTL, time.Duration(r.DSTTL)*time.Second)
		if t := r.DSPublished.Add(ttl + p.RollMargin); t.After(r.NextAfter) {
			r.NextAfter = t
		}
	}
}

// RaiseDSTTL records the TTL (seconds) the parent serves the new DS with,
// when it is above the policy's and any seen before, and puts NextAfter
// past it; it reports whether it did.
func (r *Roll) RaiseDSTTL(p Policy, ttl uint32) bool {
	if time.Duration(ttl)*time.Second <= max(p.ParentDSTTL, time.Duration(r.DSTTL)*time.Second) {
		return false
	}
	r.DSTTL = ttl
	r.dsWait(p)
	return true
}

// SetDSPublished records that the parent serves the new DS since at.
func (r *Roll) SetDSPublished(p Policy, at time.Time) error {
	if !r.WaitsForDS() {
		return fmt.Errorf("the %s roll is at stage %s, where it waits for no DS", r.Kind, r.Stage)
	}
	r.DSPublished = at.UTC().Truncate(time.Second)
	r.dsWait(p)
	return nil
}

// Due reports whether the next step may be taken at now.
func (r *Roll) Due(now time.Time) bool {
	return r.Serial != 0 && !r.Served.IsZero() && !now.Before(r.NextAfter) &&
		(!r.WaitsForDS() || !r.DSPublished.IsZero())
}

// Advance takes the roll's next step at now: it returns the keys with
// their new times and the roll at its next stage, written at no serial
// yet, or a nil roll when the roll is done (the outgoing key, removed from
// the zone, is then dropped from keys). keys are not modified.
func Advance(keys []*Key, r *Roll, now time.Time) ([]*Key, *Roll, error) {
	now = now.UTC().Truncate(time.Second)
	out := make([]*Key, 0, len(keys))
	for _, k := range keys {
		c := *k
		out = append(out, &c)
	}
	old, nw, err := r.keys(out)
	if err != nil {
		return nil, nil, err
	}
	next := *r
	switch r.Stage {
	case StagePublish:
		nw.Active, old.Retired = now, now
		next.Stage = StageSwap
	case StageSwap:
		old.Removed = now
		next.Stage = StageRemove
	default:
		return slices.DeleteFunc(out, func(k *Key) bool { return k == old }), nil, nil
	}
	next.StageAt, next.Serial, next.Served, next.NextAfter, next.Waiting = now, 0, time.Time{}, time.Time{}, ""
	return out, &next, nil
}
