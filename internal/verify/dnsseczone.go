package verify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// A signed zone at one server, checked as a validating resolver would use
// it: its DNSKEY set against the trust anchor, a positive answer (the
// SOA), an NXDOMAIN (a random name under the apex) and a NODATA (the apex
// asked for a type it lacks), each with its signatures and proofs. These
// four answers cover every kind of signed data a zone serves: the keys,
// an RRSIG over data, and the NSEC or NSEC3 chain that denials rest on.
// A zone whose signatures lapse, or whose chain a secondary serves broken,
// fails here before any resolver fails it.

// How a ZoneSignature's DNSKEY set was anchored.
const (
	AnchorDS     = "ds"          // the DS records the parent holds (or will)
	AnchorKeys   = "keys"        // configured DNSKEYs
	AnchorServed = "served keys" // no anchor: the served set's own SEP keys
	// No anchor, at a secondary: the key-signing keys of the primary's
	// served set (PrimaryAnchor), so that a secondary serving another
	// self-consistent set fails.
	AnchorPrimary = "the primary's keys"
)

// ZoneSignature is one signed zone's validation at one server.
type ZoneSignature struct {
	Zone   string // canonical
	Server string // host:port
	Name   string // the configured label; Server when none
	Role   Role
	// Expires is the earliest expiry of the signatures validated (each
	// RRset counting its latest valid signature); zero when none was.
	Expires time.Time
	Anchor  string // AnchorDS, AnchorKeys, AnchorServed or AnchorPrimary
	Err     string // why the zone does not validate there; empty: it does
}

// OK reports whether the zone validates at the server.
func (z ZoneSignature) OK() bool { return z.Err == "" }

// String is the signature's state in a line, for logs, /readyz and
// `dnssync verify`, with what the DNSKEY set was anchored on: "served
// keys" proves the set consistent, not that it is the right one. A result
// of no server is about the configuration (a trust anchor naming no
// signed zone).
func (z ZoneSignature) String() string {
	anchored := ""
	if z.Anchor != "" {
		anchored = " (anchored on " + z.Anchor + ")"
	}
	if z.Server == "" {
		return fmt.Sprintf("zone %s: DNSSEC: %s", z.Zone, z.Err)
	}
	who := z.Server
	if z.Name != "" && z.Name != z.Server {
		who = fmt.Sprintf("%s (%s %s)", z.Server, z.Role, z.Name)
	} else if z.Role != "" {
		who = fmt.Sprintf("%s (%s)", z.Server, z.Role)
	}
	if z.OK() {
		return fmt.Sprintf("zone %s at %s: DNSSEC valid until %s%s", z.Zone, who, z.Expires.UTC().Format(time.RFC3339), anchored)
	}
	return fmt.Sprintf("zone %s at %s: DNSSEC: %s%s", z.Zone, who, z.Err, anchored)
}

// SignatureChecker validates signed zones at servers.
type SignatureChecker struct {
	Timeout time.Duration // per query; 0: 2s
	// Margin: a signature expiring sooner than this fails (ExpiryError).
	Margin time.Duration
}

// Check validates zone at the server addr against anchor (empty: the
// served DNSKEY set's own SEP keys) at now. The result carries the
// earliest expiry seen also when a check fails; Zone, Server and Anchor
// are set, Name and Role are the caller's.
func (c SignatureChecker) Check(ctx context.Context, addr, zone string, anchor TrustAnchor, now time.Time) ZoneSignature {
	zone = dns.CanonicalName(zone)
	zs := ZoneSignature{Zone: zone, Server: addr, Anchor: anchorKind(anchor)}
	var first error
	keep := func(exp time.Time, err error) {
		zs.Expires = earliest(zs.Expires, exp)
		first = firstErr(first, err)
	}
	in, err := c.exchange(ctx, addr, zone, dns.TypeDNSKEY)
	if err != nil {
		zs.Err = err.Error()
		return zs
	}
	if zs.Anchor == AnchorServed {
		anchor = servedAnchor(in.Answer)
	}
	keys, exp, err := ValidateDNSKEY(zone, in.Answer, anchor, now, c.Margin)
	var expiry *ExpiryError
	if err != nil && !errors.As(err, &expiry) {
		zs.Err = err.Error() // String says what it was anchored on
		return zs
	}
	keep(exp, err)
	for _, q := range []struct {
		name string
		typ  uint16
		want func(Validation) bool
		kind string
	}{
		{zone, dns.TypeSOA, func(v Validation) bool { return v.Kind == AnswerPositive }, "the SOA"},
		// A zone with a wildcard answers the random name from it: an A, or
		// a NODATA proved by the wildcard's denial (a `*.zone MX` without
		// A). A NODATA at the name itself would say it exists.
		{randomName(zone), dns.TypeA, func(v Validation) bool {
			return v.Kind == AnswerNXDomain || (v.Kind == AnswerPositive || v.Kind == AnswerNoData) && v.Wildcard != ""
		}, "a denial of a name that does not exist (NXDOMAIN)"},
		// RP is a type a zone's apex all but never has; if it does, the
		// positive answer validates as well as the denial would.
		{zone, dns.TypeRP, func(v Validation) bool { return v.Kind == AnswerNoData || v.Kind == AnswerPositive }, "a denial of a type the apex lacks (NODATA)"},
	} {
		in, err := c.exchange(ctx, addr, q.name, q.typ)
		if err != nil {
			keep(time.Time{}, err)
			continue
		}
		v, err := ValidateAnswer(in, q.name, q.typ, keys, now, c.Margin)
		if err == nil && !q.want(v) {
			err = fmt.Errorf("%s %s: answered %s, want %s", q.name, dns.TypeToString[q.typ], v.Kind, q.kind)
		}
		keep(v.Expiry, err)
	}
	if first != nil {
		zs.Err = first.Error()
	}
	return zs
}

// exchange asks addr for name and type with DO set, over TCP when the UDP
// answer is truncated: signatures are judged whole or not at all.
func (c SignatureChecker) exchange(ctx context.Context, addr, name string, t uint16) (*dns.Msg, error) {
	q := new(dns.Msg)
	q.SetQuestion(name, t)
	q.RecursionDesired = false
	q.SetEdns0(4096, true)
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	cl := &dns.Client{Net: "udp", Timeout: timeout, UDPSize: 4096}
	in, _, err := cl.ExchangeContext(ctx, q, addr)
	if err == nil && in.Truncated {
		cl.Net = "tcp"
		in, _, err = cl.ExchangeContext(ctx, q, addr)
	}
	if err != nil {
		return nil, fmt.Errorf("query %s %s with DO at %s: %w", name, dns.TypeToString[t], addr, err)
	}
	return in, nil
}

// anchorKind names what anchor validates the DNSKEY set against.
func anchorKind(a TrustAnchor) string {
	switch {
	case len(a.DS) > 0:
		return AnchorDS
	case len(a.Keys) > 0:
		return AnchorKeys
	}
	return AnchorServed
}

// servedAnchor is the anchor of a zone with none configured: the served
// set's SEP keys (those its parent's DS would name), which must then sign
// the set. It proves the set consistent, not that it is the right one:
// say so (AnchorServed) wherever the result is shown.
func servedAnchor(rrs []dns.RR) TrustAnchor {
	var a TrustAnchor
	for _, rr := range rrs {
		if k, ok := rr.(*dns.DNSKEY); ok && k.Flags&dns.SEP != 0 {
			a.Keys = append(a.Keys, k)
		}
	}
	return a
}

// randomName is a name under zone that no zone of ours holds: a denial
// is asked for it.
func randomName(zone string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return "dnssync-check-" + hex.EncodeToString(b) + "." + zone
}
