package modelcheck

import (
	"math/bits"
	"sync/atomic"

	"github.com/fsmgen/fsmgen/spec"
)

// The one-word fast path: when a system state fits in 63 bits (the common
// case, TCP included) states are plain uint64s, fields are shifts and
// masks of one word, and a successor costs 16 bytes instead of 40.

type succ1 struct {
	v   uint64
	act int32
	row int32
}

type field1 struct {
	shift uint8
	mask  uint64
}

func (f field1) get(v uint64) uint64    { return v >> f.shift & f.mask }
func (f field1) set(v, x uint64) uint64 { return v&^(f.mask<<f.shift) | x<<f.shift }

func one(f field) field1 { return field1{shift: f.shift, mask: f.mask} }

// expand1 is expand for one-word states.
func (m *model) expand1(v uint64, buf []succ1, scratch []uint8) []succ1 {
	timerOff := m.s.Layout.TimerOffset
	timerMask := uint64(1)<<uint(len(m.s.Timers)) - 1
	box0, box1 := one(m.box[0]), one(m.box[1])
	for p := range 2 {
		pa := &m.byPeer[p]
		pf := one(m.peer[p])
		snap := pf.get(v)
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
			buf = m.fire1(buf, nv, ai, p, snap, a.event, scratch)
		}
		bf, b := box0, m.inbox[p]
		if p == 1 {
			bf = box1
		}
		id := int(bf.get(v))
		if b.ordered {
			if b.length[id] > 0 {
				buf = m.fire1(buf, bf.set(v, uint64(b.remove[id*b.cap])), pa.deliver[0], p, snap, m.recvEvent[b.head[id]], scratch)
			}
		} else if pa.present != nil {
			rem := b.remove[id*b.kinds : id*b.kinds+b.kinds]
			for set := pa.present[id]; set != 0; set &= set - 1 {
				k := bits.TrailingZeros64(set)
				buf = m.fire1(buf, bf.set(v, uint64(rem[k])), pa.deliver[k], p, snap, m.recvEvent[k], scratch)
			}
		} else {
			for k := range b.kinds {
				if r := b.remove[id*b.kinds+k]; r >= 0 {
					buf = m.fire1(buf, bf.set(v, uint64(r)), pa.deliver[k], p, snap, m.recvEvent[k], scratch)
				}
			}
		}
		armed := snap >> timerOff & timerMask
		if m.idle && (box0.get(v) != 0 || box1.get(v) != 0) {
			armed = 0
		}
		for set := armed; set != 0; set &= set - 1 {
			ai := pa.timeout[bits.TrailingZeros64(set)]
			buf = m.fire1(buf, v, ai, p, snap, m.actions[ai].event, scratch)
		}
		stride := b.kinds
		if b.ordered {
			stride = b.cap
		}
		for j, ai := range pa.lose {
			if r := b.remove[id*stride+j]; r >= 0 {
				buf = append(buf, succ1{v: bf.set(v, uint64(r)), act: int32(ai), row: -1})
			}
		}
		for j, ai := range pa.dup {
			if r := b.dup[id*stride+j]; r >= 0 {
				buf = append(buf, succ1{v: bf.set(v, uint64(r)), act: int32(ai), row: -1})
			}
		}
	}
	return buf
}

func (m *model) fire1(buf []succ1, nv uint64, ai, p int, snap uint64, ev int, scratch []uint8) []succ1 {
	o := m.step[p].apply(snap, ev, scratch)
	if !o.ok {
		return buf
	}
	nv = one(m.peer[p]).set(nv, o.next)
	if len(o.sends) > 0 {
		q := 1 - p
		f, b := one(m.box[q]), m.inbox[q]
		id := int32(f.get(nv))
		for _, msg := range o.sends {
			n := b.add[int(id)*b.kinds+int(msg)]
			if n < 0 {
				if b.ch.Full == spec.BlockWhenFull {
					return buf
				}
				continue
			}
			id = n
		}
		nv = f.set(nv, uint64(id))
	}
	return append(buf, succ1{v: nv, act: int32(ai), row: o.row})
}

func hash1(k uint64) uint64 {
	h := k
	h ^= h >> 31
	h *= 0x7fb5d329728ea185
	h ^= h >> 27
	h *= 0x81dadef4bc2dd44d
	h ^= h >> 33
	return h
}

// touch1 loads the first probe slot of every successor (see touch).
func (t *visited) touch1(buf []succ1) uint64 {
	var sink uint64
	size, keys := t.size, t.keys
	for i := range buf {
		j, _ := bits.Mul64(hash1(buf[i].v), size)
		sink += atomic.LoadUint64(&keys[j])
	}
	return sink
}

// insert1 is insert for one-word states.
func (t *visited) insert1(v uint64, parent uint32) (uint32, bool) {
	size, keys := t.size, t.keys
	i, _ := bits.Mul64(hash1(v), size)
	k := v | occupied
	for {
		cur := atomic.LoadUint64(&keys[i])
		if cur == k {
			return uint32(i), false
		}
		if cur == 0 {
			if atomic.CompareAndSwapUint64(&keys[i], 0, k) {
				t.parent[i] = parent
				return uint32(i), true
			}
			continue
		}
		if i++; i == size {
			i = 0
		}
	}
}

// expandChunk1 expands frontier entries [start, end) of a one-word search.
func (sr *search) expandChunk1(w *worker, start, end int) (trans, newStates uint64) {
	m, set := sr.m, sr.set
	nev := len(sr.c.s.Events)
	stateMask := uint64(1)<<sr.c.s.Layout.StateBits - 1
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
		w.sink += set.touch1(w.buf1)
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
			ns, isNew := set.insert1(s.v, slot)
			if !isNew {
				continue
			}
			newStates++
			w.next = append(w.next, uint64(ns), s.v)
			if len(m.invariants) > 0 {
				w.cur = vec{s.v}
				for pi := range m.invariants {
					if m.invariants[pi].eval(&w.cur) == 0 {
						iv := &violation{kind: InvariantViolation, prop: pi, slot: ns, v: w.cur}
						if iv.less(w.invariant) {
							w.invariant = iv
						}
						break
					}
				}
			}
		}
	}
	return trans, newStates
}
