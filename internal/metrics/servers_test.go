package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/verify"
)

// Each server of a zone gets its serial and whether it is in sync, from
// the post-apply wait (reported when it ends, apart from the pass) and
// from the scheduled check; a secondary that
// served the change puts its time into the replication histogram, a
// lagging one does not.
func TestServerMetrics(t *testing.T) {
	m, reg := newMetrics(t)
	const zone = "example.com."
	z := applied(zone, time.Second)
	ns2 := verify.SerialStatus(zone, "127.0.0.1:5301", "ns2", verify.RoleSecondary, 8, 8, nil)
	ns2.Took = 300 * time.Millisecond
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Zones: []reconcile.ZoneResult{z},
		Check: &verify.Report{Time: t0, Sync: []verify.ServerStatus{
			{Zone: zone, Server: "127.0.0.1:5400", Name: "cache", Role: verify.RoleResolver, InSync: true},
		}}})
	// The secondaries' wait outlives the pass: its outcome comes apart.
	m.ObservePropagation(reconcile.Propagation{Zone: zone, Serial: 8, Servers: []verify.ServerStatus{
		verify.SerialStatus(zone, "127.0.0.1:53", "", verify.RolePrimary, 8, 8, nil),
		ns2,
		verify.SerialStatus(zone, "127.0.0.1:5302", "ns3", verify.RoleSecondary, 7, 8, nil),
	}})
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP dnssync_server_in_sync 1 when the server serves the zone as the primary does (a secondary: the primary's serial; a resolver: the zone's records), 0 otherwise, by server and zone, as last checked.
# TYPE dnssync_server_in_sync gauge
dnssync_server_in_sync{server="127.0.0.1:53",zone="example.com."} 1
dnssync_server_in_sync{server="cache",zone="example.com."} 1
dnssync_server_in_sync{server="ns2",zone="example.com."} 1
dnssync_server_in_sync{server="ns3",zone="example.com."} 0
# HELP dnssync_server_serial The SOA serial an authoritative server (the primary, a secondary) serves, by server and zone, as last read.
# TYPE dnssync_server_serial gauge
dnssync_server_serial{server="127.0.0.1:53",zone="example.com."} 8
dnssync_server_serial{server="ns2",zone="example.com."} 8
dnssync_server_serial{server="ns3",zone="example.com."} 7
`), "dnssync_server_serial", "dnssync_server_in_sync"); err != nil {
		t.Error(err)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP dnssync_replication_seconds Time from a change applied on the primary until a secondary served it, by secondary (one observation per secondary and change).
# TYPE dnssync_replication_seconds histogram
dnssync_replication_seconds_bucket{server="ns2",le="0.005"} 0
dnssync_replication_seconds_bucket{server="ns2",le="0.01"} 0
dnssync_replication_seconds_bucket{server="ns2",le="0.025"} 0
dnssync_replication_seconds_bucket{server="ns2",le="0.05"} 0
dnssync_replication_seconds_bucket{server="ns2",le="0.1"} 0
dnssync_replication_seconds_bucket{server="ns2",le="0.25"} 0
dnssync_replication_seconds_bucket{server="ns2",le="0.5"} 1
dnssync_replication_seconds_bucket{server="ns2",le="1"} 1
dnssync_replication_seconds_bucket{server="ns2",le="2.5"} 1
dnssync_replication_seconds_bucket{server="ns2",le="5"} 1
dnssync_replication_seconds_bucket{server="ns2",le="10"} 1
dnssync_replication_seconds_bucket{server="ns2",le="20"} 1
dnssync_replication_seconds_bucket{server="ns2",le="30"} 1
dnssync_replication_seconds_bucket{server="ns2",le="60"} 1
dnssync_replication_seconds_bucket{server="ns2",le="+Inf"} 1
dnssync_replication_seconds_sum{server="ns2"} 0.3
dnssync_replication_seconds_count{server="ns2"} 1
`), "dnssync_replication_seconds"); err != nil {
		t.Error(err)
	}
}
