package apply

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/corednstest"
	"github.com/dnssync/dnssync/internal/diff"
	"github.com/dnssync/dnssync/internal/observed"
	"github.com/dnssync/dnssync/internal/rrset"
)

// The serial-only write: a secondary serves a newer serial than the
// primary (a restored backup, a secondary down during the first write
// after a wipe), and records.d has nothing to change. An empty plan
// applied above its serial writes the zone again with only the serial
// moved above it, so that the secondary follows again.

// TestZoneFileSerialOnly: an empty plan with a floor above the served
// serial rewrites the zone file with a serial above the floor and
// nothing else changed; a floor no serial within half the serial space
// can pass writes nothing and says so.
func TestZoneFileSerialOnly(t *testing.T) {
	b, _ := newZoneFile(t)
	ctx := context.Background()
	empty := &observed.Zone{Name: "example.com.", Sets: rrset.Zone{}}
	p := diff.Compute(diff.Input{Zone: "example.com.", Desired: desiredZone(t, b), Observed: empty.Sets})
	first, err := b.Apply(ctx, empty, p)
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(b.Path("example.com."))
	if err != nil {
		t.Fatal(err)
	}
	served := servedAs(t, before, first.Serial)

	floor := first.Serial + 40
	res, err := b.ApplyAbove(ctx, served, diff.Plan{Zone: "example.com."}, []Floor{{Server: "ns2", Serial: floor}, {Server: "ns3", Serial: first.Serial}})
	if err != nil {
		t.Fatalf("serial-only write: %v", err)
	}
	if res.Serial != floor+1 {
		t.Errorf("serial %d, want %d: one above the secondary's %d", res.Serial, floor+1, floor)
	}
	after, err := os.ReadFile(b.Path("example.com."))
	if err != nil {
		t.Fatal(err)
	}
	if diskSerial(b.Path("example.com.")) != res.Serial {
		t.Errorf("zone file serial %d, want %d", diskSerial(b.Path("example.com.")), res.Serial)
	}
	if got := b.serials.Last("example.com."); got != res.Serial {
		t.Errorf("recorded serial %d, want %d", got, res.Serial)
	}
	sameZone(t, withoutSerial(t, after), withoutSerial(t, before)) // only the serial moved

	// No serial within half the space passes the floor: nothing written.
	served = servedAs(t, after, res.Serial)
	if _, err := b.ApplyAbove(ctx, served, diff.Plan{Zone: "example.com."}, []Floor{{Server: "ns2", Serial: res.Serial + 1<<31}}); err == nil || !strings.Contains(err.Error(), "ns2") {
		t.Errorf("serial-only write past half the serial space: err %v, want one naming ns2", err)
	}
	if again, _ := os.ReadFile(b.Path("example.com.")); !bytes.Equal(again, after) {
		t.Errorf("zone file rewritten though no serial passes the floor:\n%s", again)
	}
	if got := b.serials.Last("example.com."); got != res.Serial {
		t.Errorf("recorded serial %d after a write not made, want %d", got, res.Serial)
	}
}

// TestRFC2136SerialOnly: on each real primary, an empty plan with a floor
// above the served serial sends one UPDATE replacing the SOA with the
// serial one above the floor, fenced as any other (also where the limit
// leaves no room beside the fence); the zone's data stays as it was. A
// floor the server's own bump passes sends nothing.
func TestRFC2136SerialOnly(t *testing.T) {
	t.Parallel()
	for _, k := range []corednstest.Kind{corednstest.CoreDNS, corednstest.BIND, corednstest.Knot} {
		t.Run(k.String(), func(t *testing.T) {
			t.Parallel()
			for _, maxRecords := range []int{1024, 2} {
				srv, b, _ := fencedPrimary(t, k, maxRecords)
				ctx := context.Background()
				served := transfer(t, srv.Addr)
				floor := served.Serial + 100

				// A floor the server's bump passes: nothing to send.
				if _, err := b.ApplyAbove(ctx, served, diff.Plan{Zone: "example.org."}, []Floor{{Server: "ns2", Serial: served.Serial}}); err != nil {
					t.Fatalf("empty plan, floors behind: %v", err)
				}
				if got := transfer(t, srv.Addr).Serial; got != served.Serial {
					t.Errorf("max %d: serial %d after an empty plan with floors behind, want %d unchanged", maxRecords, got, served.Serial)
				}

				res, err := b.ApplyAbove(ctx, served, diff.Plan{Zone: "example.org."}, []Floor{{Server: "ns2", Serial: floor}, {Server: "ns3"}})
				if err != nil {
					t.Fatalf("max %d: serial-only update: %v", maxRecords, err)
				}
				now := transfer(t, srv.Addr)
				if now.Serial != floor+1 || res.Serial != floor+1 {
					t.Errorf("max %d: serial %d (result %d), want %d: one above the secondary's %d", maxRecords, now.Serial, res.Serial, floor+1, floor)
				}
				soaKey := rrset.Key{Name: "example.org.", Type: dns.TypeSOA}
				if !now.Sets[soaKey].Equal(served.Sets[soaKey]) {
					t.Errorf("max %d: SOA %v, want %v but for the serial", maxRecords, now.Sets[soaKey], served.Sets[soaKey])
				}
				if len(now.Sets) != len(served.Sets) {
					t.Errorf("max %d: %d RRsets served after a serial-only update, want %d", maxRecords, len(now.Sets), len(served.Sets))
				}
				for key, s := range served.Sets {
					if !now.Sets[key].Equal(s) {
						t.Errorf("max %d: %v served as %v, want %v unchanged", maxRecords, key, now.Sets[key], s)
					}
				}
			}
		})
	}
}

// TestRFC2136SerialOnlyTooFar: an empty plan whose floor no serial within
// half the serial space passes sends nothing and returns an error naming
// the secondary.
func TestRFC2136SerialOnlyTooFar(t *testing.T) {
	t.Parallel()
	srv := startUpdateServer(t, map[string]string{updKey: updSecret})
	b := newRFC2136(t, srv.addr)
	b.log = slog.New(slog.DiscardHandler)
	soa := mustRR(t, "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 0 3600 600 604800 300")
	served := &observed.Zone{Name: updZone, Serial: 10, Sets: zoneOf(soa)}
	_, err := b.ApplyAbove(context.Background(), served, diff.Plan{Zone: updZone}, []Floor{{Server: "ns2.example:53", Serial: 10 + 1<<31}})
	if err == nil || !strings.Contains(err.Error(), "ns2.example:53") {
		t.Errorf("err %v, want one naming ns2.example:53", err)
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("%d messages sent, want none", n)
	}
}

// servedAs is the zone as CoreDNS serves zone file text at serial.
func servedAs(t *testing.T, text []byte, serial uint32) *observed.Zone {
	t.Helper()
	return &observed.Zone{Name: "example.com.", Serial: serial, Sets: zoneTextSets(t, text, false)}
}

// withoutSerial is zone file text's records, the SOA's serial zeroed.
func withoutSerial(t *testing.T, text []byte) rrset.Zone {
	t.Helper()
	return zoneTextSets(t, text, true)
}

// zoneTextSets is zone file text's records; zeroSerial zeroes the SOA's
// serial.
func zoneTextSets(t *testing.T, text []byte, zeroSerial bool) rrset.Zone {
	t.Helper()
	z := rrset.Zone{}
	zp := dns.NewZoneParser(bytes.NewReader(text), "", "zone")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if soa, isSOA := rr.(*dns.SOA); isSOA && zeroSerial {
			soa.Serial = 0
		}
		z.Put(rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	return z
}
