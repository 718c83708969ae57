package verify

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// NSEC3 proofs (RFC 5155 8): names are compared by their hashes, so a
// denial names the closest encloser (the longest ancestor that exists,
// matched by an NSEC3) and covers the next closer name (one label longer)
// and the wildcard below the closest encloser.

// maxNSEC3Iterations is the most extra iterations accepted: RFC 9276 has
// signers use 0 and validators treat many as insecure; a zone of ours
// with more is misconfigured.
const maxNSEC3Iterations = 150

// nsec3Params checks the NSEC3 records agree on their parameters (one
// chain) and that a validator would use them.
func (p *proofs) nsec3Params() error {
	first := p.nsec3[0]
	for _, n := range p.nsec3 {
		if n.Hash != dns.SHA1 {
			return fmt.Errorf("NSEC3 %s: unknown hash algorithm %d", n.Hdr.Name, n.Hash)
		}
		if n.Iterations != first.Iterations || !strings.EqualFold(n.Salt, first.Salt) {
			return fmt.Errorf("NSEC3 %s: parameters differ from %s's", n.Hdr.Name, first.Hdr.Name)
		}
		if n.Iterations > maxNSEC3Iterations {
			return fmt.Errorf("NSEC3 %s: %d iterations, above %d", n.Hdr.Name, n.Iterations, maxNSEC3Iterations)
		}
	}
	return nil
}

func (p *proofs) nsec3NXDomain(name string) error {
	ce, nc, m, err := p.closestEncloser(name)
	if err != nil {
		return err
	}
	if nc == "" {
		return fmt.Errorf("NSEC3 %s matches %s: the name exists", m.Hdr.Name, name)
	}
	if err := cutAbove(ce, m.TypeBitMap, name, "NSEC3"); err != nil {
		return err
	}
	if wild := "*." + ce; p.nsec3Covering(wild) == nil {
		return fmt.Errorf("no NSEC3 covers the wildcard %s", wild)
	}
	return nil
}

func (p *proofs) nsec3NoData(name string, t uint16) (string, error) {
	if err := p.nsec3Params(); err != nil {
		return "", err
	}
	if m := p.nsec3Matching(name); m != nil {
		return "", typeAbsent(name, m.TypeBitMap, t, "NSEC3")
	}
	ce, nc, _, err := p.closestEncloser(name)
	if err != nil {
		return "", fmt.Errorf("no NSEC3 matches %s: %w", name, err)
	}
	if t == dns.TypeDS && p.nsec3Covering(nc).Flags&1 == 1 {
		return "", nil // an insecure delegation in an opt-out span
	}
	wild := "*." + ce
	if w := p.nsec3Matching(wild); w != nil {
		return wild, typeAbsent(wild, w.TypeBitMap, t, "NSEC3")
	}
	return "", fmt.Errorf("no NSEC3 matches %s or the wildcard %s", name, wild)
}

func (p *proofs) nsec3NoDS(name string) error {
	if err := p.nsec3Params(); err != nil {
		return err
	}
	if m := p.nsec3Matching(name); m != nil {
		if has(m.TypeBitMap, dns.TypeNS) && !has(m.TypeBitMap, dns.TypeDS) && !has(m.TypeBitMap, dns.TypeSOA) {
			return nil
		}
		return fmt.Errorf("NSEC3 %s for the delegation %s does not prove it has no DS", m.Hdr.Name, name)
	}
	_, nc, _, err := p.closestEncloser(name)
	if err != nil {
		return fmt.Errorf("no DS for the delegation %s: %w", name, err)
	}
	if nc == "" || p.nsec3Covering(nc).Flags&1 == 0 {
		return fmt.Errorf("no DS for the delegation %s and no NSEC3 proving it has none", name)
	}
	return nil
}

// closestEncloser finds name's closest encloser proof: the longest
// ancestor ce with a matching NSEC3 m, and the next closer name nc, which
// an NSEC3 must cover. nc is empty when name itself matches.
func (p *proofs) closestEncloser(name string) (ce, nc string, m *dns.NSEC3, err error) {
	if err := p.nsec3Params(); err != nil {
		return "", "", nil, err
	}
	labels, apex := dns.CountLabel(name), dns.CountLabel(p.zone)
	for l := labels; l >= apex; l-- {
		a := ancestor(name, l)
		m := p.nsec3Matching(a)
		if m == nil {
			continue
		}
		if l == labels {
			return a, "", m, nil
		}
		nc := ancestor(name, l+1)
		if p.nsec3Covering(nc) == nil {
			return "", "", nil, fmt.Errorf("no NSEC3 covers %s, the next closer name", nc)
		}
		return a, nc, m, nil
	}
	return "", "", nil, fmt.Errorf("no NSEC3 matches an ancestor of %s", name)
}

// nsec3Matching is the NSEC3 whose owner is name's hash, in the zone.
func (p *proofs) nsec3Matching(name string) *dns.NSEC3 {
	for _, n := range p.nsec3 {
		own, zone := nsec3Owner(n)
		if strings.EqualFold(zone, p.zone) && own == nsec3Hash(n, name) {
			return n
		}
	}
	return nil
}

// nsec3Covering is the NSEC3 whose interval holds name's hash strictly,
// the last one wrapping around to the first.
func (p *proofs) nsec3Covering(name string) *dns.NSEC3 {
	if !dns.IsSubDomain(p.zone, name) {
		return nil
	}
	for _, n := range p.nsec3 {
		own, zone := nsec3Owner(n)
		if !strings.EqualFold(zone, p.zone) {
			continue
		}
		h, next := nsec3Hash(n, name), strings.ToUpper(n.NextDomain)
		if own < next && own < h && h < next || own >= next && (h > own || h < next) {
			return n
		}
	}
	return nil
}

// nsec3Owner splits an NSEC3's owner into its hash (upper case, as
// dns.HashName writes it) and its zone.
func nsec3Owner(n *dns.NSEC3) (hash, zone string) {
	hash, zone, _ = strings.Cut(n.Hdr.Name, ".")
	return strings.ToUpper(hash), dns.CanonicalName(zone)
}

func nsec3Hash(n *dns.NSEC3, name string) string {
	return dns.HashName(dns.CanonicalName(name), n.Hash, n.Iterations, n.Salt)
}
