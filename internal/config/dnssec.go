package config

import (
	"fmt"
	"strings"

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
}

// DNSSEC is [dnssec], checked: the signing policy of every signed zone.
type DNSSEC struct {
	policy dnssec.Policy
}

// Policy is the signing policy [dnssec] describes (valid: Load checks it
// with Policy.Validate).
func (d DNSSEC) Policy() dnssec.Policy { return d.policy }

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
	return DNSSEC{policy: pol}
}

// checkDNSSEC refuses what no backend can sign or serve: signing by the
// rfc2136 backend (the server signs there), and NSEC3 in zone files
// (CoreDNS's file and auto refuse to load an NSEC3-signed zone, v1.15.0).
func checkDNSSEC(p *problems, c *Config) {
	for i, z := range c.Zones {
		if err := c.DNSSECRefusal(z); err != nil {
			p.add(fmt.Sprintf("zones[%d] (%s).dnssec", i, z.Name), "%v", err)
		}
	}
	if c.Backend.Type == ZoneFile && c.DNSSEC.policy.NSEC3 {
		p.add("dnssec.nsec3", "CoreDNS's file and auto plugins refuse to load an NSEC3-signed zone (\"NSEC3 zone is not supported\"): the zonefile backend signs with NSEC")
	}
}

// DNSSECRefusal says why z cannot be signed with this config's backend, or
// nil. zones.d zones are checked with it as [[zones]] entries are.
func (c *Config) DNSSECRefusal(z Zone) error {
	if z.DNSSEC && c.Backend.Type == RFC2136 {
		return fmt.Errorf("the server signs: configure BIND dnssec-policy or Knot automatic signing")
	}
	return nil
}
