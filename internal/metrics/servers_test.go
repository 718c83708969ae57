package metrics

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/verify"
)

// Each server of a zone gets its serial and whether it is in sync from
// the scheduled check; from the post-apply wait (each secondary reported
// apart from the pass, as soon as its outcome is known), a secondary that
// served the change puts its time into the replication histogram, and a
// lagging one is set out of sync.
func TestServerMetrics(t *testing.T) {
	m, reg := newMetrics(t)
	const zone = "example.com."
	z := applied(zone, time.Second)
	ns2 := verify.SerialStatus(zone, "127.0.0.1:5301", "ns2", verify.RoleSecondary, 8, 8, nil)
	ns2.Took = 300 * time.Millisecond
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Zones: []reconcile.ZoneResult{z},
		Check: &verify.Report{Time: t0, Sync: []verify.ServerStatus{
			verify.SerialStatus(zone, "127.0.0.1:53", "", verify.RolePrimary, 8, 8, nil),
			verify.SerialStatus(zone, "127.0.0.1:5301", "ns2", verify.RoleSecondary, 8, 8, nil),
			verify.SerialStatus(zone, "127.0.0.1:5302", "ns3", verify.RoleSecondary, 8, 8, nil),
			{Zone: zone, Server: "127.0.0.1:5400", Name: "cache", Role: verify.RoleResolver, InSync: true},
		}}})
	// The secondaries' wait outlives the pass: its outcomes come apart.
	m.ObserveSecondary(ns2)
	m.ObserveSecondary(verify.SerialStatus(zone, "127.0.0.1:5302", "ns3", verify.RoleSecondary, 7, 8, nil))
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
# HELP dnssync_replication_seconds Time from a change applied on the primary until a secondary served it, by secondary (one observation as each secondary is seen serving a change).
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

// A wait's outcome that a secondary served the change does not overwrite
// a scheduled check's finding: the secondary served at once, died, the
// check found it unreachable, and only then did the wait report.
func TestLateWaitDoesNotUndoCheck(t *testing.T) {
	m, reg := newMetrics(t)
	const zone = "example.com."
	dead := verify.SerialStatus(zone, "127.0.0.1:5301", "ns2", verify.RoleSecondary, 0, 8, errors.New("unreachable"))
	m.Observe(reconcile.Result{Start: t0, Check: &verify.Report{Time: t0, Sync: []verify.ServerStatus{dead}}})
	served := verify.SerialStatus(zone, "127.0.0.1:5301", "ns2", verify.RoleSecondary, 8, 8, nil)
	served.Took = 100 * time.Millisecond
	m.ObserveSecondary(served)
	if got := testutil.ToFloat64(m.serverInSync.WithLabelValues("ns2", zone)); got != 0 {
		t.Errorf("in_sync %v after the late wait, want the check's 0", got)
	}
	if n := testutil.CollectAndCount(reg, "dnssync_replication_seconds"); n != 1 {
		t.Errorf("%d replication series, want ns2's", n)
	}
}

// A (server, zone) pair that a scheduled check no longer covers (a
// secondary removed from the config, a zone removed through zones.d)
// loses its series: its last in_sync 0 must not keep an alert firing.
// One set only by a wait's lagging outcome goes too.
func TestServerSeriesDroppedWhenGone(t *testing.T) {
	m, reg := newMetrics(t)
	st := func(name, zone string, serial uint32) verify.ServerStatus {
		return verify.SerialStatus(zone, "127.0.0.1:53", name, verify.RoleSecondary, serial, 8, nil)
	}
	check := func(sync ...verify.ServerStatus) {
		m.Observe(reconcile.Result{Start: t0, Check: &verify.Report{Time: t0, Sync: sync}})
	}
	check(st("ns2", "a.example.", 8), st("ns3", "a.example.", 7), st("ns2", "b.example.", 8))
	m.ObserveSecondary(st("ns4", "a.example.", 6)) // a wait's lagging outcome
	if n := testutil.CollectAndCount(reg, "dnssync_server_in_sync"); n != 4 {
		t.Fatalf("%d in_sync series, want 4", n)
	}
	check(st("ns2", "a.example.", 8)) // ns3, ns4 and zone b.example. gone
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP dnssync_server_in_sync 1 when the server serves the zone as the primary does (a secondary: the primary's serial; a resolver: the zone's records), 0 otherwise, by server and zone, as last checked.
# TYPE dnssync_server_in_sync gauge
dnssync_server_in_sync{server="ns2",zone="a.example."} 1
# HELP dnssync_server_serial The SOA serial an authoritative server (the primary, a secondary) serves, by server and zone, as last read.
# TYPE dnssync_server_serial gauge
dnssync_server_serial{server="ns2",zone="a.example."} 8
`), "dnssync_server_serial", "dnssync_server_in_sync"); err != nil {
		t.Error(err)
	}
}
