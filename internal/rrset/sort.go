package rrset

import (
	"cmp"
	"slices"
	"strings"
)

// SortBy sorts s by rank, then by key in Key.Compare's order. A zone's
// plan and its zone file sort every name of the zone once: at 1,000,000
// names, comparing label by label (CompareNames) took 1.5 s. Here each
// element's rank and key are written once as one string whose plain byte
// order is that order, and those strings are sorted.
//
// The string: the rank byte, the name's labels from the root, each
// followed by 0x01, then 0x00 and the type. A label holds no byte below
// 0x02 (a name's text escapes them as \DDD); a name that does is sorted
// by Key.Compare instead.
func SortBy[T any](s []T, rank func(T) byte, key func(T) Key) {
	byCompare := func(a, b T) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		return key(a).Compare(key(b))
	}
	if len(s) < 256 {
		slices.SortFunc(s, byCompare)
		return
	}
	type entry struct {
		order string
		i     int
	}
	size := 0
	for _, x := range s {
		size += len(key(x).Name) + 4
	}
	buf := make([]byte, 0, size)
	ends := make([]int, len(s))
	for i, x := range s {
		k := key(x)
		buf = append(buf, rank(x))
		var ok bool
		if buf, ok = appendLabelsFromRoot(buf, k.Name); !ok {
			slices.SortFunc(s, byCompare)
			return
		}
		buf = append(buf, 0, byte(k.Type>>8), byte(k.Type))
		ends[i] = len(buf)
	}
	all := string(buf)
	entries := make([]entry, len(s))
	start := 0
	for i := range s {
		entries[i] = entry{all[start:ends[i]], i}
		start = ends[i]
	}
	sortStrings(entries, func(e entry) string { return e.order }, 0)
	sorted := make([]T, len(s))
	for j, e := range entries {
		sorted[j] = s[e.i]
	}
	copy(s, sorted)
}

// appendLabelsFromRoot appends name's labels, last first, each followed
// by 0x01; false if a label holds a byte below 0x02.
func appendLabelsFromRoot(buf []byte, name string) ([]byte, bool) {
	name = strings.TrimSuffix(name, ".")
	for name != "" {
		label, rest := lastLabel(name)
		for i := range len(label) {
			if label[i] < 0x02 {
				return buf, false
			}
		}
		buf = append(buf, label...)
		buf = append(buf, 0x01)
		name = rest
	}
	return buf, true
}

// sortStrings sorts s by str, whose first d bytes are alike in every
// element, with a multikey quicksort (Bentley and Sedgewick): one byte
// position at a time, so that the long prefix a zone's names share costs
// a pass over them per byte, not a comparison of it per pair.
func sortStrings[T any](s []T, str func(T) string, d int) {
	at := func(x T) int {
		if v := str(x); d < len(v) {
			return int(v[d])
		}
		return -1
	}
	for len(s) > 1 {
		if len(s) < 12 {
			slices.SortFunc(s, func(a, b T) int { return strings.Compare(str(a)[d:], str(b)[d:]) })
			return
		}
		pivot := at(s[len(s)/2])
		lt, i, gt := 0, 0, len(s)
		for i < gt {
			switch c := at(s[i]); {
			case c < pivot:
				s[lt], s[i] = s[i], s[lt]
				lt++
				i++
			case c > pivot:
				gt--
				s[i], s[gt] = s[gt], s[i]
			default:
				i++
			}
		}
		sortStrings(s[:lt], str, d)
		sortStrings(s[gt:], str, d)
		if pivot < 0 { // all ended here: equal
			return
		}
		s, d = s[lt:gt], d+1
	}
}
