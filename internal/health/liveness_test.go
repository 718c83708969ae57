package health

import (
	"testing"
	"testing/synctest"
	"time"
)

// A loop that stops beating is stuck once the bound has passed, and alive
// again at its next beat or pass; the start counts as a beat. Fake time:
// synctest's clock moves only when every goroutine waits.
func TestLivenessFollowsTheHeartbeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := NewTracker()
		if l := tr.Liveness(); !l.Alive() || l.StuckAfter != DefaultStuckAfter.Seconds() || !l.LastHeartbeat.Equal(time.Now()) {
			t.Fatalf("just started: %+v, want alive since now, bound %v", l, DefaultStuckAfter)
		}
		time.Sleep(DefaultStuckAfter)
		if l := tr.Liveness(); !l.Alive() {
			t.Fatalf("silent exactly the bound: %+v, want alive", l)
		}
		time.Sleep(time.Second)
		if l := tr.Liveness(); l.Alive() || l.State != LiveStuck {
			t.Fatalf("silent past the bound: %+v, want stuck", l)
		}
		tr.Beat()
		if l := tr.Liveness(); !l.Alive() || !l.LastHeartbeat.Equal(time.Now()) {
			t.Fatalf("after a beat: %+v, want alive", l)
		}

		tr.SetStuckAfter(10 * time.Second) // systemd's WatchdogSec
		time.Sleep(11 * time.Second)
		if l := tr.Liveness(); l.Alive() || l.StuckAfter != 10 {
			t.Fatalf("silent 11s with a 10s bound: %+v, want stuck", l)
		}
		// A pass that ends is a sign of life, whatever it found.
		tr.Record(Pass{Full: true, End: time.Now(), Zones: map[string][]Reason{
			"example.com.": {{Kind: KindCoreDNSUnreachable, Message: "axfr example.com.: connection refused"}},
		}})
		if l := tr.Liveness(); !l.Alive() {
			t.Fatalf("after a failed pass: %+v, want alive", l)
		}
	})
}

// Readiness and liveness are apart: an invalid file makes the status
// degraded, with its reason, and leaves the loop alive.
func TestInvalidFileDegradesButLives(t *testing.T) {
	t.Parallel()
	tr := NewTracker()
	if st := tr.Status(); st.State != StateStarting || st.OK() {
		t.Fatalf("before a pass: %+v, want starting", st)
	}
	clean := Pass{Full: true, End: time.Now(), OK: true, Zones: map[string][]Reason{"example.com.": nil}, FilesRead: true}
	tr.Record(clean)
	if st := tr.Status(); st.State != StateOK || !st.OK() {
		t.Fatalf("after a clean pass: %+v, want ok", st)
	}
	bad := clean
	bad.Files = &Reason{Kind: KindInvalidFiles, Message: "records.d/bad.yaml:3: unknown key tpye"}
	tr.Record(bad)
	st := tr.Status()
	if st.State != StateDegraded || st.OK() || hasKind(st, KindInvalidFiles) == nil {
		t.Errorf("with an invalid file: %+v, want degraded with reason %s", st, KindInvalidFiles)
	}
	if l := tr.Liveness(); !l.Alive() {
		t.Errorf("with an invalid file: %+v, want alive", l)
	}
}
