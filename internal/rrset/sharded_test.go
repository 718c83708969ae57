package rrset

import (
	"fmt"
	"maps"
	"testing"

	"github.com/miekg/dns"
)

func shardedKey(i int) Key { return Key{Name: fmt.Sprintf("h%d.example.com.", i), Type: dns.TypeA} }

func shardedSet(i int) *Set {
	return New(&dns.A{Hdr: dns.RR_Header{Name: shardedKey(i).Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: []byte{10, 0, byte(i >> 8), byte(i)}})
}

// A snapshot never changes: puts and deletes after it are seen by the
// zone and later snapshots only.
func TestShardedSnapshotNeverChanges(t *testing.T) {
	const n = 3 * shardSets
	z := NewSharded(n)
	for i := range n {
		z.Store(shardedKey(i), shardedSet(i))
	}
	before := z.Snapshot()
	want := maps.Collect(before.All())
	z.Delete(shardedKey(0))
	z.Store(shardedKey(1), shardedSet(2))
	z.Store(shardedKey(n), shardedSet(n))
	after := z.Snapshot()
	if got := maps.Collect(before.All()); !maps.Equal(got, want) || before.Len() != n {
		t.Errorf("snapshot changed: %d sets (Len %d), want %d", len(got), before.Len(), n)
	}
	if before.Get(shardedKey(0)) == nil || before.Get(shardedKey(n)) != nil || before.Get(shardedKey(1)) != want[shardedKey(1)] {
		t.Error("snapshot's Get sees later changes")
	}
	if after.Len() != n || after.Get(shardedKey(0)) != nil || after.Get(shardedKey(n)) == nil || !after.Get(shardedKey(1)).Equal(shardedSet(2)) {
		t.Errorf("later snapshot: Len %d, or Get misses the changes", after.Len())
	}
	if got := len(maps.Collect(after.All())); got != n {
		t.Errorf("later snapshot's All yields %d sets, want %d", got, n)
	}
}

// A change after a snapshot copies the one shard it touches, not the
// zone: that is the point of sharding.
func TestShardedChangeCopiesOneShard(t *testing.T) {
	const n = 64 * shardSets
	z := NewSharded(n)
	for i := range n {
		z.Store(shardedKey(i), shardedSet(i))
	}
	if len(z.shards) < 16 {
		t.Fatalf("%d shards for %d sets", len(z.shards), n)
	}
	z.Snapshot()
	z.Store(shardedKey(7), shardedSet(8))
	z.Store(shardedKey(7), shardedSet(9)) // the same shard: copied once
	copied := 0
	for _, shared := range z.shared {
		if !shared {
			copied++
		}
	}
	if copied != 1 || z.Copied() != 1 {
		t.Errorf("%d of %d shards copied for one change (Copied %d), want 1", copied, len(z.shards), z.Copied())
	}
}

// A zone grown far past the size it was made for is split again, and
// keeps every set.
func TestShardedGrows(t *testing.T) {
	const n = 20 * shardSets
	z := NewSharded(0)
	for i := range n {
		z.Store(shardedKey(i), shardedSet(i))
		z.Store(shardedKey(i), shardedSet(i)) // again: not counted twice
	}
	if len(z.shards) < 4 {
		t.Errorf("%d shards for %d sets", len(z.shards), n)
	}
	if z.Len() != n {
		t.Errorf("Len %d, want %d", z.Len(), n)
	}
	for i := range n {
		if z.Get(shardedKey(i)) == nil {
			t.Fatalf("set %d lost", i)
		}
	}
	z.Delete(shardedKey(n + 1)) // none there
	if z.Len() != n {
		t.Errorf("Len %d after deleting a missing key, want %d", z.Len(), n)
	}
}

// A snapshot taken before the zone splits into more shards keeps what it
// held; so does a view of one shard.
func TestShardedSnapshotSurvivesSplit(t *testing.T) {
	z := NewSharded(0)
	z.Store(shardedKey(0), shardedSet(0))
	small := z.Snapshot()
	const n = 8 * shardSets
	for i := range n {
		z.Store(shardedKey(i), shardedSet(i+1))
	}
	if len(z.shards) == 1 {
		t.Fatalf("one shard for %d sets", n)
	}
	if small.Len() != 1 || !small.Get(shardedKey(0)).Equal(shardedSet(0)) || small.Get(shardedKey(1)) != nil {
		t.Errorf("the snapshot before the split changed: Len %d", small.Len())
	}
	if got := z.Snapshot().Get(shardedKey(0)); !got.Equal(shardedSet(1)) {
		t.Errorf("after the split: %v, want the new set", got)
	}
}

// An unchanged zone hands out its last snapshot again: a State of many
// zones builds nothing for those a change did not touch.
func TestShardedSnapshotUnchangedIsFree(t *testing.T) {
	z := NewSharded(4 * shardSets)
	for i := range 4 * shardSets {
		z.Store(shardedKey(i), shardedSet(i))
	}
	z.Snapshot()
	if allocs := testing.AllocsPerRun(100, func() { z.Snapshot() }); allocs != 0 {
		t.Errorf("%v allocations per snapshot of an unchanged zone, want 0", allocs)
	}
	z.Delete(shardedKey(1))
	if got := z.Snapshot(); got.Len() != 4*shardSets-1 || got.Get(shardedKey(1)) != nil {
		t.Errorf("snapshot after a change: Len %d, still has the set deleted", got.Len())
	}
}
