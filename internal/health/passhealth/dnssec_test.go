package passhealth

import (
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/health"
	"github.com/dnssync/dnssync/internal/verify"
)

// A signed zone that does not validate at a server makes the daemon
// degraded (ready, not healthy) under its own kind, naming the zone, the
// server and why; not as verify_failed, which would say "0 checks
// failed". The next check that finds it valid clears it.
func TestDNSSECInvalidIsDegraded(t *testing.T) {
	tr := health.NewTracker()
	res := full(ok("example.com."))
	res.Check = &verify.Report{Time: t0, Checked: 4, DNSSEC: []verify.ZoneSignature{
		{Zone: "example.com.", Server: "127.0.0.1:53", Name: "127.0.0.1:53", Role: verify.RolePrimary, Expires: t0.Add(240 * time.Hour)},
		{Zone: "example.com.", Server: "127.0.0.1:5301", Name: "ns2", Role: verify.RoleSecondary, Expires: t0.Add(time.Hour),
			Err: "RRSIG example.com. SOA by key 4711 expires at 2025-03-01T13:00:00Z, within the 72h0m0s margin"},
	}}
	Observe(tr, res)
	st := tr.Status()
	if st.State != health.StateDegraded || !st.Ready {
		t.Fatalf("state %s ready %v, want degraded and ready", st.State, st.Ready)
	}
	if len(st.Reasons) != 1 || st.Reasons[0].Kind != health.KindDNSSECInvalid {
		t.Fatalf("reasons %+v, want only %s", st.Reasons, health.KindDNSSECInvalid)
	}
	want := "1 signed zone checks failed: zone example.com. at 127.0.0.1:5301 (secondary ns2): DNSSEC: RRSIG example.com. SOA by key 4711 expires at 2025-03-01T13:00:00Z, within the 72h0m0s margin"
	if got := st.Reasons[0].Message; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if !st.LastVerifyOK.IsZero() {
		t.Errorf("LastVerifyOK %v after a failed check", st.LastVerifyOK)
	}
	res.Check = &verify.Report{Time: t0.Add(time.Minute), Checked: 4, DNSSEC: res.Check.DNSSEC[:1]}
	Observe(tr, res)
	if st := tr.Status(); st.State != health.StateOK || len(st.Reasons) > 0 {
		t.Errorf("status %+v after a valid check, want ok", st)
	}
}
