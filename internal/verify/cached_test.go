package verify

import (
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// denying answers every query NXDOMAIN, as a cache does that asked before
// the name existed: the SOA in the authority section carries the TTL the
// cache keeps the denial for, counted down; soaTTL < 0 leaves the SOA out.
func denying(t *testing.T, soaTTL int) dns.HandlerFunc {
	soa, err := dns.NewRR("example.com. 0 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 5")
	if err != nil {
		t.Fatal(err)
	}
	return func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeNameError)
		m.RecursionAvailable = true
		if soaTTL >= 0 {
			s := dns.Copy(soa)
			s.Header().Ttl = uint32(soaTTL)
			m.Ns = append(m.Ns, s)
		}
		w.WriteMsg(m)
	}
}

// A resolver is lagging, not wrong, only while what it may have cached
// before the change can still be in its cache: with no history (`dnssync
// verify NAME`), for the TTL its answer carries; with the daemon's
// history, for the old set's TTL (or the zone's negative TTL) since the
// change, and never past it.
func TestCachedWillServeBy(t *testing.T) {
	t.Parallel()
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	want := set(t, "www.example.com. 300 IN A 192.0.2.1")
	now := time.Date(2026, 4, 15, 12, 0, 0, 0, time.UTC)
	at := func(ago, cached time.Duration) History {
		return func(rrset.Key) Change { return Change{At: now.Add(-ago), Cached: cached} }
	}
	oldData := func(t *testing.T) string {
		return nameserver(t, answering(t, false, "www.example.com. 7 IN A 192.0.2.9"))
	}
	tests := []struct {
		name    string
		addr    func(t *testing.T) string
		history History
		status  Status
		by      time.Duration // after now; for StatusLagging
	}{
		{"old data, no history: the remaining TTL", oldData, nil, StatusLagging, 7 * time.Second},
		{"denial, no history: the SOA's remaining TTL", func(t *testing.T) string { return nameserver(t, denying(t, 5)) },
			nil, StatusLagging, 5 * time.Second},
		{"denial without a SOA, no history: no TTL to wait for", func(t *testing.T) string { return nameserver(t, denying(t, -1)) },
			nil, StatusMissing, 0},
		{"old data with TTL 0, no history", func(t *testing.T) string {
			return nameserver(t, answering(t, false, "www.example.com. 0 IN A 192.0.2.9"))
		}, nil, StatusMismatch, 0},
		{"old data within the old TTL since the change", oldData, at(2*time.Second, 60*time.Second), StatusLagging, 7 * time.Second},
		{"old data, the old TTL runs out before the answer's", oldData, at(2*time.Second, 5*time.Second), StatusLagging, 3 * time.Second},
		{"old data past the old TTL since the change", oldData, at(20*time.Second, 10*time.Second), StatusMismatch, 0},
		{"denial within the zone's negative TTL", func(t *testing.T) string { return nameserver(t, denying(t, 5)) },
			at(time.Second, 5*time.Second), StatusLagging, 4 * time.Second},
		{"denial past the zone's negative TTL", func(t *testing.T) string { return nameserver(t, denying(t, 5)) },
			at(6*time.Second, 5*time.Second), StatusMissing, 0},
		{"changed just now, the window the wanted TTL", oldData, at(0, 0), StatusLagging, 7 * time.Second},
		{"changed long ago", oldData, func(rrset.Key) Change { return Change{} }, StatusMismatch, 0},
		{"history not kept (`dnssync verify`): the remaining TTL", oldData, func(rrset.Key) Change { return Change{Unknown: true} },
			StatusLagging, 7 * time.Second},
		{"history not kept, an answer with TTL 0", func(t *testing.T) string {
			return nameserver(t, answering(t, false, "www.example.com. 0 IN A 192.0.2.9"))
		}, func(rrset.Key) Change { return Change{Unknown: true} }, StatusMismatch, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := &Resolver{Addr: tt.addr(t), Timeout: time.Second, Recurse: true}
			rep := CheckAll(t.Context(), []*Resolver{srv}, map[rrset.Key]*rrset.Set{www: want}, tt.history, now, nil)
			if len(rep.Results) != 1 {
				t.Fatalf("report %+v, want one result", rep)
			}
			got := rep.Results[0]
			if got.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", got.Status, got, tt.status)
			}
			var wantBy time.Time
			if tt.status == StatusLagging {
				wantBy = now.Add(tt.by)
			}
			if !got.By.Equal(wantBy) {
				t.Errorf("By = %v, want %v", got.By, wantBy)
			}
			j := got.JSON()
			if wantJSON := map[bool]string{true: wantBy.Format(time.RFC3339)}[tt.status == StatusLagging]; j.WillServeBy != wantJSON {
				t.Errorf("will_serve_by = %q, want %q", j.WillServeBy, wantJSON)
			}
		})
	}
}

// A resolver passes its upstream's AA bit on from its cache (CoreDNS's
// cache plugin does, v1.15.0, measured through e2e's caching CoreDNS): its
// answer is still a cache's, its TTL counting down, and may lag. Asked
// without RD, a server answers from its own data, and never lags.
func TestResolverWithAABitIsACache(t *testing.T) {
	t.Parallel()
	www := rrset.Key{Name: "www.example.com.", Type: dns.TypeA}
	want := set(t, "www.example.com. 300 IN A 192.0.2.1")
	now := time.Now()
	tests := []struct {
		name    string
		line    string
		recurse bool
		status  Status
	}{
		{"resolver, old data", "www.example.com. 7 IN A 192.0.2.9", true, StatusLagging},
		{"resolver, TTL counted down", "www.example.com. 17 IN A 192.0.2.1", true, StatusVerified},
		{"authoritative, old data", "www.example.com. 7 IN A 192.0.2.9", false, StatusMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := &Resolver{Addr: nameserver(t, answering(t, true, tt.line)), Timeout: time.Second, Recurse: tt.recurse}
			rep := CheckAll(t.Context(), []*Resolver{srv}, map[rrset.Key]*rrset.Set{www: want}, nil, now, nil)
			got := rep.Results[0]
			if got.Status != tt.status || got.Status == StatusLagging && !got.By.Equal(now.Add(7*time.Second)) {
				t.Errorf("result %s (by %v), want %s", got, got.By, tt.status)
			}
		})
	}
}
