package main

import (
	"fmt"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/zones"
)

// managedZones is the one merge of cfg's managed zones for the commands:
// [[zones]], zones_dir's files, and the catalog zone when [catalog] is on.
// The set carries zones_dir's problems; the list is every zone to write,
// the catalog's too. The daemon and the commands that reconcile take the
// same set through zoneSource, refreshed at each pass.
func managedZones(cfg *config.Config) (zones.Set, []config.Zone, error) {
	set, err := zones.Load(cfg.Records.ZonesDir, cfg.Zones)
	set = set.WithCatalog(cfg.Catalog.Zone) // a file declaring the catalog is a problem
	if err != nil {
		return set, nil, err
	}
	list := set.Zones()
	if cfg.Catalog.Zone != "" {
		cz, err := zones.CatalogZone(cfg.Catalog.Zone)
		if err != nil {
			return set, nil, fmt.Errorf("catalog zone: %w", err)
		}
		list = append(list, cz)
	}
	return set, list, nil
}

// zoneSource is the zone set a Reconciler follows: zones_dir with the
// config's zones, read again (changed files only) at each pass, less a
// file's zone named as the catalog (a problem of that file).
func zoneSource(cfg *config.Config) zones.CatalogDir {
	return zones.CatalogDir{Dir: zones.NewDir(cfg.Records.ZonesDir, cfg.Zones), Catalog: cfg.Catalog.Zone}
}

// zoneNames are the zones' names.
func zoneNames(list []config.Zone) []string {
	out := make([]string, len(list))
	for i, z := range list {
		out[i] = z.Name
	}
	return out
}
