package reconcile

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dnssync/dnssync/internal/verify"
)

// A check reads every zone's secondaries at once, and a secondary that
// does not answer (a black hole: a UDP socket that reads and never
// answers) costs the check one timeout, not one per zone: it is reported
// unreachable for every zone it serves, and the live secondary of the
// same zones in sync.
func TestCheckDeadSecondaryCostsOneTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	primary := startSOA(t, 7, 7, false)
	live := startSOA(t, 7, 7, false)
	dead, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dead.Close() })
	zones := make([]string, 20)
	for i := range zones {
		zones[i] = fmt.Sprintf("z%d.example.", i)
	}
	res := func(addr string) *verify.Resolver { return &verify.Resolver{Addr: addr, Timeout: timeout} }
	deadAddr := dead.LocalAddr().String()
	r := &Reconciler{Zones: zones, Verifier: res(primary.addr), Log: discardLog(),
		Replication: Replication{Primary: primary.addr, Secondaries: []Secondary{
			{Name: "ns2", Addr: live.addr, Zones: zones, Server: res(live.addr)},
			{Name: "ns3", Addr: deadAddr, Zones: zones, Server: res(deadAddr)},
		}}}
	start := time.Now()
	var rep verify.Report
	r.syncAll(t.Context(), &rep)
	took := time.Since(start)
	if took >= 5*timeout {
		t.Errorf("the check of %d zones took %s with one dead secondary (query timeout %s): it waited for it zone after zone", len(zones), took, timeout)
	}
	if len(rep.Sync) != 3*len(zones) {
		t.Fatalf("%d statuses, want %d (primary, ns2, ns3 for each zone)", len(rep.Sync), 3*len(zones))
	}
	for i, z := range zones {
		p, ns2, ns3 := rep.Sync[3*i], rep.Sync[3*i+1], rep.Sync[3*i+2]
		if p.Zone != z || p.Role != verify.RolePrimary || ns2.Name != "ns2" || ns3.Name != "ns3" {
			t.Fatalf("zone %s: statuses out of order: %v; %v; %v", z, p, ns2, ns3)
		}
		if !ns2.InSync {
			t.Errorf("zone %s: live secondary %v, want in sync", z, ns2)
		}
		if ns3.InSync || !strings.HasPrefix(ns3.Reason, "unreachable") {
			t.Errorf("zone %s: dead secondary %v, want unreachable", z, ns3)
		}
	}
}
