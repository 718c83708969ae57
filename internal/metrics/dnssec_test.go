package metrics

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/verify"
)

// A signed zone's series is the earliest expiry over every server, a
// failing one's included (that is when it matters most); a zone no longer
// checked (unsigned, removed) loses its series.
func TestDNSSECExpiryMetric(t *testing.T) {
	m, reg := newMetrics(t)
	soon, later := t0.Add(24*time.Hour), t0.Add(14*24*time.Hour)
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Check: &verify.Report{Time: t0, DNSSEC: []verify.ZoneSignature{
		{Zone: "a.test.", Server: "127.0.0.1:53", Role: verify.RolePrimary, Expires: later},
		{Zone: "a.test.", Server: "127.0.0.1:5301", Role: verify.RoleSecondary, Expires: soon, Err: "RRSIG a.test. SOA by key 1 expires at ..."},
		{Zone: "b.test.", Server: "127.0.0.1:53", Role: verify.RolePrimary, Expires: later},
		{Zone: "c.test.", Server: "127.0.0.1:53", Role: verify.RolePrimary, Err: "query c.test. DNSKEY with DO: timeout"},
	}}})
	const help = `# HELP dnssync_dnssec_signature_expiry_seconds Unix time at which the earliest signature served for a signed zone expires, by zone, over the primary and every secondary, as the latest scheduled check validated them (the DNSKEY set, the SOA and the denials' NSEC records). Alert on it minus time(); absent for a zone not signed.
# TYPE dnssync_dnssec_signature_expiry_seconds gauge
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(help+`dnssync_dnssec_signature_expiry_seconds{zone="a.test."} `+strconv.FormatInt(soon.Unix(), 10)+`
dnssync_dnssec_signature_expiry_seconds{zone="b.test."} `+strconv.FormatInt(later.Unix(), 10)+`
`), "dnssync_dnssec_signature_expiry_seconds"); err != nil {
		t.Error(err)
	}
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Check: &verify.Report{Time: t0, DNSSEC: []verify.ZoneSignature{
		{Zone: "b.test.", Server: "127.0.0.1:53", Role: verify.RolePrimary, Expires: later},
	}}})
	if err := testutil.GatherAndCompare(reg, strings.NewReader(help+`dnssync_dnssec_signature_expiry_seconds{zone="b.test."} `+strconv.FormatInt(later.Unix(), 10)+`
`), "dnssync_dnssec_signature_expiry_seconds"); err != nil {
		t.Error(err)
	}
}
