package verify

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// AnswerKind is what a validated answer says.
type AnswerKind string

// The kinds of answer ValidateAnswer validates.
const (
	AnswerPositive AnswerKind = "positive" // the set (or a CNAME chain to it)
	AnswerNXDomain AnswerKind = "nxdomain" // the name does not exist
	AnswerNoData   AnswerKind = "nodata"   // the name exists, the type does not
	AnswerReferral AnswerKind = "referral" // a delegation: its DS, or proof it has none
)

// Validation is what ValidateAnswer found in a valid answer.
type Validation struct {
	Zone string // the signer, canonical
	Kind AnswerKind
	// Name is the name the answer is about: the query name, or where a
	// CNAME chain inside the zone led (a delegation's name for a referral).
	Name string
	// Denial is dns.TypeNSEC or dns.TypeNSEC3 when a proof of
	// non-existence was checked (a denial, or a wildcard answer's), else 0.
	Denial uint16
	// Wildcard is the wildcard the answer was synthesized from, if any;
	// for a NODATA, the wildcard whose lack of the type the proof rests on
	// (the name itself does not exist).
	Wildcard string
	// Expiry is the earliest expiry of the sets the answer holds, each set
	// counting its latest valid signature.
	Expiry time.Time
}

// ValidateAnswer validates msg, a signed zone's answer to qname and qtype
// asked with DO, by the zone's keys (from ValidateDNSKEY; their owner is
// the zone): every RRset of the zone in the answer and authority sections
// must carry a signature by one of the keys, by the zone, valid for longer
// than margin, its TTL not above the signed one; a wildcard answer must
// come with proof that the name asked does not exist; NXDOMAIN and NODATA
// with their proofs, NSEC or NSEC3 (dnssecproof.go, dnssecnsec3.go). Sets
// outside the zone (a CNAME chain leaving it) are not the zone's to vouch
// for and are not judged. Validation.Expiry is set also when err is not
// nil (an *ExpiryError says a signature is out of, or near the end of, its
// time).
func ValidateAnswer(msg *dns.Msg, qname string, qtype uint16, keys []*dns.DNSKEY, now time.Time, margin time.Duration) (Validation, error) {
	if len(keys) == 0 {
		return Validation{}, errors.New("validate an answer: no DNSKEY")
	}
	zone := dns.CanonicalName(keys[0].Hdr.Name)
	v := Validation{Zone: zone, Name: dns.CanonicalName(qname)}
	what := fmt.Sprintf("%s %s", v.Name, dns.TypeToString[qtype])
	if !dns.IsSubDomain(zone, v.Name) {
		return v, fmt.Errorf("%s: not in the zone %s", what, zone)
	}
	if msg.Rcode != dns.RcodeSuccess && msg.Rcode != dns.RcodeNameError {
		return v, fmt.Errorf("%s: answered %s", what, dns.RcodeToString[msg.Rcode])
	}
	c := sigChecker{zone: zone, keys: keys, now: now, margin: margin}
	answer, authority := groupSets(msg.Answer), groupSets(msg.Ns)
	p := proofs{zone: zone}
	var (
		sigErr    error
		expanded  []*rrsetSigs
		delegated *rrsetSigs // an unsigned NS set below the apex: a referral
	)
	for i, s := range slices.Concat(answer, authority) {
		if !dns.IsSubDomain(zone, s.owner) {
			continue
		}
		inAuthority := i >= len(answer)
		if inAuthority && s.typ == dns.TypeNS && s.owner != zone {
			delegated = s
			continue
		}
		exp, labels, err := c.verifySet(s.rrs, s.sigs)
		v.Expiry = earliest(v.Expiry, exp)
		if err != nil {
			sigErr = firstErr(sigErr, err)
			continue
		}
		if !inAuthority && int(labels) < ownerLabels(s.owner) {
			s.labels = labels
			expanded = append(expanded, s)
		}
		if inAuthority {
			p.add(s.rrs)
		}
	}
	proofErr := v.classify(answer, authority, qtype, msg.Rcode, delegated, &p)
	for _, s := range expanded {
		v.Wildcard = "*." + ancestor(s.owner, int(s.labels))
		if err := p.notExists(s.owner, int(s.labels)); err != nil && proofErr == nil {
			proofErr = fmt.Errorf("%s %s from %s: %w", s.owner, dns.TypeToString[s.typ], v.Wildcard, err)
		}
	}
	if v.Denial == 0 && len(expanded) > 0 {
		v.Denial = p.kind()
	}
	if sigErr != nil {
		return v, sigErr
	}
	if proofErr != nil {
		return v, proofErr
	}
	return v, nil
}

// firstErr keeps the first error of a check: the one a report names.
func firstErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// classify says what the answer is, following CNAMEs inside the zone, and
// checks a denial's or a referral's proof.
func (v *Validation) classify(answer, authority []*rrsetSigs, qtype uint16, rcode int, delegated *rrsetSigs, p *proofs) error {
	name := v.Name
	for range 16 { // a longer chain is no answer a zone of ours serves
		if find(answer, name, qtype) != nil {
			v.Kind = AnswerPositive
			return nil
		}
		cname := find(answer, name, dns.TypeCNAME)
		if qtype == dns.TypeCNAME || cname == nil {
			break
		}
		name = dns.CanonicalName(cname.rrs[0].(*dns.CNAME).Target)
		v.Name = name
		if !dns.IsSubDomain(v.Zone, name) {
			v.Kind = AnswerPositive
			return nil
		}
	}
	what := fmt.Sprintf("%s %s", name, dns.TypeToString[qtype])
	var err error
	switch {
	case rcode == dns.RcodeNameError:
		v.Kind = AnswerNXDomain
		err = p.nxdomain(name)
	case delegated != nil && dns.IsSubDomain(delegated.owner, name) && find(authority, v.Zone, dns.TypeSOA) == nil:
		v.Kind, v.Name = AnswerReferral, delegated.owner
		if find(authority, delegated.owner, dns.TypeDS) != nil {
			return nil
		}
		err = p.noDS(delegated.owner)
	default:
		v.Kind = AnswerNoData
		v.Wildcard, err = p.nodata(name, qtype)
	}
	v.Denial = p.kind()
	if err != nil {
		return fmt.Errorf("%s (%s): %w", what, v.Kind, err)
	}
	return nil
}

// rrsetSigs is one RRset of a section and the RRSIGs over it.
type rrsetSigs struct {
	owner  string // canonical
	typ    uint16
	rrs    []dns.RR
	sigs   []*dns.RRSIG
	labels uint8 // a wildcard expansion: the RRSIG's Labels
}

// groupSets splits a section into RRsets, in the order they first appear,
// each with the RRSIGs over it.
func groupSets(section []dns.RR) []*rrsetSigs {
	type key struct {
		owner string
		typ   uint16
	}
	var sets []*rrsetSigs
	index := map[key]*rrsetSigs{}
	get := func(owner string, t uint16) *rrsetSigs {
		k := key{dns.CanonicalName(owner), t}
		s := index[k]
		if s == nil {
			s = &rrsetSigs{owner: k.owner, typ: t}
			index[k] = s
			sets = append(sets, s)
		}
		return s
	}
	for _, rr := range section {
		if sig, ok := rr.(*dns.RRSIG); ok {
			s := get(sig.Hdr.Name, sig.TypeCovered)
			s.sigs = append(s.sigs, sig)
			continue
		}
		if rr.Header().Rrtype == dns.TypeOPT {
			continue
		}
		s := get(rr.Header().Name, rr.Header().Rrtype)
		s.rrs = append(s.rrs, rr)
	}
	out := sets[:0]
	for _, s := range sets {
		if len(s.rrs) > 0 { // RRSIGs over nothing answered: nothing to judge
			out = append(out, s)
		}
	}
	return out
}

// find is the set of name and type among sets, or nil.
func find(sets []*rrsetSigs, name string, t uint16) *rrsetSigs {
	for _, s := range sets {
		if s.typ == t && strings.EqualFold(s.owner, name) {
			return s
		}
	}
	return nil
}
