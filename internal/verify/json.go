package verify

import (
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/rrset"
)

// JSON is the report in its one JSON shape: the data of GET
// /api/v1/dns/verify/{name} and of ?wait=verified, and what `dnssync verify
// [NAME] --json` prints. name is the name checked; empty for a check of
// every record. A name with nothing checked is not verified: there was
// nothing to find served.
func (r Report) JSON(name string) client.Verification {
	v := client.Verification{
		Name:     display(name),
		Verified: r.OK() && (name == "" || len(r.Results) > 0),
		Servers:  []string{},
		Checked:  r.Checked,
		Records:  make([]client.RRsetStatus, 0, len(r.Results)),
	}
	if len(r.Servers) > 0 {
		v.Server, v.Servers = r.Servers[0], r.Servers
	}
	for _, res := range r.Results {
		v.Records = append(v.Records, res.JSON())
	}
	v.Zones = zonesJSON(r.Sync)
	for _, z := range r.DNSSEC {
		v.DNSSEC = append(v.DNSSEC, z.JSON())
	}
	return v
}

// JSON is the signature check as one entry of a Verification's dnssec.
func (z ZoneSignature) JSON() client.ZoneSignature {
	j := client.ZoneSignature{Zone: display(z.Zone), Server: z.Server, Name: z.Name, Role: string(z.Role),
		Valid: z.OK(), Anchor: z.Anchor, Reason: z.Err}
	if !z.Expires.IsZero() {
		j.Expires = z.Expires.UTC().Format(time.RFC3339)
	}
	return j
}

// JSON is the result as one entry of a Verification's records: names
// without the trailing dot and values as a person writes them, as
// everywhere in the API.
func (r Result) JSON() client.RRsetStatus {
	s := client.RRsetStatus{
		Name:       display(r.Key.Name),
		RecordType: dns.TypeToString[r.Key.Type],
		Server:     r.Server,
		Status:     string(r.Status),
		Want:       rrset.Texts(r.Want),
		Served:     rrset.Texts(r.Served),
		Verified:   r.Status == StatusVerified,
	}
	if r.Want != nil {
		s.WantTTL = r.Want.TTL
	}
	if r.Served != nil {
		s.ServedTTL = r.Served.TTL
	}
	if r.Err != nil {
		s.Error = r.Err.Error()
	}
	if !r.By.IsZero() {
		s.WillServeBy = bySecond(r.By).UTC().Format(time.RFC3339)
	}
	return s
}

// display is a name as the API shows it: lower case, no trailing dot.
func display(name string) string {
	if name == "" {
		return ""
	}
	return strings.TrimSuffix(dns.CanonicalName(name), ".")
}

// bySecond is t rounded up to the second, as RFC 3339 shows it without a
// fraction: "will serve by" must never say a moment too early.
func bySecond(t time.Time) time.Time {
	if u := t.Truncate(time.Second); u.Before(t) {
		return u.Add(time.Second)
	}
	return t
}
