package apply

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/dnssec"
	"github.com/dnssync/dnssync/internal/rrset"
)

// The keys a zone is signed with. A zone not signed before gets keys made
// on its first signed write. A zone already served signed is signed only
// with the keys the store holds for it: when the store has none of the
// keys it is served with (state_dir restored without keys/, a new
// machine, a wiped or mixed-up directory), making new ones would sign
// the zone with keys the parent's DS does not name, and every validating
// resolver would fail it. The write is refused instead, saying how out.

// zoneKeys returns zone's keys for a write; servedKeys is the zone's
// DNSKEY set as served (nil: served unsigned).
func (b *ZoneFile) zoneKeys(sg *Signing, zone string, servedKeys *rrset.Set, now time.Time) ([]*dnssec.Key, error) {
	keys, err := sg.Keys.Load(zone)
	if err != nil {
		return nil, err
	}
	if servedKeys != nil && len(servedKeys.RRs) > 0 {
		if !holdsServedKey(keys, servedKeys) {
			return nil, fmt.Errorf("zone %s is served signed by key %s, and the key store %s holds none of them: "+
				"refusing to sign it with other keys (resolvers holding the parent's DS would fail the zone); "+
				"restore the zone's keys from a backup of the key store, or, if they are lost, have the parent remove the DS, "+
				"set dnssec = false for the zone until the parent's DS TTL has passed, then true again (new keys: give the parent their DS)",
				zone, servedTags(servedKeys), sg.Keys.Dir)
		}
		b.notePolicy(sg.Policy, zone, keys)
		return keys, nil
	}
	if len(keys) > 0 {
		b.notePolicy(sg.Policy, zone, keys)
		return keys, nil
	}
	if keys, err = sg.Keys.Ensure(zone, sg.Policy, now); err != nil {
		return nil, err
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.String()
	}
	b.log.Info("dnssec keys made for the zone: give the parent their DS (dnssync dnssec ds ZONE)", "zone", zone, "keys", strings.Join(names, ", "))
	return keys, nil
}

// holdsServedKey reports whether one of keys is in the served DNSKEY set.
func holdsServedKey(keys []*dnssec.Key, served *rrset.Set) bool {
	for _, rr := range served.RRs {
		s, ok := rr.(*dns.DNSKEY)
		if !ok {
			continue
		}
		if slices.ContainsFunc(keys, func(k *dnssec.Key) bool {
			return k.DNSKEY.Algorithm == s.Algorithm && k.DNSKEY.PublicKey == s.PublicKey
		}) {
			return true
		}
	}
	return false
}

// servedTags lists the served keys' tags, e.g. "12345 and 23456".
func servedTags(served *rrset.Set) string {
	var tags []string
	for _, rr := range served.RRs {
		if k, ok := rr.(*dns.DNSKEY); ok {
			tags = append(tags, strconv.Itoa(int(k.KeyTag())))
		}
	}
	return strings.Join(tags, " and ")
}

// notePolicy warns, once per zone and process, when the zone's keys are
// not what [dnssec] asks for now (another algorithm, or split_keys
// changed): keys that exist are kept as they are, since moving to another
// algorithm or key layout is a roll dnssync does not do yet.
func (b *ZoneFile) notePolicy(p dnssec.Policy, zone string, keys []*dnssec.Key) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.policyNoted[zone] {
		return
	}
	var differs []string
	for _, k := range keys {
		switch {
		case k.DNSKEY.Algorithm != p.Algorithm:
			differs = append(differs, fmt.Sprintf("key %s is not %s", k, dns.AlgorithmToString[p.Algorithm]))
		case p.Split && k.Role == dnssec.CSK:
			differs = append(differs, fmt.Sprintf("key %s is a combined key, and split_keys is true", k))
		case !p.Split && k.Role != dnssec.CSK:
			differs = append(differs, fmt.Sprintf("key %s is a %s, and split_keys is false", k, k.Role))
		}
	}
	if len(differs) == 0 {
		return
	}
	if b.policyNoted == nil {
		b.policyNoted = map[string]bool{}
	}
	b.policyNoted[zone] = true
	b.log.Warn("the zone's keys are not what [dnssec] asks for: they are kept (dnssync does not roll to another algorithm or key layout yet)",
		"zone", zone, "differs", strings.Join(differs, "; "))
}
