package modelcheck

import (
	"github.com/fsmgen/fsmgen/spec"
)

// outcome is the effect of one event on one peer snapshot.
type outcome struct {
	next  uint64
	sends []uint8 // the messages sent, then those replied (back to a message's sender)
	row   int32
	// replies counts the last sends that are replies: a row's reply, or
	// the unhandled policy's.
	replies uint8
	ok      bool
}

// maxMemo bounds the (snapshot, event) outcomes tabulated per peer.
const maxMemo = 1 << 22

// peerStep drives a peer's step function. When the snapshot space is small
// it tabulates every (snapshot, event) outcome once, so exploring costs a
// table lookup per event whichever step function is used.
type peerStep struct {
	s       *spec.Machine
	fn      StepFunc
	nev     int
	rowBase int32 // added to the machine's row indexes: rows are numbered across the check's machines
	memo    []outcome
}

func newPeerStep(s *spec.Machine, fn StepFunc, rowBase int) (*peerStep, error) {
	if fn == nil {
		in, err := newInterpreter(s)
		if err != nil {
			return nil, err
		}
		fn = in.step
	}
	p := &peerStep{s: s, fn: fn, nev: len(s.Inputs), rowBase: int32(rowBase)}
	if s.Layout.Bits > 22 || (1<<s.Layout.Bits)*p.nev > maxMemo {
		return p, nil
	}
	p.memo = make([]outcome, (1<<s.Layout.Bits)*p.nev)
	for snap := range uint64(1) << s.Layout.Bits {
		if !s.ValidSnapshot(snap) {
			continue
		}
		for ev := range p.nev {
			o := p.call(snap, ev, nil)
			o.sends = append([]uint8(nil), o.sends...)
			p.memo[int(snap)*p.nev+ev] = o
		}
	}
	return p, nil
}

// apply returns the outcome of event ev on snap; buf is scratch for the sends.
func (p *peerStep) apply(snap uint64, ev int, buf []uint8) *outcome {
	if p.memo != nil {
		return &p.memo[int(snap)*p.nev+ev]
	}
	o := p.call(snap, ev, buf[:0])
	return &o
}

func (p *peerStep) call(snap uint64, ev int, buf []uint8) outcome {
	next, out, row, ok := p.fn(snap, ev, buf)
	if !ok && row < 0 {
		next, out, row, ok = Unhandled(p.s, snap, ev, buf)
	}
	if !ok {
		return outcome{next: snap, row: -1}
	}
	replies := len(out) // unhandled: what the policy sends is a reply
	if row >= 0 {
		replies = p.s.Rows[row].Replies
		row += int(p.rowBase)
	}
	return outcome{next: next, sends: out, row: int32(row), replies: uint8(replies), ok: true}
}
