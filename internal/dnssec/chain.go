package dnssec

import (
	"slices"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// relink works out the NSEC chain after names were added to and removed
// from it, and returns the new next name of each name whose NSEC must
// point elsewhere: the added names and the names just before a change. z
// holds the NSEC records from before the change.
//
// It walks z's keys once, comparing owner names only (it reads no record):
// the name before a change in the old chain is the greatest NSEC owner
// below it. Every name that keeps its place and lies between such a
// predecessor and its new successor is the old next name of the
// predecessor or of a removed name, so sorting just these names and the
// added ones gives each predecessor and each added name its successor.
func relink(z rrset.Zone, apex string, added []string, removed map[string]bool) map[string]string {
	if len(added) == 0 && len(removed) == 0 {
		return nil
	}
	targets := slices.Clone(added)
	for r := range removed {
		targets = append(targets, r)
	}
	slices.SortFunc(targets, rrset.CompareNames)
	// best[i] is the greatest owner between targets[i-1] and targets[i];
	// best[len(targets)] the greatest owner above them all (the chain's
	// last, before which the first target comes when the chain wraps).
	best := make([]string, len(targets)+1)
	for k := range z {
		if k.Type != dns.TypeNSEC {
			continue
		}
		i, found := slices.BinarySearchFunc(targets, k.Name, rrset.CompareNames)
		if found {
			i++ // a removed name is not its own predecessor
		}
		if best[i] == "" || rrset.CompareNames(best[i], k.Name) < 0 {
			best[i] = k.Name
		}
	}
	pred := best[len(targets)]
	region := map[string]bool{}
	owners := map[string]bool{}
	oldNext := func(name string) string {
		return z[rrset.Key{Name: name, Type: dns.TypeNSEC}].RRs[0].(*dns.NSEC).NextDomain
	}
	for i, t := range targets {
		if best[i] != "" {
			pred = best[i]
		}
		if !removed[pred] {
			owners[pred], region[pred] = true, true
			region[oldNext(pred)] = true
		}
		if removed[t] {
			region[oldNext(t)] = true
		} else {
			owners[t], region[t] = true, true
		}
	}
	names := make([]string, 0, len(region))
	for n := range region {
		if !removed[n] {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, rrset.CompareNames)
	out := make(map[string]string, len(owners))
	for i, n := range names {
		if owners[n] {
			out[n] = names[(i+1)%len(names)]
		}
	}
	return out
}
