package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/dnssync/dnssync/internal/api"
	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/notify"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/registry"
	"github.com/dnssync/dnssync/internal/verify"
)

// The DNS clients' timeouts, set here and nowhere else. They are
// constants, not config keys: each bounds one exchange with a server, and
// how long dnssync keeps trying is configured around them already ([verify]
// timeout bounds the post-apply wait, [api] wait_timeout the API's, and a
// failed pass is retried with backoff). A key, once documented, is kept
// forever; none of these has needed tuning.
const (
	// queryTimeout bounds one query: verification after an apply and on
	// the schedule, the API's ?wait=verified, `dnssync verify`.
	queryTimeout = 2 * time.Second
	// updateTimeout bounds one UPDATE exchange (rfc2136 backend); the
	// server answers once it has applied it.
	updateTimeout = 10 * time.Second
	// transferTimeout bounds one whole AXFR of a zone.
	transferTimeout = 30 * time.Second
)

// newResolver is how dnssync asks addr what it serves.
func newResolver(addr config.HostPort) *verify.Resolver {
	return &verify.Resolver{Addr: addr.String(), Timeout: queryTimeout}
}

// desiredOptions are the Store's options for cfg, with the zones managed
// now (managedZones: zones_dir's too; the config's alone when zones_dir
// cannot be read). A daemon's Store follows zones_dir from then on
// (reconcile's zoneset.go).
func desiredOptions(cfg *config.Config) desired.Options {
	names := cfg.ZoneNames()
	if _, list, err := managedZones(cfg); err == nil {
		names = zoneNames(list)
	}
	return desired.Options{
		Dir:        cfg.Records.Dir,
		Zones:      names,
		DefaultTTL: cfg.Orchestrator.DNS.TTL,
		Reserved:   cfg.Reserved(),
		// A file must be unchanged this long before it is read: an
		// in-place write is never applied half-done.
		Settle: cfg.Records.Debounce,
	}
}

// checkServers are the servers a scheduled check and `dnssync verify` ask:
// the authoritative one, then [verify] nameservers (asked with RD set, so a
// resolver answers as it would for clients).
func checkServers(cfg *config.Config) verify.Servers {
	servers := verify.Servers{newResolver(cfg.Authoritative())}
	for _, ns := range cfg.Verify.Nameservers {
		r := newResolver(ns)
		r.Recurse = true
		servers = append(servers, r)
	}
	for _, res := range cfg.Resolvers {
		r := newResolver(res.Address)
		r.Recurse = true
		servers = append(servers, r)
	}
	return servers
}

// replication is the servers besides the primary: [[secondaries]], sent
// NOTIFYs signed with key when there is one (the rfc2136 key), and
// transferred from (signed alike) to compare their data at scheduled
// checks; and [[resolvers]].
func replication(cfg *config.Config, key *observed.TSIG) reconcile.Replication {
	rep := reconcile.Replication{Primary: cfg.Authoritative().String(), Notifier: &notify.Sender{TSIG: key, Timeout: queryTimeout}}
	for _, s := range cfg.Secondaries {
		rep.Secondaries = append(rep.Secondaries, reconcile.Secondary{Name: s.Name, Addr: s.Address.String(), Zones: s.Zones,
			AllZones: s.AllZones, Notify: s.Notify, Server: newResolver(s.Address),
			Data: zoneReader(s.Address.String(), key)})
	}
	for _, r := range cfg.Resolvers {
		rep.Resolvers = append(rep.Resolvers, reconcile.Peer{Name: r.Name, Addr: r.Address.String()})
	}
	return rep
}

// applyZones translates zones ([[zones]], zones.d) for the zone file
// backend, each zone with dnssec = true signed as [dnssec] says, its keys
// under state_dir/keys.
func applyZones(cfg *config.Config) func([]config.Zone) []apply.Zone {
	keys := keyStore(cfg)
	policy := cfg.DNSSEC.Policy()
	return func(zones []config.Zone) []apply.Zone {
		out := make([]apply.Zone, len(zones))
		for i, z := range zones {
			out[i] = apply.Zone{
				Name: z.Name, Nameservers: z.Nameservers, NameserverAddresses: z.NameserverAddresses, Hostmaster: z.Hostmaster,
				Refresh: z.Refresh, Retry: z.Retry, Expire: z.Expire, NegativeTTL: z.NegativeTTL, SOATTL: z.SOATTL,
			}
			if z.DNSSEC {
				out[i].Signing = &apply.Signing{Policy: policy, Keys: keys}
			}
		}
		return out
	}
}

// newReconciler wires the packages together from the config.
func newReconciler(cfg *config.Config, log *slog.Logger) (*reconcile.Reconciler, *desired.Store, error) {
	addr := cfg.Authoritative()
	var (
		backend apply.Backend
		xfrKey  *observed.TSIG
	)
	switch cfg.Backend.Type {
	case config.ZoneFile:
		// The last serial written per zone outlives the zone files: a lost
		// file must not send the serial back below what secondaries hold.
		serials, err := apply.LoadSerials(filepath.Join(cfg.Backend.StateDir, apply.SerialsFile))
		if err != nil {
			return nil, nil, err
		}
		if backend, err = apply.NewZoneFile(apply.ZoneFileOptions{Dir: cfg.Backend.ZoneDir, Zones: applyZones(cfg)(cfg.Zones),
			Serials: serials, Now: time.Now, Log: log.With("component", "apply")}); err != nil {
			return nil, nil, err
		}
	case config.RFC2136:
		secret, err := apply.ReadTSIGSecret(cfg.Backend.TSIGSecretFile)
		if err != nil {
			return nil, nil, err
		}
		statePath := ownedPath(cfg)
		owned, found, err := apply.LoadOwned(statePath)
		if err != nil {
			return nil, nil, err
		}
		if !found {
			log.Warn("no ownership state yet: adopting only records that already match records.d; nothing else on the server will be changed", "state", statePath)
		}
		// Transfers are signed too: BIND commonly allows them to the key only.
		xfrKey = &observed.TSIG{Name: cfg.Backend.TSIGKey, Algorithm: cfg.Backend.TSIGAlgorithm, Secret: secret}
		if backend, err = apply.NewRFC2136(apply.RFC2136Options{
			Server:     addr.String(),
			TSIG:       *xfrKey,
			MaxRecords: cfg.Backend.MaxUpdateRecords,
			Timeout:    updateTimeout,
			Owned:      owned,
			Log:        log.With("component", "apply"),
		}); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, fmt.Errorf("backend %q is not supported", cfg.Backend.Type)
	}
	// What the safety rules hold outlives this process: a daemon started
	// again after a crash, and `dnssync apply`, keep holding it. A file
	// that cannot be read refuses the start: "nothing held" could let a
	// refused deletion through.
	held, err := reconcile.LoadHeld(filepath.Join(cfg.Backend.StateDir, reconcile.HeldFileName))
	if err != nil {
		return nil, nil, err
	}
	// The zones managed outlive this process too: a zone removed from
	// zones_dir while no dnssync ran is retired, not left served unseen.
	// Unreadable, the start is refused: "nothing managed" would be that.
	zonesState, err := reconcile.LoadZones(filepath.Join(cfg.Backend.StateDir, reconcile.ZonesFileName))
	if err != nil {
		return nil, nil, err
	}
	store := desired.NewStore(desiredOptions(cfg), log)
	r := &reconcile.Reconciler{
		Zones:         cfg.ZoneNames(),
		Store:         store,
		Observed:      zoneReader(addr.String(), xfrKey),
		Backend:       backend,
		Verifier:      newResolver(addr),
		Safety:        safety(cfg),
		CreatesZones:  cfg.Backend.Type == config.ZoneFile,
		VerifyTimeout: cfg.Verify.Timeout,
		Checker:       checkServers(cfg),
		TrackChanges:  len(cfg.Verify.Nameservers)+len(cfg.Resolvers) > 0,
		Replication:   replication(cfg, xfrKey),
		Held:          held,
		ZonesFile:     zonesState,
		Log:           log.With("component", "reconcile"),
		// The zones follow zones_dir from the first pass on (zoneset.go).
		ZoneSource: zoneSource(cfg),
		Catalog:    cfg.Catalog.Zone,
		ApplyZones: applyZones(cfg),
	}
	if r.DNSSEC, err = dnssecCheck(cfg); err != nil { // dnssec_check.go
		return nil, nil, err
	}
	if r.TrustAnchors, err = rollAnchors(cfg); err != nil { // dnssec_keys.go
		return nil, nil, err
	}
	return r, store, nil
}

// recordsAPI wires the records API to the daemon's live Store: what the API
// reports and refuses is what the reconciler sees.
func recordsAPI(cfg *config.Config, store *desired.Store) (*api.RecordsOptions, error) {
	rec := &api.RecordsOptions{
		// Names are checked against the zones managed now: the Store
		// follows zones.d (a zone added at run time takes records).
		Registry:     &registry.Registry{Options: desiredOptions(cfg), Declared: store, Zones: store},
		Declared:     store,
		Resolver:     newResolver(cfg.Authoritative()),
		Resolvers:    checkServers(cfg)[1:], // GET verify asks what `dnssync verify NAME` asks
		AutoRegister: cfg.Orchestrator.DNS.AutoRegister,
		WaitTimeout:  cfg.API.WaitTimeout,
		Rate:         cfg.API.Rate,
		Burst:        cfg.API.Burst,
	}
	if cfg.API.TokenFile != "" {
		var err error
		if rec.Tokens, err = api.ReadTokens(cfg.API.TokenFile); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

// ownedPath is where the rfc2136 backend keeps which records it created.
func ownedPath(cfg *config.Config) string {
	return filepath.Join(cfg.Backend.StateDir, "owned.json")
}

// safety is the config's deletion-safety bounds.
func safety(cfg *config.Config) diff.Safety {
	return diff.Safety{MaxDeletePercent: cfg.Safety.MaxDeletePercent, MaxUpdatePercent: cfg.Safety.MaxUpdatePercent, MinRecords: cfg.Safety.MinRecords}
}

// zoneReader transfers zones from addr, signed with key when set: the one
// place the transfer and SOA-probe timeouts are given to a client.
func zoneReader(addr string, key *observed.TSIG) *observed.Client {
	return &observed.Client{Addr: addr, Timeout: transferTimeout, ProbeTimeout: queryTimeout, TSIG: key}
}
