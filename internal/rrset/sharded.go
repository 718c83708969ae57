package rrset

import (
	"hash/maphash"
	"iter"
	"maps"
)

// Sets is read access to one zone's RRsets by key: a Zone, or a snapshot
// of a Sharded zone. Whoever holds one must not change it.
type Sets interface {
	// Get returns the set at k, nil when there is none.
	Get(k Key) *Set
	// Len is the number of sets.
	Len() int
	// All yields every set, in no particular order.
	All() iter.Seq2[Key, *Set]
}

var _ Sets = Zone(nil)

// Get returns the set at k, nil when there is none.
func (z Zone) Get(k Key) *Set { return z[k] }

// Len is the number of sets.
func (z Zone) Len() int { return len(z) }

// All yields every set, in no particular order.
func (z Zone) All() iter.Seq2[Key, *Set] { return maps.All(z) }

// Sharded is a zone's sets that snapshots share: the sets are split by
// owner name into shards, a snapshot shares every shard, and a change
// afterwards copies only the shard it touches. A million-set zone handed
// to a pass as one map had to be copied whole on the next change (150 ms
// to 600 ms); a shard holds 512 to 2,048 sets.
//
// A Sharded zone is not safe for concurrent use; its snapshots are, being
// never changed.
type Sharded struct {
	shards []Zone
	shared []bool // shard i is in a snapshot: copy it before changing it
	n      int
	copied int  // shards copied so far (Copied)
	snap   Sets // the last snapshot, while nothing changed since
}

// shardSets is the number of sets a shard is made for.
const shardSets = 1024

var shardSeed = maphash.MakeSeed()

// shardOf is the index, among count shards (a power of two), of the
// shard holding name's sets: every type of a name is in one shard.
func shardOf(count int, name string) int {
	if count == 1 {
		return 0
	}
	return int(maphash.String(shardSeed, name) & uint64(count-1))
}

// NewSharded returns an empty zone sized for about n sets.
func NewSharded(n int) *Sharded {
	z := &Sharded{}
	z.split(n)
	return z
}

// split makes the zone's shards anew, enough for n sets, and moves the
// sets into them.
func (z *Sharded) split(n int) {
	count := 1
	for count*shardSets < n {
		count *= 2
	}
	old := z.shards
	z.shards, z.shared, z.snap = make([]Zone, count), make([]bool, count), nil
	per := n / count
	for i := range z.shards {
		z.shards[i] = make(Zone, per)
	}
	for _, s := range old {
		for k, set := range s {
			z.shards[shardOf(count, k.Name)][k] = set
		}
	}
}

// Get returns the set at k, nil when there is none.
func (z *Sharded) Get(k Key) *Set { return z.shards[shardOf(len(z.shards), k.Name)][k] }

// Len is the number of sets.
func (z *Sharded) Len() int { return z.n }

// Store sets the set at k.
func (z *Sharded) Store(k Key, s *Set) {
	if z.n >= 2*shardSets*len(z.shards) {
		z.split(2 * z.n) // grown past its shards: a copy would cost more and more of the zone
	}
	m := z.own(shardOf(len(z.shards), k.Name))
	if _, ok := m[k]; !ok {
		z.n++
	}
	m[k] = s
}

// Delete removes the set at k, if any.
func (z *Sharded) Delete(k Key) {
	i := shardOf(len(z.shards), k.Name)
	if _, ok := z.shards[i][k]; !ok {
		return
	}
	delete(z.own(i), k)
	z.n--
}

// own returns shard i to change, copied first if a snapshot shares it.
func (z *Sharded) own(i int) Zone {
	z.snap = nil
	if z.shared[i] {
		z.shards[i], z.shared[i] = maps.Clone(z.shards[i]), false
		z.copied++
	}
	return z.shards[i]
}

// Copied is how many shards changes have copied so far: what sharing
// costs, for tests to check that a change copies what it touches alone.
func (z *Sharded) Copied() int { return z.copied }

// Snapshot returns the zone as it is now. It never changes: the zone's
// next change to a shard copies that shard first. Unchanged since the last
// snapshot, the zone hands that one out again: a State of 10,000 zones
// builds none anew for the zones a change did not touch.
func (z *Sharded) Snapshot() Sets {
	if z.snap != nil {
		return z.snap
	}
	for i := range z.shared {
		z.shared[i] = true
	}
	z.snap = shardedView{shards: append([]Zone(nil), z.shards...), n: z.n}
	return z.snap
}

// shardedView is a Sharded zone's snapshot.
type shardedView struct {
	shards []Zone
	n      int
}

var _ Sets = shardedView{}

func (v shardedView) Get(k Key) *Set { return v.shards[shardOf(len(v.shards), k.Name)][k] }

func (v shardedView) Len() int { return v.n }

func (v shardedView) All() iter.Seq2[Key, *Set] {
	return func(yield func(Key, *Set) bool) {
		for _, s := range v.shards {
			for k, set := range s {
				if !yield(k, set) {
					return
				}
			}
		}
	}
}
