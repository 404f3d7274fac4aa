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
//
// A search worker's buffer also counts coverage (rowHits is set): every
// transition added counts the row it fired, or the (state, event) pair
// its peer left unhandled (numbered as model.unhBase says).
type succs struct {
	w int
	v []uint64
	s []succ

	rowHits   []uint64
	unhandled []uint64

	scratch []uint8 // for the sends of step functions that are not tabulated

	// What successors is expanding: the model, the state, and the
	// snapshot of the peer that acts.
	m    *model
	at   *vec
	snap uint64
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
	if b.w == 1 {
		b.v = append(b.v, v[0]) // one word: no call to memmove
	} else {
		b.v = append(b.v, v[:b.w]...)
	}
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
		if a.kind == actTick {
			continue // the system's, not a peer's (timed.go)
		}
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

// fastPeer gathers, per peer, what expanding a state reads, so that the
// expansion does not look each up again for every successor.
type fastPeer struct {
	index int
	peer  field // the peer's snapshot
	step  *peerStep
	acts  *peerActions
	in    []inChan  // the channels into the peer, as acts.in
	out   []outChan // the channels its sends go into (model.dest)

	recv      []int  // message -> the receipt event of the peer's machine
	timerOff  uint   // the peer's timers in its snapshot
	timerMask uint64 // (after shifting by timerOff)
	stateMask uint64 // the peer's control state in its snapshot
	nev       int    // the events of the peer's machine
	unhBase   int    // where the machine's (state, event) pairs start in the unhandled counts

	word wordPeer // one-word states (word.go)

	// A timed check (timed.go): per timer of the peer, its remaining
	// ticks, its duration and its early window in ticks; and the first of
	// the machine's inputs that is an expiry.
	rem    []field
	ticks  []uint64
	early  []uint64
	expiry int
}

// inChan is a channel into a peer: its content and the actions on it.
type inChan struct {
	box  field
	b    *inbox
	acts *chanActions
	recv []int // kind -> the receipt event of the peer's machine (the letter's, at any age)
}

// outChan is a channel a peer sends into.
type outChan struct {
	box   field
	b     *inbox
	block bool // sends into a full inbox block (else they are dropped)
}

func (m *model) outChan(ci int) outChan {
	return outChan{box: m.box[ci], b: m.inbox[ci], block: m.inbox[ci].ch.Full == spec.BlockWhenFull}
}

// put adds msgs to the channel in state nv; false when one does not fit
// and the channel blocks.
func (oc *outChan) put(nv []uint64, msgs []uint8) bool {
	id, ok := oc.b.send(int32(oc.box.load(nv)), msgs, oc.block)
	if ok {
		oc.box.store(nv, uint64(id))
	}
	return ok
}

func (m *model) fastPeers() {
	for p := range m.fast {
		fp := fastPeer{
			index: p, peer: m.peer[p], step: m.step[p], acts: &m.byPeer[p],
			recv: m.recvEvent[p], timerOff: m.mach[p].Layout.TimerOffset,
			timerMask: uint64(1)<<uint(len(m.mach[p].Timers)) - 1,
			stateMask: m.mach[p].Layout.StateMask(),
			nev:       len(m.mach[p].Inputs), unhBase: m.unhBase[m.mach[p]],
		}
		for _, ci := range m.byPeer[p].in {
			ic := inChan{box: m.box[ci], b: m.inbox[ci], acts: &m.byChan[ci], recv: fp.recv}
			if b := ic.b; b.ages > 1 {
				ic.recv = make([]int, b.kinds)
				for k := range b.kinds {
					ic.recv[k] = fp.recv[k/b.ages]
				}
			}
			fp.in = append(fp.in, ic)
		}
		for _, ci := range m.dest[p] {
			fp.out = append(fp.out, m.outChan(ci))
		}
		if len(m.fast) == 2 { // one-word states are possible: the channel into p is number p
			fp.word = wordPeer{peer: one(m.peer[p]), box: one(m.box[p]), other: one(m.box[1-p]),
				in: m.inbox[p], out: m.inbox[1-p], chans: &m.byChan[p], block: m.inbox[1-p].ch.Full == spec.BlockWhenFull}
		}
		m.fast[p] = fp
	}
}

// with returns the index of f's word in v and what that word becomes with
// f set to x.
func (f field) with(v *vec, x uint64) (int, uint64) {
	w := f.word & (maxWords - 1)
	return int(w), v[w]&^(f.mask<<f.shift) | x<<f.shift
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

// expand sets out to the successors of v, one per enabled action.
func (m *model) expand(v *vec, out *succs) {
	out.reset(m.words)
	m.successors(v, out)
}

// successors appends the successors of v to out, one per enabled action,
// peer by peer: its calls, deliveries and timeouts, then the losses and
// duplications in its inboxes. When out counts coverage (the search's
// buffers do), it also counts the row each transition fires, or the
// (state, event) pair a peer leaves unhandled.
func (m *model) successors(v *vec, out *succs) {
	idle := m.idle && !m.quiet(v) // timers wait until nothing is in flight
	out.m, out.at = m, v
	for p := range m.fast {
		fp := &m.fast[p]
		snap := fp.peer.get(v)
		out.snap = snap
		for _, ai := range fp.acts.calls {
			a := &m.actions[ai]
			wi, nw := 0, v[0] // word 0 as it is: no budget to spend
			if a.budget >= 0 {
				f := m.budgets[a.budget].f
				x := f.get(v)
				if x == 0 {
					continue
				}
				wi, nw = f.with(v, x-1)
			}
			out.fire(fp, ai, a.event, wi, nw)
		}
		for i := range fp.in {
			ic := &fp.in[i]
			ca, bf, b := ic.acts, ic.box, ic.b
			id := int(bf.get(v))
			if b.ordered {
				if b.length[id] > 0 {
					wi, nw := bf.with(v, uint64(b.remove[id*b.cap]))
					out.fire(fp, ca.deliver[0], ic.recv[b.head[id]], wi, nw)
				}
			} else if ca.present != nil {
				rem := b.remove[id*b.kinds : id*b.kinds+b.kinds]
				for set := ca.present[id]; set != 0; set &= set - 1 {
					k := bits.TrailingZeros64(set)
					wi, nw := bf.with(v, uint64(rem[k]))
					out.fire(fp, ca.deliver[k], ic.recv[k], wi, nw)
				}
			} else {
				for k := range b.kinds {
					if r := b.remove[id*b.kinds+k]; r >= 0 {
						wi, nw := bf.with(v, uint64(r))
						out.fire(fp, ca.deliver[k], ic.recv[k], wi, nw)
					}
				}
			}
		}
		if armed := snap >> fp.timerOff & fp.timerMask; armed != 0 && !idle {
			for set := armed; set != 0; set &= set - 1 {
				t := bits.TrailingZeros64(set)
				if m.timed && fp.rem[t].get(v) > fp.early[t] {
					continue // its deadline, less its early window, has not come
				}
				ai := fp.acts.timeout[t]
				out.fire(fp, ai, m.actions[ai].event, 0, v[0])
			}
		}
		for i := range fp.in {
			ic := &fp.in[i]
			ca, bf, b := ic.acts, ic.box, ic.b
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
	if m.timed {
		m.tick(v, out)
	}
}

// fire applies event ev of action ai to peer fp, whose snapshot in the
// state being expanded (out.at) is out.snap, and appends the successor
// unless the peer refuses the event or a send blocks. The successor is
// out.at with word wi set to nw (the action's other effect: a budget spent
// or a message taken, or none), then the peer's new snapshot and its
// sends.
func (out *succs) fire(fp *fastPeer, ai int, ev int, wi int, nw uint64) {
	snap := out.snap
	o := fp.step.apply(snap, ev, out.scratch)
	if !o.ok {
		return
	}
	nv := out.push(out.at, ai, o.row)
	nv[wi] = nw
	fp.peer.store(nv, o.next)
	if out.m.timed {
		out.m.arm(nv, fp, snap, ev, o)
	}
	if out.m.handlers != nil {
		out.m.observe(nv, out.at, ai, fp.index, snap, o.next, o.sends)
	}
	if len(o.sends) > 0 {
		sends, replies := o.sends[:len(o.sends)-int(o.replies)], o.sends[len(o.sends)-int(o.replies):]
		for i := range fp.out { // every message sent goes to every peer p sends to
			if len(sends) > 0 && !fp.out[i].put(nv, sends) {
				out.pop()
				return
			}
		}
		if len(replies) > 0 { // back to the sender of the message delivered
			if back := out.m.outChan(out.m.actions[ai].reply); !back.put(nv, replies) {
				out.pop()
				return
			}
		}
	}
	if out.rowHits != nil {
		out.count(fp, snap, ev, o.row)
	}
}

// count counts a transition of peer fp, by event ev from snapshot snap: the
// row it fired, or the (state, event) pair the peer left unhandled.
func (b *succs) count(fp *fastPeer, snap uint64, ev int, row int32) {
	if row >= 0 {
		b.rowHits[row]++
	} else {
		b.unhandled[fp.unhBase+int(snap&fp.stateMask)*fp.nev+ev]++
	}
}

// send returns the content of an inbox with content id after the letters
// msgs are added (at age 0); ok is false when one finds it full and block says that
// sends then block (else they are dropped).
func (b *inbox) send(id int32, msgs []uint8, block bool) (next int32, ok bool) {
	for _, msg := range msgs {
		n := b.put[int(id)*b.letters+int(msg)]
		if n < 0 {
			if block {
				return id, false
			}
			continue
		}
		id = n
	}
	return id, true
}
