package apply

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

func TestSerialAbove(t *testing.T) {
	tests := []struct {
		name    string
		served  uint32
		floors  []Floor
		want    uint32 // 0: the server's own bump
		wantErr string
	}{
		{name: "no floors", served: 7},
		{name: "floors below the bump", served: 7, floors: []Floor{{"ns2", 6}, {"ns3", 7}}},
		{name: "unreachable secondaries are no floor", served: 7, floors: []Floor{{"ns2", 0}}},
		{name: "a floor equal to the bump", served: 7, floors: []Floor{{"ns2", 8}}, want: 9},
		// The e2e case: dynupdate restarted from its seed (serial 1) while
		// the secondary holds 5.
		{name: "the primary restarted from an old state", served: 1, floors: []Floor{{"ns2", 5}}, want: 6},
		{name: "the newest of several floors", served: 1, floors: []Floor{{"ns2", 5}, {"ns3", 40}, {"ns4", 2}}, want: 41},
		{name: "a floor at the top wraps to 1, skipping 0", served: 4000000000, floors: []Floor{{"ns2", math.MaxUint32}}, want: 1},
		{name: "floors compare in serial arithmetic", served: 4000000000, floors: []Floor{{"ns2", 3}}, want: 4},
		{name: "a floor older in serial arithmetic is no floor", served: 5, floors: []Floor{{"ns2", 5 + 1<<31 + 100}}},
		{name: "the served serial unknown", floors: []Floor{{"ns2", 5}}},
		// No jump past half the space from the served serial.
		{name: "a floor half the space ahead", served: 10, floors: []Floor{{"ns2", 10 + 1<<31 - 1}}, wantErr: "ns2 (serial 2147483657)"},
		{name: "floors half the space apart", served: 10, floors: []Floor{{"ns2", 100}, {"ns3", 100 + 1<<30 + 1<<29}, {"ns4", 50 + 1<<31}}, wantErr: "ns3 (serial 1610612836)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var served *observed.Zone
			if tt.served != 0 {
				served = &observed.Zone{Serial: tt.served}
			}
			got, err := serialAbove(served, tt.floors)
			if got != tt.want {
				t.Errorf("serialAbove(%d, %v) = %d (%v), want %d", tt.served, tt.floors, got, err, tt.want)
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error %v, want one naming %q", err, tt.wantErr)
			}
			if got == 0 {
				return
			}
			if !serialNewer(got, tt.served) {
				t.Errorf("%d is not newer than the served %d (RFC 1982)", got, tt.served)
			}
			for _, f := range tt.floors {
				if f.Serial != 0 && !serialNewer(got, f.Serial) {
					t.Errorf("%d is not newer than %s's %d (RFC 1982)", got, f.Server, f.Serial)
				}
			}
		})
	}
}

// TestRFC2136ApplyAboveFloors: on each real primary, serving serial 7
// while a secondary holds 100 (the primary restarted from its seed), the
// change arrives at serial 101, in one message or split into several
// (the SOA in a message of its own when the limit leaves no room beside
// a change, each next message fenced on the serial the last one set);
// a floor below the primary's serial leaves the serial to the server;
// a stale plan is still refused whole.
func TestRFC2136ApplyAboveFloors(t *testing.T) {
	t.Parallel()
	for _, k := range []corednstest.Kind{corednstest.CoreDNS, corednstest.BIND, corednstest.Knot} {
		t.Run(k.String(), func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name       string
				maxRecords int
				want       uint32 // serial after a, b, c are created
			}{
				{name: "one message", maxRecords: 1024, want: 101},
				{name: "split", maxRecords: 2, want: 101 + 3}, // SOA alone, then one record a message
				{name: "split with room", maxRecords: 3, want: 101 + 2},
			} {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					srv, b, _ := fencedPrimary(t, k, tc.maxRecords)
					ctx := context.Background()
					floors := []Floor{{Server: "ns2", Serial: 100}, {Server: "ns3", Serial: 3}, {Server: "ns4"}}

					// A stale plan is refused, floors or not, and sets no serial.
					stale := transfer(t, srv.Addr)
					if _, err := newRFC2136(t, srv.Addr).Apply(ctx, transfer(t, srv.Addr), creates(t, "theirs")); err != nil {
						t.Fatalf("the other writer: %v", err)
					}
					p := creates(t, "a", "b", "c")
					if _, err := b.ApplyAbove(ctx, stale, p, floors); !errors.Is(err, ErrConcurrentWrite) {
						t.Fatalf("stale plan applied: err %v, want ErrConcurrentWrite", err)
					}
					fresh := transfer(t, srv.Addr)
					if fresh.Serial != stale.Serial+1 {
						t.Errorf("serial %d after a refused plan, want the other writer's %d", fresh.Serial, stale.Serial+1)
					}

					if _, err := b.ApplyAbove(ctx, fresh, p, floors); err != nil {
						t.Fatalf("apply above floors: %v", err)
					}
					now := transfer(t, srv.Addr)
					if now.Serial != tc.want {
						t.Errorf("serial %d, want %d: above the secondary's 100", now.Serial, tc.want)
					}
					for _, c := range p.Changes {
						if !now.Sets[c.Key].Equal(c.New) {
							t.Errorf("%v served as %v, want %v", c.Key, now.Sets[c.Key], c.New)
						}
					}
					key := rrset.Key{Name: "example.org.", Type: dns.TypeSOA}
					if !now.Sets[key].Equal(fresh.Sets[key]) {
						t.Errorf("SOA %v after the apply, want %v but for the serial", now.Sets[key], fresh.Sets[key])
					}

					// Floors behind the primary: its own bump.
					if _, err := b.ApplyAbove(ctx, now, creates(t, "d"), floors); err != nil {
						t.Fatalf("apply above floors behind: %v", err)
					}
					if got := transfer(t, srv.Addr).Serial; got != now.Serial+1 {
						t.Errorf("serial %d with the floors behind, want the server's bump to %d", got, now.Serial+1)
					}
				})
			}
		})
	}
}

// TestRFC2136ApplyAboveTooFar: a floor no serial within half the space of
// the served one can pass: the change is still sent, fenced, without
// setting the serial, and the error log names the secondary.
func TestRFC2136ApplyAboveTooFar(t *testing.T) {
	t.Parallel()
	srv := startUpdateServer(t, map[string]string{updKey: updSecret})
	b := newRFC2136(t, srv.addr)
	var logs bytes.Buffer
	b.log = slog.New(slog.NewTextHandler(&logs, nil))
	soa := mustRR(t, "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300")
	served := &observed.Zone{Name: updZone, Serial: 10, Sets: zoneOf(soa)}
	p := diff.Plan{Zone: updZone, Changes: []diff.Change{create(setOf(t, "a.example.com. 300 IN A 192.0.2.1"))}}
	if _, err := b.ApplyAbove(context.Background(), served, p, []Floor{{Server: "ns2.example:53", Serial: 10 + 1<<31}}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d messages, want 1", len(reqs))
	}
	m := reqs[0].msg
	if len(m.Answer) != 1 || m.Answer[0].(*dns.SOA).Serial != 10 {
		t.Errorf("prerequisites %v, want the SOA at serial 10", m.Answer)
	}
	for _, rr := range m.Ns {
		if rr.Header().Rrtype == dns.TypeSOA {
			t.Errorf("update sets the SOA %v, a jump past half the serial space", rr)
		}
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "ns2.example:53 (serial 2147483658)") {
		t.Errorf("log %q, want an error naming ns2.example:53", logs.String())
	}
}
