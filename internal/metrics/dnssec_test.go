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

const (
	expiryHelp = `# HELP dnssync_dnssec_signature_expiry_seconds Unix time at which the earliest signature served for a signed zone expires, by zone, over the primary and every secondary, as the latest scheduled check validated them (the DNSKEY set, the SOA and the denials' NSEC records). A check that reads no signature (the DNSKEY query failed, no key matches the anchor) keeps the last value seen; the series goes when the zone is no longer checked (unsigned, removed). Alert on it minus time(), and on dnssync_dnssec_valid.
# TYPE dnssync_dnssec_signature_expiry_seconds gauge
`
	validHelp = `# HELP dnssync_dnssec_valid 1 when a signed zone validated at the primary and every secondary in the latest scheduled check (signatures, chain and proofs, no signature within the expiry margin), else 0; by zone, absent for a zone not checked.
# TYPE dnssync_dnssec_valid gauge
`
)

// A signed zone's series is the earliest expiry over every server, a
// failing one's included (that is when it matters most); a check that
// reads no expiry for it keeps the last value (a zone most broken must
// not lose its series); a zone no longer checked (unsigned, removed)
// loses it. dnssync_dnssec_valid says whether it validates everywhere,
// and dnssync_check_failures{status="dnssec"} counts the failing
// zone-server pairs.
func TestDNSSECExpiryMetric(t *testing.T) {
	m, reg := newMetrics(t)
	soon, later := t0.Add(24*time.Hour), t0.Add(14*24*time.Hour)
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Check: &verify.Report{Time: t0, DNSSEC: []verify.ZoneSignature{
		{Zone: "a.test.", Server: "127.0.0.1:53", Role: verify.RolePrimary, Expires: later},
		{Zone: "a.test.", Server: "127.0.0.1:5301", Role: verify.RoleSecondary, Expires: soon, Err: "RRSIG a.test. SOA by key 1 expires at ..."},
		{Zone: "b.test.", Server: "127.0.0.1:53", Role: verify.RolePrimary, Expires: later},
		{Zone: "c.test.", Server: "127.0.0.1:53", Role: verify.RolePrimary, Err: "query c.test. DNSKEY with DO: timeout"},
	}}})
	gather := func(want string, names ...string) {
		t.Helper()
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
			t.Error(err)
		}
	}
	ts := func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
	gather(expiryHelp+`dnssync_dnssec_signature_expiry_seconds{zone="a.test."} `+ts(soon)+`
dnssync_dnssec_signature_expiry_seconds{zone="b.test."} `+ts(later)+`
`, "dnssync_dnssec_signature_expiry_seconds")
	gather(validHelp+`dnssync_dnssec_valid{zone="a.test."} 0
dnssync_dnssec_valid{zone="b.test."} 1
dnssync_dnssec_valid{zone="c.test."} 0
`, "dnssync_dnssec_valid")
	if got := testutil.ToFloat64(m.checkFailures.WithLabelValues("dnssec")); got != 2 {
		t.Errorf(`check_failures{status="dnssec"} = %v, want 2`, got)
	}

	// a.test.'s DNSKEY query now fails at the primary and its key no
	// longer matches at the secondary: no expiry read, the last one kept.
	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Check: &verify.Report{Time: t0, DNSSEC: []verify.ZoneSignature{
		{Zone: "a.test.", Server: "127.0.0.1:53", Role: verify.RolePrimary, Err: "query a.test. DNSKEY with DO: timeout"},
		{Zone: "a.test.", Server: "127.0.0.1:5301", Role: verify.RoleSecondary, Err: "DNSKEY set (anchored on ds): no key matching"},
		{Zone: "b.test.", Server: "127.0.0.1:53", Role: verify.RolePrimary, Expires: later},
	}}})
	gather(expiryHelp+`dnssync_dnssec_signature_expiry_seconds{zone="a.test."} `+ts(soon)+`
dnssync_dnssec_signature_expiry_seconds{zone="b.test."} `+ts(later)+`
`, "dnssync_dnssec_signature_expiry_seconds")
	gather(validHelp+`dnssync_dnssec_valid{zone="a.test."} 0
dnssync_dnssec_valid{zone="b.test."} 1
`, "dnssync_dnssec_valid")

	m.Observe(reconcile.Result{Full: true, Start: t0, State: state(t), Check: &verify.Report{Time: t0, DNSSEC: []verify.ZoneSignature{
		{Zone: "b.test.", Server: "127.0.0.1:53", Role: verify.RolePrimary, Expires: later},
	}}})
	gather(expiryHelp+`dnssync_dnssec_signature_expiry_seconds{zone="b.test."} `+ts(later)+`
`, "dnssync_dnssec_signature_expiry_seconds")
	gather(validHelp+`dnssync_dnssec_valid{zone="b.test."} 1
`, "dnssync_dnssec_valid")
	if got := testutil.ToFloat64(m.checkFailures.WithLabelValues("dnssec")); got != 0 {
		t.Errorf(`check_failures{status="dnssec"} = %v after a clean check, want 0`, got)
	}
}
