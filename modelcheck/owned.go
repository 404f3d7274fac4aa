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
// recent ones shows to be stored already and hashes the others; the
// second probes, prefetching the home slots of the next few successors so
// that their cache misses overlap the current probe instead of queuing
// behind it. With one worker the visited set is its own and inserts are
// plain stores; with several they compare-and-swap.

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
			sr.halt(sr.cancelReason(ctx))
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
			w.cur[0] = v
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
	in, slots := w.prepare(w.own, set)
	switch {
	case set.packed:
		return trans, sr.insertPacked(w, in, slots, !sr.owned)
	}
	return trans, sr.insertWide(w, in, slots, !sr.owned)
}

// recentBits sizes a worker's cache of recent successors (64 KiB: it
// filters a little less than a larger one but stays in the fastest
// caches, which measured best with one worker and with two).
const recentBits = 13

// prepare is the first pass over a batch of successors. It drops those
// that the worker's direct-mapped cache of recent successors holds: they
// are in the visited set already, or come earlier in the batch, which
// inserts them first (siblings share many successors, and about half are
// caught). It returns the others with their hashes (packed table) or their
// first probe slots (wide).
func (w *worker) prepare(in []fwd, set *visited) ([]fwd, []uint64) {
	if w.recent == nil {
		w.recent = make([]uint64, 1<<recentBits)
	}
	recent := w.recent[:1<<recentBits]
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
// on, once every prefetchGroup inserts; slot j is at index slots[j]>>shift.
func prefetchNext(keys, slots []uint64, i int, shift uint) {
	if i%prefetchGroup != 0 || i+prefetchAhead >= len(slots) {
		return
	}
	prefetchSlots(&keys[0], slots[i+prefetchAhead:min(i+prefetchAhead+prefetchGroup, len(slots))], shift)
}

// prefetchFirst prefetches the slots of the first inserts of a batch.
func prefetchFirst(keys, slots []uint64, shift uint) {
	prefetchSlots(&keys[0], slots[:min(prefetchAhead, len(slots))], shift)
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
			var cur uint64
			if shared {
				cur = atomic.LoadUint64(&keys[j])
			} else {
				cur = keys[j]
			}
			if cur == 0 {
				nk := want | (uint64(in[i].parent)+1)<<pshift
				if shared {
					if !atomic.CompareAndSwapUint64(&keys[j], 0, nk) {
						continue
					}
				} else {
					keys[j] = nk
				}
				newStates++
				next = append(next, j, in[i].v)
				if len(m.invariants) > 0 {
					sr.checkInvariants(w, uint32(j), in[i].v)
				}
				break
			}
			if cur&dqmask == want {
				break
			}
			if want += dstep; want >= maxWant {
				s, isNew := set.overflowInsert(in[i].v, in[i].parent)
				if isNew {
					newStates++
					next = append(next, uint64(s), in[i].v)
					if len(m.invariants) > 0 {
						sr.checkInvariants(w, s, in[i].v)
					}
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
			var cur uint64
			if shared {
				cur = atomic.LoadUint64(&keys[j])
			} else {
				cur = keys[j]
			}
			if cur == k {
				break
			}
			if cur == 0 {
				if shared {
					if !atomic.CompareAndSwapUint64(&keys[j], 0, k) {
						continue
					}
				} else {
					keys[j] = k
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

func (sr *search) checkInvariants(w *worker, slot uint32, v uint64) {
	m := sr.m
	w.cur[0] = v // a one-word state: only word 0 is read
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
