package modelcheck

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

const (
	occupied = uint64(1) << 63 // set in word 0 of every stored key
	busy     = uint64(1)       // word 0 of a multi-word slot being written
	noParent = ^uint32(0)
)

// visited is the set of states seen: an open-addressing hash table with
// linear probing and one 32-bit parent slot per entry for counterexample
// traces. A one-word state costs 12 bytes per slot; the table grows by
// half when it would pass 80% full, so a stored state costs 15 to 23 bytes.
//
// The table is split into shards equal contiguous slot ranges; a state's
// shard depends on its hash only (the top bits: slot i = hash*size/2^64
// lies in shard hash*shards/2^64 whatever the size), and probing wraps
// within the shard. One-word searches give every worker a shard of its own
// that only it writes, with plain stores (insertOwned); multi-word
// searches use one shard and lock-free inserts (compare-and-swap on a
// key's first word).
type visited struct {
	w      int
	size   uint64
	shards uint64
	keys   []uint64
	parent []uint32
	count  atomic.Uint64
}

const maxLoad = 0.8

func newVisited(words int, size, shards uint64) *visited {
	shards = max(shards, 1)
	size = (max(size, 1024) + shards - 1) / shards * shards
	t := &visited{w: words, size: size, shards: shards, keys: make([]uint64, size*uint64(words)), parent: make([]uint32, size)}
	adviseHuge(t.keys)
	adviseHuge(t.parent)
	return t
}

func (t *visited) bytesPerSlot() uint64 { return uint64(8*t.w + 4) }

// shardSize is the number of slots per shard.
func (t *visited) shardSize() uint64 { return t.size / t.shards }

// shardOf is the shard of a state with hash h.
func (t *visited) shardOf(h uint64) uint64 {
	s, _ := bits.Mul64(h, t.shards)
	return s
}

// end is one past the last slot of the shard of a state with hash h.
func (t *visited) end(h uint64) uint64 { return (t.shardOf(h) + 1) * t.shardSize() }

func hashVec(v *vec, w int) uint64 {
	h := v[0]
	for i := 1; i < w; i++ {
		h = bits.RotateLeft64(h, 23) ^ v[i]*0x9e3779b97f4a7c15
	}
	h ^= h >> 31
	h *= 0x7fb5d329728ea185
	h ^= h >> 27
	h *= 0x81dadef4bc2dd44d
	h ^= h >> 33
	return h
}

// touch loads the first slot of every successor's probe sequence before
// any is inserted, so that the cache misses overlap instead of queuing
// behind each insert's compare-and-swap.
func (t *visited) touch(buf []succ) uint64 {
	var sink uint64
	w, size, keys := uint64(t.w), t.size, t.keys
	for i := range buf {
		j, _ := bits.Mul64(hashVec(&buf[i].v, t.w), size)
		sink += atomic.LoadUint64(&keys[j*w])
	}
	return sink
}

// insert adds v with the given parent slot; it returns v's slot and
// whether v is new.
func (t *visited) insert(v *vec, parent uint32) (uint32, bool) {
	h := hashVec(v, t.w)
	i, _ := bits.Mul64(h, t.size)
	end := t.end(h)
	k0 := v[0] | occupied
	keys := t.keys
	if t.w == 1 {
		for {
			cur := atomic.LoadUint64(&keys[i])
			if cur == k0 {
				return uint32(i), false
			}
			if cur == 0 {
				if atomic.CompareAndSwapUint64(&keys[i], 0, k0) {
					t.parent[i] = parent
					return uint32(i), true
				}
				continue
			}
			if i++; i == end {
				i = end - t.shardSize()
			}
		}
	}
	w := uint64(t.w)
	for {
		base := i * w
		cur := atomic.LoadUint64(&keys[base])
		switch {
		case cur == busy:
			runtime.Gosched()
			continue
		case cur == k0:
			same := true
			for j := uint64(1); j < w; j++ {
				if atomic.LoadUint64(&keys[base+j]) != v[j] {
					same = false
					break
				}
			}
			if same {
				return uint32(i), false
			}
		case cur == 0:
			if atomic.CompareAndSwapUint64(&keys[base], 0, busy) {
				for j := uint64(1); j < w; j++ {
					atomic.StoreUint64(&keys[base+j], v[j])
				}
				t.parent[i] = parent
				atomic.StoreUint64(&keys[base], k0)
				return uint32(i), true
			}
			continue
		}
		if i++; i == end {
			i = end - t.shardSize()
		}
	}
}

// lookup returns v's slot.
func (t *visited) lookup(v *vec) (uint32, bool) {
	h := hashVec(v, t.w)
	i, _ := bits.Mul64(h, t.size)
	end := t.end(h)
	k0 := v[0] | occupied
	w := uint64(t.w)
	for {
		base := i * w
		cur := atomic.LoadUint64(&t.keys[base])
		if cur == 0 {
			return 0, false
		}
		if cur == k0 {
			same := true
			for j := uint64(1); j < w; j++ {
				if t.keys[base+j] != v[j] {
					same = false
					break
				}
			}
			if same {
				return uint32(i), true
			}
		}
		if i++; i == end {
			i = end - t.shardSize()
		}
	}
}

// at returns the state stored in slot i.
func (t *visited) at(i uint32) vec {
	var v vec
	copy(v[:t.w], t.keys[uint64(i)*uint64(t.w):])
	v[0] &^= occupied
	return v
}

func (t *visited) used(i uint32) bool { return t.keys[uint64(i)*uint64(t.w)]&occupied != 0 }

// grow rehashes into a table of newSize slots with par goroutines and
// returns the map from old slots to new ones. Callers must hold every
// worker off the table.
func (t *visited) grow(newSize uint64, par int) []uint32 {
	w := uint64(t.w)
	oldSize, oldKeys, oldParent := t.size, t.keys, t.parent
	remap := make([]uint32, oldSize)
	nt := newVisited(t.w, newSize, t.shards)
	parallel := func(parts uint64, f func(lo, hi uint64)) {
		par := uint64(max(1, min(par, int(oldSize>>16))))
		if parts > 0 {
			par = parts // one goroutine per shard
		}
		var wg sync.WaitGroup
		for j := range par {
			lo, hi := oldSize*j/par, oldSize*(j+1)/par
			wg.Add(1)
			go func() {
				defer wg.Done()
				f(lo, hi)
			}()
		}
		wg.Wait()
	}
	if w == 1 {
		// A state keeps its shard, so each shard is rehashed by one
		// goroutine with plain stores. Slots come in hash order, so the
		// stores into the new table are nearly sequential.
		nsz, nkeys := nt.size, nt.keys
		parallel(t.shards, func(lo, hi uint64) {
			end := lo / (oldSize / t.shards) * (nsz / t.shards)
			end += nsz / t.shards
			for i := lo; i < hi; i++ {
				k := oldKeys[i]
				if k == 0 {
					continue
				}
				j, _ := bits.Mul64(hash1(k&^occupied), nsz)
				for nkeys[j] != 0 {
					if j++; j == end {
						j = end - nsz/t.shards
					}
				}
				nkeys[j] = k
				remap[i] = uint32(j)
			}
		})
	} else {
		parallel(0, func(lo, hi uint64) {
			for i := lo; i < hi; i++ {
				if oldKeys[i*w]&occupied == 0 {
					continue
				}
				var v vec
				copy(v[:w], oldKeys[i*w:i*w+w])
				v[0] &^= occupied
				remap[i], _ = nt.insert(&v, 0)
			}
		})
	}
	parallel(0, func(lo, hi uint64) {
		for i := lo; i < hi; i++ {
			if oldKeys[i*w]&occupied == 0 {
				continue
			}
			p := oldParent[i]
			if p != noParent {
				p = remap[p]
			}
			nt.parent[remap[i]] = p
		}
	})
	t.size, t.keys, t.parent = nt.size, nt.keys, nt.parent
	return remap
}
