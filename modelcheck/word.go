package modelcheck

import (
	"math/bits"
	"sync/atomic"
	"unsafe"
)

// One-word states: when the system state of two peers, their monitors
// included, fits in 63 bits (the common case, TCP's pair included), states are plain
// uint64s, fields are shifts and masks of one word, and a worker expands a
// chunk of the frontier straight into one batch of successors
// (expandWord), and only then inserts them (delayed duplicate detection).
// A first pass drops the successors that a small cache of recent ones
// shows to be stored already and hashes the others (prepare); the second
// probes the table, prefetching the home slots of the next few successors
// so that their cache misses overlap the current probe instead of queuing
// behind it (insertPacked for the packed layout, insertWide for the wide
// one). When the worker owns the table (one worker) inserts are plain
// stores; when workers share it they compare-and-swap.

// fwd is a successor waiting to be inserted, with its parent's slot.
type fwd struct {
	v      uint64
	parent uint32
}

// field1 is a field of a one-word state.
type field1 struct {
	shift uint8
	mask  uint64
}

func (f field1) get(v uint64) uint64    { return v >> f.shift & f.mask }
func (f field1) set(v, x uint64) uint64 { return v&^(f.mask<<f.shift) | x<<f.shift }

func one(f field) field1 { return field1{shift: f.shift, mask: f.mask} }

// wordPeer is what expanding a peer of a one-word state needs besides
// fastPeer: its fields as shifts and masks, and its one channel in and
// one channel out (one-word states are those of two peers).
type wordPeer struct {
	peer  field1 // the peer's snapshot
	box   field1 // its inbox
	other field1 // the other peer's inbox, where its sends go
	in    *inbox
	out   *inbox
	chans *chanActions // the actions on the peer's one channel in
	block bool         // sends into a full inbox block (else they are dropped)
}

// expandWord is successors for a one-word state, fused with what the
// search does with each successor: it appends every successor of v to
// w.batch with parent as its parent slot, counts coverage in w.succ, and
// returns the number of successors. Each successor is built in a register.
func (m *model) expandWord(w *worker, v uint64, parent uint32) int {
	n := len(w.batch)
	w.parent = parent
	for p := range 2 { // two peers: one-word states have no others
		fp := &m.fast[p]
		wp := &fp.word
		pa, ca, b, bf := fp.acts, wp.chans, wp.in, wp.box
		snap := wp.peer.get(v)
		for _, ai := range pa.calls {
			a := &m.actions[ai]
			nv := v
			if a.budget >= 0 {
				f := one(m.budgets[a.budget].f)
				x := f.get(v)
				if x == 0 {
					continue
				}
				nv = f.set(nv, x-1)
			}
			m.fireWord(w, fp, ai, nv, snap, a.event)
		}
		id := int(bf.get(v))
		var present uint64
		if b.ordered {
			if b.length[id] > 0 {
				m.fireWord(w, fp, ca.deliver[0], bf.set(v, uint64(b.remove[id*b.cap])), snap, fp.recv[b.head[id]])
			}
		} else if ca.present != nil {
			present = ca.present[id]
			rem := b.remove[id*b.kinds : id*b.kinds+b.kinds]
			for set := present; set != 0; set &= set - 1 {
				k := bits.TrailingZeros64(set)
				m.fireWord(w, fp, ca.deliver[k], bf.set(v, uint64(rem[k])), snap, fp.recv[k])
			}
		} else {
			for k := range b.kinds {
				if r := b.remove[id*b.kinds+k]; r >= 0 {
					m.fireWord(w, fp, ca.deliver[k], bf.set(v, uint64(r)), snap, fp.recv[k])
				}
			}
		}
		armed := snap >> fp.timerOff & fp.timerMask
		if m.idle && (m.fast[0].word.box.get(v) != 0 || m.fast[1].word.box.get(v) != 0) { // two peers, two channels
			armed = 0
		}
		for set := armed; set != 0; set &= set - 1 {
			ai := pa.timeout[bits.TrailingZeros64(set)]
			m.fireWord(w, fp, ai, v, snap, m.actions[ai].event)
		}
		if len(ca.lose) == 0 && len(ca.dup) == 0 {
			continue
		}
		if ca.present != nil {
			// Unordered: one loss and one duplication per kind present.
			if len(ca.lose) > 0 {
				rem := b.remove[id*b.kinds : id*b.kinds+b.kinds]
				for set := present; set != 0; set &= set - 1 {
					w.batch = append(w.batch, fwd{v: bf.set(v, uint64(rem[bits.TrailingZeros64(set)])), parent: parent})
				}
			}
			if len(ca.dup) > 0 {
				dup := b.dup[id*b.kinds : id*b.kinds+b.kinds]
				for set := present; set != 0; set &= set - 1 {
					if r := dup[bits.TrailingZeros64(set)]; r >= 0 {
						w.batch = append(w.batch, fwd{v: bf.set(v, uint64(r)), parent: parent})
					}
				}
			}
			continue
		}
		stride := b.kinds
		if b.ordered {
			stride = b.cap
		}
		for j := range ca.lose {
			if r := b.remove[id*stride+j]; r >= 0 {
				w.batch = append(w.batch, fwd{v: bf.set(v, uint64(r)), parent: parent})
			}
		}
		for j := range ca.dup {
			if r := b.dup[id*stride+j]; r >= 0 {
				w.batch = append(w.batch, fwd{v: bf.set(v, uint64(r)), parent: parent})
			}
		}
	}
	return len(w.batch) - n
}

// fireWord is fire for one-word states: it applies event ev of action ai
// to peer fp (whose snapshot before is snap) on top of nv, which already
// has the action's other effect, and appends the successor unless the
// peer refuses the event or a send blocks. The state being expanded is
// w.cur[0].
func (m *model) fireWord(w *worker, fp *fastPeer, ai int, nv, snap uint64, ev int) {
	o := fp.step.apply(snap, ev, w.succ.scratch)
	if !o.ok {
		return
	}
	wp := &fp.word
	nv = wp.peer.set(nv, o.next)
	if m.handlers != nil {
		nv = m.observeWord(&w.cur, nv, ai, fp.index, snap, o.next, o.sends)
	}
	if len(o.sends) > 0 {
		id, ok := wp.out.send(int32(wp.other.get(nv)), o.sends, wp.block)
		if !ok {
			return
		}
		nv = wp.other.set(nv, uint64(id))
	}
	w.succ.count(fp, snap, ev, o.row)
	w.batch = append(w.batch, fwd{v: nv, parent: w.parent})
}

// recentBits sizes a worker's cache of recent successors (64 KiB: it
// filters a little less than a larger one but stays in the fastest
// caches, which measured best with one worker and with two).
const recentBits = 13

// prepare is the first pass over the chunk's successors, in w.batch: it
// drops those that the worker's direct-mapped cache of recent successors
// holds: they are in the visited set already, or come earlier in the
// batch, which inserts them first (siblings share many successors, and
// about half are caught). With each of the others it keeps in w.slots its
// hash (packed table) or its first probe slot (wide).
func (w *worker) prepare(set *visited) {
	if w.recent == nil {
		w.recent = make([]uint64, 1<<recentBits)
	}
	recent := w.recent[:1<<recentBits]
	in := w.batch
	if cap(w.slots) < len(in) {
		w.slots = make([]uint64, len(in), 2*len(in))
	}
	slots := w.slots[:len(in)]
	packed, size := set.packed, set.size
	n := 0
	for _, f := range in {
		var h, slot uint64
		if packed {
			h = set.hashOf(f.v)
			slot = h
		} else {
			h = hash1(f.v)
			slot, _ = bits.Mul64(h, size)
		}
		e := &recent[h>>(64-recentBits)]
		old := *e
		*e = f.v | occupied
		in[n], slots[n] = f, slot
		// Keep f unless the cache had it: no branch, since whether it does
		// is a coin toss.
		keep := 1
		if old == f.v|occupied {
			keep = 0
		}
		n += keep
	}
	w.batch, w.slots = in[:n], slots[:n]
}

// insertWord inserts the chunk's successors into the visited set.
func (sr *search) insertWord(w *worker) (newStates uint64) {
	w.prepare(sr.set)
	if sr.set.packed {
		return sr.insertPacked(w, w.batch, w.slots, sr.shared)
	}
	return sr.insertWide(w, w.batch, w.slots, sr.shared)
}

// The inserts prefetch the first probe slots of the successors a little
// ahead of the one being inserted, a group of prefetchGroup at a time:
// probes are cache misses, and this keeps several in flight.
const (
	prefetchAhead = 16
	prefetchGroup = 8
)

// prefetchNext prefetches the group of slots that insert i should start
// on, once every prefetchGroup inserts; slot j is at index slots[j]>>shift.
func prefetchNext(keys, slots []uint64, i int, shift uint) {
	if i%prefetchGroup != 0 || i+prefetchAhead >= len(slots) {
		return
	}
	prefetch(unsafe.Pointer(&keys[0]), slots[i+prefetchAhead:min(i+prefetchAhead+prefetchGroup, len(slots))], shift, 8)
}

// prefetchFirst prefetches the slots of the first inserts of a batch.
func prefetchFirst(keys, slots []uint64, shift uint) {
	prefetch(unsafe.Pointer(&keys[0]), slots[:min(prefetchAhead, len(slots))], shift, 8)
}

// insertPacked inserts successors, given their hashes, into a packed table
// (packed.go). With shared, several workers write the table and new slots
// are claimed by compare-and-swap.
func (sr *search) insertPacked(w *worker, in []fwd, hashes []uint64, shared bool) (newStates uint64) {
	m, set := sr.m, sr.set
	keys, smask := set.keys, set.size-1
	sbits, qbits, pshift := set.sbits, set.qbits, set.pshift
	shift := 64 - sbits
	dqmask := uint64(1)<<pshift - 1
	dstep := uint64(1) << qbits
	maxWant := set.maxDisp << qbits
	next := w.next
	prefetchFirst(keys, hashes, shift)
	for i := range in {
		prefetchNext(keys, hashes, i, shift)
		h := hashes[i]
		j := h >> shift
		want := h << sbits >> (64 - qbits)
		for {
			cur := loadSlot(keys, j, shared)
			if cur == 0 {
				if !claimSlot(keys, j, want|(uint64(in[i].parent)+1)<<pshift, shared) {
					continue
				}
				newStates++
				next = w.stored(m, next, uint32(j), in[i].v)
				break
			}
			if cur&dqmask == want {
				break
			}
			if want += dstep; want >= maxWant {
				s, isNew := set.overflowInsert(in[i].v, in[i].parent)
				if isNew {
					newStates++
					next = w.stored(m, next, s, in[i].v)
				}
				break
			}
			j = (j + 1) & smask
		}
	}
	w.next = next
	return newStates
}

// insertWide inserts successors into a wide one-word table, appends the
// new ones to the next frontier and checks the invariants on them. With
// shared, several workers write the table and new keys are claimed by
// compare-and-swap.
func (sr *search) insertWide(w *worker, in []fwd, slots []uint64, shared bool) (newStates uint64) {
	m, set := sr.m, sr.set
	keys, parent, size := set.keys, set.parent, set.size
	next := w.next
	prefetchFirst(keys, slots, 0)
	for i := range in {
		prefetchNext(keys, slots, i, 0)
		j := slots[i]
		k := in[i].v | occupied
		for {
			cur := loadSlot(keys, j, shared)
			if cur == k {
				break
			}
			if cur == 0 {
				if !claimSlot(keys, j, k, shared) {
					continue
				}
				parent[j] = in[i].parent
				newStates++
				next = w.stored(m, next, uint32(j), in[i].v)
				break
			}
			if j++; j == size {
				j = 0
			}
		}
	}
	w.next = next
	return newStates
}

// loadSlot reads slot j of a table; when it is shared, other workers may be
// writing it.
func loadSlot(keys []uint64, j uint64, shared bool) uint64 {
	if shared {
		return atomic.LoadUint64(&keys[j])
	}
	return keys[j]
}

// claimSlot writes k into slot j, which its caller has just read empty,
// and reports whether it did: when the table is shared, another worker may
// have claimed the slot meanwhile.
func claimSlot(keys []uint64, j, k uint64, shared bool) bool {
	if shared {
		return atomic.CompareAndSwapUint64(&keys[j], 0, k)
	}
	keys[j] = k
	return true
}

// stored queues v, new in slot, for the next level and checks the
// invariants on it.
func (w *worker) stored(m *model, next []uint64, slot uint32, v uint64) []uint64 {
	if len(m.invariants) > 0 {
		w.tmp[0] = v
		w.checkInvariants(m, slot, &w.tmp)
	}
	return append(next, uint64(slot), v)
}
