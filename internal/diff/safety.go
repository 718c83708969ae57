package diff

import (
	"errors"
	"fmt"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/rrset"
)

// ErrUnsafe marks a plan refused by the safety check; callers branch on it
// to report rather than retry.
var ErrUnsafe = errors.New("unsafe plan")

// Safety bounds how much of a zone one plan may delete.
type Safety struct {
	MaxDeletePercent float64 // refuse above this share of the zone's records
	MinRecords       int     // only for zones holding at least this many
}

// Check refuses a plan that deletes more than s.MaxDeletePercent of the
// records served in the zone, SOA and apex NS not counted: a bulk delete is
// far more often a broken records.d than an intent.
func (p Plan) Check(observed rrset.Zone, s Safety) error {
	removed := p.Removed()
	// A zone smaller than MinRecords is never refused, so a plan removing
	// no more than the allowed share of MinRecords is safe whatever the
	// zone's size: no need to count 100,000 records for a one-record change.
	if float64(removed) <= s.MaxDeletePercent/100*float64(s.MinRecords) {
		return nil
	}
	total := 0
	for k, set := range observed {
		if counted(p.Zone, k) {
			total += len(set.RRs)
		}
	}
	if total < s.MinRecords || total == 0 {
		return nil
	}
	if pct := 100 * float64(removed) / float64(total); pct > s.MaxDeletePercent {
		return fmt.Errorf("%w: zone %s: plan deletes %d of %d records (%.0f%%), more than the %.0f%% allowed; check records.d, or run `dnssync apply --force` if this is intended",
			ErrUnsafe, p.Zone, removed, total, pct, s.MaxDeletePercent)
	}
	return nil
}

// Removed counts the records the plan takes away: whole deleted sets and
// values dropped from updated ones (SOA and apex NS not counted).
func (p Plan) Removed() int {
	n := 0
	for _, c := range p.Changes {
		if c.Old == nil || !counted(p.Zone, c.Key) {
			continue
		}
		keep := map[string]bool{}
		for _, v := range c.New.Values() {
			keep[v] = true
		}
		for _, v := range c.Old.Values() {
			if !keep[v] {
				n++
			}
		}
	}
	return n
}

func counted(zone string, k rrset.Key) bool {
	return k.Type != dns.TypeSOA && !(k.Type == dns.TypeNS && k.Name == zone)
}
