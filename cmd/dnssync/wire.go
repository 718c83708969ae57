package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/lmittmann/tint"

	"github.com/dnssync/dnssync/internal/api"
	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/registry"
	"github.com/dnssync/dnssync/internal/verify"
)

// newLogger picks tint for a terminal, plain text (or JSON) otherwise, e.g.
// under systemd where the journal adds its own timestamps.
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level)) // checked by config
	switch {
	case c.Format == "json":
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
	case c.Format == "auto" && isTerminal(w):
		return slog.New(tint.NewTextHandler(w, &tint.Options{Level: level, TimeFormat: time.TimeOnly}))
	default:
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func desiredOptions(cfg *config.Config) desired.Options {
	return desired.Options{
		Dir:        cfg.Records.Dir,
		Zones:      cfg.ZoneNames(),
		DefaultTTL: cfg.Orchestrator.DNS.TTL,
		Reserved:   cfg.Reserved(),
		// A file must be unchanged this long before it is read: an
		// in-place write is never applied half-done.
		Settle: cfg.Records.Debounce.Duration,
	}
}

// checkServers are the servers a scheduled check and `dnssync verify` ask:
// the authoritative one, then [verify] nameservers (asked with RD set, so a
// resolver answers as it would for clients).
func checkServers(cfg *config.Config, authoritative string) verify.Servers {
	servers := verify.Servers{{Addr: authoritative, Timeout: 2 * time.Second}}
	for _, ns := range cfg.NameserverAddrs() {
		servers = append(servers, &verify.Resolver{Addr: ns, Timeout: 2 * time.Second, Recurse: true})
	}
	return servers
}

// newReconciler wires the packages together from the config.
func newReconciler(cfg *config.Config, log *slog.Logger) (*reconcile.Reconciler, *desired.Store, error) {
	addr, err := authoritativeAddr(cfg)
	if err != nil {
		return nil, nil, err
	}
	zones := make(map[string]config.Zone, len(cfg.Zones))
	for _, z := range cfg.Zones {
		zones[z.Name] = z
	}
	var (
		backend apply.Backend
		xfrKey  *observed.TSIG
	)
	switch cfg.Backend.Type {
	case "zonefile":
		// The last serial written per zone outlives the zone files: a lost
		// file must not send the serial back below what secondaries hold.
		serials, err := apply.LoadSerials(filepath.Join(cfg.Backend.StateDir, apply.SerialsFile))
		if err != nil {
			return nil, nil, err
		}
		backend = &apply.ZoneFile{Dir: cfg.Backend.ZoneDir, Zones: zones, Serials: serials, Now: time.Now, Log: log.With("component", "apply")}
	case "rfc2136":
		secret, err := apply.ReadTSIGSecret(cfg.Backend.TSIGSecretFile)
		if err != nil {
			return nil, nil, err
		}
		statePath := filepath.Join(cfg.Backend.StateDir, "owned.json")
		owned, found, err := apply.LoadOwned(statePath)
		if err != nil {
			return nil, nil, err
		}
		if !found {
			log.Warn("no ownership state yet: adopting only records that already match records.d; nothing else on the server will be changed", "state", statePath)
		}
		// Transfers are signed too: BIND commonly allows them to the key only.
		xfrKey = &observed.TSIG{Name: cfg.Backend.TSIGKey, Algorithm: cfg.TSIGAlgorithm(), Secret: secret}
		backend = &apply.RFC2136{
			Server:     addr,
			TSIG:       *xfrKey,
			MaxRecords: cfg.Backend.MaxUpdateRecords,
			Timeout:    10 * time.Second,
			Owned:      owned,
			Log:        log.With("component", "apply"),
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
	store := desired.NewStore(desiredOptions(cfg), log)
	r := &reconcile.Reconciler{
		Zones:         cfg.ZoneNames(),
		Store:         store,
		Observed:      &observed.Client{Addr: addr, Timeout: 30 * time.Second, TSIG: xfrKey},
		Backend:       backend,
		Verifier:      &verify.Resolver{Addr: addr, Timeout: 2 * time.Second},
		Safety:        diff.Safety{MaxDeletePercent: cfg.Safety.MaxDeletePercent, MaxUpdatePercent: cfg.Safety.MaxUpdatePercent, MinRecords: cfg.Safety.MinRecords},
		CreatesZones:  cfg.Backend.Type == "zonefile",
		VerifyTimeout: cfg.Verify.Timeout.Duration,
		Checker:       checkServers(cfg, addr),
		TrackChanges:  len(cfg.Verify.Nameservers) > 0,
		Held:          held,
		Log:           log.With("component", "reconcile"),
	}
	return r, store, nil
}

// authoritativeAddr is the server dnssync reads, writes (rfc2136) and
// verifies against.
func authoritativeAddr(cfg *config.Config) (string, error) {
	if cfg.Backend.Type == "rfc2136" {
		return cfg.UpdateAddr()
	}
	return cfg.DNSAddr()
}

// recordsAPI wires the records API to the daemon's live Store: what the API
// reports and refuses is what the reconciler sees.
func recordsAPI(cfg *config.Config, store *desired.Store) (*api.RecordsOptions, error) {
	addr, err := authoritativeAddr(cfg)
	if err != nil {
		return nil, err
	}
	rec := &api.RecordsOptions{
		Registry:     &registry.Registry{Options: desiredOptions(cfg), Declared: store},
		Declared:     store,
		Resolver:     &verify.Resolver{Addr: addr, Timeout: 2 * time.Second},
		AutoRegister: cfg.Orchestrator.DNS.AutoRegister,
		WaitTimeout:  cfg.API.WaitTimeout.Duration,
		Rate:         cfg.API.Rate,
		Burst:        cfg.API.Burst,
	}
	if cfg.API.TokenFile != "" {
		if rec.Tokens, err = api.ReadTokens(cfg.API.TokenFile); err != nil {
			return nil, err
		}
	}
	return rec, nil
}
