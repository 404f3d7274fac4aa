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
// counterexample traces. Slots are in hash order: a state sits at its home
// slot (its hash scaled to the table) or just after it.
//
// It has two layouts. Packed (packed.go), for one-word states of at most
// maxPackedBits bits: one word a slot, holding the part of the state's hash
// that its home does not say, how far it sits from home, and its parent's
// slot. Wide, otherwise: w words of key per slot, the first carrying the
// occupied bit, and a separate 32-bit parent array; 8w+4 bytes a slot,
// growing by half, 15 to 23 bytes a state for one word. Inserts are
// lock-free (compare-and-swap on a slot's first word).
type visited struct {
	w      int
	bits   int // bits of a state
	size   uint64
	packed bool
	keys   []uint64
	parent []uint32 // wide layout only
	count  atomic.Uint64

	// Packed layout (packed.go).
	mix     mixer
	sbits   uint   // size is 2^sbits
	qbits   uint   // bits of a stored quotient
	dbits   uint   // bits of a stored displacement
	pshift  uint   // qbits + dbits: where the parent field starts
	maxDisp uint64 // 2^dbits - 1: displacements stored are below it
	// dispLimit bounds dbits (packedDispBits but in tests).
	dispLimit uint
	over      overflow
}

const maxLoad = 0.8

// packedDispBits is the widest displacement field of a packed slot (tests
// narrow it, with the dispBits option, to exercise the overflow table).
const packedDispBits = 16

// newVisited returns an empty table of at least size slots for states of
// the given words and bits, packed if they allow it, with displacement
// fields of at most dispBits bits.
func newVisited(words, stateBits int, size uint64, dispBits uint) *visited {
	size = max(size, 1024)
	t := &visited{w: words, bits: stateBits, size: size, dispLimit: dispBits}
	t.packed = words == 1 && stateBits <= maxPackedBits
	if t.packed {
		k := uint(max(stateBits, 1))
		t.sbits = uint(bits.Len64(size - 1))
		t.size = 1 << t.sbits
		t.mix = newMixer(k)
		t.qbits = k - min(k, t.sbits)
		t.dbits = min(dispBits, 63-k)
		t.pshift = t.qbits + t.dbits
		t.maxDisp = 1<<t.dbits - 1
		t.keys = make([]uint64, t.size)
		return t
	}
	t.keys = make([]uint64, size*uint64(words))
	t.parent = make([]uint32, size)
	return t
}

// slotBytes is the size of a slot.
func (t *visited) slotBytes() uint64 {
	if t.packed {
		return 8
	}
	return uint64(8*t.w + 4)
}

func (t *visited) bytesPerSlot() uint64 { return t.slotBytes() }

// nextSize is the size to grow to from the current one.
func (t *visited) nextSize(n uint64) uint64 {
	if t.packed {
		return 2 * n
	}
	return n + n/2
}

// limit bounds the slot numbers in use: overflow slots come after the
// table's.
func (t *visited) limit() uint64 { return t.size + uint64(len(t.over.states)) }

func hashVec(v *vec, w int) uint64 { return hashWords(v[:w]) }

// hash1 mixes the bits of a word (the finalizer of SplitMix64).
func hash1(k uint64) uint64 {
	h := k
	h ^= h >> 31
	h *= 0x7fb5d329728ea185
	h ^= h >> 27
	h *= 0x81dadef4bc2dd44d
	h ^= h >> 33
	return h
}

// hashWords hashes the words of a state: rotate-xor them together, then
// mix as hash1 does.
func hashWords(v []uint64) uint64 {
	h := v[0]
	for _, x := range v[1:] {
		h = bits.RotateLeft64(h, 23) ^ x*0x9e3779b97f4a7c15
	}
	return hash1(h)
}

// insert adds v with the given parent slot (noParent for the initial
// state); it returns v's slot and whether v is new.
func (t *visited) insert(v *vec, parent uint32) (uint32, bool) {
	if t.packed {
		return t.insertPackedOne(v[0], parent)
	}
	h := hashVec(v, t.w)
	i, _ := bits.Mul64(h, t.size)
	keys := t.keys
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
	if t.packed {
		return t.lookupPacked(v[0])
	}
	h := hashVec(v, t.w)
	i, _ := bits.Mul64(h, t.size)
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
	t.load(i, &v)
	return v
}

// load sets the first words of v to the state stored in slot i.
func (t *visited) load(i uint32, v *vec) {
	if t.packed {
		if uint64(i) >= t.size {
			v[0] = t.over.states[uint64(i)-t.size]
		} else {
			v[0] = t.stateOf(t.hashAt(uint64(i), t.keys[i]))
		}
		return
	}
	copy(v[:t.w], t.keys[uint64(i)*uint64(t.w):])
	v[0] &^= occupied
}

func (t *visited) used(i uint32) bool {
	if t.packed {
		if uint64(i) >= t.size {
			return uint64(i)-t.size < uint64(len(t.over.states))
		}
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
	if uint64(i) >= t.size {
		return t.over.parent[uint64(i)-t.size]
	}
	p := uint32(t.keys[i]>>t.pshift - 1)
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
	remap := make([]uint32, t.limit())
	nt := newVisited(t.w, t.bits, newSize, t.dispLimit)
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
	switch {
	case t.packed:
		t.growPacked(nt, remap, parallel, par > 1)
		t.size, t.keys, t.sbits, t.qbits, t.pshift = nt.size, nt.keys, nt.sbits, nt.qbits, nt.pshift
		t.over.slot, t.over.states, t.over.parent = nt.over.slot, nt.over.states, nt.over.parent
		return remap
	case w == 1:
		// Slots come in hash order, so the stores into the new table are
		// nearly sequential.
		nsz, nkeys := nt.size, nt.keys
		shared := par > 1
		parallel(func(lo, hi uint64) {
			for i := lo; i < hi; i++ {
				k := oldKeys[i]
				if k == 0 {
					continue
				}
				j, _ := bits.Mul64(hash1(k&^occupied), nsz)
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
	default:
		parallel(func(lo, hi uint64) {
			var v vec
			for i := lo; i < hi; i++ {
				if oldKeys[i*w]&occupied == 0 {
					continue
				}
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
			nt.parent[remap[i]] = p
		}
	})
	t.size, t.keys, t.parent = nt.size, nt.keys, nt.parent
	return remap
}
