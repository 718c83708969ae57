package verify

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Proofs of non-existence (RFC 4035 5.4, RFC 5155 8): which NSEC or NSEC3
// records of an answer's authority section, their signatures already
// checked, prove that a name or a type is not there. A denial proves two
// things: the name (or type) is absent, and no wildcard could have made
// it; a record from above a zone cut (NS without SOA, or DNAME) proves
// nothing below it, as a forged denial would use exactly such a record.

// proofs are the validated NSEC and NSEC3 records of one answer.
type proofs struct {
	zone  string // canonical
	nsec  []*dns.NSEC
	nsec3 []*dns.NSEC3
}

func (p *proofs) add(set []dns.RR) {
	for _, rr := range set {
		switch x := rr.(type) {
		case *dns.NSEC:
			p.nsec = append(p.nsec, x)
		case *dns.NSEC3:
			p.nsec3 = append(p.nsec3, x)
		}
	}
}

// kind is the kind of proof the answer holds: NSEC wins when both come.
func (p *proofs) kind() uint16 {
	switch {
	case len(p.nsec) > 0:
		return dns.TypeNSEC
	case len(p.nsec3) > 0:
		return dns.TypeNSEC3
	}
	return 0
}

var errNoProof = errors.New("no NSEC or NSEC3 in the answer")

// nxdomain checks the proof that name does not exist.
func (p *proofs) nxdomain(name string) error {
	switch p.kind() {
	case dns.TypeNSEC:
		return p.nsecNXDomain(name)
	case dns.TypeNSEC3:
		return p.nsec3NXDomain(name)
	}
	return errNoProof
}

// nodata checks the proof that name has no set of type t. wildcard is
// the wildcard the proof rests on when name does not exist and the
// wildcard that would answer for it lacks the type (RFC 4035 3.1.3.4,
// RFC 5155 7.2.5); empty when name itself exists.
func (p *proofs) nodata(name string, t uint16) (wildcard string, err error) {
	switch p.kind() {
	case dns.TypeNSEC:
		return p.nsecNoData(name, t)
	case dns.TypeNSEC3:
		return p.nsec3NoData(name, t)
	}
	return "", errNoProof
}

// noDS checks the proof that the delegation at name has no DS: it is
// insecure.
func (p *proofs) noDS(name string) error {
	switch p.kind() {
	case dns.TypeNSEC:
		if n := p.nsecAt(name); n != nil && has(n.TypeBitMap, dns.TypeNS) && !has(n.TypeBitMap, dns.TypeDS) && !has(n.TypeBitMap, dns.TypeSOA) {
			return nil
		}
		return fmt.Errorf("no DS for the delegation %s and no NSEC proving it has none", name)
	case dns.TypeNSEC3:
		return p.nsec3NoDS(name)
	}
	return fmt.Errorf("no DS for the delegation %s: %w", name, errNoProof)
}

// notExists checks the proof that owner, answered from the wildcard at
// the ancestor of labels labels, does not exist itself.
func (p *proofs) notExists(owner string, labels int) error {
	switch p.kind() {
	case dns.TypeNSEC:
		if p.nsecCovering(owner) == nil {
			return fmt.Errorf("no NSEC proves %s does not exist", owner)
		}
		return nil
	case dns.TypeNSEC3:
		if err := p.nsec3Params(); err != nil {
			return err
		}
		nc := ancestor(owner, labels+1)
		if p.nsec3Covering(nc) == nil {
			return fmt.Errorf("no NSEC3 covers %s, the next closer name", nc)
		}
		return nil
	}
	return errNoProof
}

func (p *proofs) nsecNXDomain(name string) error {
	n := p.nsecCovering(name)
	if n == nil {
		return fmt.Errorf("no NSEC covers %s", name)
	}
	if err := cutAbove(n.Hdr.Name, n.TypeBitMap, name, "NSEC"); err != nil {
		return err
	}
	wild := "*." + p.nsecEncloser(name, n)
	if p.nsecCovering(wild) == nil {
		return fmt.Errorf("no NSEC covers the wildcard %s", wild)
	}
	return nil
}

func (p *proofs) nsecNoData(name string, t uint16) (string, error) {
	if n := p.nsecAt(name); n != nil {
		return "", typeAbsent(name, n.TypeBitMap, t, "NSEC")
	}
	n := p.nsecCovering(name)
	if n == nil {
		return "", fmt.Errorf("no NSEC at or covering %s", name)
	}
	// An empty non-terminal: the name has no NSEC of its own, and the next
	// name after it is below it.
	if next := dns.CanonicalName(n.NextDomain); dns.IsSubDomain(name, next) && next != name {
		return "", nil
	}
	// Or a wildcard that exists, without the type.
	wild := "*." + p.nsecEncloser(name, n)
	if w := p.nsecAt(wild); w != nil {
		return wild, typeAbsent(wild, w.TypeBitMap, t, "NSEC")
	}
	return "", fmt.Errorf("no NSEC at %s, and NSEC %s proves it does not exist", name, n.Hdr.Name)
}

// nsecEncloser is the closest encloser of name, which the NSEC covering it
// says: the longest ancestor it shares with the names on either side.
func (p *proofs) nsecEncloser(name string, n *dns.NSEC) string {
	l := max(dns.CompareDomainName(name, n.Hdr.Name), dns.CompareDomainName(name, n.NextDomain), dns.CountLabel(p.zone))
	return ancestor(name, l)
}

func (p *proofs) nsecAt(name string) *dns.NSEC {
	for _, n := range p.nsec {
		if strings.EqualFold(n.Hdr.Name, name) {
			return n
		}
	}
	return nil
}

// nsecCovering is the NSEC whose interval holds name strictly, the last
// one wrapping around to the apex.
func (p *proofs) nsecCovering(name string) *dns.NSEC {
	if !dns.IsSubDomain(p.zone, name) {
		return nil
	}
	for _, n := range p.nsec {
		after := canonicalCompare(n.Hdr.Name, name) < 0
		next := canonicalCompare(name, n.NextDomain) < 0 || canonicalCompare(n.NextDomain, n.Hdr.Name) <= 0
		if after && next {
			return n
		}
	}
	return nil
}

// typeAbsent checks that a denial record at owner proves it has no set of
// type t: the type is not in its bitmap, no CNAME is (which would answer
// any type), and it is not a delegation's (NS without SOA: the child's
// data is not the parent's to deny, save its DS).
func typeAbsent(owner string, types []uint16, t uint16, kind string) error {
	switch {
	case has(types, t):
		return fmt.Errorf("%s at %s lists %s: the set exists", kind, owner, dns.TypeToString[t])
	case t != dns.TypeCNAME && has(types, dns.TypeCNAME):
		return fmt.Errorf("%s at %s lists CNAME", kind, owner)
	case t != dns.TypeDS && has(types, dns.TypeNS) && !has(types, dns.TypeSOA):
		return fmt.Errorf("%s at %s is a delegation's (NS without SOA)", kind, owner)
	}
	return nil
}

// cutAbove refuses a denial record at owner for a name below it when owner
// is a zone cut or a DNAME: what lies below is not in this zone's chain.
func cutAbove(owner string, types []uint16, name, kind string) error {
	if strings.EqualFold(owner, name) || !dns.IsSubDomain(owner, name) {
		return nil
	}
	if has(types, dns.TypeDNAME) || has(types, dns.TypeNS) && !has(types, dns.TypeSOA) {
		return fmt.Errorf("%s at %s is a delegation's or a DNAME's: it proves nothing below it", kind, owner)
	}
	return nil
}

func has(types []uint16, t uint16) bool { return slices.Contains(types, t) }

// ancestor is name's ancestor of labels labels (name itself when it has
// no more).
func ancestor(name string, labels int) string {
	idx := dns.Split(name)
	if labels <= 0 {
		return "."
	}
	if labels >= len(idx) {
		return name
	}
	return name[idx[len(idx)-labels]:]
}

// canonicalCompare orders names as DNSSEC does (RFC 4034 6.1): label by
// label from the right, each as lower-cased octets.
func canonicalCompare(a, b string) int {
	la, lb := wireLabels(a), wireLabels(b)
	for i := 1; i <= len(la) && i <= len(lb); i++ {
		if c := bytes.Compare(la[len(la)-i], lb[len(lb)-i]); c != 0 {
			return c
		}
	}
	return len(la) - len(lb)
}

// wireLabels is a name's labels as octets, lower-cased: escapes in the
// text (\. \065) decoded, so that they order as on the wire.
func wireLabels(name string) [][]byte {
	buf := make([]byte, 256)
	n, err := dns.PackDomainName(dns.Fqdn(name), buf, 0, nil, false)
	if err != nil {
		var out [][]byte
		for _, l := range dns.SplitDomainName(strings.ToLower(name)) {
			out = append(out, []byte(l))
		}
		return out
	}
	var labels [][]byte
	for off := 0; off < n && buf[off] != 0; {
		l := int(buf[off])
		label := buf[off+1 : off+1+l]
		for i, c := range label {
			if 'A' <= c && c <= 'Z' {
				label[i] = c + 'a' - 'A'
			}
		}
		labels = append(labels, label)
		off += 1 + l
	}
	return labels
}
