package modelcheck

import (
	"context"
	"fmt"
	"math/bits"
	"sync/atomic"
)

// One-word searches: a worker expands a chunk of the frontier, collects
// every successor, and only then inserts them (delayed duplicate
// detection). A first pass drops the successors that a small cache of
// recent ones shows to be stored already, and computes the others' slots
// and loads them, so that the cache misses overlap instead of queuing one
// behind the other; a second pass probes lines that are in cache by then.
// With one worker the visited set is its own and inserts are plain
// stores; with several they compare-and-swap.

// fwd is a successor waiting to be inserted, with its parent's slot.
type fwd struct {
	v      uint64
	parent uint32
}

// workOwned is work for a one-worker, one-word search: the worker owns
// the whole visited set and writes it with plain stores.
func (sr *search) workOwned(ctx context.Context, w *worker, n int) {
	for !sr.stop.Load() {
		chunk := sr.chunk
		if float64(w.count+uint64(chunk*sr.maxSucc)) > maxLoad*float64(sr.set.size) {
			sr.grow()
			if sr.stop.Load() {
				return
			}
			continue
		}
		start := int(sr.cursor.Add(int64(chunk))) - chunk
		if start >= n {
			return
		}
		end := min(start+chunk, n)
		trans, newStates := sr.expandOwned(w, start, end)
		w.trans += trans
		sr.trans.Add(trans)
		sr.queue.Add(-int64(end - start))
		w.count += newStates
		total := sr.set.count.Add(newStates)
		sr.queued.Add(int64(newStates))
		if sr.c.maxStates > 0 && total >= sr.c.maxStates {
			sr.halt(fmt.Sprintf("stopped at the state limit (%d)", sr.c.maxStates))
		}
		if sr.c.maxMemory > 0 && sr.memory() > sr.c.maxMemory {
			sr.halt(fmt.Sprintf("stopped at the memory limit (%s)", FormatBytes(sr.c.maxMemory)))
		}
		if ctx.Err() != nil {
			sr.halt("interrupted")
		}
	}
}

// expandOwned expands frontier entries [start, end) of a one-word search
// and then inserts their successors in one batch.
func (sr *search) expandOwned(w *worker, start, end int) (trans, newStates uint64) {
	m := sr.m
	nev := len(sr.c.s.Events)
	stateMask := uint64(1)<<sr.c.s.Layout.StateBits - 1
	own := w.own[:0]
	for e := start; e < end; e++ {
		slot := uint32(sr.front[2*e])
		v := sr.front[2*e+1]
		w.buf1 = m.expand1(v, w.buf1[:0], w.scratch)
		if len(w.buf1) == 0 {
			w.cur = vec{v}
			if m.terminal == nil || m.terminal(&w.cur) == 0 {
				d := &violation{kind: Deadlock, slot: slot, v: w.cur}
				if d.less(w.deadlock) {
					w.deadlock = d
				}
			}
		}
		trans += uint64(len(w.buf1))
		for i := range w.buf1 {
			s := &w.buf1[i]
			if s.row >= 0 {
				w.rowHits[s.row]++
			} else if s.row == rowUnhandled {
				a := &m.actions[s.act]
				ev := a.event
				if ev < 0 {
					b := m.inbox[a.peer]
					ev = m.recvEvent[b.head[one(m.box[a.peer]).get(v)]]
				}
				st := one(m.peer[a.peer]).get(v) & stateMask
				w.unhandled[int(st)*nev+ev]++
			}
			own = append(own, fwd{v: s.v, parent: slot})
		}
	}
	w.own = own
	set := sr.set
	in, slots := w.prepare(own, set.keys, set.size, set.w)
	switch {
	case set.packed:
		return trans, sr.insertPacked(w, in, slots, !sr.owned)
	case !sr.owned:
		return trans, sr.insertShared(w, in, slots)
	}
	return trans, sr.insertOwned(w, in, slots)
}

// recentBits sizes a worker's cache of recent successors (512 KiB).
const recentBits = 16

// prepare is the first pass over a batch of successors. It drops those
// that the worker's direct-mapped cache of recent successors holds: they
// are in the visited set already, or come earlier in the batch, which
// inserts them first (siblings share many successors, and about half are
// caught). It returns the others with their first probe slots, having
// loaded each slot: the loads do not depend on each other, so their cache
// misses overlap.
func (w *worker) prepare(in []fwd, keys []uint64, size uint64, words int) ([]fwd, []uint64) {
	if w.recent == nil {
		w.recent = make([]uint64, 1<<recentBits)
	}
	recent := w.recent[:1<<recentBits]
	if cap(w.slots) < len(in) {
		w.slots = make([]uint64, len(in), 2*len(in))
	}
	slots := w.slots[:len(in)]
	var sink uint64
	n := 0
	for _, f := range in {
		h := hash1(f.v)
		e := &recent[h&(1<<recentBits-1)]
		if *e == f.v|occupied {
			continue
		}
		*e = f.v | occupied
		j, _ := bits.Mul64(h, size)
		sink += atomic.LoadUint64(&keys[j*uint64(words)])
		in[n], slots[n] = f, j
		n++
	}
	w.sink += sink
	return in[:n], slots[:n]
}

// insertPacked inserts successors into a packed table (visited.go): one
// word per slot, the parent's slot beside the state. With shared, several
// workers write the table and new slots are claimed by compare-and-swap.
func (sr *search) insertPacked(w *worker, in []fwd, slots []uint64, shared bool) (newStates uint64) {
	m, set := sr.m, sr.set
	keys, size, kbits, kmask := set.keys, set.size, set.kbits, set.kmask
	next := w.next
	for i := range in {
		j := slots[i]
		k := in[i].v
		for {
			var cur uint64
			if shared {
				cur = atomic.LoadUint64(&keys[j])
			} else {
				cur = keys[j]
			}
			if cur == 0 {
				nk := k | (uint64(in[i].parent)+1)<<kbits
				if shared {
					if !atomic.CompareAndSwapUint64(&keys[j], 0, nk) {
						continue
					}
				} else {
					keys[j] = nk
				}
				newStates++
				next = append(next, j, k)
				if len(m.invariants) > 0 {
					sr.checkInvariants(w, uint32(j), k)
				}
				break
			}
			if cur&kmask == k {
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

// insertOwned inserts successors into a wide one-word table that only
// this worker writes (one worker), appends the new ones to the next
// frontier and checks the invariants on them.
func (sr *search) insertOwned(w *worker, in []fwd, slots []uint64) (newStates uint64) {
	m, set := sr.m, sr.set
	keys, parent, size := set.keys, set.parent, set.size
	next := w.next
	for i := range in {
		j := slots[i]
		k := in[i].v | occupied
		for {
			cur := keys[j]
			if cur == k {
				break
			}
			if cur == 0 {
				keys[j] = k
				parent[j] = in[i].parent
				newStates++
				next = append(next, j, in[i].v)
				if len(m.invariants) > 0 {
					sr.checkInvariants(w, uint32(j), in[i].v)
				}
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

func (sr *search) checkInvariants(w *worker, slot uint32, v uint64) {
	m := sr.m
	w.cur = vec{v}
	for pi := range m.invariants {
		if m.invariants[pi].eval(&w.cur) == 0 {
			iv := &violation{kind: InvariantViolation, prop: pi, slot: slot, v: w.cur}
			if iv.less(w.invariant) {
				w.invariant = iv
			}
			return
		}
	}
}

// insertShared is insertOwned for a table that all workers write: new
// keys are claimed by compare-and-swap.
func (sr *search) insertShared(w *worker, in []fwd, slots []uint64) (newStates uint64) {
	m, set := sr.m, sr.set
	keys, parent, size := set.keys, set.parent, set.size
	next := w.next
	for i := range in {
		j := slots[i]
		k := in[i].v | occupied
		for {
			cur := atomic.LoadUint64(&keys[j])
			if cur == k {
				break
			}
			if cur == 0 {
				if !atomic.CompareAndSwapUint64(&keys[j], 0, k) {
					continue
				}
				parent[j] = in[i].parent
				newStates++
				next = append(next, j, in[i].v)
				if len(m.invariants) > 0 {
					sr.checkInvariants(w, uint32(j), in[i].v)
				}
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
