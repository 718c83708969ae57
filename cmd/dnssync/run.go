package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/robfig/cron/v3"

	"github.com/dnssync/dnssync/internal/api"
	"github.com/dnssync/dnssync/internal/audit"
	"github.com/dnssync/dnssync/internal/audit/passaudit"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/health/passhealth"
	"github.com/dnssync/dnssync/internal/metrics"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/zones"
)

// cmdRun is the daemon. It builds everything from the config, runs the
// loop, and on SIGHUP loads the config again: a config that fails to load
// or to wire is refused and the running one kept. Health and metrics live
// across reloads; the rest is built anew from each config. Its command
// line is runCmd's (run_cmd.go).
func cmdRun(ctx context.Context, cfgPath *string, stderr io.Writer) int {
	cfg, err := config.Discover(*cfgPath)
	if err != nil {
		return startFailed(stderr, err)
	}
	log := newLogger(cfg.Log, stderr)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	tracker := health.NewTracker()
	beatEvery, stuckAfter := liveness()
	tracker.SetStuckAfter(stuckAfter)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg)
	metrics.RegisterBuildInfo(reg, version)
	if !cfg.Debug.Pprof.IsZero() {
		servePprof(ctx, cfg.Debug.Pprof.Address, log)
	}
	notify := notifier{log: log}
	shared := shared{tracker: tracker, gatherer: reg, metrics: m, notify: notify, beatEvery: beatEvery,
		pulse: newPulse(tracker, notify, beatEvery, stuckAfter)}

	d, err := newDaemon(cfg, log, shared)
	if err != nil {
		return startFailed(stderr, err)
	}
	if d.api != nil {
		// Bound before the first pass: a daemon whose API address cannot be
		// bound would run on without /healthz and /metrics, unseen.
		if err := d.api.Listen(); err != nil {
			d.audit.Close()
			return startFailed(stderr, err)
		}
	}
	for {
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- d.run(runCtx) }()
	wait:
		select {
		case <-ctx.Done():
			shared.notify.stopping()
			cancel()
			<-done
			log.Info("dnssync stopped")
			return exitOK
		case err := <-done:
			cancel()
			log.Error("stopped", "err", err)
			return exitError
		case <-hup:
			next, err := reloadConfig(cfg) // the file it started from (reload.go)
			var nd *daemon
			if err == nil {
				nd, err = newDaemon(next, newLogger(next.Log, stderr), shared)
			}
			if err != nil {
				log.Error("config reload refused; the running config stays", "err", err)
				shared.notify.status("config reload refused: " + err.Error())
				goto wait
			}
			shared.notify.reloading()
			cancel()
			<-done
			nd.r.KeepHeld(d.r) // a reload does not release what the safety rules hold
			if next.Debug.Pprof != cfg.Debug.Pprof {
				log.Warn("[debug] pprof changes only on restart")
			}
			cfg, d, log = next, nd, nd.log
			log.Info("config reloaded", "config", cfg.SourceName())
		}
	}
}

// startFailed reports a failure before the loop runs as every command
// reports its own, "dnssync: run: <why>" on stderr, exit 1 (systemd
// restarts the daemon, and the operator reads why). It is not logged as
// well: the log goes to stderr too, and one failure would read twice.
// Under systemd each line carries the journal's error priority, as the
// log's error lines do (writeError).
func startFailed(stderr io.Writer, err error) int {
	return fail(stderr, fmt.Errorf("run: %w", err))
}

// shared is what lives across config reloads.
type shared struct {
	tracker   *health.Tracker
	gatherer  prometheus.Gatherer
	metrics   *metrics.Metrics
	notify    notifier
	beatEvery time.Duration // the loop's heartbeat (liveness)
	pulse     *pulse        // signs of life, from the loop and from inside its passes
}

// daemon is everything one config builds.
type daemon struct {
	shared
	cfg   *config.Config
	log   *slog.Logger
	r     *reconcile.Reconciler
	store *desired.Store // r's; Watch tells it which files are open for writing
	sched cron.Schedule
	api   *api.Server // nil when [api] listen is empty
	audit *audit.Log
}

// newDaemon wires a config. It opens nothing that needs closing unless it
// succeeds, so a refused reload leaves nothing behind.
func newDaemon(cfg *config.Config, log *slog.Logger, sh shared) (*daemon, error) {
	r, store, err := newReconciler(cfg, log)
	if err != nil {
		return nil, err
	}
	r.Replication.OnSecondary = sh.metrics.ObserveSecondary // the secondaries' wait outlives its pass
	d := &daemon{shared: sh, cfg: cfg, log: log, r: r, store: store, sched: cfg.Verify.Schedule}
	if !cfg.API.Listen.IsZero() {
		rec, err := recordsAPI(cfg, store)
		if err != nil {
			return nil, err
		}
		if d.api, err = api.New(api.Options{Listen: api.Listen(cfg.API.Listen), Health: sh.tracker, Gatherer: sh.gatherer, Records: rec, Zones: zoneEditor(cfg, store),
			ZonesDir: cfg.Records.ZonesDir, Log: log.With("component", "api"), Requests: sh.metrics}); err != nil {
			return nil, err
		}
	}
	if cfg.Audit.File != "" {
		// Opened last: the only resource here that needs closing.
		if d.audit, err = audit.Open(cfg.Audit.File); err != nil {
			return nil, err
		}
		if d.api != nil {
			d.api.SetAudit(d.audit)
		}
	}
	return d, nil
}

// run serves the API, watches records.d and runs the loop until ctx ends.
// READY=1 follows the first full pass.
func (d *daemon) run(ctx context.Context) error {
	cfg, log := d.cfg, d.log
	defer d.audit.Close()
	apiDone := make(chan struct{})
	if d.api != nil {
		// After a reload the new config's address is bound here, once the
		// old listener is closed; failing to bind it stops the daemon.
		if err := d.api.Listen(); err != nil {
			return err
		}
		go func() {
			defer close(apiDone)
			if err := d.api.Serve(ctx); err != nil {
				log.Error("api not served", "err", err)
			}
		}()
		if cfg.API.TokenFile == "" {
			log.Info("the records API takes no tokens ([api] token_file unset): listening on loopback only", "listen", cfg.API.Listen)
		}
	} else {
		close(apiDone)
	}
	events, err := d.store.Watch(ctx, cfg.Records.Debounce, log.With("component", "watch"))
	if err != nil {
		log.Error("records dir cannot be watched; changes are picked up on the verify schedule only", "err", err)
	}
	// A zones dir change is a full pass at once: its zones join or leave
	// now, not at the next scheduled pass, which reads the dir all the same.
	refresh, err := zones.Watch(ctx, cfg.Records.ZonesDir, cfg.Records.Debounce, log.With("component", "zones"))
	if err != nil {
		log.Error("zones dir cannot be watched; zone changes are picked up on the verify schedule only", "err", err)
	}
	log.Info("dnssync started", "version", version, "config", cfg.SourceName(), "records", cfg.Records.Dir, "backend", cfg.Backend.Type,
		"coredns", cfg.Orchestrator.DNS.CorednsURL, "zones", startZones(cfg), "auto_register", cfg.Orchestrator.DNS.AutoRegister)
	ready := false
	trail := &passaudit.Observer{Log: d.audit} // this loop's: it writes a refusal once
	err = d.r.Run(ctx, reconcile.Loop{
		Events:   events,
		Refresh:  refresh,
		Schedule: d.sched,
		// A pass's progress is a sign of life: a long pass is busy, not stuck.
		Options: reconcile.Options{Apply: cfg.Orchestrator.DNS.AutoRegister, Verify: true, Progress: d.pulse.progress},
		OnPass: func(res reconcile.Result) {
			res = hintIPDenied(res) // a server the unit's IPAddressDeny= refuses: name the fix
			passhealth.ObserveZones(d.tracker, res, d.r.ZoneProblems())
			d.metrics.Observe(res)
			if err := trail.Observe(res); err != nil {
				log.Error("audit log", "err", err)
			}
			logPass(log, res)
			if !ready && res.Full {
				ready = true
				d.pulse.started()
				log.Info("first pass done", "ok", res.Failed() == nil)
				d.notify.ready(statusLine(res))
				// What the cold start parsed, rendered and transferred is
				// garbage now, hundreds of MB at a million records: given
				// back at once, not by the runtime's background scavenger
				// over the following minutes, at a cost to every change
				// meanwhile (a third of a change's CPU at 1,000,000 records).
				go debug.FreeOSMemory()
				return
			}
			d.notify.status(statusLine(res))
		},
		// The loop's own heartbeat, and its passes' progress, are its
		// liveness: /healthz and systemd's watchdog both hear them, so they
		// agree.
		Heartbeat:   d.beatEvery,
		OnHeartbeat: d.pulse.heartbeat,
	})
	<-apiDone
	return err
}

// startZones are the zones the start-up log names: the managed ones
// (zones_dir's and the catalog too), or the config's when zones_dir cannot
// be read (the first pass reports why).
func startZones(cfg *config.Config) []string {
	if _, list, err := managedZones(cfg); err == nil {
		return zoneNames(list)
	}
	return cfg.ZoneNames()
}

// logPass reports what only the daemon's log can tell: problems with files
// and plans left pending because auto_register is off.
func logPass(log *slog.Logger, res reconcile.Result) {
	if res.Err != nil {
		log.Error("records not read; nothing applied", "err", res.Err)
	}
	for _, z := range res.Zones {
		if pending := len(z.Plan.Changes) + len(z.Refused.Changes); !z.Applied && pending > 0 && z.Err == nil {
			log.Info("changes pending (auto_register = false; run `dnssync apply`)", "zone", z.Zone, "changes", pending)
		}
		if z.Err != nil && !errors.Is(z.Err, context.Canceled) {
			log.Debug("zone pass failed", "zone", z.Zone, "err", z.Err)
		}
	}
}
