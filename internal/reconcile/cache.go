package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// servedCache keeps each zone as a pass last left it, keyed by zone and by
// the serial that serves it: a pass for changed files reuses a zone while
// the server still answers that serial, so that a one-record change costs
// one SOA query, not a transfer of 100,000 records. Full passes never use
// it (they are how drift under an unchanged serial is found).
//
// An entry also says whether the pass left the zone serving all that was
// desired (synced), and against which generation of the desired state
// (gen): the next pass then compares only the names changed since
// (desired.Store.ChangedSince).
//
// It is the reconciler's, not the backend's: the zone file backend keeps
// the text it last wrote (apply/zonefile.go) to render a change without
// formatting the whole zone again; this one keeps what the server serves,
// to plan without transferring it. Either may be dropped without the other.
// Not safe for concurrent use: passes are serialised.
type servedCache struct {
	zones map[string]cachedZone
}

// cachedZone is one zone as a pass left it.
type cachedZone struct {
	served *observed.Zone // its Serial is the key
	synced bool
	gen    uint64
}

// has reports whether zone is cached, and under which generation.
func (c *servedCache) has(zone string) (gen uint64, ok bool) {
	e, ok := c.zones[zone]
	return e.gen, ok
}

// get returns zone as cached if serial is the one it was cached with.
func (c *servedCache) get(zone string, serial uint32) (cachedZone, bool) {
	e, ok := c.zones[zone]
	if !ok || e.served.Serial != serial {
		return cachedZone{}, false
	}
	return e, true
}

// put caches zone as served (under served.Serial), replacing what was.
func (c *servedCache) put(zone string, served *observed.Zone, synced bool, gen uint64) {
	if c.zones == nil {
		c.zones = map[string]cachedZone{}
	}
	c.zones[zone] = cachedZone{served: served, synced: synced, gen: gen}
}

// forget drops zone: what the server serves is not known any more.
func (c *servedCache) forget(zone string) { delete(c.zones, zone) }

// observe returns the zone as served: the cached copy when allowed and its
// serial is still the one served (synced tells whether it was in sync
// with the desired state of generation gen), else a fresh transfer.
func (r *Reconciler) observe(ctx context.Context, log *slog.Logger, zone string, cached, recheck bool) (_ *observed.Zone, gen uint64, synced bool, _ error) {
	if _, ok := r.served.has(zone); cached && ok {
		if s, err := r.Verifier.Serial(ctx, zone); err == nil {
			if e, ok := r.served.get(zone, s); ok {
				return e.served, e.gen, e.synced, nil
			}
		}
	}
	served, err := r.transfer(ctx, log, zone, recheck, nil)
	return served, 0, false, err
}

// transfer is observe's transfer of zone, with what the server's refusal
// means (unserved.go).
//
// early, when set, is zone's SOA answer asked while the pass read
// records.d (earlyprobe.go): it stands for the first question.
func (r *Reconciler) transfer(ctx context.Context, log *slog.Logger, zone string, recheck bool, early *earlyProbe) (*observed.Zone, error) {
	var soa *observed.SOAAnswer
	if r.CreatesZones && (recheck || !r.wrote(zone)) {
		// Looked not served a moment ago, or never written by the
		// backend: its SOA query alone says whether it is served, without
		// a transfer the server refuses (a cold start of 10,000 zones
		// asks 10,000 times, twice, while the server loads the zones
		// written meanwhile).
		if recheck {
			early = nil // the second question is asked now
		}
		a, err := r.probeOf(ctx, zone, early)
		if err == nil && a.NotServed() {
			if !recheck {
				return nil, fmt.Errorf("zone %s: %w (SOA answer %s)", zone, errNotServedOnce, a)
			}
			log.Info("zone not served (its SOA query answered so twice); it will be created", "soa", a.String())
			return &observed.Zone{Name: zone, Sets: rrset.Zone{}}, nil
		}
		if err == nil {
			soa = &a
		}
	}
	served, err := r.Observed.Transfer(ctx, zone)
	if errors.Is(err, observed.ErrTSIGRefused) {
		return served, r.tsigRefused(ctx, zone, err)
	}
	var answered *observed.RcodeError
	if err == nil || !errors.As(err, &answered) {
		// No answer (an outage, a timeout, a TSIG failure) never reads as
		// an empty zone.
		return served, err
	}
	if !r.CreatesZones { // an UPDATE cannot create a zone: say what the server needs
		return served, notServedHint(zone, err)
	}
	return r.unserved(ctx, log, zone, err, recheck, soa)
}

// remember caches the zone as it is now served: what was served with the
// verified plan applied, under the serial that carries it.
func (r *Reconciler) remember(ctx context.Context, served *observed.Zone, zr *ZoneResult, synced bool, gen uint64) {
	serial := zr.Serial
	if serial == 0 { // the server chose it (RFC 2136): ask
		s, err := r.Verifier.Serial(ctx, zr.Zone)
		if err != nil {
			return
		}
		serial = s
	}
	// served is the reconciler's own (a transfer, or this cache): change it
	// in place rather than copy a zone of 100,000 sets per change.
	zr.Plan.ApplyTo(served.Sets)
	served.Serial = serial
	r.served.put(zr.Zone, served, synced, gen)
}
