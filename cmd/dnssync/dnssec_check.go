package main

import (
	"fmt"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/config"
	"github.com/dnssync/dnssync/internal/dnssec"
	"github.com/dnssync/dnssync/internal/reconcile"
	"github.com/dnssync/dnssync/internal/verify"
)

// dnssecCheck wires the validation of the signed zones (dnssec = true) at
// every check, the daemon's and `dnssync verify`'s. A zone's trust anchor
// is its [dnssec] trust_anchors entry when there is one; else, for a zone
// dnssync signs (zonefile), the DS of each of its key-signing keys
// published now (a KSK roll publishes two: either may sign the set); else
// (rfc2136: the server signs) none: the primary's served DNSKEY set's
// own SEP keys must sign it, and a secondary's set must be signed by the
// primary's (reconcile.DNSSECCheck, verify.PrimaryAnchor). A zonefile zone without keys is not signed yet (its
// first write makes them) and is not checked; one whose keys cannot be
// read (`dnssync verify` run as another user: they are mode 0600) is
// anchored on its served keys, and the result says so.
func dnssecCheck(cfg *config.Config) (*reconcile.DNSSECCheck, error) {
	var anchors map[string]config.TrustAnchor
	if cfg.DNSSEC.TrustAnchors != "" {
		var err error
		if anchors, err = config.ReadTrustAnchors(cfg.DNSSEC.TrustAnchors); err != nil {
			return nil, err
		}
	}
	where := map[string]string{}
	for name, a := range anchors {
		where[name] = a.Where
	}
	// A [[zones]] zone is what it is for good: an anchor for one that is
	// not signed is a mistake now. A name that is no [[zones]] zone may be
	// a zones.d zone still to come: the check fails it while it names none
	// (reconcile.DNSSECCheck.Anchors).
	for _, z := range cfg.Zones {
		if a, ok := anchors[dns.CanonicalName(z.Name)]; ok && !z.DNSSEC {
			return nil, fmt.Errorf("%s: [dnssec] trust_anchors names %s, a [[zones]] zone without dnssec = true", a.Where, dns.CanonicalName(z.Name))
		}
	}
	store := keyStore(cfg)
	signs := cfg.Backend.Type == config.ZoneFile
	anchor := func(z config.Zone) (verify.TrustAnchor, bool) {
		if !z.DNSSEC {
			return verify.TrustAnchor{}, false
		}
		name := dns.CanonicalName(z.Name)
		if a, ok := anchors[name]; ok {
			return verify.TrustAnchor{DS: a.DS, Keys: a.Keys}, true
		}
		if !signs {
			return verify.TrustAnchor{}, true
		}
		keys, err := store.Load(name)
		if err != nil {
			return verify.TrustAnchor{}, true
		}
		ds := publishedDS(name, keys, time.Now())
		return verify.TrustAnchor{DS: ds}, len(ds) > 0
	}
	return &reconcile.DNSSECCheck{Anchor: anchor, Anchors: where, Margin: cfg.DNSSEC.ExpiryMargin, Timeout: queryTimeout}, nil
}

// publishedDS is the DS (SHA-256) of each key-signing key of zone
// published at now.
func publishedDS(zone string, keys []*dnssec.Key, now time.Time) []*dns.DS {
	var out []*dns.DS
	for _, k := range keys {
		if k.DNSKEY == nil || (k.Role != dnssec.CSK && k.Role != dnssec.KSK) || !k.IsPublished(now) {
			continue
		}
		if ds := k.DNSKEY.ToDS(dns.SHA256); ds != nil {
			ds.Hdr.Name = zone
			out = append(out, ds)
		}
	}
	return out
}
