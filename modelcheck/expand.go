package modelcheck

import "github.com/fsmgen/fsmgen/spec"

// succ is one transition out of a state.
type succ struct {
	v   vec
	act int32 // index into model.actions
	row int32 // the spec row that fired, or -1
}

// expand appends the successors of v, one per enabled action, in action
// order. scratch is a buffer for the sends of step functions that are not
// tabulated.
func (m *model) expand(v *vec, buf []succ, scratch []uint8) []succ {
	timerOff := m.s.Layout.TimerOffset
	for ai := range m.actions {
		a := &m.actions[ai]
		p := a.peer
		nv := *v
		ev := a.event
		switch a.kind {
		case actCall:
			if a.budget >= 0 {
				f := m.budgets[a.budget].f
				x := f.get(v)
				if x == 0 {
					continue
				}
				f.set(&nv, x-1)
			}
		case actDeliver:
			f, b := m.box[p], m.inbox[p]
			id := int(f.get(v))
			if b.ordered {
				if b.length[id] == 0 {
					continue
				}
				ev = m.s.MessageEvent(m.s.Messages[b.head[id]]).Index
				f.set(&nv, uint64(b.remove[id*b.cap]))
			} else {
				r := b.remove[id*b.kinds+a.arg]
				if r < 0 {
					continue
				}
				f.set(&nv, uint64(r))
			}
		case actTimeout:
			if m.peer[p].get(v)>>(timerOff+uint(a.arg))&1 == 0 {
				continue
			}
		case actLose, actDuplicate:
			f, b := m.box[p], m.inbox[p]
			id := int(f.get(v))
			stride := b.kinds
			if b.ordered {
				stride = b.cap
			}
			tab := b.remove
			if a.kind == actDuplicate {
				tab = b.dup
			}
			r := tab[id*stride+a.arg]
			if r < 0 {
				continue
			}
			f.set(&nv, uint64(r))
			buf = append(buf, succ{v: nv, act: int32(ai), row: -1})
			continue
		}
		pf := m.peer[p]
		o := m.step[p].apply(pf.get(v), ev, scratch)
		if !o.ok {
			continue
		}
		pf.set(&nv, o.next)
		if len(o.sends) > 0 {
			q := 1 - p
			f, b := m.box[q], m.inbox[q]
			id := int32(f.get(&nv))
			blocked := false
			for _, msg := range o.sends {
				n := b.add[int(id)*b.kinds+int(msg)]
				if n < 0 {
					if b.ch.Full == spec.BlockWhenFull {
						blocked = true
						break
					}
					continue
				}
				id = n
			}
			if blocked {
				continue
			}
			f.set(&nv, uint64(id))
		}
		buf = append(buf, succ{v: nv, act: int32(ai), row: o.row})
	}
	return buf
}
