package modelcheck

import (
	"fmt"
	"slices"

	"github.com/fsmgen/fsmgen/spec"
)

// The reference explorer below implements docs/semantics.md directly over
// the IR (spec.Eval for guards and properties, slices for inboxes, strings
// for visited states), sharing no code with the checker. Tests compare
// the two on every spec they use. In a timed check a peer keeps each
// timer's remaining ticks, and a channel whose messages age holds each
// message as letter*ages + age ("Timed checks").

type refPeer struct {
	st     int
	vars   []int
	timers []bool
	rem    []int // timed: remaining ticks per timer
}

type refState struct {
	peers   []refPeer
	boxes   [][]int // per channel; ordered: the queue; unordered: sorted
	budgets [][]int // per peer, per CallBudget of the peer
	chans   []*spec.Channel
}

func (r *refState) clone() *refState {
	c := &refState{peers: make([]refPeer, len(r.peers)), boxes: make([][]int, len(r.boxes)), budgets: make([][]int, len(r.budgets)), chans: r.chans}
	for i := range r.peers {
		c.peers[i] = refPeer{st: r.peers[i].st, vars: slices.Clone(r.peers[i].vars), timers: slices.Clone(r.peers[i].timers), rem: slices.Clone(r.peers[i].rem)}
		c.budgets[i] = slices.Clone(r.budgets[i])
	}
	for i := range r.boxes {
		c.boxes[i] = slices.Clone(r.boxes[i])
	}
	return c
}

func (r *refState) key() string { return fmt.Sprint(r.peers, r.boxes, r.budgets) }

type refEnv struct {
	r    *refState
	peer int // for guards
}

func (e refEnv) Var(peer int, v *spec.Var) int {
	if peer < 0 {
		peer = e.peer
	}
	return e.r.peers[peer].vars[v.Index]
}
func (e refEnv) State(peer int) int { return e.r.peers[peer].st }
func (e refEnv) Armed(peer int, t *spec.Timer) bool {
	return e.r.peers[peer].timers[t.Index]
}
func (e refEnv) Count(to int, m *spec.Message) int {
	n := 0
	for i, ch := range e.r.chans {
		if to >= 0 && ch.To != to {
			continue
		}
		for _, x := range e.r.boxes[i] {
			if m == nil || x/ch.Ages() == m.Index {
				n++
			}
		}
	}
	return n
}

type refResult struct {
	states, transitions int
	maxDepth            int
	firstViolation      int // depth of the shallowest invariant violation or deadlock, -1 if none
}

// refStep applies event ev to peer p of r in place; it reports false when
// the event is refused. sends go to p's sends_to, replies to the sender of
// the message received.
func refStep(s *spec.Spec, c *spec.Check, r *refState, p int, ev *spec.Event) (sends, replies []int, ok bool) {
	pr := &r.peers[p]
	if ev.Kind == spec.TimerEvent {
		pr.timers[ev.Timer.Index] = false
	}
	before := slices.Clone(pr.timers)
	// retime sets the remaining ticks after the step (row nil: none fired).
	retime := func(row *spec.Row) {
		if c.Time == nil {
			return
		}
		for _, t := range s.Timers {
			switch {
			case !pr.timers[t.Index]:
				pr.rem[t.Index] = 0
			case row != nil && (slices.Contains(row.Restart, t) || slices.Contains(row.Start, t) && !before[t.Index]):
				pr.rem[t.Index] = c.Ticks(s.Machine, t)
			}
		}
	}
	for _, row := range s.Table[pr.st][ev.Index] {
		if row.Guard != nil && spec.Eval(row.Guard, refEnv{r, p}) == 0 {
			continue
		}
		if ev.Kind == spec.CallEvent && row.Error != "" {
			return nil, nil, false
		}
		vals := make([]int, len(row.Set))
		for i, a := range row.Set {
			vals[i] = spec.Eval(a.Value, refEnv{r, p})
		}
		for i, a := range row.Set {
			pr.vars[a.Var.Index] = vals[i]
		}
		for _, t := range row.Stop {
			pr.timers[t.Index] = false
		}
		for _, t := range append(slices.Clone(row.Start), row.Restart...) {
			pr.timers[t.Index] = true
		}
		pr.st = row.Target(s.States[pr.st]).Index
		for _, m := range row.Sent() {
			sends = append(sends, m.Index)
		}
		for _, m := range row.Replied() {
			replies = append(replies, m.Index)
		}
		retime(row)
		return sends, replies, true
	}
	switch ev.Kind {
	case spec.CallEvent:
		return nil, nil, s.Unhandled.Calls == spec.IgnoreCall
	case spec.MessageEvent:
		if s.Unhandled.Messages == spec.ReplyMessage {
			replies = append(replies, s.Unhandled.Reply.Index)
		}
	case spec.TimerEvent:
		pr.timers[ev.Timer.Index] = false
	}
	retime(nil)
	return nil, replies, true
}

func refSuccessors(s *spec.Spec, c *spec.Check, r *refState) []*refState {
	var out []*refState
	// put appends msgs to channel ch; false when blocked.
	put := func(n *refState, ch *spec.Channel, msgs []int) bool {
		q := ch.Index
		for _, m := range msgs {
			if len(n.boxes[q]) >= ch.Capacity {
				if ch.Full == spec.BlockWhenFull {
					return false
				}
				continue
			}
			n.boxes[q] = append(n.boxes[q], m*ch.Ages()) // sent at age 0
			if ch.Order == spec.Unordered {
				slices.Sort(n.boxes[q])
			}
		}
		return true
	}
	// finish delivers sends from p into the channel to each peer p sends
	// to, then replies to from (the sender of the message received);
	// false when blocked.
	finish := func(n *refState, p int, sends, replies []int, from int) bool {
		for _, to := range c.Peers[p].SendsTo {
			if len(sends) > 0 && !put(n, c.Between(p, to.Index), sends) {
				return false
			}
		}
		return len(replies) == 0 || put(n, c.Between(p, from), replies)
	}
	// fire has peer p take event ev in n, a clone of r, and keeps n when
	// the step and its sends go through (from: the sender of a message
	// received, or -1).
	fire := func(n *refState, p int, ev *spec.Event, from int) {
		sends, replies, ok := refStep(s, c, n, p, ev)
		if ok && finish(n, p, sends, replies, from) {
			out = append(out, n)
		}
	}
	inFlight := 0
	for _, b := range r.boxes {
		inFlight += len(b)
	}
	for p := range c.Peers {
		for i, cb := range c.Peers[p].Calls {
			if cb.Budget != spec.Unbounded && r.budgets[p][i] == 0 {
				continue
			}
			n := r.clone()
			if cb.Budget != spec.Unbounded {
				n.budgets[p][i]--
			}
			fire(n, p, s.CallEvent(cb.Call), -1)
		}
		for _, t := range s.Timers {
			if !r.peers[p].timers[t.Index] {
				continue
			}
			if c.Time == nil && c.Timeouts == spec.IdleTimeout && inFlight > 0 {
				continue
			}
			if c.Time != nil && r.peers[p].rem[t.Index] > c.EarlyTicks(s.Machine, t) {
				continue
			}
			fire(r.clone(), p, s.TimerEvent(t), -1)
		}
		// Each message in p's inboxes (once per value in an unordered one)
		// is delivered (only the head of an ordered one), lost or
		// duplicated.
		for _, ch := range c.Channels {
			if ch.To != p {
				continue
			}
			box := r.boxes[ch.Index]
			for i, m := range box {
				if ch.Order == spec.Unordered && i > 0 && box[i-1] == m {
					continue
				}
				taken := func() *refState { // r without the message
					n := r.clone()
					n.boxes[ch.Index] = slices.Delete(n.boxes[ch.Index], i, i+1)
					return n
				}
				if ch.Order == spec.Unordered || i == 0 {
					fire(taken(), p, s.MessageEvent(s.Messages[m/ch.Ages()]), ch.From)
				}
				if ch.Loss {
					out = append(out, taken())
				}
				if ch.Duplicate && len(box) < ch.Capacity {
					n := r.clone()
					n.boxes[ch.Index] = slices.Insert(n.boxes[ch.Index], i+1, m)
					out = append(out, n)
				}
			}
		}
	}
	if c.Time != nil {
		if n := refTick(s, c, r); n != nil {
			out = append(out, n)
		}
	}
	return out
}

// refTick is r a tick later, or nil when the tick is not enabled: a timer
// is due, a message in a lossless channel is as old as it may get (its
// next age would be the channel's lifetime), or nothing ages.
func refTick(s *spec.Spec, c *spec.Check, r *refState) *refState {
	ages := false
	for _, pr := range r.peers {
		for _, t := range s.Timers {
			if pr.timers[t.Index] {
				if pr.rem[t.Index] == 0 {
					return nil
				}
				ages = true
			}
		}
	}
	for _, ch := range c.Channels {
		if ch.Lifetime == 0 {
			continue
		}
		for _, x := range r.boxes[ch.Index] {
			if x%ch.Ages()+1 == ch.Lifetime && !ch.Loss {
				return nil // it must be delivered first
			}
			ages = true
		}
	}
	if !ages {
		return nil
	}
	n := r.clone()
	for p := range n.peers {
		for _, t := range s.Timers {
			if n.peers[p].timers[t.Index] {
				n.peers[p].rem[t.Index]--
			}
		}
	}
	for _, ch := range c.Channels {
		if ch.Lifetime == 0 {
			continue
		}
		var kept []int
		for _, x := range n.boxes[ch.Index] {
			if x%ch.Ages()+1 < ch.Lifetime { // else lost: it would live as long as the lifetime
				kept = append(kept, x+1)
			}
		}
		if ch.Order == spec.Unordered {
			slices.Sort(kept)
		}
		n.boxes[ch.Index] = kept
	}
	return n
}

func refExplore(s *spec.Spec, c *spec.Check) refResult {
	n := len(c.Peers)
	init := &refState{peers: make([]refPeer, n), boxes: make([][]int, len(c.Channels)), budgets: make([][]int, n), chans: c.Channels}
	for p := range n {
		init.peers[p] = refPeer{st: s.Initial.Index, vars: make([]int, len(s.Vars)), timers: make([]bool, len(s.Timers)), rem: make([]int, len(s.Timers))}
		for _, v := range s.Vars {
			init.peers[p].vars[v.Index] = v.Init
		}
		for _, cb := range c.Peers[p].Calls {
			init.budgets[p] = append(init.budgets[p], cb.Budget)
		}
	}
	res := refResult{firstViolation: -1}
	seen := map[string]bool{init.key(): true}
	level := []*refState{init}
	violated := func(r *refState, depth int) {
		if res.firstViolation >= 0 && res.firstViolation <= depth {
			return
		}
		for _, p := range c.Invariants {
			if spec.Eval(p.Expr, refEnv{r, -1}) == 0 {
				res.firstViolation = depth
				return
			}
		}
	}
	violated(init, 0)
	for depth := 0; len(level) > 0; depth++ {
		res.maxDepth = depth
		var next []*refState
		for _, r := range level {
			succ := refSuccessors(s, c, r)
			if len(succ) == 0 && (c.Terminal == nil || spec.Eval(c.Terminal, refEnv{r, -1}) == 0) {
				violated(r, depth)
				if res.firstViolation < 0 || res.firstViolation > depth {
					res.firstViolation = depth
				}
			}
			res.transitions += len(succ)
			for _, n := range succ {
				k := n.key()
				if !seen[k] {
					seen[k] = true
					next = append(next, n)
					violated(n, depth+1)
				}
			}
		}
		level = next
	}
	res.states = len(seen)
	return res
}
