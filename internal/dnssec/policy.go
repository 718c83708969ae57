// Package dnssec signs a zone that dnssync writes itself (the zonefile
// backend): keys generated and kept per zone, RRSIGs over every
// authoritative RRset, an NSEC (or NSEC3) chain, and CDS/CDNSKEY for the
// parent. It is pure apart from the KeyStore: Sign and Resign take the zone,
// the keys and the clock as arguments and touch no file.
//
// Resign is the incremental form: it re-signs only what a change touched
// (the changed RRsets, the SOA, the NSEC records around added and removed
// names) and the signatures due for refresh, and reuses every other RRSIG
// byte for byte, so that the signing work per change does not grow with the
// zone.
package dnssec

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"
)

// Policy is how a zone is signed.
type Policy struct {
	// Algorithm of the keys: dns.ECDSAP256SHA256 (the default) or
	// dns.ED25519.
	Algorithm uint8
	// Split signs with a KSK (the DNSKEY RRset) and a ZSK (everything
	// else) instead of one combined signing key (CSK).
	Split bool
	// NSEC3 uses NSEC3 with RFC 9276's parameters (SHA-1, no extra
	// iterations, no salt, no opt-out) instead of NSEC.
	NSEC3 bool
	// Validity is how long a fresh signature is valid (from now; the
	// inception is backdated by Backdate). Refresh: a signature with this
	// much or less left is made again. Backdate covers clocks that lag.
	Validity, Refresh, Backdate time.Duration
	// RollMargin is added to every wait of a key roll, for propagation to
	// the secondaries and clocks that differ (RFC 7583's margins).
	// ParentDSTTL is the TTL of the zone's DS at the parent: how long a
	// resolver may keep the old DS once the parent serves the new one.
	RollMargin, ParentDSTTL time.Duration
	// ParentResolver ("host:port"; "": none) is asked for the zone's DS
	// before a KSK or CSK roll removes the old key: the new key's DS must
	// be served there. Without it the person running the zone is taken
	// at their word (`dnssec roll --ds-published`).
	ParentResolver string
}

// DefaultPolicy is a combined ECDSA P-256 key, NSEC, signatures valid for
// 14 days, refreshed when 7 days or less remain, backdated an hour; a
// roll's waits have an hour's margin, and the parent's DS a TTL of a day.
func DefaultPolicy() Policy {
	return Policy{
		Algorithm:   dns.ECDSAP256SHA256,
		Validity:    14 * 24 * time.Hour,
		Refresh:     7 * 24 * time.Hour,
		Backdate:    time.Hour,
		RollMargin:  time.Hour,
		ParentDSTTL: 24 * time.Hour,
	}
}

// ErrPolicy is wrapped by every error of Policy.Validate.
var ErrPolicy = errors.New("invalid dnssec policy")

// Validate reports the first thing wrong with p.
func (p Policy) Validate() error {
	switch {
	case p.Algorithm != dns.ECDSAP256SHA256 && p.Algorithm != dns.ED25519:
		return fmt.Errorf("%w: algorithm %d (%s): want ECDSAP256SHA256 or ED25519", ErrPolicy, p.Algorithm, dns.AlgorithmToString[p.Algorithm])
	case p.Validity < 2*time.Hour:
		return fmt.Errorf("%w: validity %s is shorter than 2h", ErrPolicy, p.Validity)
	case p.Refresh <= 0 || p.Refresh >= p.Validity:
		return fmt.Errorf("%w: refresh %s must be above 0 and below the validity %s", ErrPolicy, p.Refresh, p.Validity)
	case p.Backdate < 0 || p.Backdate > p.Validity:
		return fmt.Errorf("%w: backdate %s must be between 0 and the validity %s", ErrPolicy, p.Backdate, p.Validity)
	case p.RollMargin < 0 || p.ParentDSTTL < 0:
		return fmt.Errorf("%w: the roll margin %s and the parent's DS TTL %s must not be negative", ErrPolicy, p.RollMargin, p.ParentDSTTL)
	}
	if p.ParentResolver != "" {
		if _, port, err := net.SplitHostPort(p.ParentResolver); err != nil || port == "" {
			return fmt.Errorf("%w: the parent resolver %q is not host:port", ErrPolicy, p.ParentResolver)
		}
	}
	return nil
}

// jitterSpan is the most a signature's expiration is brought forward, so
// that signatures made in one pass fall due over a span of time instead of
// all at once. It keeps a fresh signature clear of the refresh window (or
// the next pass would make it again).
func (p Policy) jitterSpan() time.Duration {
	return min(p.Validity/16, (p.Validity-p.Refresh)/2)
}
