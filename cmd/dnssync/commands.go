package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/robfig/cron/v3"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/reconcile"
)

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
	r, _, err := newReconciler(cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitError
	}
	sched, err := cron.ParseStandard(cfg.Verify.Schedule)
	if err != nil { // checked by config.Load
		log.Error("cannot start", "err", err)
		return exitError
	}
	events, err := desired.Watch(ctx, cfg.Records.Dir, cfg.Records.Debounce.Duration, log.With("component", "watch"))
	if err != nil {
		log.Error("records dir cannot be watched; changes are picked up on the verify schedule only", "err", err)
	}
	if cfg.Debug.Pprof != "" {
		servePprof(ctx, cfg.Debug.Pprof, log)
	}
	log.Info("dnssync started", "version", version, "records", cfg.Records.Dir, "backend", cfg.Backend.Type,
		"coredns", cfg.Orchestrator.DNS.CorednsURL, "zones", cfg.ZoneNames(), "auto_register", cfg.Orchestrator.DNS.AutoRegister)
	ready := false
	err = r.Run(ctx, reconcile.Loop{
		Events:   events,
		Schedule: sched,
		Options:  reconcile.Options{Apply: cfg.Orchestrator.DNS.AutoRegister, Verify: true},
		OnPass: func(res reconcile.Result) {
			logPass(log, res)
			if !ready {
				ready = true
				log.Info("first pass done", "ok", res.Failed() == nil)
			}
		},
	})
	if err != nil {
		log.Error("stopped", "err", err)
		return exitError
	}
	log.Info("dnssync stopped")
	return exitOK
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

func cmdPlan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, cfgPath := flags("plan", stderr)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	res, code := once(ctx, *cfgPath, reconcile.Options{}, stdout, stderr)
	if code != exitOK {
		return code
	}
	if res.Pending() {
		return exitPending
	}
	return exitOK
}

func cmdApply(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, cfgPath := flags("apply", stderr)
	force := fs.Bool("force", false, "apply plans that the safety check refuses")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	_, code := once(ctx, *cfgPath, reconcile.Options{Apply: true, Force: *force, Verify: true}, stdout, stderr)
	return code
}

// once runs one pass and prints its plans (stdout) and problems (stderr).
func once(ctx context.Context, cfgPath string, opts reconcile.Options, stdout, stderr io.Writer) (reconcile.Result, int) {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "dnssync: %v\n", err)
		return reconcile.Result{}, exitError
	}
	log := newLogger(cfg.Log, stderr)
	if !opts.Apply {
		// Planning is quiet: the plan on stdout is the output.
		log = slog.New(slog.DiscardHandler)
	}
	r, _, err := newReconciler(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "dnssync: %v\n", err)
		return reconcile.Result{}, exitError
	}
	res := r.RunOnce(ctx, opts)
	if res.Err != nil {
		fmt.Fprintf(stderr, "dnssync: %v\n", res.Err)
		return res, exitError
	}
	for _, p := range res.State.Problems {
		fmt.Fprintf(stderr, "invalid: %v (last good content kept)\n", p)
	}
	for _, f := range res.State.Incomplete {
		fmt.Fprintf(stderr, "deletions held: %s was never read successfully\n", f)
	}
	code := exitOK
	for _, z := range res.Zones {
		for _, c := range z.Held {
			fmt.Fprintf(stderr, "conflict: %s left as served: %s\n", c.Name, c.Reason)
		}
		if z.Err != nil {
			fmt.Fprintf(stderr, "dnssync: %v\n", z.Err)
			code = exitError
		}
		z.Plan.Format(stdout)
		switch {
		case z.Applied && z.Serial != 0:
			fmt.Fprintf(stdout, "%s: applied (serial %d)\n", z.Zone, z.Serial)
		case z.Applied && !z.Plan.Empty():
			fmt.Fprintf(stdout, "%s: applied\n", z.Zone)
		}
	}
	if err := res.Failed(); err != nil && code == exitOK {
		fmt.Fprintf(stderr, "dnssync: %v\n", err)
		code = exitError
	}
	return res, code
}

func cmdValidate(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs, cfgPath := flags("validate", stderr)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(stdout, "%v\n", err)
		return exitError
	}
	problems, err := desired.Validate(desiredOptions(cfg))
	if err != nil {
		fmt.Fprintf(stdout, "%v\n", err)
		return exitError
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p.Error())
	}
	if len(problems) > 0 {
		return exitError
	}
	fmt.Fprintf(stdout, "ok: config and %s are valid\n", cfg.Records.Dir)
	return exitOK
}
