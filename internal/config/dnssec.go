package config

import (
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/dnssec"
)

// fileDNSSEC is [dnssec]: how the zones marked `dnssec = true` are signed
// (the zonefile backend signs the zones it writes).
type fileDNSSEC struct {
	Algorithm         string `toml:"algorithm"`
	SplitKeys         bool   `toml:"split_keys"`
	NSEC3             bool   `toml:"nsec3"`
	SignatureValidity string `toml:"signature_validity"`
	SignatureRefresh  string `toml:"signature_refresh"`
	InceptionBackdate string `toml:"inception_backdate"`
	RollMargin        string `toml:"roll_margin"`
	ParentDSTTL       string `toml:"parent_ds_ttl"`
	ParentResolver    string `toml:"parent_resolver"`
	ExpiryMargin      string `toml:"expiry_margin"`
	TrustAnchors      string `toml:"trust_anchors"`
}

// DNSSEC is [dnssec], checked: the signing policy of every signed zone.
type DNSSEC struct {
	policy dnssec.Policy
	// ExpiryMargin: a served signature expiring sooner fails the check.
	ExpiryMargin time.Duration
	// TrustAnchors is the path of a file of DS or DNSKEY records that the
	// signed zones are validated against (ReadTrustAnchors); "": none.
	TrustAnchors string
}

// Policy is the signing policy [dnssec] describes (valid: Load checks it
// with Policy.Validate).
func (d DNSSEC) Policy() dnssec.Policy { return d.policy }

// defaultExpiryMargin is [dnssec] expiry_margin unset: with the zonefile
// backend for signature_refresh 144h or above (the default is 168h), and
// always with rfc2136 (checkMargin).
const defaultExpiryMargin = 72 * time.Hour

// dnssecAlgorithms are the key algorithms dnssync signs with, by the names
// of the DNSSEC registry.
var dnssecAlgorithms = map[string]uint8{
	"ECDSAP256SHA256": dns.ECDSAP256SHA256,
	"ED25519":         dns.ED25519,
}

func (f fileDNSSEC) build(p *problems) DNSSEC {
	pol := dnssec.Policy{
		Split:    f.SplitKeys,
		NSEC3:    f.NSEC3,
		Validity: parse(p, "dnssec.signature_validity", f.SignatureValidity, positiveDuration),
		Refresh:  parse(p, "dnssec.signature_refresh", f.SignatureRefresh, positiveDuration),
		Backdate: parse(p, "dnssec.inception_backdate", f.InceptionBackdate, nonNegativeDuration),
		// A key roll's waits (dnssec/roll.go).
		RollMargin:  parse(p, "dnssec.roll_margin", f.RollMargin, nonNegativeDuration),
		ParentDSTTL: parse(p, "dnssec.parent_ds_ttl", f.ParentDSTTL, nonNegativeDuration),
		// Asked for the DS before a roll removes a KSK or CSK (reconcile/rollgate.go).
		ParentResolver: f.ParentResolver,
	}
	alg, ok := dnssecAlgorithms[strings.ToUpper(f.Algorithm)]
	if !ok {
		p.add("dnssec.algorithm", "%q (want ECDSAP256SHA256 or ED25519)", f.Algorithm)
		return DNSSEC{policy: pol}
	}
	pol.Algorithm = alg
	if len(*p) == 0 {
		if err := pol.Validate(); err != nil {
			p.add("dnssec", "%v", err)
		}
	}
	d := DNSSEC{policy: pol, TrustAnchors: f.TrustAnchors}
	// Unset (0), the margin is set by checkMargin, which knows who signs.
	if f.ExpiryMargin != "" {
		d.ExpiryMargin = parse(p, "dnssec.expiry_margin", f.ExpiryMargin, positiveDuration)
	}
	return d
}

// checkMargin sets the expiry margin unset and bounds one set. When
// dnssync signs (zonefile), a fresh re-sign leaves signature_refresh or
// more: with a margin as large, the check would fail signatures that are
// not yet due; unset, it is 72h, or half the refresh when that is
// shorter. When the server signs (rfc2136), it refreshes on its own
// schedule (BIND's signatures-refresh, 5 days by default), which
// signature_refresh does not describe: 72h unset, and the operator keeps
// it below the server's refresh.
func checkMargin(p *problems, c *Config) {
	d := &c.DNSSEC
	refresh := d.policy.Refresh
	switch {
	case c.Backend.Type != ZoneFile:
		if d.ExpiryMargin == 0 {
			d.ExpiryMargin = defaultExpiryMargin
		}
	case d.ExpiryMargin == 0:
		d.ExpiryMargin = min(defaultExpiryMargin, refresh/2)
	case refresh > 0 && d.ExpiryMargin >= refresh:
		p.add("dnssec.expiry_margin", "%s must be below signature_refresh (%s): signatures are refreshed only when that much is left, so a margin as large fails a zone that is signed as it should be", d.ExpiryMargin, refresh)
	}
}

// checkDNSSEC refuses what no backend can sign or serve: NSEC3 in zone
// files (CoreDNS's file and auto refuse to load an NSEC3-signed zone,
// v1.15.0). With the rfc2136 backend, dnssec = true means the server
// signs (BIND dnssec-policy, Knot automatic signing): dnssync writes none
// of the signer's records and validates what the server serves.
func checkDNSSEC(p *problems, c *Config) {
	checkMargin(p, c)
	if c.Backend.Type == ZoneFile && c.DNSSEC.policy.NSEC3 {
		p.add("dnssec.nsec3", "CoreDNS's file and auto plugins refuse to load an NSEC3-signed zone (\"NSEC3 zone is not supported\"): the zonefile backend signs with NSEC")
	}
}
