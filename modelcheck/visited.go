package modelcheck

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

const (
	occupied = uint64(1) << 63 // set in word 0 of every stored key (wide layout)
	busy     = uint64(1)       // word 0 of a multi-word slot being written
	noParent = ^uint32(0)
)

// visited is the set of states seen: an open-addressing hash table with
// linear probing that also records each state's parent slot, for
// counterexample traces. Slot i holds a state whose hash h has
// h*size/2^64 at or just before i, so slots are in hash order.
//
// It has two layouts. Packed, for one-word states when the state's bits
// leave room for a slot number: each slot is a single word holding the
// state in its low kbits bits and 1 + the parent's slot above them (the
// initial state is its own parent), so a slot is nonzero exactly when it
// is used and an insert writes one word, with one compare-and-swap when
// several workers share the table. A packed slot costs 8 bytes; the table
// doubles when it would pass 80% full, so a stored state costs 10 to 20
// bytes. Wide, otherwise: w words of key per slot, the first carrying the
// occupied bit, and a separate 32-bit parent array; 8w+4 bytes a slot,
// growing by half, 15 to 23 bytes a state for one word. Multi-word inserts
// are lock-free (compare-and-swap on a key's first word).
type visited struct {
	w      int
	bits   int // bits of a state
	size   uint64
	packed bool
	kbits  uint   // packed: bits of the state
	kmask  uint64 // packed: 1<<kbits - 1
	keys   []uint64
	parent []uint32 // wide layout only
	count  atomic.Uint64
}

const maxLoad = 0.8

// newVisited returns an empty table of at least size slots for states of
// the given words and bits, packed if they allow it.
func newVisited(words, stateBits int, size uint64) *visited {
	size = max(size, 1024)
	t := &visited{w: words, bits: stateBits, size: size}
	if words == 1 && stateBits < 63 {
		t.kbits = uint(max(stateBits, 1))
		t.kmask = 1<<t.kbits - 1
		t.packed = size < t.maxPacked()
	}
	if t.packed {
		t.keys = make([]uint64, size)
	} else {
		t.keys = make([]uint64, size*uint64(words))
		t.parent = make([]uint32, size)
	}
	return t
}

// maxPacked bounds the size of a packed table: a slot's parent field
// holds 1 + a slot number.
func (t *visited) maxPacked() uint64 {
	if 64-t.kbits >= 33 {
		return 1 << 33
	}
	return 1<<(64-t.kbits) - 1
}

// slotBytes is the size of a slot in a table of n slots.
func (t *visited) slotBytes(n uint64) uint64 {
	if t.w == 1 && t.kbits > 0 && n < t.maxPacked() {
		return 8
	}
	return uint64(8*t.w + 4)
}

func (t *visited) bytesPerSlot() uint64 { return t.slotBytes(t.size) }

// nextSize is the size to grow to from the current one.
func (t *visited) nextSize(n uint64) uint64 {
	if t.slotBytes(2*n) == 8 {
		return 2 * n
	}
	return n + n/2
}

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

// insert adds v with the given parent slot (noParent for the initial
// state); it returns v's slot and whether v is new.
func (t *visited) insert(v *vec, parent uint32) (uint32, bool) {
	h := hashVec(v, t.w)
	i, _ := bits.Mul64(h, t.size)
	keys := t.keys
	if t.packed {
		k := v[0]
		for {
			cur := atomic.LoadUint64(&keys[i])
			if cur == 0 {
				p := uint64(parent)
				if parent == noParent {
					p = i
				}
				if atomic.CompareAndSwapUint64(&keys[i], 0, k|(p+1)<<t.kbits) {
					return uint32(i), true
				}
				continue
			}
			if cur&t.kmask == k {
				return uint32(i), false
			}
			if i++; i == t.size {
				i = 0
			}
		}
	}
	k0 := v[0] | occupied
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
			if i++; i == t.size {
				i = 0
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
		if i++; i == t.size {
			i = 0
		}
	}
}

// lookup returns v's slot.
func (t *visited) lookup(v *vec) (uint32, bool) {
	h := hashVec(v, t.w)
	i, _ := bits.Mul64(h, t.size)
	if t.packed {
		for {
			cur := t.keys[i]
			if cur == 0 {
				return 0, false
			}
			if cur&t.kmask == v[0] {
				return uint32(i), true
			}
			if i++; i == t.size {
				i = 0
			}
		}
	}
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
		if i++; i == t.size {
			i = 0
		}
	}
}

// at returns the state stored in slot i.
func (t *visited) at(i uint32) vec {
	var v vec
	if t.packed {
		v[0] = t.keys[i] & t.kmask
		return v
	}
	copy(v[:t.w], t.keys[uint64(i)*uint64(t.w):])
	v[0] &^= occupied
	return v
}

func (t *visited) used(i uint32) bool {
	if t.packed {
		return t.keys[i] != 0
	}
	return t.keys[uint64(i)*uint64(t.w)]&occupied != 0
}

// parentOf returns the parent slot of the state in slot i, or noParent
// for the initial state.
func (t *visited) parentOf(i uint32) uint32 {
	if !t.packed {
		return t.parent[i]
	}
	p := uint32(t.keys[i]>>t.kbits - 1)
	if p == i {
		return noParent
	}
	return p
}

// grow rehashes into a table of newSize slots with par goroutines and
// returns the map from old slots to new ones. Callers must hold every
// worker off the table.
func (t *visited) grow(newSize uint64, par int) []uint32 {
	w := uint64(t.w)
	oldSize, oldKeys := t.size, t.keys
	remap := make([]uint32, oldSize)
	nt := newVisited(t.w, t.bits, newSize)
	par = max(1, min(par, int(oldSize>>16)))
	parallel := func(f func(lo, hi uint64)) {
		if par == 1 {
			f(0, oldSize)
			return
		}
		var wg sync.WaitGroup
		for j := range uint64(par) {
			lo, hi := oldSize*j/uint64(par), oldSize*(j+1)/uint64(par)
			wg.Add(1)
			go func() {
				defer wg.Done()
				f(lo, hi)
			}()
		}
		wg.Wait()
	}
	if w == 1 {
		// Slots come in hash order, so the stores into the new table are
		// nearly sequential. A packed slot keeps its old parent field
		// (nonzero) until the second pass.
		nsz, nkeys := nt.size, nt.keys
		mark := occupied
		if nt.packed {
			mark = 0
		}
		mask := ^uint64(0)
		if t.packed && !nt.packed {
			mask = t.kmask
		}
		shared := par > 1
		parallel(func(lo, hi uint64) {
			for i := lo; i < hi; i++ {
				k := oldKeys[i]
				if k == 0 {
					continue
				}
				k = k&mask | mark
				j, _ := bits.Mul64(hash1(t.key(k)), nsz)
				for {
					if shared {
						if atomic.CompareAndSwapUint64(&nkeys[j], 0, k) {
							break
						}
					} else if nkeys[j] == 0 {
						nkeys[j] = k
						break
					}
					if j++; j == nsz {
						j = 0
					}
				}
				remap[i] = uint32(j)
			}
		})
	} else {
		parallel(func(lo, hi uint64) {
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
	parallel(func(lo, hi uint64) {
		for i := lo; i < hi; i++ {
			if !t.used(uint32(i)) {
				continue
			}
			p := t.parentOf(uint32(i))
			if p != noParent {
				p = remap[p]
			}
			j := remap[i]
			if !nt.packed {
				nt.parent[j] = p
				continue
			}
			if p == noParent {
				p = j
			}
			nt.keys[j] = nt.keys[j]&nt.kmask | (uint64(p)+1)<<nt.kbits
		}
	})
	t.size, t.keys, t.parent, t.packed = nt.size, nt.keys, nt.parent, nt.packed
	return remap
}

// key is the state in a one-word slot's word k.
func (t *visited) key(k uint64) uint64 {
	if t.packed {
		return k & t.kmask
	}
	return k &^ occupied
}
