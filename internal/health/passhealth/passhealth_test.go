package passhealth

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/apply"
	"github.com/dnssync/dnssync/internal/desired"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func state() *desired.State { return &desired.State{Files: 1} }

func full(zones ...reconcile.ZoneResult) reconcile.Result {
	return reconcile.Result{Full: true, Start: t0, Duration: time.Second, State: state(), Zones: zones}
}

func changed(zones ...reconcile.ZoneResult) reconcile.Result {
	return reconcile.Result{Start: t0, Duration: time.Second, State: state(), Zones: zones}
}

func ok(zone string) reconcile.ZoneResult {
	return reconcile.ZoneResult{Zone: zone, Plan: diff.Plan{Zone: zone}}
}

func failed(zone string, stage reconcile.Stage, err error) reconcile.ZoneResult {
	return reconcile.ZoneResult{Zone: zone, Plan: diff.Plan{Zone: zone}, Err: err, Stage: stage}
}

var www = rrset.Key{Name: "www.example.com.", Type: dns.TypeA}

func drifted(zone string) reconcile.ZoneResult {
	return reconcile.ZoneResult{
		Zone: zone, Applied: true,
		Plan:       diff.Plan{Zone: zone, Changes: []diff.Change{{Action: diff.Create, Key: www}}},
		Mismatches: []verify.Result{{Key: www}},
	}
}

func kinds(st health.Status) []string {
	var out []string
	for _, r := range st.Reasons {
		out = append(out, r.Kind)
	}
	return out
}

func hasKind(st health.Status, kind string) *health.Reason {
	for _, r := range st.Reasons {
		if r.Kind == kind {
			return &r
		}
	}
	return nil
}

func TestStartingThenHealthy(t *testing.T) {
	tr := health.NewTracker()
	st := tr.Status()
	if st.Healthy || st.Ready || fmt.Sprint(kinds(st)) != "[starting]" {
		t.Fatalf("before any result: %+v, want not healthy, not ready, reason starting", st)
	}
	Observe(tr, full(ok("example.com.")))
	st = tr.Status()
	if !st.Healthy || !st.Ready || len(st.Reasons) != 0 {
		t.Fatalf("after a clean full pass: %+v, want healthy and ready", st)
	}
}

// Each reason kind appears from the result that causes it and clears when a
// later result no longer does.
func TestReasonsAppearAndClear(t *testing.T) {
	unsafe := fmt.Errorf("%w: zone example.com.: deleting 5 of 10 records", diff.ErrUnsafe)
	tests := []struct {
		name    string
		bad     reconcile.Result
		kind    string
		message string // a part of the message
	}{
		{"transfer", full(failed("example.com.", reconcile.StageTransfer, errors.New("axfr example.com. from 127.0.0.1:53: connection refused"))),
			health.KindCoreDNSUnreachable, "axfr example.com. from 127.0.0.1:53: connection refused"},
		{"transfer refused", full(failed("example.com.", reconcile.StageTransfer,
			fmt.Errorf("axfr example.com. from 127.0.0.1:53: %w; the server serves the zone", &observed.RcodeError{Rcode: dns.RcodeRefused}))),
			health.KindTransferRefused, "transfer refused: server answered REFUSED; the server serves the zone"},
		{"transfer failed of a served zone", full(failed("example.com.", reconcile.StageTransfer,
			fmt.Errorf("axfr example.com. from 127.0.0.1:53: server answered SERVFAIL; the server serves the zone (%w)", observed.ErrTransferRefused))),
			health.KindTransferRefused, "SERVFAIL"},
		{"TSIG refused to a transfer", full(failed("example.com.", reconcile.StageTransfer,
			fmt.Errorf("axfr example.com. from 127.0.0.1:53: %w (dns: bad signature)", observed.ErrTSIGRefused))),
			health.KindTSIGRefused, "TSIG refused"},
		{"TSIG refused to an update", full(failed("example.com.", reconcile.StageApply,
			fmt.Errorf("apply example.com.: update example.com. at 127.0.0.1:53: %w: TSIG BADKEY", observed.ErrTSIGRefused))),
			health.KindTSIGRefused, "BADKEY"},
		{"update refused", full(failed("example.com.", reconcile.StageApply,
			fmt.Errorf("apply example.com.: update example.com. at 127.0.0.1:53: %w: REFUSED", apply.ErrUpdateRefused))),
			health.KindUpdateRefused, "REFUSED"},
		{"records", reconcile.Result{Full: true, Start: t0, Err: errors.New("records: open records.d: permission denied")},
			health.KindRecordsUnreadable, "permission denied"},
		{"apply", full(failed("example.com.", reconcile.StageApply, errors.New("apply example.com.: disk full"))),
			health.KindApplyFailed, "disk full"},
		{"unsafe", full(failed("example.com.", reconcile.StageUnsafe, unsafe)),
			health.KindUnsafePlanRefused, "unsafe plan: zone example.com.: deleting 5 of 10"},
		{"unsafe error without the zone gets it", full(failed("example.org.", reconcile.StageUnsafe, diff.ErrUnsafe)),
			health.KindUnsafePlanRefused, "zone example.org.: unsafe plan"},
		{"unknown stage", full(failed("example.com.", "render", errors.New("boom"))),
			health.KindZoneFailed, "zone example.com.: boom"},
		{"drift", full(drifted("example.com.")),
			health.KindDriftNotHealed, "zone example.com.: not served as planned: www.example.com. A: want -, served -"},
		{"invalid files", func() reconcile.Result {
			r := full(ok("example.com."))
			r.State.Problems = []desired.Problem{
				{File: "records.d/a.yaml", Line: 3, Msg: "bad address"},
				{File: "records.d/b.yaml", Msg: "cannot read: permission denied"},
			}
			r.State.Incomplete = []string{"records.d/b.yaml"}
			return r
		}(), health.KindInvalidFiles, "records.d/a.yaml:3: bad address; records.d/b.yaml: cannot read: permission denied; never read successfully, deletions held: records.d/b.yaml"},
		{"a file naming only names in no managed zone", func() reconcile.Result {
			r := full(ok("example.com."))
			r.State.Problems = []desired.Problem{{File: "records.d/web.yaml", Line: 2, Msg: "www.example.con. is not inside a managed zone"}}
			r.State.Incomplete = []string{"records.d/web.yaml"}
			r.State.Unzoned = []desired.Unzoned{{File: "records.d/web.yaml", Names: []string{"www.example.con."}}}
			return r
		}(), health.KindInvalidFiles, "records.d/web.yaml:2: www.example.con. is not inside a managed zone; deletions held: records.d/web.yaml: www.example.con. is in no managed zone: add the zone, fix the name, or apply --force"},
		{"verify", func() reconcile.Result {
			r := full(ok("example.com."))
			r.Check = &verify.Report{Time: t0, Checked: 10, Results: []verify.Result{
				{Server: "127.0.0.1:53", Key: www, Err: errors.New("timeout")},
				{Server: "127.0.0.1:53", Key: rrset.Key{Name: "a.example.com.", Type: dns.TypeA}, Status: verify.StatusLagging},
			}}
			return r
		}(), health.KindVerifyFailed, "1 of 10 checks failed: www.example.com. A at 127.0.0.1:53: timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := health.NewTracker()
			Observe(tr, full(ok("example.com.")))
			Observe(tr, tt.bad)
			st := tr.Status()
			r := hasKind(st, tt.kind)
			if st.Healthy || r == nil {
				t.Fatalf("status %+v, want unhealthy with kind %s", st, tt.kind)
			}
			if len(st.Reasons) != 1 {
				t.Errorf("reasons %v, want only %s", st.Reasons, tt.kind)
			}
			if !strings.Contains(r.Message, tt.message) {
				t.Errorf("message %q, want it to contain %q", r.Message, tt.message)
			}
			if !st.Ready {
				t.Error("not ready after full passes")
			}

			good := full(ok("example.com."), ok("example.org."))
			good.Check = &verify.Report{Time: t0.Add(time.Minute), Checked: 10}
			Observe(tr, good)
			if st := tr.Status(); !st.Healthy || len(st.Reasons) != 0 {
				t.Errorf("after a clean pass: %+v, want healthy", st)
			}
		})
	}
}

// A pass that applied the safe part of a refused plan reads as the
// refusal; one whose apply then failed reads as both: the held part waits
// whatever the backend did.
func TestHeldPlanReasons(t *testing.T) {
	refusal := fmt.Errorf("%w: zone example.com.: plan updates 40 of 50 records (80%%)", diff.ErrUnsafe)
	held := diff.Plan{Zone: "example.com.", Changes: []diff.Change{{Action: diff.Update, Key: www}}}
	tests := []struct {
		name  string
		z     reconcile.ZoneResult
		kinds []string
	}{
		{"safe part applied", reconcile.ZoneResult{Zone: "example.com.", Applied: true, Refused: held, Refusal: refusal,
			Err: refusal, Stage: reconcile.StageUnsafe}, []string{health.KindUnsafePlanRefused}},
		{"safe part failed to apply", reconcile.ZoneResult{Zone: "example.com.", Refused: held, Refusal: refusal,
			Err: errors.New("apply example.com.: disk full"), Stage: reconcile.StageApply}, []string{health.KindApplyFailed, health.KindUnsafePlanRefused}},
		{"planning only: nothing held", reconcile.ZoneResult{Zone: "example.com.", Refused: held, Refusal: refusal}, nil},
		{"safe part applied, not served", reconcile.ZoneResult{Zone: "example.com.", Applied: true, Refused: held, Refusal: refusal,
			Err: refusal, Stage: reconcile.StageUnsafe, Mismatches: []verify.Result{{Key: www}}}, []string{health.KindDriftNotHealed, health.KindUnsafePlanRefused}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := health.NewTracker()
			Observe(tr, full(tt.z))
			var kinds []string
			for _, r := range tr.Status().Reasons {
				kinds = append(kinds, r.Kind)
				if r.Kind == health.KindUnsafePlanRefused && !strings.Contains(r.Message, "updates 40 of 50") {
					t.Errorf("%s message %q does not say what is refused", r.Kind, r.Message)
				}
			}
			if !slices.Equal(kinds, tt.kinds) {
				t.Errorf("kinds %v, want %v", kinds, tt.kinds)
			}
		})
	}
}

func TestVerifyManyFailuresListsFew(t *testing.T) {
	rep := verify.Report{Time: t0, Checked: 20}
	for i := range 5 {
		rep.Results = append(rep.Results, verify.Result{Server: "s", Key: rrset.Key{Name: fmt.Sprintf("h%d.example.com.", i), Type: dns.TypeA}, Err: errors.New("x")})
	}
	r := checkReason(rep)
	if !strings.HasPrefix(r.Message, "5 of 20 checks failed: h0.example.com.") || !strings.HasSuffix(r.Message, "; and 2 more") ||
		strings.Contains(r.Message, "h3.") {
		t.Errorf("message %q: want the count, the first 3 and how many more", r.Message)
	}
}

func TestLaggingOnlyCheckIsHealthy(t *testing.T) {
	tr := health.NewTracker()
	res := full(ok("example.com."))
	res.Check = &verify.Report{Time: t0, Checked: 4, Results: []verify.Result{{Server: "resolver", Key: www, Status: verify.StatusLagging}}}
	Observe(tr, res)
	st := tr.Status()
	if !st.Healthy {
		t.Errorf("lagging-only check: %+v, want healthy", st)
	}
	if !st.LastVerify.Equal(t0) || !st.LastVerifyOK.Equal(t0) {
		t.Errorf("LastVerify %v LastVerifyOK %v, want both %v", st.LastVerify, st.LastVerifyOK, t0)
	}
}

// A check failure stands until the next check, whatever passes come between.
func TestCheckStandsUntilNextCheck(t *testing.T) {
	tr := health.NewTracker()
	res := full(ok("example.com."))
	res.Check = &verify.Report{Time: t0, Checked: 1, Results: []verify.Result{{Server: "s", Key: www}}}
	Observe(tr, res)
	Observe(tr, full(ok("example.com.")))
	Observe(tr, changed(ok("example.com.")))
	st := tr.Status()
	if hasKind(st, health.KindVerifyFailed) == nil {
		t.Fatalf("%+v: a pass without a check cleared the failed check", st)
	}
	if !st.LastVerify.Equal(t0) || !st.LastVerifyOK.IsZero() {
		t.Errorf("LastVerify %v LastVerifyOK %v, want %v and zero", st.LastVerify, st.LastVerifyOK, t0)
	}
}

func TestPartialResultsTouchOnlyTheirZones(t *testing.T) {
	down := errors.New("axfr example.org. from 127.0.0.1:53: connection refused")
	tr := health.NewTracker()
	Observe(tr, full(failed("example.com.", reconcile.StageApply, errors.New("apply example.com.: disk full")),
		failed("example.org.", reconcile.StageTransfer, down)))

	// A pass for example.com. only: example.org.'s failure stands.
	Observe(tr, changed(ok("example.com.")))
	st := tr.Status()
	if got := fmt.Sprint(kinds(st)); got != "[coredns_unreachable]" {
		t.Fatalf("after a partial pass fixing example.com.: kinds %s, want [coredns_unreachable]", got)
	}

	// A partial pass with no zones (a file that touched none) changes none.
	Observe(tr, changed())
	if got := fmt.Sprint(kinds(tr.Status())); got != "[coredns_unreachable]" {
		t.Fatalf("after an empty partial pass: kinds %s", got)
	}

	// A partial pass may break a zone as well.
	Observe(tr, changed(drifted("example.com.")))
	if got := fmt.Sprint(kinds(tr.Status())); got != "[coredns_unreachable drift_not_healed]" {
		t.Fatalf("kinds %s, want both, sorted", got)
	}

	// A full pass replaces every zone's state, those absent included.
	Observe(tr, full(ok("example.com.")))
	if st := tr.Status(); !st.Healthy {
		t.Fatalf("after a clean full pass: %+v", st)
	}
}

func TestReadyAfterFirstFull(t *testing.T) {
	tr := health.NewTracker()
	Observe(tr, changed(ok("example.com.")))
	if st := tr.Status(); st.Ready {
		t.Fatal("ready after a partial pass only")
	}
	// Even a failed full pass makes it ready: the first full reconcile ran.
	Observe(tr, full(failed("example.com.", reconcile.StageTransfer, errors.New("refused"))))
	if st := tr.Status(); !st.Ready || st.Healthy {
		t.Fatalf("after a failed full pass: %+v, want ready and unhealthy", st)
	}
	Observe(tr, changed(ok("example.com.")))
	if st := tr.Status(); !st.Ready {
		t.Fatal("readiness lost after a partial pass")
	}
}

// An unreadable records dir plans nothing: what the zones said stands, and
// only a full pass (which scans the dir) clears it.
func TestRecordsUnreadable(t *testing.T) {
	tr := health.NewTracker()
	Observe(tr, full(failed("example.com.", reconcile.StageTransfer, errors.New("refused"))))
	Observe(tr, reconcile.Result{Full: true, Start: t0, Err: errors.New("records: permission denied")})
	if got := fmt.Sprint(kinds(tr.Status())); got != "[coredns_unreachable records_unreadable]" {
		t.Fatalf("kinds %s", got)
	}
	Observe(tr, changed(ok("example.com.")))
	if got := fmt.Sprint(kinds(tr.Status())); got != "[records_unreadable]" {
		t.Fatalf("after a partial pass: kinds %s, want [records_unreadable]", got)
	}
	Observe(tr, full(ok("example.com.")))
	if st := tr.Status(); !st.Healthy {
		t.Fatalf("after a full pass: %+v", st)
	}
}

func TestInvalidFilesFromLatestState(t *testing.T) {
	tr := health.NewTracker()
	bad := changed()
	bad.State.Problems = []desired.Problem{{File: "records.d/a.yaml", Line: 1, Msg: "unknown key"}}
	Observe(tr, bad)
	if hasKind(tr.Status(), health.KindInvalidFiles) == nil {
		t.Fatal("invalid file in a partial pass's state not reported")
	}
	Observe(tr, reconcile.Result{Full: true, Err: errors.New("records: gone")}) // no State: says nothing of files
	if hasKind(tr.Status(), health.KindInvalidFiles) == nil {
		t.Fatal("a result without State cleared invalid_files")
	}
	Observe(tr, changed())
	if hasKind(tr.Status(), health.KindInvalidFiles) != nil {
		t.Fatal("invalid_files stays after a State without problems")
	}
}

func TestTimestamps(t *testing.T) {
	tr := health.NewTracker()
	Observe(tr, full(ok("example.com.")))
	end := t0.Add(time.Second)
	st := tr.Status()
	if !st.LastReconcile.Equal(end) || !st.LastReconcileOK.Equal(end) {
		t.Fatalf("LastReconcile %v OK %v, want both %v", st.LastReconcile, st.LastReconcileOK, end)
	}
	for _, res := range []reconcile.Result{
		full(failed("example.com.", reconcile.StageTransfer, errors.New("refused"))),
		full(drifted("example.com.")),
		{Full: true, Err: errors.New("records: gone")},
	} {
		res.Start = t0.Add(time.Hour)
		Observe(tr, res)
		st := tr.Status()
		if !st.LastReconcile.Equal(res.Start.Add(res.Duration)) || !st.LastReconcileOK.Equal(end) {
			t.Errorf("after %v: LastReconcile %v OK %v, want %v and %v", res.Failed(), st.LastReconcile, st.LastReconcileOK, res.Start.Add(res.Duration), end)
		}
	}
	if !st.LastVerify.IsZero() {
		t.Errorf("LastVerify %v without any check", st.LastVerify)
	}
}

func TestStatusIsACopy(t *testing.T) {
	tr := health.NewTracker()
	Observe(tr, full(failed("example.com.", reconcile.StageTransfer, errors.New("refused"))))
	st := tr.Status()
	st.Reasons[0].Kind = "changed by caller"
	if tr.Status().Reasons[0].Kind != health.KindCoreDNSUnreachable {
		t.Error("Status shares its Reasons with the Tracker")
	}
}

func TestSameErrorInTwoZones(t *testing.T) {
	tr := health.NewTracker()
	err := errors.New("connection refused")
	Observe(tr, full(failed("a.", reconcile.StageTransfer, err), failed("b.", reconcile.StageTransfer, err)))
	if n := len(tr.Status().Reasons); n != 2 {
		t.Errorf("%d reasons, want one per zone: %v", n, tr.Status().Reasons)
	}
}

func TestConcurrentUse(t *testing.T) {
	tr := health.NewTracker()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range 200 {
			Observe(tr, full(failed("example.com.", reconcile.StageTransfer, errors.New("refused"))))
			Observe(tr, changed(ok("example.com.")))
		}
	}()
	go func() {
		defer wg.Done()
		for range 200 {
			_ = tr.Status()
		}
	}()
	wg.Wait()
}

// A scheduled check that finds a secondary not serving the primary's
// serial fails, and the reason names the secondary, how far behind it is
// and why, even with every RRset served.
func TestSecondaryOutOfSyncFailsTheCheck(t *testing.T) {
	rep := verify.Report{Time: t0, Checked: 4, Sync: []verify.ServerStatus{
		verify.SerialStatus("example.com.", "127.0.0.1:53", "", verify.RolePrimary, 9, 9, nil),
		verify.SerialStatus("example.com.", "127.0.0.1:5302", "ns3", verify.RoleSecondary, 7, 9, nil),
	}}
	p := Pass(reconcile.Result{Full: true, Start: t0, Check: &rep})
	if p.Check == nil || p.Check.Failed == nil {
		t.Fatalf("check %+v: want failed", p.Check)
	}
	if r := p.Check.Failed; r.Kind != health.KindVerifyFailed || !strings.Contains(r.Message, "1 servers not in sync: zone example.com at secondary ns3: serves serial 7, want 9 (2 behind)") || strings.Contains(r.Message, "checks failed") {
		t.Errorf("reason %+v", r)
	}
}
