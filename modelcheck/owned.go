package modelcheck

import (
	"context"
	"fmt"
	"math/bits"
	"sync/atomic"
)

// One-word searches: a worker expands a chunk of the frontier, collects
// every successor, and only then inserts them (delayed duplicate
// detection): a first branch-free pass computes each successor's slot and
// loads it, so that the cache misses overlap instead of queuing one behind
// the other, and a second pass probes lines that are in cache by then.
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
			} else if a := &m.actions[s.act]; a.kind != actLose && a.kind != actDuplicate {
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
	if !sr.owned {
		return trans, sr.insertShared(w, own)
	}
	return trans, sr.insertOwned(w, own)
}

// insertOwned inserts successors into a visited set that only this worker
// writes (one worker, one shard), appends the new
// ones to the next frontier and checks the invariants on them. It first
// computes every successor's slot and loads it, a branch-free loop whose
// cache misses overlap, and then probes: the lines are in cache by then.
func (sr *search) insertOwned(w *worker, in []fwd) (newStates uint64) {
	m, set := sr.m, sr.set
	keys, parent, size := set.keys, set.parent, set.size
	if cap(w.slots) < len(in) {
		w.slots = make([]uint64, len(in), 2*len(in))
	}
	slots := w.slots[:len(in)]
	var sink uint64
	for i := range in {
		j, _ := bits.Mul64(hash1(in[i].v), size)
		slots[i] = j
		sink += keys[j]
	}
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
	w.sink += sink
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

// insertShared is insertOwned for a table that all workers write: the
// same two passes, with compare-and-swap for the new keys.
func (sr *search) insertShared(w *worker, in []fwd) (newStates uint64) {
	m, set := sr.m, sr.set
	keys, parent, size := set.keys, set.parent, set.size
	if cap(w.slots) < len(in) {
		w.slots = make([]uint64, len(in), 2*len(in))
	}
	slots := w.slots[:len(in)]
	var sink uint64
	for i := range in {
		j, _ := bits.Mul64(hash1(in[i].v), size)
		slots[i] = j
		sink += atomic.LoadUint64(&keys[j])
	}
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
	w.sink += sink
	return newStates
}
