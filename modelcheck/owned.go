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
	w.own = w.own[:0]
	for e := start; e < end; e++ {
		slot := uint32(sr.front[2*e])
		v := sr.front[2*e+1]
		n := m.expand1(w, v, slot)
		if n == 0 {
			w.cur = vec{v}
			if m.terminal == nil || m.terminal(&w.cur) == 0 {
				d := &violation{kind: Deadlock, slot: slot, v: w.cur}
				if d.less(w.deadlock) {
					w.deadlock = d
				}
			}
		}
		trans += uint64(n)
	}
	set := sr.set
	in, slots := w.prepare(w.own, set.size)
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
// caught). It returns the others with their first probe slots.
func (w *worker) prepare(in []fwd, size uint64) ([]fwd, []uint64) {
	if w.recent == nil {
		w.recent = make([]uint64, 1<<recentBits)
	}
	recent := w.recent[:1<<recentBits]
	if cap(w.slots) < len(in) {
		w.slots = make([]uint64, len(in), 2*len(in))
	}
	slots := w.slots[:len(in)]
	mask := uint64(len(recent) - 1)
	n := 0
	for _, f := range in {
		h := hash1(f.v)
		e := &recent[h&mask]
		old := *e
		*e = f.v | occupied
		j, _ := bits.Mul64(h, size)
		in[n], slots[n] = f, j
		// Keep f unless the cache had it: no branch, since whether it does
		// is a coin toss.
		keep := 1
		if old == f.v|occupied {
			keep = 0
		}
		n += keep
	}
	return in[:n], slots[:n]
}

// The inserts prefetch the first probe slots of the successors a little
// ahead of the one being inserted, a group of prefetchGroup at a time:
// probes are cache misses, and this keeps several in flight.
const (
	prefetchAhead = 16
	prefetchGroup = 8
)

// prefetchNext prefetches the group of slots that insert i should start
// on, once every prefetchGroup inserts.
func prefetchNext(keys, slots []uint64, i int) {
	if i%prefetchGroup != 0 || i+prefetchAhead >= len(slots) {
		return
	}
	prefetchSlots(&keys[0], slots[i+prefetchAhead:min(i+prefetchAhead+prefetchGroup, len(slots))])
}

// prefetchFirst prefetches the slots of the first inserts of a batch.
func prefetchFirst(keys, slots []uint64) {
	prefetchSlots(&keys[0], slots[:min(prefetchAhead, len(slots))])
}

// insertPacked inserts successors into a packed table (visited.go): one
// word per slot, the parent's slot beside the state. With shared, several
// workers write the table and new slots are claimed by compare-and-swap.
func (sr *search) insertPacked(w *worker, in []fwd, slots []uint64, shared bool) (newStates uint64) {
	m, set := sr.m, sr.set
	keys, size, kbits, kmask := set.keys, set.size, set.kbits, set.kmask
	next := w.next
	prefetchFirst(keys, slots)
	for i := range in {
		prefetchNext(keys, slots, i)
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
	prefetchFirst(keys, slots)
	for i := range in {
		prefetchNext(keys, slots, i)
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
	prefetchFirst(keys, slots)
	for i := range in {
		prefetchNext(keys, slots, i)
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
