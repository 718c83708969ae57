package reconcile

import (
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/dnssync/dnssync/internal/verify"
)

// `dnssync verify` (every record) keeps no history of changes: a resolver
// still answering from its cache what it held before is lagging for the
// TTL its answer carries, as `dnssync verify NAME` judges it, not a
// mismatch. A Reconciler that keeps history (the daemon, TrackChanges)
// knows that it changed nothing: such an answer is wrong there.
func TestVerifyResolversWithoutHistory(t *testing.T) {
	t.Parallel()
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	for _, tt := range []struct {
		name  string
		track bool
		want  verify.Status
	}{
		{"no history kept: the cache's TTL", false, verify.StatusLagging},
		{"history kept, nothing changed", true, verify.StatusMismatch},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := syncedHarness(t)
			primary := serving(t, "www.example.com. 300 IN A 192.0.2.1", "www.example.net. 300 IN A 192.0.2.1")
			cache := answeringAt(t, false, "www.example.com. 7 IN A 192.0.2.9", "www.example.net. 40 IN A 192.0.2.1")
			h.r.Checker = verify.Servers{{Addr: primary, Timeout: time.Second}, {Addr: cache, Timeout: time.Second, Recurse: true}}
			h.r.TrackChanges = tt.track

			before := time.Now()
			rep, err := h.r.Verify(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var got *verify.Result
			for i, res := range rep.Results {
				if res.Server == cache && res.Key == www {
					got = &rep.Results[i]
				} else if res.Status != verify.StatusVerified {
					t.Errorf("%s: want verified", res)
				}
			}
			if got == nil || got.Status != tt.want {
				t.Fatalf("%s at the cache: %v, want %s (report %+v)", www, got, tt.want, rep.Results)
			}
			if tt.want == verify.StatusLagging {
				if got.By.Before(before.Add(7*time.Second)) || got.By.After(time.Now().Add(7*time.Second)) || !rep.OK() {
					t.Errorf("%s: will serve by %v, want 7 s from the check; report OK %v", got, got.By, rep.OK())
				}
			} else if rep.OK() {
				t.Errorf("report OK with %s", got)
			}
		})
	}
}
