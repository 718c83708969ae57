package reconcile

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/notify"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// stuckReplication is a Reconciler whose zoneA primary serves serial 5
// and whose one secondary refuses NOTIFYs and stays at 3: every change's
// wait for it runs the whole VerifyTimeout.
func stuckReplication(t *testing.T, timeout time.Duration) (*Reconciler, *soaServer, *soaServer) {
	t.Helper()
	primary := startSOA(t, 5, 5, false, "new.example.com. 300 IN A 192.0.2.3")
	stuck := startSOA(t, 3, 3, false)
	res := func(addr string) *verify.Resolver {
		return &verify.Resolver{Addr: addr, Timeout: 200 * time.Millisecond}
	}
	r := &Reconciler{Zones: []string{zoneA}, Verifier: res(primary.addr), VerifyTimeout: timeout, Log: discardLog(),
		Replication: Replication{Primary: primary.addr, Notifier: &notify.Sender{Timeout: notifyTimeout},
			Secondaries: []Secondary{{Name: "ns2", Addr: stuck.addr, Zones: []string{zoneA}, Notify: true, Server: res(stuck.addr)}}}}
	return r, primary, stuck
}

// changeAt is an applied change of zoneA at serial, as verify sees it.
func changeAt(t *testing.T, serial uint32) *ZoneResult {
	newSet := rrset.New(mustRR(t, "new.example.com. 300 IN A 192.0.2.3"))
	return &ZoneResult{Zone: zoneA, Applied: true, Serial: serial,
		Plan: diff.Plan{Zone: zoneA, Changes: []diff.Change{{Action: diff.Create, Key: newSet.Key, New: newSet}}}}
}

// A scheduled check while a change's secondaries are still waited for
// neither waits for them nor fails a secondary for being behind in
// mid-transfer: it says the serial is propagating. Once the wait ends
// (reported lagging), the next check judges it out of sync.
func TestCheckDuringPropagationNeitherWaitsNorFails(t *testing.T) {
	t.Parallel()
	r, _, _ := stuckReplication(t, 1500*time.Millisecond)
	propagated := collect(r)
	r.verify(t.Context(), r.Log, changeAt(t, 5))

	start := time.Now()
	var rep verify.Report
	r.checkSync(t.Context(), nil, &rep)
	if took := time.Since(start); took >= r.VerifyTimeout/2 {
		t.Errorf("the check took %s: it waited for the change's propagation", took)
	}
	if off := rep.OutOfSync(); len(off) != 0 {
		t.Errorf("out of sync during the change's wait: %v", off)
	}
	if len(rep.Sync) != 2 || !strings.Contains(rep.Sync[1].Note, "propagating") {
		t.Errorf("sync %v, want ns2 noted as propagating", rep.Sync)
	}

	p := next(t, propagated)
	if s := p.Servers[1]; s.InSync || s.Behind != 2 {
		t.Errorf("ns2 when the wait ended: %v, want lagging 2 behind", s)
	}
	var after verify.Report
	r.checkSync(t.Context(), nil, &after)
	if off := after.OutOfSync(); len(off) != 1 || off[0].Name != "ns2" {
		t.Errorf("out of sync after the wait: %v, want ns2", off)
	}
}

// A newer change of the zone supersedes the older change's wait: only the
// newer one is reported.
func TestNewerChangeSupersedesPropagation(t *testing.T) {
	t.Parallel()
	r, primary, _ := stuckReplication(t, 700*time.Millisecond)
	propagated := collect(r)
	r.verify(t.Context(), r.Log, changeAt(t, 5))
	primary.serial.Store(6)
	r.verify(t.Context(), r.Log, changeAt(t, 6))
	if p := next(t, propagated); p.Serial != 6 {
		t.Errorf("reported the wait for serial %d first, want only 6's", p.Serial)
	}
	r.WaitPropagated(t.Context())
	select {
	case p := <-propagated:
		t.Errorf("the superseded wait was reported too: serial %d", p.Serial)
	default:
	}
}

// Shutdown (the pass's context ends) ends the waits at once, reporting
// nothing.
func TestShutdownEndsPropagation(t *testing.T) {
	t.Parallel()
	r, _, _ := stuckReplication(t, 5*time.Second)
	propagated := collect(r)
	ctx, cancel := context.WithCancel(t.Context())
	r.verify(ctx, r.Log, changeAt(t, 5))
	if !r.propagating(zoneA) {
		t.Fatal("no wait in progress after the change")
	}
	cancel()
	start := time.Now()
	r.WaitPropagated(t.Context())
	if took := time.Since(start); took >= time.Second {
		t.Errorf("the wait ended %s after shutdown", took)
	}
	select {
	case p := <-propagated:
		t.Errorf("a wait cut short by shutdown was reported: %+v", p)
	default:
	}
}

// The reviewer's probe: with a change less than [verify] timeout after
// the last, every wait is superseded before it ends. A stuck secondary
// (ns2: answers, refuses NOTIFY, stays at serial 3) must still be judged
// out of sync by the checks once [verify] timeout has passed since the
// first change it did not serve, and reported lagging at that bound; the
// healthy ns3 (transfers on NOTIFY) must be reported in sync, with its
// time, at each change it serves, and never judged out of sync.
func TestSteadyChangesDoNotHideStuckSecondary(t *testing.T) {
	t.Parallel()
	const (
		timeout = time.Second
		every   = 400 * time.Millisecond
		changes = 10
	)
	r, primary, _ := stuckReplication(t, timeout)
	healthy := startSOA(t, 5, 5, true)
	res := &verify.Resolver{Addr: healthy.addr, Timeout: 200 * time.Millisecond}
	r.Replication.Secondaries = append(r.Replication.Secondaries,
		Secondary{Name: "ns3", Addr: healthy.addr, Zones: []string{zoneA}, Notify: true, Server: res})
	outcomes := make(chan verify.ServerStatus, 4*changes)
	r.Replication.OnSecondary = func(st verify.ServerStatus) { outcomes <- st }

	first := time.Now()
	var judged, excusedLate int
	tick := time.NewTicker(every)
	defer tick.Stop()
	for i := range changes {
		serial := uint32(6 + i)
		primary.serial.Store(serial)
		healthy.next.Store(serial)
		r.verify(t.Context(), r.Log, changeAt(t, serial))
		var rep verify.Report
		r.checkSync(t.Context(), nil, &rep)
		late := time.Since(first) > timeout+every/2 // well past the bound: no timing edge
		for _, s := range rep.OutOfSync() {
			if s.Name == "ns3" {
				t.Errorf("change %d: the healthy ns3 judged out of sync: %v", i, s)
			}
			if s.Name == "ns2" {
				judged++
			}
		}
		for _, s := range rep.Sync {
			if s.Name == "ns2" && s.InSync && late {
				excusedLate++
				t.Errorf("change %d, %s after the first: ns2 still excused: %v", i, time.Since(first).Round(time.Millisecond), s)
			}
		}
		<-tick.C
	}
	if judged == 0 {
		t.Errorf("ns2 never judged out of sync over %d changes %s apart (timeout %s)", changes, every, timeout)
	}
	// Reported while newer changes still kept superseding the waits, not
	// only by the last wait, which nothing supersedes.
	duringChanges := len(outcomes)
	r.WaitPropagated(t.Context())
	var ns2Lagging, ns3Served int
	for i := 0; len(outcomes) > 0; i++ {
		st := <-outcomes
		switch {
		case st.Name == "ns2" && !st.InSync:
			if i < duringChanges {
				ns2Lagging++
			}
			if st.Waited < timeout {
				t.Errorf("ns2 reported lagging for %s, want at least the timeout %s (counted from the first change it missed)", st.Waited, timeout)
			}
		case st.Name == "ns3" && st.InSync:
			ns3Served++
		case st.Name == "ns2":
			t.Errorf("stuck ns2 reported in sync: %v", st)
		}
	}
	if ns2Lagging == 0 {
		t.Error("ns2 never reported lagging while the changes came")
	}
	if ns3Served < changes/2 {
		t.Errorf("ns3 reported serving %d of %d changes, want each as it serves it", ns3Served, changes)
	}
}
