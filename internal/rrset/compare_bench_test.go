package rrset

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func benchNames() []Key {
	keys := make([]Key, 100000)
	for i := range keys {
		keys[i] = Key{Name: fmt.Sprintf("host-%06d.bench.test.", i), Type: 1}
	}
	rand.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	return keys
}

// Sorting a zone's keys: the order of a plan and of a zone file.
func BenchmarkSortKeysCompare100k(b *testing.B) {
	keys := benchNames()
	for b.Loop() {
		slices.SortFunc(slices.Clone(keys), Key.Compare)
	}
}

func BenchmarkSortKeysSortBy100k(b *testing.B) {
	keys := benchNames()
	for b.Loop() {
		SortBy(slices.Clone(keys), func(Key) byte { return 0 }, func(k Key) Key { return k })
	}
}
