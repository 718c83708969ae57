package verify

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// DNSSEC validation of a signed zone's answers, as a validating resolver
// would do it, because CoreDNS never sets the AD bit and a resolver that
// fails validation says only SERVFAIL. The chain is: a trust anchor (the DS
// the parent holds, or configured keys) selects the DNSKEYs that may sign
// the DNSKEY set; the DNSKEY set, once its signature checks, holds the keys
// that may sign everything else (ValidateDNSKEY); every RRset of an answer
// must carry a signature by one of them, and a denial must carry its proof
// (ValidateAnswer, dnssecanswer.go, dnssecproof.go, dnssecnsec3.go).
//
// A signature counts only while it is valid for longer than a safety
// margin: a zone whose signatures lapse in an hour validates now and fails
// for everyone in an hour, so the check fails now. Every check returns the
// earliest expiry it saw (dnssync_dnssec_signature_expiry_seconds), also
// when it fails on time, since that is when the number matters most. The
// pieces here are pure: no queries, no clock (now is given).

// TrustAnchor is what a zone's DNSKEY set is validated against: the DS
// records its parent holds (or will hold), or the DNSKEYs themselves (a
// configured anchor). A key matching either is trusted to sign the set.
type TrustAnchor struct {
	DS   []*dns.DS
	Keys []*dns.DNSKEY
}

// ExpiryError is a signature that verifies but that is outside its
// validity period, or inside it by less than the margin. The RRset it
// signs is still the zone's: callers that need the keys or the expiry get
// them along with this error.
type ExpiryError struct {
	RRset     string // "www.example.org. A"
	KeyTag    uint16
	Inception time.Time
	Expires   time.Time
	Now       time.Time
	Margin    time.Duration
}

func (e *ExpiryError) Error() string {
	what := fmt.Sprintf("RRSIG %s by key %d", e.RRset, e.KeyTag)
	switch {
	case e.Now.Before(e.Inception):
		return fmt.Sprintf("%s not valid until %s", what, e.Inception.UTC().Format(time.RFC3339))
	case !e.Now.Before(e.Expires):
		return fmt.Sprintf("%s expired at %s", what, e.Expires.UTC().Format(time.RFC3339))
	default:
		return fmt.Sprintf("%s expires at %s, within the %s margin", what, e.Expires.UTC().Format(time.RFC3339), e.Margin)
	}
}

// ValidateDNSKEY validates zone's DNSKEY set (rrs: the answer to a DNSKEY
// query with DO, the keys and their RRSIGs) against the anchor: some key
// of the set must match the anchor and sign the set. It returns the keys
// that may then sign the zone's data (zone keys, not revoked) and the
// expiry of the set's signature. An *ExpiryError comes with the keys and
// the expiry: the set is the zone's, only its signature is (nearly) out of
// time.
func ValidateDNSKEY(zone string, rrs []dns.RR, anchor TrustAnchor, now time.Time, margin time.Duration) ([]*dns.DNSKEY, time.Time, error) {
	zone = dns.CanonicalName(zone)
	var (
		set  []dns.RR
		keys []*dns.DNSKEY
		sigs []*dns.RRSIG
	)
	for _, rr := range rrs {
		if !strings.EqualFold(rr.Header().Name, zone) {
			continue
		}
		switch x := rr.(type) {
		case *dns.DNSKEY:
			set, keys = append(set, x), append(keys, x)
		case *dns.RRSIG:
			if x.TypeCovered == dns.TypeDNSKEY {
				sigs = append(sigs, x)
			}
		}
	}
	if len(keys) == 0 {
		return nil, time.Time{}, fmt.Errorf("no DNSKEY for %s", zone)
	}
	if len(anchor.DS) == 0 && len(anchor.Keys) == 0 {
		return nil, time.Time{}, fmt.Errorf("no trust anchor (DS or key) for %s", zone)
	}
	var trusted []*dns.DNSKEY
	for _, k := range keys {
		if anchored(k, anchor) && k.Flags&dns.REVOKE == 0 {
			trusted = append(trusted, k)
		}
	}
	if len(trusted) == 0 {
		return nil, time.Time{}, fmt.Errorf("DNSKEY set of %s has no key matching the trust anchor (%s)", zone, anchorTags(anchor))
	}
	c := sigChecker{zone: zone, keys: trusted, now: now, margin: margin}
	expires, _, err := c.verifySet(set, sigs)
	var expiry *ExpiryError
	if err != nil && !errors.As(err, &expiry) {
		return nil, time.Time{}, err
	}
	var valid []*dns.DNSKEY
	for _, k := range keys {
		if k.Protocol == 3 && k.Flags&dns.ZONE != 0 && k.Flags&dns.REVOKE == 0 {
			valid = append(valid, k)
		}
	}
	return valid, expires, err
}

// anchored reports whether the key matches a DS or a key of the anchor.
func anchored(k *dns.DNSKEY, a TrustAnchor) bool {
	for _, ds := range a.DS {
		if ds.KeyTag != k.KeyTag() || ds.Algorithm != k.Algorithm || !strings.EqualFold(k.Hdr.Name, ds.Hdr.Name) {
			continue
		}
		if d := k.ToDS(ds.DigestType); d != nil && strings.EqualFold(d.Digest, ds.Digest) {
			return true
		}
	}
	for _, ak := range a.Keys {
		if ak.Flags == k.Flags && ak.Protocol == k.Protocol && ak.Algorithm == k.Algorithm && ak.PublicKey == k.PublicKey {
			return true
		}
	}
	return false
}

// anchorTags names the anchor in an error: its key tags, nothing secret.
func anchorTags(a TrustAnchor) string {
	var tags []string
	for _, ds := range a.DS {
		tags = append(tags, fmt.Sprintf("DS %d", ds.KeyTag))
	}
	for _, k := range a.Keys {
		tags = append(tags, fmt.Sprintf("key %d", k.KeyTag()))
	}
	return strings.Join(tags, ", ")
}

// sigChecker checks RRsets' signatures by the zone's keys at a moment.
type sigChecker struct {
	zone   string // canonical
	keys   []*dns.DNSKEY
	now    time.Time
	margin time.Duration
}

// verifySet checks one RRset against the RRSIGs over it: one of them must
// be by a key of the set, verify, and be valid for longer than the margin.
// It returns the set's expiry (the latest of its valid signatures: a
// resolver needs only one) and the Labels field of the signature that
// counted (below the owner's label count: a wildcard expansion). With
// several signatures failing, the error is the one closest to success.
func (c sigChecker) verifySet(set []dns.RR, sigs []*dns.RRSIG) (time.Time, uint8, error) {
	h := set[0].Header()
	name := fmt.Sprintf("%s %s", h.Name, dns.TypeToString[h.Rrtype])
	var (
		valid, late     time.Time // latest expiry of a valid signature, of one out of time
		vLabels, labels uint8
		timeErr         error
		failErr         = fmt.Errorf("no RRSIG over %s", name)
		rank            = 0
	)
	fail := func(r int, err error) {
		if r > rank {
			rank, failErr = r, err
		}
	}
	for _, sig := range sigs {
		if !strings.EqualFold(sig.SignerName, c.zone) {
			fail(1, fmt.Errorf("RRSIG %s signed by %s, not the zone %s", name, sig.SignerName, c.zone))
			continue
		}
		if int(sig.Labels) > ownerLabels(h.Name) {
			fail(1, fmt.Errorf("RRSIG %s by key %d: labels %d above the owner's %d", name, sig.KeyTag, sig.Labels, ownerLabels(h.Name)))
			continue
		}
		if ttl := maxTTL(set); ttl > sig.OrigTtl {
			fail(2, fmt.Errorf("RRSIG %s by key %d: TTL %d above the original TTL %d", name, sig.KeyTag, ttl, sig.OrigTtl))
			continue
		}
		key := c.key(sig)
		if key == nil {
			fail(3, fmt.Errorf("RRSIG %s: no DNSKEY with tag %d (algorithm %s)", name, sig.KeyTag, dns.AlgorithmToString[sig.Algorithm]))
			continue
		}
		if err := sig.Verify(key, set); err != nil {
			fail(4, fmt.Errorf("RRSIG %s by key %d does not verify: %v", name, sig.KeyTag, err))
			continue
		}
		incept, expires := sigTime(sig.Inception, c.now), sigTime(sig.Expiration, c.now)
		if c.now.Before(incept) || !c.now.Add(c.margin).Before(expires) {
			if timeErr == nil || expires.After(late) {
				late, labels = expires, sig.Labels
				timeErr = &ExpiryError{RRset: name, KeyTag: sig.KeyTag, Inception: incept, Expires: expires, Now: c.now, Margin: c.margin}
			}
			continue
		}
		if expires.After(valid) {
			valid, vLabels = expires, sig.Labels
		}
	}
	switch {
	case !valid.IsZero():
		return valid, vLabels, nil
	case timeErr != nil:
		return late, labels, timeErr
	}
	return time.Time{}, 0, failErr
}

// key is the key of the set that made sig, if any.
func (c sigChecker) key(sig *dns.RRSIG) *dns.DNSKEY {
	for _, k := range c.keys {
		if k.KeyTag() == sig.KeyTag && k.Algorithm == sig.Algorithm && strings.EqualFold(k.Hdr.Name, sig.SignerName) {
			return k
		}
	}
	return nil
}

// ownerLabels counts a name's labels as an RRSIG's Labels field does: the
// root and a leading wildcard label not counted (RFC 4034 3.1.3).
func ownerLabels(name string) int {
	n := dns.CountLabel(name)
	if strings.HasPrefix(name, "*.") {
		n--
	}
	return n
}

func maxTTL(set []dns.RR) uint32 {
	var ttl uint32
	for _, rr := range set {
		ttl = max(ttl, rr.Header().Ttl)
	}
	return ttl
}

// sigTime is an RRSIG time field as the moment nearest now: the field is
// seconds modulo 2^32, compared in serial number arithmetic (RFC 4034
// 3.1.5).
func sigTime(v uint32, now time.Time) time.Time {
	t, utc := int64(v), now.Unix()
	for t < utc-1<<31 {
		t += 1 << 32
	}
	for t > utc+1<<31 {
		t -= 1 << 32
	}
	return time.Unix(t, 0).UTC()
}

// earliest is the earlier of two expiries, a zero one counting as none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}
