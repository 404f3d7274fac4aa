package modelcheck

import (
	"math/bits"
	"sync/atomic"
)

// Multi-word states: the successors of each state are inserted as they
// come, into the wide layout of the visited set (visited.go), after a pass
// that loads the first slot of each one's probe sequence so that their
// cache misses overlap. Inserts compare-and-swap whether or not several
// workers share the table.

// insertWords inserts the successors of one state, in w.succ, reached
// from slot parent; it queues the new ones for the next level and checks
// the invariants on them.
func (sr *search) insertWords(w *worker, parent uint32) (newStates uint64) {
	set, out, sv := sr.set, &w.succ, &w.tmp
	w.sink += set.touch(out)
	for i := range out.len() {
		ns, isNew := set.insert(out.vec(i, sv), parent)
		if !isNew {
			continue
		}
		newStates++
		w.next = append(w.next, uint64(ns))
		w.next = append(w.next, out.state(i)...)
		w.checkInvariants(sr.m, ns, sv)
	}
	return newStates
}

// touch loads the first slot of every successor's probe sequence before
// any is inserted, so that the cache misses overlap instead of queuing
// behind each insert's compare-and-swap. It hashes each successor's words
// where they lie, as hashVec does.
func (t *visited) touch(buf *succs) uint64 {
	var sink uint64
	w, size, keys := uint64(t.w), t.size, t.keys
	for i := range buf.len() {
		j, _ := bits.Mul64(hashWords(buf.state(i)), size)
		sink += atomic.LoadUint64(&keys[j*w])
	}
	return sink
}
