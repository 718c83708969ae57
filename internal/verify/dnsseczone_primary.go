package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// PrimaryAnchor is the anchor of a zone's secondaries when none is
// configured: the key-signing keys of the DNSKEY set the primary at addr
// serves, those among its SEP keys whose signature over the set verifies.
// Anchored on them, a secondary serving a different key set, however
// consistent, fails; anchored on its own served keys it would pass. A
// signature near its expiry still names its key: the primary's own check
// reports the expiry.
func (c SignatureChecker) PrimaryAnchor(ctx context.Context, addr, zone string, now time.Time) (TrustAnchor, error) {
	zone = dns.CanonicalName(zone)
	in, err := c.exchange(ctx, addr, zone, dns.TypeDNSKEY)
	if err != nil {
		return TrustAnchor{}, err
	}
	var a TrustAnchor
	for _, k := range servedAnchor(in.Answer).Keys {
		_, _, err := ValidateDNSKEY(zone, in.Answer, TrustAnchor{Keys: []*dns.DNSKEY{k}}, now, 0)
		var expiry *ExpiryError
		if err == nil || errors.As(err, &expiry) {
			a.Keys = append(a.Keys, k)
		}
	}
	if len(a.Keys) == 0 {
		return TrustAnchor{}, fmt.Errorf("the DNSKEY set of %s at %s has no key-signing key that signs it", zone, addr)
	}
	return a, nil
}
