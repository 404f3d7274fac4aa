package modelcheck

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// The packed layout of the visited set, for one-word states of at most
// maxPackedBits bits: one word a slot, whatever the table's size.
//
// A state v of k bits is first mixed by a bijection on k-bit integers; the
// result, aligned to the top of a word, is its hash H. Its home slot is the
// top sbits bits of H (the table has 2^sbits slots), and since the home
// says those bits, a slot stores only the rest of H, the quotient: k-sbits
// bits. Linear probing may put v a few slots past its home, so the slot
// also stores that displacement, which gives back the home, H and v. The
// word of a used slot is
//
//	quotient | displacement<<qbits | (1 + parent slot)<<pshift
//
// (the initial state is its own parent), so it is nonzero exactly when the
// slot is used, and an insert writes one word: a compare-and-swap when
// several workers share the table. A state whose displacement would not fit
// in dbits bits (a cluster of 2^dbits slots; dbits is 8 to 16, so this
// takes a pathological hash) goes to a small locked overflow table under a
// slot number past the end of the table. The table doubles when it would
// pass 80% full, so a stored state costs 10 to 20 bytes.

// maxPackedBits is the widest state the packed layout holds: the quotient,
// a displacement of at least 8 bits and a parent slot must share a word.
const maxPackedBits = 55

// mixer is a bijection on k-bit integers whose high output bits depend on
// every input bit: multiplications by odd constants and xor-shifts, all
// modulo 2^k, each of which can be undone.
type mixer struct {
	k          uint
	mask       uint64
	s          uint // xor-shift distance
	c1, c2, c3 uint64
	i1, i2, i3 uint64 // the multipliers' inverses modulo 2^k
}

func newMixer(k uint) mixer {
	m := mixer{k: k, mask: 1<<k - 1, s: max(1, (k+1)/2)}
	if k == 64 {
		m.mask = ^uint64(0)
	}
	inv := func(c uint64) uint64 {
		x := c // Newton's iteration: correct to 3, 6, 12, ... bits
		for range 5 {
			x *= 2 - c*x
		}
		return x
	}
	m.c1, m.c2, m.c3 = 0x9e3779b97f4a7c15&m.mask, 0xbf58476d1ce4e5b9&m.mask, 0x94d049bb133111eb&m.mask
	m.i1, m.i2, m.i3 = inv(m.c1)&m.mask, inv(m.c2)&m.mask, inv(m.c3)&m.mask
	return m
}

func (m *mixer) mix(x uint64) uint64 {
	x = x * m.c1 & m.mask
	x ^= x >> m.s
	x = x * m.c2 & m.mask
	x ^= x >> m.s
	return x * m.c3 & m.mask
}

func (m *mixer) unmix(x uint64) uint64 {
	x = x * m.i3 & m.mask
	x = unshift(x, m.s)
	x = x * m.i2 & m.mask
	x = unshift(x, m.s)
	return x * m.i1 & m.mask
}

// unshift inverts y = x ^ x>>s.
func unshift(y uint64, s uint) uint64 {
	x := y
	for t := s; t < 64; t += s {
		x ^= y >> t
	}
	return x
}

// hashOf is the hash H of a one-word state: its mix, top-aligned.
func (t *visited) hashOf(v uint64) uint64 { return t.mix.mix(v) << (64 - t.mix.k) }

// stateOf inverts hashOf.
func (t *visited) stateOf(h uint64) uint64 { return t.mix.unmix(h >> (64 - t.mix.k)) }

// quotient is the part of H that a slot stores.
func (t *visited) quotient(h uint64) uint64 { return h << t.sbits >> (64 - t.qbits) }

// hashAt is the hash of the state in used slot i, whose word is x.
func (t *visited) hashAt(i, x uint64) uint64 {
	d := x >> t.qbits & (1<<t.dbits - 1)
	home := (i - d) & (t.size - 1)
	return home<<(64-t.sbits) | (x&(1<<t.qbits-1))<<(64-t.sbits-t.qbits)
}

// overflow holds the states of a packed table whose displacement does not
// fit in a slot, under slot numbers from the table's size up.
type overflow struct {
	mu     sync.Mutex
	slot   map[uint64]uint32
	states []uint64
	parent []uint32
}

func (t *visited) overflowInsert(v uint64, parent uint32) (uint32, bool) {
	o := &t.over
	o.mu.Lock()
	defer o.mu.Unlock()
	if s, ok := o.slot[v]; ok {
		return s, false
	}
	if o.slot == nil {
		o.slot = map[uint64]uint32{}
	}
	s := uint32(t.size) + uint32(len(o.states))
	o.slot[v] = s
	o.states = append(o.states, v)
	o.parent = append(o.parent, parent)
	return s, true
}

func (t *visited) overflowLookup(v uint64) (uint32, bool) {
	o := &t.over
	o.mu.Lock()
	defer o.mu.Unlock()
	s, ok := o.slot[v]
	return s, ok
}

// insertPackedOne inserts one state into a packed table that workers may
// share; hot loops inline the same probe (word.go).
func (t *visited) insertPackedOne(v uint64, parent uint32) (uint32, bool) {
	h := t.hashOf(v)
	j := h >> (64 - t.sbits)
	want := t.quotient(h)
	dqmask := uint64(1)<<t.pshift - 1
	for d := uint64(0); d < t.maxDisp; d++ {
		cur := atomic.LoadUint64(&t.keys[j])
		if cur == 0 {
			p := uint64(parent)
			if parent == noParent {
				p = j
			}
			if atomic.CompareAndSwapUint64(&t.keys[j], 0, want|(p+1)<<t.pshift) {
				return uint32(j), true
			}
			cur = atomic.LoadUint64(&t.keys[j])
		}
		if cur&dqmask == want {
			return uint32(j), false
		}
		want += 1 << t.qbits
		j = (j + 1) & (t.size - 1)
	}
	return t.overflowInsert(v, parent)
}

func (t *visited) lookupPacked(v uint64) (uint32, bool) {
	h := t.hashOf(v)
	j := h >> (64 - t.sbits)
	want := t.quotient(h)
	dqmask := uint64(1)<<t.pshift - 1
	for d := uint64(0); d < t.maxDisp; d++ {
		cur := t.keys[j]
		if cur == 0 {
			return 0, false
		}
		if cur&dqmask == want {
			return uint32(j), true
		}
		want += 1 << t.qbits
		j = (j + 1) & (t.size - 1)
	}
	return t.overflowLookup(v)
}

// place puts a state with hash h, known to be absent, into a packed table
// being built by grow, with a placeholder parent; it returns its slot.
func (t *visited) place(h uint64, shared bool) uint32 {
	j := h >> (64 - t.sbits)
	want := t.quotient(h) | 1<<t.pshift
	for d := uint64(0); d < t.maxDisp; d++ {
		if shared {
			if atomic.CompareAndSwapUint64(&t.keys[j], 0, want) {
				return uint32(j)
			}
		} else if t.keys[j] == 0 {
			t.keys[j] = want
			return uint32(j)
		}
		want += 1 << t.qbits
		j = (j + 1) & (t.size - 1)
	}
	s, _ := t.overflowInsert(t.stateOf(h), noParent)
	return s
}

// setParent records the parent of the state in slot j of a table being
// built by grow.
func (t *visited) setParent(j, p uint32) {
	if uint64(j) >= t.size {
		t.over.parent[uint64(j)-t.size] = p
		return
	}
	if p == noParent {
		p = j
	}
	t.keys[j] = t.keys[j]&(1<<t.pshift-1) | (uint64(p)+1)<<t.pshift
}

// growPacked moves every state of a packed table into nt, a larger packed
// table, filling remap. Slots come in hash order, so the stores into nt
// are nearly sequential.
func (t *visited) growPacked(nt *visited, remap []uint32, parallel func(func(lo, hi uint64)), shared bool) {
	keys := t.keys
	parallel(func(lo, hi uint64) {
		for i := lo; i < hi; i++ {
			if x := keys[i]; x != 0 {
				remap[i] = nt.place(t.hashAt(i, x), shared)
			}
		}
	})
	for k, v := range t.over.states {
		remap[t.size+uint64(k)] = nt.place(t.hashOf(v), false)
	}
	// Parents are random slots: prefetch their remap entries a block ahead.
	const block = 16
	parallel(func(lo, hi uint64) {
		var ahead [block]uint64
		prefetchParents := func(from uint64) {
			n := 0
			for i := from; i < min(from+block, hi); i++ {
				if x := keys[i]; x != 0 {
					ahead[n] = x>>t.pshift - 1
					n++
				}
			}
			prefetch(unsafe.Pointer(&remap[0]), ahead[:n], 0, 4)
		}
		prefetchParents(lo)
		for i := lo; i < hi; i++ {
			if (i-lo)%block == 0 {
				prefetchParents(i + block)
			}
			if keys[i] != 0 {
				p := t.parentOf(uint32(i))
				if p != noParent {
					p = remap[p]
				}
				nt.setParent(remap[i], p)
			}
		}
	})
	for k := range t.over.states {
		p := t.over.parent[k]
		if p != noParent {
			p = remap[p]
		}
		nt.setParent(remap[t.size+uint64(k)], p)
	}
}
