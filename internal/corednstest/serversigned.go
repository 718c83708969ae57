package corednstest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Zones the server signs: a BIND primary with a dnssec-policy, or Knot
// with automatic signing, for tests of the rfc2136 backend on a zone
// dnssync marks dnssec = true (the server signs, dnssync validates).
//
// BIND 9.18 signs a dynamic zone (update-policy) in place: the records an
// UPDATE adds are signed in the same transaction, under one serial bump,
// and every transfer and answer comes from the one signed zone. Inline
// signing (a second, unsigned copy the UPDATEs go to) is not needed for a
// dynamic zone, and would serve serials that are not the ones an UPDATE's
// prerequisite is checked against.

// PolicyName is the signing policy the signed primaries declare.
const PolicyName = "dnssync-test"

// SignPolicy is what a test chooses of the server's signing.
type SignPolicy struct {
	// Resign (BIND only), when set, has BIND re-sign the zone on its
	// own, and bump its serial with no UPDATE sent, about every two times
	// Resign: signatures valid 10 x Resign, refreshed when 8 x Resign
	// remain (BIND 9.18 refuses a refresh of 90% of the validity or
	// more). Zero keeps BIND's defaults (valid two weeks, refreshed after
	// one).
	Resign time.Duration
	// Inline (BIND only) signs with inline-signing: UPDATEs go to an
	// unsigned copy of the zone with its own serial, which is what their
	// prerequisites are checked against, while the signed copy is served.
	Inline bool
}

// SignedNamedConf is z's named.conf (a primary taking UPDATEs signed with
// z's key) with the zone signed by BIND under a policy made for tests: one
// combined key (ECDSAP256SHA256) that never rolls, NSEC, and TTLs and
// margins of seconds where BIND allows them (max-zone-ttl caps what the
// zone may hold: 3600, above every TTL the tests write). `inline-signing
// no` says what 9.18 does for a dynamic zone, and keeps it so on 9.20,
// whose default changed.
func (z UpdateZone) SignedNamedConf(p SignPolicy) string {
	var resign string
	if p.Resign > 0 {
		s := int(p.Resign.Seconds() + 0.5)
		resign = fmt.Sprintf(`    signatures-validity PT%[1]dS;
    signatures-validity-dnskey PT%[1]dS;
    signatures-refresh PT%[2]dS;
    signatures-jitter PT1S;
`, 10*s, 8*s)
	}
	policy := fmt.Sprintf(`dnssec-policy "%s" {
    keys { csk lifetime unlimited algorithm ecdsap256sha256; };
    dnskey-ttl 60;
    max-zone-ttl 3600;
    zone-propagation-delay 1;
    publish-safety 1;
    retire-safety 1;
    parent-ds-ttl 60;
    parent-propagation-delay 1;
%s};
`, PolicyName, resign)
	updates := fmt.Sprintf("    update-policy { grant %s zonesub ANY; };\n", z.KeyName)
	inline := "no"
	if p.Inline {
		inline = "yes"
	}
	return strings.Replace(strings.Replace(z.namedConf(), "controls { };\n", "controls { };\n"+policy, 1),
		updates, updates+fmt.Sprintf("    dnssec-policy \"%s\";\n    inline-signing %s;\n", PolicyName, inline), 1)
}

// SignedSpec is the primary of kind k (BIND or Knot) for z with the zone
// signed by the server: BIND's SignedNamedConf, or Knot's automatic
// signing under a policy alike (one combined ECDSAP256SHA256 key, NSEC,
// short TTLs). Knot, too, signs an UPDATE's records in place under one
// serial bump, and publishes CDS and CDNSKEY at once.
func (z UpdateZone) SignedSpec(k Kind, p SignPolicy) (Spec, error) {
	switch {
	case k == BIND:
		s := z.Spec(BIND)
		s.Conf = z.SignedNamedConf(p)
		return s, nil
	case k == Knot && p.Resign == 0 && !p.Inline:
		s := z.Spec(Knot)
		s.Conf = z.signedKnotConf()
		return s, nil
	}
	return Spec{}, fmt.Errorf("no server-signed primary of kind %v with %+v", k, p)
}

// signedKnotConf is z's knot.conf with the zone signed by Knot.
func (z UpdateZone) signedKnotConf() string {
	policy := fmt.Sprintf(`policy:
  - id: %s
    algorithm: ecdsap256sha256
    single-type-signing: on
    dnskey-ttl: 60
    zone-max-ttl: 3600
    propagation-delay: 1
`, PolicyName)
	conf := strings.Replace(z.knotConf(), "template:\n", policy+"template:\n", 1)
	return strings.Replace(conf, "    acl: [updater]\n", "    acl: [updater]\n    dnssec-signing: on\n    dnssec-policy: "+PolicyName+"\n", 1)
}

// StartSignedPrimary starts a primary of kind k serving z signed by
// itself (SignedSpec) and returns once the zone is served signed
// (WaitSigned).
func StartSignedPrimary(tb TB, k Kind, z UpdateZone, p SignPolicy) *Server {
	tb.Helper()
	spec, err := z.SignedSpec(k, p)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	s := StartSpec(tb, spec)
	ctx, cancel := context.WithTimeout(context.Background(), startDeadline)
	defer cancel()
	if err := WaitSigned(ctx, s.Addr, z.Zone); err != nil {
		tb.Fatalf("%v; its log:\n%s", err, s.Log())
	}
	return s
}

// WaitSigned polls addr until it serves zone signed: its DNSKEY set, and
// an SOA with an RRSIG over it (BIND makes the key and signs the zone a
// moment after it loads it). It gives up when ctx ends.
func WaitSigned(ctx context.Context, addr, zone string) error {
	zone = dns.Fqdn(zone)
	last := "no answer yet"
	for {
		if last = signedState(ctx, addr, zone); last == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("zone %s at %s not served signed: %s", zone, addr, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// signedState says what addr still lacks to serve zone signed, "" when
// nothing.
func signedState(ctx context.Context, addr, zone string) string {
	c := &dns.Client{Net: "tcp", Timeout: time.Second}
	for _, t := range []uint16{dns.TypeDNSKEY, dns.TypeSOA} {
		m := new(dns.Msg)
		m.SetQuestion(zone, t)
		m.SetEdns0(4096, true)
		r, _, err := c.ExchangeContext(ctx, m, addr)
		if err != nil {
			return fmt.Sprintf("%s query: %v", dns.TypeToString[t], err)
		}
		var have, sig bool
		for _, rr := range r.Answer {
			switch rr := rr.(type) {
			case *dns.RRSIG:
				sig = sig || rr.TypeCovered == t
			default:
				have = have || rr.Header().Rrtype == t
			}
		}
		if !have || !sig {
			return fmt.Sprintf("%s: %d records, signed %v (rcode %s)", dns.TypeToString[t], len(r.Answer), sig, dns.RcodeToString[r.Rcode])
		}
	}
	return ""
}

// ServedDS returns the DS records (SHA-256) of the zone's key-signing
// keys as addr serves them (DNSKEY with the SEP flag): the trust anchor a
// validator takes for a zone whose parent holds no DS.
func ServedDS(ctx context.Context, addr, zone string) ([]*dns.DS, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(zone), dns.TypeDNSKEY)
	m.SetEdns0(4096, true)
	r, _, err := (&dns.Client{Net: "tcp", Timeout: time.Second}).ExchangeContext(ctx, m, addr)
	if err != nil {
		return nil, fmt.Errorf("DNSKEY %s at %s: %w", zone, addr, err)
	}
	var out []*dns.DS
	for _, rr := range r.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok && k.Flags&dns.SEP != 0 {
			out = append(out, k.ToDS(dns.SHA256))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("DNSKEY %s at %s: no key-signing key served", zone, addr)
	}
	return out, nil
}
