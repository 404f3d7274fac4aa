package modelcheck

import (
	"math/bits"

	"github.com/fsmgen/fsmgen/spec"
)

// succ is how a transition out of a state was taken.
type succ struct {
	act int32 // index into model.actions
	row int32 // the spec row that fired, or -1
}

// succs holds the transitions out of a state: transition i leads to the
// state of w words at v[i*w:], by s[i]. The states are stored flat so that
// wide ones are not copied whole: only their w words in use are.
type succs struct {
	w int
	v []uint64
	s []succ
}

func (b *succs) reset(w int) {
	b.w, b.v, b.s = w, b.v[:0], b.s[:0]
}

func (b *succs) len() int { return len(b.s) }

// state returns the words of successor i.
func (b *succs) state(i int) []uint64 {
	lo := i * b.w
	return b.v[lo : lo+b.w : lo+b.w]
}

// vec copies successor i into the first words of dst and returns dst; the
// other words of dst are left as they are.
func (b *succs) vec(i int, dst *vec) *vec {
	for j, x := range b.state(i) {
		dst[j&(maxWords-1)] = x // a loop: cheaper than a call to memmove for a few words
	}
	return dst
}

// push appends a copy of v as the state of a new successor taken by
// action ai and row, and returns its words.
func (b *succs) push(v *vec, ai int, row int32) []uint64 {
	lo := len(b.v)
	b.v = append(b.v, v[:b.w]...)
	b.s = append(b.s, succ{act: int32(ai), row: row})
	return b.v[lo : lo+b.w : lo+b.w]
}

// pop removes the last successor.
func (b *succs) pop() {
	b.v = b.v[:len(b.v)-b.w]
	b.s = b.s[:len(b.s)-1]
}

// peerActions indexes a peer's actions by what enables them.
type peerActions struct {
	calls   []int // action indexes of the peer's calls
	timeout []int // by timer
	in      []int // the channels into the peer
}

// chanActions indexes the actions on one channel.
type chanActions struct {
	deliver []int // unordered: by message kind; ordered: one entry
	lose    []int // by message kind (unordered) or position (ordered); nil without loss
	dup     []int
	present []uint64 // unordered inbox content -> bit set of the kinds present
}

func (m *model) indexActions() {
	for p := range m.byPeer {
		pa := &m.byPeer[p]
		pa.timeout = make([]int, len(m.mach[p].Timers))
		for _, ch := range m.check.Into(p) {
			pa.in = append(pa.in, ch.Index)
		}
	}
	for ai, a := range m.actions {
		pa := &m.byPeer[a.peer]
		switch a.kind {
		case actCall:
			pa.calls = append(pa.calls, ai)
		case actDeliver:
			m.byChan[a.ch].deliver = append(m.byChan[a.ch].deliver, ai)
		case actTimeout:
			pa.timeout[a.arg] = ai
		case actLose:
			m.byChan[a.ch].lose = append(m.byChan[a.ch].lose, ai)
		case actDuplicate:
			m.byChan[a.ch].dup = append(m.byChan[a.ch].dup, ai)
		}
	}
	for ci, b := range m.inbox {
		if !b.ordered && b.kinds <= 64 {
			ca := &m.byChan[ci]
			ca.present = make([]uint64, b.n)
			for id := range b.n {
				for k := range b.kinds {
					if b.count[id*b.kinds+k] > 0 {
						ca.present[id] |= 1 << k
					}
				}
			}
		}
	}
}

// quiet reports whether no message is in flight (for timeouts: idle):
// content id 0 is the empty inbox.
func (m *model) quiet(v *vec) bool {
	for _, f := range m.box {
		if f.get(v) != 0 {
			return false
		}
	}
	return true
}

// expand sets out to the successors of v, one per enabled action. scratch
// is a buffer for the sends of step functions that are not tabulated.
func (m *model) expand(v *vec, out *succs, scratch []uint8) {
	out.reset(m.words)
	for p := range m.byPeer {
		pa := &m.byPeer[p]
		pf := m.peer[p]
		snap := pf.get(v)
		for _, ai := range pa.calls {
			a := &m.actions[ai]
			var f field // the zero field: setting it changes nothing
			var x uint64
			if a.budget >= 0 {
				f = m.budgets[a.budget].f
				if x = f.get(v); x == 0 {
					continue
				}
				x--
			}
			m.fire(out, v, ai, p, snap, a.event, f, x, scratch)
		}
		for _, ci := range pa.in {
			ca, bf, b := &m.byChan[ci], m.box[ci], m.inbox[ci]
			id := int(bf.get(v))
			if b.ordered {
				if b.length[id] > 0 {
					m.fire(out, v, ca.deliver[0], p, snap, m.recvEvent[p][b.head[id]], bf, uint64(b.remove[id*b.cap]), scratch)
				}
			} else if ca.present != nil {
				for set := ca.present[id]; set != 0; set &= set - 1 {
					k := bits.TrailingZeros64(set)
					m.fire(out, v, ca.deliver[k], p, snap, m.recvEvent[p][k], bf, uint64(b.remove[id*b.kinds+k]), scratch)
				}
			} else {
				for k := range b.kinds {
					if r := b.remove[id*b.kinds+k]; r >= 0 {
						m.fire(out, v, ca.deliver[k], p, snap, m.recvEvent[p][k], bf, uint64(r), scratch)
					}
				}
			}
		}
		timers := snap >> m.fast[p].timerOff & m.fast[p].timerMask
		if m.check.Timeouts == spec.IdleTimeout && !m.quiet(v) {
			timers = 0 // timers wait until nothing is in flight
		}
		for set := timers; set != 0; set &= set - 1 {
			t := bits.TrailingZeros64(set)
			ai := pa.timeout[t]
			m.fire(out, v, ai, p, snap, m.actions[ai].event, field{}, 0, scratch)
		}
		for _, ci := range pa.in {
			ca, bf, b := &m.byChan[ci], m.box[ci], m.inbox[ci]
			id := int(bf.get(v))
			stride := b.kinds
			if b.ordered {
				stride = b.cap
			}
			for j, ai := range ca.lose {
				if r := b.remove[id*stride+j]; r >= 0 {
					bf.store(out.push(v, ai, -1), uint64(r))
				}
			}
			for j, ai := range ca.dup {
				if r := b.dup[id*stride+j]; r >= 0 {
					bf.store(out.push(v, ai, -1), uint64(r))
				}
			}
		}
	}
}

// fire applies event ev of action ai to peer p, whose snapshot in v is
// snap, and appends the successor unless the peer refuses the event or a
// send blocks. The successor is v with field f set to x (the action's
// other effect: a budget spent or a message taken; the zero field for
// none), then p's new snapshot and its sends.
func (m *model) fire(out *succs, v *vec, ai, p int, snap uint64, ev int, f field, x uint64, scratch []uint8) {
	o := m.step[p].apply(snap, ev, scratch)
	if !o.ok {
		return
	}
	nv := out.push(v, ai, o.row)
	f.store(nv, x)
	m.peer[p].store(nv, o.next)
	if m.handlers != nil {
		m.observe(nv, v, ai, p, snap, o.next, o.sends)
	}
	if len(o.sends) > 0 {
		sends, replies := o.sends[:len(o.sends)-int(o.replies)], o.sends[len(o.sends)-int(o.replies):]
		if len(sends) > 0 {
			for _, ci := range m.dest[p] { // every message goes to every peer p sends to
				if !m.send(nv, ci, sends) {
					out.pop()
					return
				}
			}
		}
		if len(replies) > 0 && !m.send(nv, m.actions[ai].reply, replies) {
			out.pop()
		}
	}
}

// send puts msgs into channel ci of state nv, and reports false when a
// message would not fit and the channel blocks (else it is dropped).
func (m *model) send(nv []uint64, ci int, msgs []uint8) bool {
	bf, b := m.box[ci], m.inbox[ci]
	id := int32(bf.load(nv))
	for _, msg := range msgs {
		n := b.add[int(id)*b.kinds+int(msg)]
		if n < 0 {
			if b.ch.Full == spec.BlockWhenFull {
				return false
			}
			continue
		}
		id = n
	}
	bf.store(nv, uint64(id))
	return true
}
