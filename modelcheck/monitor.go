package modelcheck

import (
	"github.com/fsmgen/fsmgen/spec"
)

// Monitors: their variables are fields of the system state, and each
// action runs the handlers that observe it (docs/semantics.md, Monitors):
// first the call or receipt, then each message sent in order, then the
// entry into a state, every handler reading the state before the action
// and the monitor values as the handlers before it left them.

// letterWord is the word of a handler's scratch state that holds the
// letter being observed (msg.FIELD reads it); system states never reach it.
const letterWord = maxWords - 1

type compiledHandler struct {
	h      *spec.Handler
	peer   int
	guard  propFunc // nil: always
	assign []monAssign
}

type monAssign struct {
	v   *spec.Var
	f   *field
	val propFunc
}

func (m *model) compileMonitors() error {
	for _, mon := range m.check.Monitors {
		for _, h := range mon.Handlers {
			ch := compiledHandler{h: h, peer: h.Peer.Index}
			if h.Guard != nil {
				g, err := m.compileProp(h.Guard)
				if err != nil {
					return err
				}
				ch.guard = g
			}
			for _, a := range h.Set {
				val, err := m.compileProp(a.Value)
				if err != nil {
					return err
				}
				ch.assign = append(ch.assign, monAssign{v: a.Var, f: m.monVar[a.Var], val: val})
			}
			m.handlers = append(m.handlers, ch)
		}
	}
	return nil
}

// observe runs the handlers of the action ai that peer p took from state
// pre (its snapshot going from snap to next, sending sends) and stores the
// monitors' new values in the successor nv.
func (m *model) observe(nv []uint64, pre *vec, ai, p int, snap, next uint64, sends []uint8) {
	a := &m.actions[ai]
	var cur vec
	copy(cur[:m.words], pre[:m.words])
	run := func(kind spec.Observed, match func(h *spec.Handler) bool) {
		for i := range m.handlers {
			ch := &m.handlers[i]
			if ch.h.Kind != kind || ch.peer != p || !match(ch.h) {
				continue
			}
			if ch.guard != nil && ch.guard(&cur) == 0 {
				continue
			}
			var vals [8]uint64
			codes := vals[:0]
			for _, as := range ch.assign {
				codes = append(codes, as.v.Encode(as.val(&cur))&as.f.mask)
			}
			for k, as := range ch.assign {
				as.f.set(&cur, codes[k])
			}
		}
	}
	switch a.kind {
	case actCall:
		call := m.mach[p].Calls[a.arg]
		run(spec.ObserveCall, func(h *spec.Handler) bool { return h.Call == call })
	case actDeliver:
		lt := a.arg
		if lt < 0 { // ordered: the head, of any age
			b := m.inbox[a.ch]
			lt = int(b.head[m.box[a.ch].get(pre)]) / b.ages
		}
		cur[letterWord] = uint64(lt)
		msg := m.s.Letters[lt].Message
		run(spec.ObserveRecv, func(h *spec.Handler) bool { return h.Message == msg })
	}
	for _, lt := range sends {
		cur[letterWord] = uint64(lt)
		msg := m.s.Letters[lt].Message
		run(spec.ObserveSend, func(h *spec.Handler) bool { return h.Message == msg })
	}
	sm := m.fast[p].stateMask
	if from, to := snap&sm, next&sm; from != to {
		st := m.mach[p].States[to]
		run(spec.ObserveEnter, func(h *spec.Handler) bool { return h.State == st })
	}
	for _, f := range m.monVar {
		f.store(nv, f.get(&cur))
	}
}
