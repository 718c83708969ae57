package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/robfig/cron/v3"

	"github.com/dnssync/dnssync/internal/api"
	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/metrics"
	"github.com/dnssync/dnssync/internal/reconcile"
)

// cmdRun is the daemon. It builds everything from the config, runs the
// loop, and on SIGHUP loads the config again: a config that fails to load
// or to wire is refused and the running one kept.
func cmdRun(ctx context.Context, args []string, _, stderr io.Writer) int {
	fs, cfgPath := flags("run", stderr)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "dnssync: %v\n", err)
		return exitError
	}
	log := newLogger(cfg.Log, stderr)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	tracker := health.NewTracker()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg)
	if cfg.API.Listen != "" {
		srv, err := api.New(api.Options{Listen: cfg.API.Listen, Health: tracker, Gatherer: reg, Log: log.With("component", "api")})
		if err != nil {
			log.Error("cannot start", "err", err)
			return exitError
		}
		go func() {
			if err := srv.Serve(ctx); err != nil {
				log.Error("api stopped", "err", err)
			}
		}()
	}
	if cfg.Debug.Pprof != "" {
		servePprof(ctx, cfg.Debug.Pprof, log)
	}

	d, err := newDaemon(cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitError
	}
	n := notifier{log: log}
	observe := func(res reconcile.Result) {
		tracker.Observe(res)
		m.Observe(res)
	}
	for {
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- d.run(runCtx, n, observe) }()
	wait:
		select {
		case <-ctx.Done():
			n.stopping()
			cancel()
			<-done
			log.Info("dnssync stopped")
			return exitOK
		case err := <-done:
			cancel()
			log.Error("stopped", "err", err)
			return exitError
		case <-hup:
			next, err := config.Load(*cfgPath)
			var nd *daemon
			if err == nil {
				nd, err = newDaemon(next, newLogger(next.Log, stderr))
			}
			if err != nil {
				log.Error("config reload refused; the running config stays", "err", err)
				n.status("config reload refused: " + err.Error())
				goto wait
			}
			n.reloading()
			cancel()
			<-done
			if next.API.Listen != cfg.API.Listen || next.Debug.Pprof != cfg.Debug.Pprof {
				log.Warn("[api] listen and [debug] pprof change only on restart")
			}
			cfg, d, log = next, nd, nd.log
			log.Info("config reloaded")
		}
	}
}

// daemon is everything one config builds.
type daemon struct {
	cfg   *config.Config
	log   *slog.Logger
	r     *reconcile.Reconciler
	sched cron.Schedule
}

func newDaemon(cfg *config.Config, log *slog.Logger) (*daemon, error) {
	r, _, err := newReconciler(cfg, log)
	if err != nil {
		return nil, err
	}
	sched, err := cron.ParseStandard(cfg.Verify.Schedule)
	if err != nil { // checked by config.Load
		return nil, err
	}
	return &daemon{cfg: cfg, log: log, r: r, sched: sched}, nil
}

// run watches records.d and runs the loop until ctx ends. READY=1 follows
// the first pass.
func (d *daemon) run(ctx context.Context, n notifier, observe func(reconcile.Result)) error {
	cfg, log := d.cfg, d.log
	events, err := desired.Watch(ctx, cfg.Records.Dir, cfg.Records.Debounce.Duration, log.With("component", "watch"))
	if err != nil {
		log.Error("records dir cannot be watched; changes are picked up on the verify schedule only", "err", err)
	}
	log.Info("dnssync started", "version", version, "records", cfg.Records.Dir, "backend", cfg.Backend.Type,
		"coredns", cfg.Orchestrator.DNS.CorednsURL, "zones", cfg.ZoneNames(), "auto_register", cfg.Orchestrator.DNS.AutoRegister)
	ready := false
	return d.r.Run(ctx, reconcile.Loop{
		Events:   events,
		Schedule: d.sched,
		Options:  reconcile.Options{Apply: cfg.Orchestrator.DNS.AutoRegister, Verify: true},
		OnPass: func(res reconcile.Result) {
			observe(res)
			logPass(log, res)
			if !ready && res.Full {
				ready = true
				log.Info("first pass done", "ok", res.Failed() == nil)
				n.ready(statusLine(res))
				return
			}
			n.status(statusLine(res))
		},
		Heartbeat:   watchdogInterval(),
		OnHeartbeat: n.watchdog,
	})
}

// logPass reports what only the daemon's log can tell: problems with files
// and plans left pending because auto_register is off.
func logPass(log *slog.Logger, res reconcile.Result) {
	if res.Err != nil {
		log.Error("records not read; nothing applied", "err", res.Err)
	}
	for _, z := range res.Zones {
		if !z.Applied && !z.Plan.Empty() && z.Err == nil {
			log.Info("changes pending (auto_register = false; run `dnssync apply`)", "zone", z.Zone, "changes", len(z.Plan.Changes))
		}
		if z.Err != nil && !errors.Is(z.Err, context.Canceled) {
			log.Debug("zone pass failed", "zone", z.Zone, "err", z.Err)
		}
	}
}
