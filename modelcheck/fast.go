package modelcheck

import (
	"math/bits"

	"github.com/fsmgen/fsmgen/spec"
)

// The one-word fast path: when a system state fits in 63 bits (the common
// case, TCP included) states are plain uint64s, fields are shifts and
// masks of one word, and a successor costs 16 bytes instead of 40.

type succ1 struct {
	v   uint64
	act int32
	row int32 // the spec row that fired, rowUnhandled, or rowLost
}

// Rows of one-word successors that no spec row produced: an event the
// peer ignores (counted as unhandled) and a lost or duplicated message
// (not counted).
const (
	rowUnhandled = -1
	rowLost      = -2
)

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
				buf = append(buf, succ1{v: bf.set(v, uint64(r)), act: int32(ai), row: rowLost})
			}
		}
		for j, ai := range pa.dup {
			if r := b.dup[id*stride+j]; r >= 0 {
				buf = append(buf, succ1{v: bf.set(v, uint64(r)), act: int32(ai), row: rowLost})
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
