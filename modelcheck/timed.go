package modelcheck

// Timed checks (docs/semantics.md, "Timed checks"): the system state adds
// each armed timer's remaining ticks, and each message in a channel with a
// lifetime its age, 0 to Lifetime-1 (the channel's automaton runs over
// letters × ages, and its aged table says what a content becomes a tick
// later). A timer is armed with its full duration by the row that starts
// it (unless it was running) or restarts it; its timeout is enabled once
// its remaining ticks are within its early window; the tick is enabled
// while no armed timer is due, no lossless channel holds a message of the
// last age, and something ages, and takes a tick off every armed timer
// and adds one to every message's age, a lossy channel losing those of
// the last age. Timed checks take the multi-word search (expand.go's
// successors): the one-word fast path (word.go) runs untimed checks only.

// compileTime fills in what a timed check adds to the model: rem holds,
// per peer and timer, the field of its remaining ticks.
func (m *model) compileTime(rem [][]field) {
	c := m.check
	for p := range m.fast {
		fp, mc := &m.fast[p], m.mach[p]
		fp.rem = rem[p]
		fp.expiry = len(mc.Calls) + len(mc.Letters)
		for t, tm := range mc.Timers {
			fp.ticks = append(fp.ticks, uint64(c.Ticks(mc, tm)))
			fp.early = append(fp.early, uint64(c.EarlyTicks(mc, tm)))
			m.timers = append(m.timers, timedTimer{peer: m.peer[p], bit: mc.Layout.TimerBit(tm), rem: rem[p][t]})
		}
	}
	for ci, b := range m.inbox {
		if b.ch.Lifetime > 0 && !c.Unused(b.ch) {
			m.agedBoxes = append(m.agedBoxes, ci)
		}
	}
	m.rowStart, m.rowRestart = make([]uint64, len(m.rows)), make([]uint64, len(m.rows))
	for i, r := range m.rows {
		for _, t := range r.Start {
			m.rowStart[i] |= 1 << t.Index
		}
		for _, t := range r.Restart {
			m.rowRestart[i] |= 1 << t.Index
		}
	}
}

// arm sets the remaining ticks of peer fp's timers in successor nv after
// event ev took its snapshot from snap to o.next: 0 for a timer not
// armed, the timer's full duration for one the row restarts or starts
// anew (not armed just before the row, an expired timer being disarmed
// first), the same as before for the others.
func (m *model) arm(nv []uint64, fp *fastPeer, snap uint64, ev int, o *outcome) {
	before := snap >> fp.timerOff & fp.timerMask
	if t := ev - fp.expiry; t >= 0 {
		before &^= 1 << t // step 0: an expired timer is no longer running
	}
	after := o.next >> fp.timerOff & fp.timerMask
	var fresh uint64
	if o.row >= 0 {
		fresh = m.rowRestart[o.row] | m.rowStart[o.row]&^before
	}
	for t, f := range fp.rem {
		switch bit := uint64(1) << t; {
		case after&bit == 0:
			f.store(nv, 0)
		case fresh&bit != 0:
			f.store(nv, fp.ticks[t])
		}
	}
}

// tick appends the successor of v by the tick to out, when the tick is
// enabled: no armed timer is due (0 ticks remaining), no lossless channel
// holds a message of the last age, and something ages (a timer is armed,
// or a channel with a lifetime holds a message).
func (m *model) tick(v *vec, out *succs) {
	ages := false
	for i := range m.timers {
		t := &m.timers[i]
		if t.peer.get(v)&t.bit == 0 {
			continue
		}
		if t.rem.get(v) == 0 {
			return // due: time waits until it fires
		}
		ages = true
	}
	for _, ci := range m.agedBoxes {
		id := m.box[ci].get(v)
		if m.inbox[ci].aged[id] < 0 {
			return // a message at the end of its life: time waits until it is delivered
		}
		ages = ages || id != 0
	}
	if !ages {
		return
	}
	nv := out.push(v, m.tickAt, -1)
	for i := range m.timers {
		if t := &m.timers[i]; t.peer.load(nv)&t.bit != 0 {
			t.rem.store(nv, t.rem.load(nv)-1)
		}
	}
	for _, ci := range m.agedBoxes {
		f := m.box[ci]
		f.store(nv, uint64(m.inbox[ci].aged[f.load(nv)]))
	}
}
