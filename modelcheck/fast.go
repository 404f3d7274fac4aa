package modelcheck

import (
	"math/bits"

	"github.com/fsmgen/fsmgen/spec"
)

// The one-word fast path: when a system state fits in 63 bits (the common
// case, TCP included) states are plain uint64s, fields are shifts and
// masks of one word, and a successor costs 16 bytes instead of 40.

type field1 struct {
	shift uint8
	mask  uint64
}

func (f field1) get(v uint64) uint64    { return v >> f.shift & f.mask }
func (f field1) set(v, x uint64) uint64 { return v&^(f.mask<<f.shift) | x<<f.shift }

func one(f field) field1 { return field1{shift: f.shift, mask: f.mask} }

// fastPeer gathers what expanding one peer of a one-word state needs.
type fastPeer struct {
	peer  field1 // the peer's snapshot
	box   field1 // its inbox
	other field1 // the other peer's inbox, where its sends go
	in    *inbox
	out   *inbox
	step  *peerStep
	acts  *peerActions
	chans *chanActions // the actions on the peer's one channel in
	block bool         // sends into a full inbox block (else they are dropped)

	recv      []int  // message -> the receipt event of the peer's machine
	timerOff  uint   // the peer's timers in its snapshot
	timerMask uint64 // (after shifting by timerOff)
	stateMask uint64 // the peer's control state in its snapshot
	nev       int    // the events of the peer's machine
	unhBase   int    // where the machine's (state, event) pairs start in worker.unhandled
}

func (m *model) fastPeers() {
	for p := range m.fast {
		m.fast[p] = fastPeer{
			step: m.step[p], acts: &m.byPeer[p],
			recv: m.recvEvent[p], timerOff: m.mach[p].Layout.TimerOffset,
			timerMask: uint64(1)<<uint(len(m.mach[p].Timers)) - 1,
			stateMask: m.mach[p].Layout.StateMask(),
			nev:       len(m.mach[p].Inputs), unhBase: m.unhBase[m.mach[p]],
		}
		if len(m.fast) == 2 { // the one-word path: the channel into p is number p
			m.fast[p].peer, m.fast[p].box, m.fast[p].other = one(m.peer[p]), one(m.box[p]), one(m.box[1-p])
			m.fast[p].in, m.fast[p].out, m.fast[p].chans = m.inbox[p], m.inbox[1-p], &m.byChan[p]
			m.fast[p].block = m.inbox[1-p].ch.Full == spec.BlockWhenFull
		}
	}
}

// expand1 is expand for one-word states, fused with what the search does
// with each successor: it appends every successor of v to w.own with
// parent as its parent slot, counts the rows that fired in w.rowHits and
// the unhandled events in w.unhandled, and returns the number of
// successors.
func (m *model) expand1(w *worker, v uint64, parent uint32) int {
	n := len(w.own)
	w.parent = parent
	for p := range 2 { // two peers: the one-word path runs no others
		fp := &m.fast[p]
		pa, ca, b, bf := fp.acts, fp.chans, fp.in, fp.box
		snap := fp.peer.get(v)
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
			m.fire1(w, fp, nv, snap, a.event)
		}
		id := int(bf.get(v))
		var present uint64
		if b.ordered {
			if b.length[id] > 0 {
				m.fire1(w, fp, bf.set(v, uint64(b.remove[id*b.cap])), snap, fp.recv[b.head[id]])
			}
		} else if ca.present != nil {
			present = ca.present[id]
			rem := b.remove[id*b.kinds : id*b.kinds+b.kinds]
			for set := present; set != 0; set &= set - 1 {
				k := bits.TrailingZeros64(set)
				m.fire1(w, fp, bf.set(v, uint64(rem[k])), snap, fp.recv[k])
			}
		} else {
			for k := range b.kinds {
				if r := b.remove[id*b.kinds+k]; r >= 0 {
					m.fire1(w, fp, bf.set(v, uint64(r)), snap, fp.recv[k])
				}
			}
		}
		armed := snap >> fp.timerOff & fp.timerMask
		if m.idle && (m.fast[0].box.get(v) != 0 || m.fast[1].box.get(v) != 0) { // two peers, two channels
			armed = 0
		}
		for set := armed; set != 0; set &= set - 1 {
			ai := pa.timeout[bits.TrailingZeros64(set)]
			m.fire1(w, fp, v, snap, m.actions[ai].event)
		}
		if len(ca.lose) == 0 && len(ca.dup) == 0 {
			continue
		}
		if ca.present != nil {
			// Unordered: one loss and one duplication per kind present.
			if len(ca.lose) > 0 {
				rem := b.remove[id*b.kinds : id*b.kinds+b.kinds]
				for set := present; set != 0; set &= set - 1 {
					w.own = append(w.own, fwd{v: bf.set(v, uint64(rem[bits.TrailingZeros64(set)])), parent: parent})
				}
			}
			if len(ca.dup) > 0 {
				dup := b.dup[id*b.kinds : id*b.kinds+b.kinds]
				for set := present; set != 0; set &= set - 1 {
					if r := dup[bits.TrailingZeros64(set)]; r >= 0 {
						w.own = append(w.own, fwd{v: bf.set(v, uint64(r)), parent: parent})
					}
				}
			}
			continue
		}
		stride := b.kinds
		if b.ordered {
			stride = b.cap
		}
		for j := range ca.lose {
			if r := b.remove[id*stride+j]; r >= 0 {
				w.own = append(w.own, fwd{v: bf.set(v, uint64(r)), parent: parent})
			}
		}
		for j := range ca.dup {
			if r := b.dup[id*stride+j]; r >= 0 {
				w.own = append(w.own, fwd{v: bf.set(v, uint64(r)), parent: parent})
			}
		}
	}
	return len(w.own) - n
}

// fire1 applies event ev to peer fp (whose snapshot before is snap) on top
// of nv, which already has the action's other effects, and appends the
// successor unless the peer refuses the event or a send blocks.
func (m *model) fire1(w *worker, fp *fastPeer, nv, snap uint64, ev int) {
	o := fp.step.apply(snap, ev, w.scratch)
	if !o.ok {
		return
	}
	nv = fp.peer.set(nv, o.next)
	if len(o.sends) > 0 {
		b := fp.out
		id := int32(fp.other.get(nv))
		for _, msg := range o.sends {
			n := b.add[int(id)*b.kinds+int(msg)]
			if n < 0 {
				if fp.block {
					return
				}
				continue
			}
			id = n
		}
		nv = fp.other.set(nv, uint64(id))
	}
	if o.row >= 0 {
		w.rowHits[o.row]++
	} else {
		w.unhandled[fp.unhBase+int(snap&fp.stateMask)*fp.nev+ev]++
	}
	w.own = append(w.own, fwd{v: nv, parent: w.parent})
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
