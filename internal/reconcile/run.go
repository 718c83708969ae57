package reconcile

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/dnssync/dnssync/internal/diff"
)

// Loop is what Run needs besides the Reconciler.
type Loop struct {
	// Events delivers batches of changed record files; nil when the records
	// dir cannot be watched (the schedule still rescans it).
	Events <-chan []string
	// Refresh asks for a full pass now, as the schedule does (the zones
	// dir changed: zones.Watch); nil when nothing asks. A sender that
	// finds one request waiting adds none: one pass covers both.
	Refresh  <-chan struct{}
	Schedule cron.Schedule
	Options  Options // how each pass applies
	// MaxBackoff caps the wait between retries of a failed pass.
	MaxBackoff time.Duration
	// OnPass, when set, sees every pass's result (health, notify, tests).
	OnPass func(Result)
	// OnHeartbeat, when set, is called every Heartbeat from the loop
	// itself, between passes: proof that the loop is alive (the systemd
	// watchdog), which a free-running goroutine could not give. Inside a
	// pass, Options.Progress is that proof.
	Heartbeat   time.Duration
	OnHeartbeat func()
}

// Run does a full pass now, then a pass for every batch of changed files
// and a full pass on the schedule and on each Refresh, until ctx ends. A
// pass that fails for a reason that may pass (server unreachable) is
// retried with exponential backoff and jitter. Run returns nil when ctx ends: stopping is normal.
func (r *Reconciler) Run(ctx context.Context, l Loop) error {
	if l.MaxBackoff <= 0 {
		l.MaxBackoff = 30 * time.Second
	}
	var (
		failures int
		retry    *time.Timer
		retryC   <-chan time.Time
	)
	next := time.NewTimer(0) // the first full pass runs at once
	first := true
	defer next.Stop()
	report := func(res Result) {
		if l.OnPass != nil {
			l.OnPass(res)
		}
		if !retryable(res) {
			// Only a full pass speaks for every zone: a pass for changed
			// files of other zones must not cancel a failed zone's retry.
			if !res.Full {
				return
			}
			if failures > 0 && res.Failed() == nil {
				r.Log.Info("recovered", "after_attempts", failures)
			}
			if retry != nil {
				retry.Stop()
				retry, retryC = nil, nil
			}
			failures = 0
			return
		}
		if retry != nil {
			retry.Stop()
		}
		failures++
		d := backoff(failures, l.MaxBackoff)
		if failures == 1 {
			r.Log.Warn("pass failed; retrying with backoff", "err", res.Failed(), "retry_in", d.Round(time.Millisecond))
		} else {
			r.Log.Debug("pass failed again", "err", res.Failed(), "attempt", failures, "retry_in", d.Round(time.Millisecond))
		}
		retry = time.NewTimer(d)
		retryC = retry.C
	}
	var heartbeat <-chan time.Time
	if l.Heartbeat > 0 && l.OnHeartbeat != nil {
		t := time.NewTicker(l.Heartbeat)
		defer t.Stop()
		heartbeat = t.C
	}
	events, refresh := l.Events, l.Refresh
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-heartbeat:
			l.OnHeartbeat()
		case <-next.C:
			// The first pass verifies what it applies; checking every
			// record too would only delay readiness. Scheduled passes check.
			opts := l.Options
			opts.Check = !first
			first = false
			report(r.RunOnce(ctx, opts))
			now := time.Now()
			next.Reset(l.Schedule.Next(now).Sub(now))
		case <-retryC:
			if failures > 0 {
				report(r.RunOnce(ctx, l.Options))
			}
		case _, ok := <-refresh:
			if !ok {
				refresh = nil
				continue
			}
			// Applied and verified like the first pass; the schedule keeps
			// its own time, and its checks.
			opts := l.Options
			opts.Check = false
			report(r.RunOnce(ctx, opts))
		case paths, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			report(r.Changed(ctx, paths, l.Options))
		}
	}
}

// retryable: errors other than a refused plan may clear on their own. A
// pass cancelled by shutdown is not retried.
func retryable(res Result) bool {
	err := res.Failed()
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	for _, z := range res.Zones {
		if z.Err != nil && !errors.Is(z.Err, diff.ErrUnsafe) {
			return true
		}
		if len(z.Mismatches) > 0 {
			return true
		}
	}
	return res.Err != nil
}

// backoff is 1s, 2s, 4s ... capped, with up to 20% jitter so that many
// daemons do not retry in step.
func backoff(failures int, limit time.Duration) time.Duration {
	d := time.Second << min(failures-1, 20)
	d = min(d, limit)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}
