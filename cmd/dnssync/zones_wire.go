package main

import (
	"context"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/zones"
)

// zoneEditor is what decides zone adds and removals for cfg, for the
// zones API (over the daemon's live Store) and `dnssync zones` (over a
// Store scanned here). With the rfc2136 backend it asks the authoritative
// server for the zone's SOA first: that backend cannot create zones.
func zoneEditor(cfg *config.Config, records zones.RecordFiles) *zones.Editor {
	e := &zones.Editor{Dir: cfg.Records.ZonesDir, Config: cfg.Zones, Catalog: cfg.Catalog.Zone,
		Records: records, RecordsDir: cfg.Records.Dir}
	if cfg.Backend.Type == config.RFC2136 {
		r := newResolver(cfg.Authoritative())
		e.Served = func(ctx context.Context, zone string) error {
			_, err := r.Serial(ctx, zone)
			return err
		}
	}
	return e
}
