package dnssec

import (
	"slices"

	"github.com/dnssync/dnssync/internal/rrset"
	"github.com/miekg/dns"
)

// relink updates the kept NSEC owner names (z.names) for names added to
// and removed from the chain, and returns the new next name of each name
// whose NSEC must point elsewhere: the added names and the names just
// before an added or a removed one. A change's neighbours are found by
// binary search in the sorted names, not by a walk of the zone; the
// names are built once (a walk and a sort) when z has none yet.
func (z *Signed) relink(added, removed []string) map[string]string {
	if len(added) == 0 && len(removed) == 0 {
		return nil
	}
	names := z.chainNames()
	for _, r := range removed {
		if i, found := slices.BinarySearchFunc(names, r, rrset.CompareNames); found {
			names = slices.Delete(names, i, i+1)
		}
	}
	for _, a := range added {
		if i, found := slices.BinarySearchFunc(names, a, rrset.CompareNames); !found {
			names = slices.Insert(names, i, a)
		}
	}
	z.names = names
	// at is the index of the name at or just after n in names.
	at := func(n string) int {
		i, _ := slices.BinarySearchFunc(names, n, rrset.CompareNames)
		return i
	}
	wrap := func(i int) string { return names[(i+len(names))%len(names)] }
	out := make(map[string]string, 2*(len(added)+len(removed)))
	link := func(i int) { out[wrap(i)] = wrap(i + 1) }
	for _, a := range added {
		i := at(a)
		link(i)
		link(i - 1)
	}
	for _, r := range removed {
		link(at(r) - 1)
	}
	return out
}

// chainNames returns z.names, built from the NSEC owners in z.Sets if
// need be. relink runs before the NSEC records of the change are made or
// removed, so z.Sets then holds the chain as it was.
func (z *Signed) chainNames() []string {
	if z.names == nil {
		z.names = nsecOwners(z.Sets)
	}
	return z.names
}

// nsecOwners returns the owner names of the NSEC records in sets, in
// canonical order.
func nsecOwners(sets rrset.Zone) []string {
	names := []string{}
	for k := range sets {
		if k.Type == dns.TypeNSEC {
			names = append(names, k.Name)
		}
	}
	slices.SortFunc(names, rrset.CompareNames)
	return names
}
