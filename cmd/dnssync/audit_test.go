package main

import (
	"errors"
	"testing"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/reconcile"
)

// A plan refused pass after pass is audited when the refusal starts or
// changes, and again after it was lifted, not on every pass.
func TestRefusalsAuditedOnce(t *testing.T) {
	refused := func(msg string) reconcile.Result {
		err := errors.New(msg)
		return reconcile.Result{Zones: []reconcile.ZoneResult{{Zone: "example.com.", Refusal: err, Err: errors.Join(diff.ErrUnsafe, err), Stage: reconcile.StageUnsafe}}}
	}
	clean := reconcile.Result{Zones: []reconcile.ZoneResult{{Zone: "example.com."}}}
	seen := refusals{}
	count := func(res reconcile.Result) int {
		n := 0
		for _, ev := range seen.filter(res, auditEvents(res)) {
			if ev.Kind == "refused" {
				n++
			}
		}
		return n
	}
	steps := []struct {
		res  reconcile.Result
		want int
	}{
		{refused("updates 40 of 50"), 1},
		{refused("updates 40 of 50"), 0}, // the same refusal, next pass
		{refused("updates 45 of 50"), 1}, // changed
		{clean, 0},
		{refused("updates 45 of 50"), 1}, // back after it was lifted
	}
	for i, s := range steps {
		if got := count(s.res); got != s.want {
			t.Errorf("pass %d: %d refused lines, want %d", i, got, s.want)
		}
	}
}
