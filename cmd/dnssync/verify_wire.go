package main

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/reconcile"
)

// newVerifier wires what `dnssync verify` (every record) needs, and no
// more: it asks servers and transfers zones, and changes nothing. So it
// reads no serials.json and takes no lock; held.json only says which
// stale sets the safety rules hold, so one that cannot be read makes
// that unknown, not the check (reconcile.OpenHeld); the backend is a view
// (apply.ZoneFileView, apply.RFC2136View), and rfc2136's owned.json is
// read, never written, to tell dnssync's sets from another writer's. The
// TSIG secret signs the transfers when it can be read (BIND commonly
// allows transfers to the key only); when it cannot (a user other than
// dnssync's), they go unsigned, and warn says so: a server that then
// refuses them makes the stale sets unknown, an "error" entry, and a
// secondary that refuses them is noted "data not compared".
// Secondaries' data is compared as at the daemon's scheduled check
// (reconcile's secondarydata.go), by a transfer from each.
func newVerifier(cfg *config.Config, log *slog.Logger, warn func(error)) (*reconcile.Reconciler, error) {
	addr := cfg.Authoritative()
	var (
		backend apply.Backend
		xfrKey  *observed.TSIG
		err     error
	)
	switch cfg.Backend.Type {
	case config.ZoneFile:
		if backend, err = apply.ZoneFileView(cfg.Backend.ZoneDir, applyZones(cfg)(cfg.Zones)); err != nil {
			return nil, err
		}
	case config.RFC2136:
		owned, _, err := apply.LoadOwned(ownedPath(cfg))
		if err != nil {
			return nil, fmt.Errorf("which records dnssync created (to find stale ones): %w", err)
		}
		backend = apply.RFC2136View(owned)
		if secret, err := apply.ReadTSIGSecret(cfg.Backend.TSIGSecretFile); err != nil {
			warn(fmt.Errorf("zone transfers unsigned: %w", err))
		} else {
			xfrKey = &observed.TSIG{Name: cfg.Backend.TSIGKey, Algorithm: cfg.Backend.TSIGAlgorithm, Secret: secret}
		}
	default:
		return nil, fmt.Errorf("backend %q is not supported", cfg.Backend.Type)
	}
	// The zones managed before, so that one removed from zones_dir and
	// not yet retired is checked for stale records too (read, never
	// written: Verify retires nothing). Unknown, the check could pass a
	// zone still served: an error.
	zonesState, err := reconcile.LoadZones(filepath.Join(cfg.Backend.StateDir, reconcile.ZonesFileName))
	if err != nil {
		return nil, err
	}
	signed, err := dnssecCheck(cfg) // the signed zones validated at each server (dnssec_check.go)
	if err != nil {
		return nil, err
	}
	return &reconcile.Reconciler{
		DNSSEC:   signed,
		Zones:    cfg.ZoneNames(),
		Store:    desired.NewStore(desiredOptions(cfg), log),
		Observed: zoneReader(addr.String(), xfrKey),
		Backend:  backend,
		Safety:   safety(cfg),
		Checker:  checkServers(cfg),
		// The serials of the primary and of each secondary, per zone, and
		// each secondary's data by a transfer signed as the primary's.
		Verifier:    newResolver(addr),
		Replication: replication(cfg, xfrKey),
		Held:        reconcile.OpenHeld(filepath.Join(cfg.Backend.StateDir, reconcile.HeldFileName)),
		ZonesFile:   zonesState,
		Log:         log.With("component", "reconcile"),
		ZoneSource:  zoneSource(cfg), // zones_dir's zones are checked too
		Catalog:     cfg.Catalog.Zone,
		ApplyZones:  applyZones(cfg),
	}, nil
}
