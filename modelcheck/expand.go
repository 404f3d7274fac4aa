package modelcheck

import (
	"math/bits"

	"github.com/fsmgen/fsmgen/spec"
)

// succ is one transition out of a state.
type succ struct {
	v   vec
	act int32 // index into model.actions
	row int32 // the spec row that fired, or -1
}

// peerActions indexes a peer's actions by what enables them.
type peerActions struct {
	calls   []int // action indexes of the peer's calls
	deliver []int // unordered: by message kind; ordered: one entry
	timeout []int // by timer
	lose    []int // by message kind (unordered) or position (ordered); nil without loss
	dup     []int
	present []uint64 // unordered inbox content -> bit set of the kinds present
}

func (m *model) indexActions() {
	for p := range 2 {
		pa := &m.byPeer[p]
		b := m.inbox[p]
		pa.timeout = make([]int, len(m.s.Timers))
		for ai, a := range m.actions {
			if a.peer != p {
				continue
			}
			switch a.kind {
			case actCall:
				pa.calls = append(pa.calls, ai)
			case actDeliver:
				pa.deliver = append(pa.deliver, ai)
			case actTimeout:
				pa.timeout[a.arg] = ai
			case actLose:
				pa.lose = append(pa.lose, ai)
			case actDuplicate:
				pa.dup = append(pa.dup, ai)
			}
		}
		if !b.ordered && b.kinds <= 64 {
			pa.present = make([]uint64, b.n)
			for id := range b.n {
				for k := range b.kinds {
					if b.count[id*b.kinds+k] > 0 {
						pa.present[id] |= 1 << k
					}
				}
			}
		}
	}
}

// expand appends the successors of v, one per enabled action. scratch is
// a buffer for the sends of step functions that are not tabulated.
func (m *model) expand(v *vec, buf []succ, scratch []uint8) []succ {
	timerOff := m.s.Layout.TimerOffset
	timerMask := uint64(1)<<uint(len(m.s.Timers)) - 1
	for p := range 2 {
		pa := &m.byPeer[p]
		pf := m.peer[p]
		snap := pf.get(v)
		for _, ai := range pa.calls {
			a := &m.actions[ai]
			nv := *v
			if a.budget >= 0 {
				f := m.budgets[a.budget].f
				x := f.get(v)
				if x == 0 {
					continue
				}
				f.set(&nv, x-1)
			}
			buf = m.fire(buf, &nv, ai, p, snap, a.event, scratch)
		}
		bf, b := m.box[p], m.inbox[p]
		id := int(bf.get(v))
		if b.ordered {
			if b.length[id] > 0 {
				nv := *v
				bf.set(&nv, uint64(b.remove[id*b.cap]))
				buf = m.fire(buf, &nv, pa.deliver[0], p, snap, m.recvEvent[b.head[id]], scratch)
			}
		} else if pa.present != nil {
			for set := pa.present[id]; set != 0; set &= set - 1 {
				k := bits.TrailingZeros64(set)
				nv := *v
				bf.set(&nv, uint64(b.remove[id*b.kinds+k]))
				buf = m.fire(buf, &nv, pa.deliver[k], p, snap, m.recvEvent[k], scratch)
			}
		} else {
			for k := range b.kinds {
				if r := b.remove[id*b.kinds+k]; r >= 0 {
					nv := *v
					bf.set(&nv, uint64(r))
					buf = m.fire(buf, &nv, pa.deliver[k], p, snap, m.recvEvent[k], scratch)
				}
			}
		}
		timers := snap >> timerOff & timerMask
		if m.check.Timeouts == spec.IdleTimeout && (m.box[0].get(v) != 0 || m.box[1].get(v) != 0) {
			timers = 0 // content id 0 is the empty inbox; timers wait until nothing is in flight
		}
		for set := timers; set != 0; set &= set - 1 {
			t := bits.TrailingZeros64(set)
			ai := pa.timeout[t]
			buf = m.fire(buf, v, ai, p, snap, m.actions[ai].event, scratch)
		}
		stride := b.kinds
		if b.ordered {
			stride = b.cap
		}
		for j, ai := range pa.lose {
			if r := b.remove[id*stride+j]; r >= 0 {
				nv := *v
				bf.set(&nv, uint64(r))
				buf = append(buf, succ{v: nv, act: int32(ai), row: -1})
			}
		}
		for j, ai := range pa.dup {
			if r := b.dup[id*stride+j]; r >= 0 {
				nv := *v
				bf.set(&nv, uint64(r))
				buf = append(buf, succ{v: nv, act: int32(ai), row: -1})
			}
		}
	}
	return buf
}

// fire applies event ev to peer p (whose snapshot in the state before is
// snap) on top of nv, which already reflects the action's other effects,
// and appends the successor unless the peer refuses the event or a send
// blocks.
func (m *model) fire(buf []succ, nv *vec, ai, p int, snap uint64, ev int, scratch []uint8) []succ {
	o := m.step[p].apply(snap, ev, scratch)
	if !o.ok {
		return buf
	}
	buf = append(buf, succ{v: *nv, act: int32(ai), row: o.row})
	s := &buf[len(buf)-1]
	m.peer[p].set(&s.v, o.next)
	if len(o.sends) > 0 {
		q := 1 - p
		f, b := m.box[q], m.inbox[q]
		id := int32(f.get(&s.v))
		for _, msg := range o.sends {
			n := b.add[int(id)*b.kinds+int(msg)]
			if n < 0 {
				if b.ch.Full == spec.BlockWhenFull {
					return buf[:len(buf)-1]
				}
				continue
			}
			id = n
		}
		f.set(&s.v, uint64(id))
	}
	return buf
}
