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
	m.indexHandlers()
	return nil
}

// monIndex lists, for one peer, the handlers (indexes into
// model.handlers, in spec order) that observe each call, receipt and send
// (by message) and each entry (by state), so that an action none observes
// costs four lookups.
type monIndex struct {
	call, recv, send, enter [][]int32
}

func (m *model) indexHandlers() {
	m.monIx = make([]monIndex, len(m.mach))
	for p, mc := range m.mach {
		ix := &m.monIx[p]
		ix.call = make([][]int32, len(mc.Calls))
		ix.recv = make([][]int32, len(m.s.Messages))
		ix.send = make([][]int32, len(m.s.Messages))
		ix.enter = make([][]int32, len(mc.States))
	}
	for i, ch := range m.handlers {
		ix, h := &m.monIx[ch.peer], ch.h
		switch h.Kind {
		case spec.ObserveCall:
			ix.call[h.Call.Index] = append(ix.call[h.Call.Index], int32(i))
		case spec.ObserveRecv:
			ix.recv[h.Message.Index] = append(ix.recv[h.Message.Index], int32(i))
		case spec.ObserveSend:
			ix.send[h.Message.Index] = append(ix.send[h.Message.Index], int32(i))
		case spec.ObserveEnter:
			ix.enter[h.State.Index] = append(ix.enter[h.State.Index], int32(i))
		}
	}
}

// observe runs the handlers of the action ai that peer p took from state
// pre (its snapshot going from snap to next, sending sends) and stores the
// monitors' new values in the successor nv, which holds pre's.
func (m *model) observe(nv []uint64, pre *vec, ai, p int, snap, next uint64, sends []uint8) {
	a, ix := &m.actions[ai], &m.monIx[p]
	var first []int32 // the handlers of the call or the receipt
	lt := -1
	switch a.kind {
	case actCall:
		first = ix.call[a.arg]
	case actDeliver:
		lt = a.arg
		if lt < 0 { // ordered: the head, of any age
			b := m.inbox[a.ch]
			lt = int(b.head[m.box[a.ch].get(pre)]) / b.ages
		}
		first = ix.recv[m.s.Letters[lt].Message.Index]
	}
	var enter []int32
	if sm := m.fast[p].stateMask; snap&sm != next&sm {
		enter = ix.enter[next&sm]
	}
	sent := false
	for _, l := range sends {
		sent = sent || len(ix.send[m.s.Letters[l].Message.Index]) > 0
	}
	if len(first) == 0 && len(enter) == 0 && !sent {
		return
	}
	var cur vec
	copy(cur[:m.words], pre[:m.words])
	run := func(hs []int32) {
		for _, i := range hs {
			ch := &m.handlers[i]
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
	if lt >= 0 {
		cur[letterWord] = uint64(lt)
	}
	run(first)
	for _, l := range sends {
		cur[letterWord] = uint64(l)
		run(ix.send[m.s.Letters[l].Message.Index])
	}
	run(enter)
	for _, f := range m.monVar {
		f.store(nv, f.get(&cur))
	}
}

// observeWord is observe for one-word states: it returns nv, a successor
// of pre, with the monitors' new values.
func (m *model) observeWord(pre *vec, nv uint64, ai, p int, snap, next uint64, sends []uint8) uint64 {
	out := [1]uint64{nv}
	m.observe(out[:], pre, ai, p, snap, next, sends)
	return out[0]
}
