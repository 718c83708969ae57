package verify

import (
	"encoding/json"
	"testing"
	"time"
)

// A signed zone not validating at a server makes the report not OK and
// its JSON not verified, with the entry's reason; a valid one shows its
// expiry (RFC 3339) and no reason.
func TestDNSSECInReportJSON(t *testing.T) {
	t.Parallel()
	exp := time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC)
	rep := Report{Servers: []string{"127.0.0.1:53"}, DNSSEC: []ZoneSignature{
		{Zone: "Example.ORG.", Server: "127.0.0.1:53", Name: "127.0.0.1:53", Role: RolePrimary, Expires: exp, Anchor: AnchorDS},
	}}
	if !rep.OK() {
		t.Fatal("a report with the zone valid is not OK")
	}
	rep.DNSSEC = append(rep.DNSSEC, ZoneSignature{Zone: "example.org.", Server: "127.0.0.1:5301", Name: "ns2", Role: RoleSecondary,
		Anchor: AnchorServed, Err: "query example.org. DNSKEY with DO at 127.0.0.1:5301: timeout"})
	if rep.OK() {
		t.Fatal("a report with the zone invalid at ns2 is OK")
	}
	b, err := json.Marshal(rep.JSON("").DNSSEC)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"zone":"example.org","server":"127.0.0.1:53","name":"127.0.0.1:53","role":"primary","valid":true,"expires":"2026-12-15T12:00:00Z","anchor":"ds"},` +
		`{"zone":"example.org","server":"127.0.0.1:5301","name":"ns2","role":"secondary","valid":false,"anchor":"served keys","reason":"query example.org. DNSKEY with DO at 127.0.0.1:5301: timeout"}]`
	if string(b) != want {
		t.Errorf("dnssec JSON\n got %s\nwant %s", b, want)
	}
	if rep.JSON("").Verified {
		t.Error("verified with a zone not validating")
	}
}
