package modelcheck

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fsmgen/fsmgen/spec"
)

// Trace is a behaviour of the system: the initial state and the steps
// taken from it. A lasso (liveness) repeats Steps[LoopStart:] for ever: the
// last step returns to the state before Steps[LoopStart].
type Trace struct {
	Initial   SystemState `json:"initial"`
	Steps     []Step      `json:"steps"`
	LoopStart int         `json:"loop_start"` // -1: not a lasso

	states []vec
}

// Step is one action and the state it leads to.
type Step struct {
	N       int         `json:"n"`
	Action  string      `json:"action"` // e.g. "deliver(server, SYN)"; unique per action of the check
	Kind    string      `json:"kind"`   // call, deliver, lose, duplicate, timeout, tick, stutter
	Peer    string      `json:"peer"`   // the peer that acts, or whose inbox the network changes; "" for the tick
	Event   string      `json:"event,omitempty"`
	Message string      `json:"message,omitempty"`
	Age     int         `json:"age,omitempty"`    // in a timed check: the age in ticks of the message delivered, lost or duplicated
	Sender  string      `json:"sender,omitempty"` // with more than two peers: who sent the message delivered, lost or duplicated
	From    string      `json:"from,omitempty"`   // the peer's control state before
	To      string      `json:"to,omitempty"`     // and after
	Row     int         `json:"row"`              // the row that fired (its index in the peer's machine), or -1
	RowPos  string      `json:"row_pos,omitempty"`
	Sent    []string    `json:"sent,omitempty"`
	Replied []string    `json:"replied,omitempty"` // sent back to the sender of the message delivered
	Error   string      `json:"error,omitempty"`   // the error the row reported to the user
	State   SystemState `json:"state"`

	Set []string `json:"set,omitempty"` // the row's set effects, as VAR=NEW; JSON "set" maps VAR to NEW typed (json.go)

	setValues map[string]any // Set typed: bool, int or the enum value's name
}

// SystemState is a readable system state.
type SystemState struct {
	Peers    []PeerState    `json:"peers"`
	Inboxes  []InboxView    `json:"inboxes"`
	Monitors []MonitorState `json:"monitors,omitempty"`
}

// MonitorState is one monitor's variables, in spec syntax.
type MonitorState struct {
	Name string            `json:"name"`
	Vars map[string]string `json:"vars"`
}

// PeerState is one peer's snapshot and remaining call budgets.
type PeerState struct {
	Name   string            `json:"name"`
	State  string            `json:"state"`
	Vars   map[string]string `json:"-"`                // in spec syntax; JSON "vars" has them typed (json.go)
	Timers []string          `json:"timers,omitempty"` // armed timers
	// Remaining is, in a timed check, each armed timer's remaining ticks.
	Remaining map[string]int `json:"remaining,omitempty"`
	Calls     map[string]int `json:"calls_left,omitempty"`

	values map[string]any // Vars typed: bool, int or the enum value's name
}

// InboxView is the content of the channel to one peer.
type InboxView struct {
	To       string   `json:"to"`
	Messages []string `json:"messages"`
	// Ages is, in a timed check's channel with a lifetime, each message's
	// age in ticks (nil in other channels).
	Ages []int `json:"ages,omitempty"`
}

func (c *Checker) actionName(ai int) string {
	a := &c.m.actions[ai]
	if a.kind == actTick {
		return "tick"
	}
	p := c.check.Peers[a.peer].Name
	if a.ch >= 0 {
		p = c.check.ChannelName(c.check.Channels[a.ch]) // "r", or "r from s" with more than two peers
	}
	s := c.m.mach[a.peer]
	switch a.kind {
	case actCall:
		return fmt.Sprintf("call(%s, %s)", p, s.Calls[a.arg].Name)
	case actTimeout:
		return fmt.Sprintf("timeout(%s, %s)", p, s.Timers[a.arg].Name)
	case actDeliver:
		if a.arg < 0 {
			return fmt.Sprintf("deliver(%s)", p)
		}
	}
	if c.m.inbox[a.ch].ordered && a.kind != actDeliver {
		return fmt.Sprintf("%s(%s, #%d)", a.kind, p, a.arg+1)
	}
	if c.m.inbox[a.ch].ages > 1 { // one action per letter and age
		return fmt.Sprintf("%s(%s, %s@%d)", a.kind, p, c.s.Letters[a.arg], a.age)
	}
	return fmt.Sprintf("%s(%s, %s)", a.kind, p, c.s.Letters[a.arg])
}

func (c *Checker) view(v *vec) SystemState {
	m := c.m
	var out SystemState
	for i, p := range c.check.Peers {
		s := m.mach[i]
		snap := m.peer[i].get(v)
		ps := PeerState{Name: p.Name, State: stateName(s, snap)}
		for _, x := range s.Vars {
			if ps.Vars == nil {
				ps.Vars, ps.values = map[string]string{}, map[string]any{}
			}
			val := x.Get(snap)
			ps.Vars[x.Name] = x.Format(val)
			ps.values[x.Name] = typedValue(x, val)
		}
		for ti, t := range s.Timers {
			if s.SnapshotArmed(snap, t) {
				ps.Timers = append(ps.Timers, t.Name)
				if m.timed {
					if ps.Remaining == nil {
						ps.Remaining = map[string]int{}
					}
					ps.Remaining[t.Name] = int(m.fast[i].rem[ti].get(v))
				}
			}
		}
		for _, a := range m.actions {
			if a.kind == actCall && a.peer == i && a.budget >= 0 {
				if ps.Calls == nil {
					ps.Calls = map[string]int{}
				}
				ps.Calls[s.Calls[a.arg].Name] = int(m.budgets[a.budget].f.get(v))
			}
		}
		out.Peers = append(out.Peers, ps)
	}
	for i, ch := range c.check.Channels {
		if c.check.Unused(ch) {
			continue // always empty: its sender never sends to its receiver
		}
		iv := InboxView{To: c.check.ChannelName(ch), Messages: []string{}}
		b := m.inbox[i]
		if ch.Lifetime > 0 {
			iv.Ages = []int{}
		}
		for _, k := range b.contents(int(m.box[i].get(v))) {
			iv.Messages = append(iv.Messages, c.s.Letters[k/b.ages].String())
			if ch.Lifetime > 0 {
				iv.Ages = append(iv.Ages, k%b.ages)
			}
		}
		out.Inboxes = append(out.Inboxes, iv)
	}
	for _, mon := range c.check.Monitors {
		ms := MonitorState{Name: mon.Name, Vars: map[string]string{}}
		for _, x := range mon.Vars {
			ms.Vars[x.Name] = x.Format(x.Decode(m.monVar[x].get(v)))
		}
		out.Monitors = append(out.Monitors, ms)
	}
	return out
}

func stateName(s *spec.Machine, snap uint64) string {
	if st := s.SnapshotState(snap); st != nil {
		return st.Name
	}
	return fmt.Sprintf("state#%d", snap&s.Layout.StateMask())
}

// trace builds the trace through states; with loop >= 0 the last state
// equals states[loop] and the trace is a lasso. acts, when given, names
// the action of each step (needed where several actions lead to the same
// state and fairness cares which one is taken).
func (c *Checker) trace(states []vec, loop int, acts []int32) (*Trace, error) {
	tr := &Trace{Initial: c.view(&states[0]), LoopStart: loop, states: states}
	var buf succs
	w := c.m.words
	for i := 1; i < len(states); i++ {
		prev := &states[i-1]
		c.m.expand(prev, &buf)
		k := -1
		for j := range buf.len() {
			if slices.Equal(buf.state(j), states[i][:w]) && (acts == nil || acts[i-1] < 0 || buf.s[j].act == acts[i-1]) {
				k = j
				break
			}
		}
		if k < 0 {
			return tr, fmt.Errorf("modelcheck: internal error: no action leads from step %d to step %d", i-1, i)
		}
		tr.Steps = append(tr.Steps, c.step(i, prev, &states[i], buf.s[k]))
	}
	return tr, nil
}

// aged is " (age N)" for a message aged N ticks in a timed check, N > 0.
func (st *Step) aged() string {
	if st.Age == 0 {
		return ""
	}
	return fmt.Sprintf(" (age %d)", st.Age)
}

// from is " from SENDER" when the step names its message's sender.
func (st *Step) from() string {
	if st.Sender == "" {
		return ""
	}
	return " from " + st.Sender
}

// step describes the transition sc from prev to next.
func (c *Checker) step(n int, prev, next *vec, sc succ) Step {
	m := c.m
	a := &m.actions[sc.act]
	if a.kind == actTick {
		return Step{N: n, Action: "tick", Kind: "tick", Row: -1, State: c.view(next)}
	}
	s := m.mach[a.peer]
	st := Step{N: n, Action: c.actionName(int(sc.act)), Kind: a.kind.String(), Peer: c.check.Peers[a.peer].Name, Row: -1}
	if a.ch >= 0 && len(c.check.Peers) > 2 {
		st.Sender = c.check.Peers[c.check.Channels[a.ch].From].Name
	}
	if sc.row >= 0 {
		st.Row = m.rows[sc.row].Index // in the peer's machine, as coverage numbers it
	}
	switch a.kind {
	case actCall:
		st.Event = s.Calls[a.arg].Name
	case actTimeout:
		st.Event = "timeout " + s.Timers[a.arg].Name
	case actDeliver:
		msg, b := a.arg, m.inbox[a.ch]
		st.Age = a.age
		if msg < 0 {
			k := int(b.head[m.box[a.ch].get(prev)])
			msg, st.Age = k/b.ages, k%b.ages
		}
		st.Message = c.s.Letters[msg].String()
		st.Event = "recv " + st.Message
	case actLose, actDuplicate:
		msg, b := a.arg, m.inbox[a.ch]
		st.Age = a.age
		if b.ordered {
			k := b.contents(int(m.box[a.ch].get(prev)))[a.arg]
			msg, st.Age = k/b.ages, k%b.ages
		}
		st.Message = c.s.Letters[msg].String()
	}
	if a.kind == actCall || a.kind == actDeliver || a.kind == actTimeout {
		st.From = stateName(s, m.peer[a.peer].get(prev))
		st.To = stateName(s, m.peer[a.peer].get(next))
		if sc.row < 0 && a.kind == actDeliver && s.Unhandled.Messages == spec.ReplyMessage && s.Unhandled.Pos.Line > 0 {
			st.RowPos = s.Unhandled.Pos.String() // the policy that answered the message
		}
		if sc.row >= 0 {
			r := m.rows[sc.row]
			st.RowPos, st.Error = r.Pos.String(), r.Error
			snap := m.peer[a.peer].get(next)
			for _, as := range r.Set {
				x := as.Var
				val := x.Get(snap)
				st.Set = append(st.Set, x.Name+"="+x.Format(val))
				if st.setValues == nil {
					st.setValues = map[string]any{}
				}
				st.setValues[x.Name] = typedValue(x, val)
			}
		}
		// What was sent, with its field values: the step again.
		ev := a.event
		if ev < 0 { // ordered deliver: the message is the head
			b := m.inbox[a.ch]
			ev = m.recvEvent[a.peer][int(b.head[m.box[a.ch].get(prev)])/b.ages]
		}
		o := m.step[a.peer].apply(m.peer[a.peer].get(prev), ev, nil)
		for i, lt := range o.sends {
			if i < len(o.sends)-int(o.replies) {
				st.Sent = append(st.Sent, c.s.Letters[lt].String())
			} else {
				st.Replied = append(st.Replied, c.s.Letters[lt].String())
			}
		}
	}
	st.State = c.view(next)
	return st
}

func (st *Step) describe() string {
	var b strings.Builder
	switch st.Kind {
	case "call":
		fmt.Fprintf(&b, "%s calls %s", st.Peer, st.Event)
	case "deliver":
		fmt.Fprintf(&b, "%s receives %s%s%s", st.Peer, st.Message, st.aged(), st.from())
	case "timeout":
		fmt.Fprintf(&b, "%s's %s timer fires", st.Peer, strings.TrimPrefix(st.Event, "timeout "))
	case "tick":
		fmt.Fprintf(&b, "time passes a tick")
	case "lose":
		fmt.Fprintf(&b, "network loses %s%s%s on its way to %s", st.Message, st.aged(), st.from(), st.Peer)
	case "duplicate":
		fmt.Fprintf(&b, "network duplicates %s%s%s on its way to %s", st.Message, st.aged(), st.from(), st.Peer)
	case "stutter":
		fmt.Fprintf(&b, "nothing can happen any more (the system stays here for ever)")
	}
	if st.From != "" {
		if st.From != st.To {
			fmt.Fprintf(&b, ": %s -> %s", st.From, st.To)
		} else {
			fmt.Fprintf(&b, ": stays %s", st.From)
		}
		if st.Row < 0 {
			b.WriteString(" (unhandled)")
		}
	}
	if len(st.Sent) > 0 {
		fmt.Fprintf(&b, ", sends %s", strings.Join(st.Sent, ", "))
	}
	if len(st.Replied) > 0 {
		fmt.Fprintf(&b, ", replies %s", strings.Join(st.Replied, ", "))
	}
	if len(st.Set) > 0 {
		fmt.Fprintf(&b, ", sets %s", strings.Join(st.Set, " "))
	}
	if st.Error != "" {
		fmt.Fprintf(&b, ", reports %q", st.Error)
	}
	if st.RowPos != "" {
		fmt.Fprintf(&b, "  [%s]", st.RowPos)
	}
	return b.String()
}

func (ss SystemState) String() string {
	var parts []string
	for _, p := range ss.Peers {
		x := p.Name + " " + p.State
		var extra []string
		for _, k := range sortedKeys(p.Vars) {
			extra = append(extra, k+"="+p.Vars[k])
		}
		for _, t := range p.Timers {
			if r, ok := p.Remaining[t]; ok {
				t += ":" + fmt.Sprint(r) // remaining ticks
			}
			extra = append(extra, t)
		}
		if len(extra) > 0 {
			x += " {" + strings.Join(extra, " ") + "}"
		}
		parts = append(parts, x)
	}
	for _, in := range ss.Inboxes {
		msgs := in.Messages
		if in.Ages != nil {
			msgs = slices.Clone(msgs)
			for i := range msgs {
				if i < len(in.Ages) {
					msgs[i] += "@" + fmt.Sprint(in.Ages[i]) // age in ticks
				}
			}
		}
		parts = append(parts, "to "+in.To+" ["+strings.Join(msgs, " ")+"]")
	}
	for _, mon := range ss.Monitors {
		var vs []string
		for _, k := range sortedKeys(mon.Vars) {
			vs = append(vs, k+"="+mon.Vars[k])
		}
		parts = append(parts, mon.Name+" {"+strings.Join(vs, " ")+"}")
	}
	return strings.Join(parts, " | ")
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// WriteText writes the trace as a numbered step list, each step followed
// by the state it leads to.
func (t *Trace) WriteText(w io.Writer) {
	fmt.Fprintf(w, "  0. initial state\n       %s\n", t.Initial.String())
	for i, st := range t.Steps {
		if i == t.LoopStart {
			fmt.Fprintln(w, "  -- the cycle below repeats for ever --")
		}
		fmt.Fprintf(w, "%3d. %s\n       %s\n", st.N, st.describe(), st.State.String())
	}
	if t.LoopStart >= 0 && t.LoopStart < len(t.Steps) {
		fmt.Fprintf(w, "  -- back to the state after step %d --\n", t.LoopStart)
	}
}

// Mermaid renders the trace as a Mermaid sequence diagram.
func (t *Trace) Mermaid() string {
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	// The first peer, the network, then the other peers.
	var a, z string
	for i, p := range t.Initial.Peers {
		fmt.Fprintf(&b, "    participant %s\n", p.Name)
		if i == 0 {
			b.WriteString("    participant net as network\n")
			a = p.Name
		}
		z = p.Name
	}
	for i, st := range t.Steps {
		if i == t.LoopStart {
			b.WriteString("    loop for ever\n")
		}
		ind := "    "
		if t.LoopStart >= 0 && i >= t.LoopStart {
			ind = "        "
		}
		change := ""
		if st.From != "" {
			change = st.From + " → " + st.To
			if st.From == st.To {
				change = "stays " + st.From
			}
		}
		switch st.Kind {
		case "call":
			fmt.Fprintf(&b, "%sNote over %s: %d. %s: %s\n", ind, st.Peer, st.N, st.Event, change)
		case "timeout":
			fmt.Fprintf(&b, "%sNote over %s: %d. %s: %s\n", ind, st.Peer, st.N, st.Event, change)
		case "deliver":
			fmt.Fprintf(&b, "%snet->>%s: %d. %s%s (%s)\n", ind, st.Peer, st.N, st.Message, st.from(), change)
		case "lose":
			fmt.Fprintf(&b, "%sNote over net: %d. %s%s to %s lost\n", ind, st.N, st.Message, st.from(), st.Peer)
		case "duplicate":
			fmt.Fprintf(&b, "%sNote over net: %d. %s%s to %s duplicated\n", ind, st.N, st.Message, st.from(), st.Peer)
		case "tick":
			fmt.Fprintf(&b, "%sNote over %s,%s: %d. tick\n", ind, a, z, st.N)
		case "stutter":
			fmt.Fprintf(&b, "%sNote over %s,%s: %d. no action enabled\n", ind, a, z, st.N)
		}
		for _, m := range st.Sent {
			fmt.Fprintf(&b, "%s%s->>net: %s\n", ind, st.Peer, m)
		}
		for _, m := range st.Replied {
			fmt.Fprintf(&b, "%s%s->>net: %s (reply)\n", ind, st.Peer, m)
		}
		if st.Error != "" {
			fmt.Fprintf(&b, "%sNote right of %s: error: %s\n", ind, st.Peer, st.Error)
		}
	}
	if t.LoopStart >= 0 && t.LoopStart < len(t.Steps) {
		b.WriteString("    end\n")
	}
	return b.String()
}

// Replay re-executes t from the initial state: every step's action must be
// enabled and lead to the state the step records. It returns the packed
// final state's view.
func (c *Checker) Replay(t *Trace) (SystemState, error) {
	v := c.m.initial
	if got := c.view(&v); got.String() != t.Initial.String() {
		return got, fmt.Errorf("initial state is %s, trace says %s", got.String(), t.Initial.String())
	}
	var buf succs
	w := c.m.words
	names := map[string]int{}
	for ai := range c.m.actions {
		names[c.actionName(ai)] = ai
	}
	var start vec
	for i, st := range t.Steps {
		if i == t.LoopStart {
			start = v
		}
		if st.Kind == "stutter" {
			if c.m.expand(&v, &buf); buf.len() != 0 {
				return c.view(&v), fmt.Errorf("step %d: stutters in a state with %d enabled actions", st.N, buf.len())
			}
			continue
		}
		ai, ok := names[st.Action]
		if !ok {
			return c.view(&v), fmt.Errorf("step %d: no action %q in this check", st.N, st.Action)
		}
		c.m.expand(&v, &buf)
		k := slices.IndexFunc(buf.s, func(s succ) bool { return int(s.act) == ai })
		if k < 0 {
			return c.view(&v), fmt.Errorf("step %d: %s is not enabled in %s", st.N, st.Action, c.view(&v).String())
		}
		buf.vec(k, &v)
		if got := c.view(&v); got.String() != st.State.String() {
			return got, fmt.Errorf("step %d: %s leads to %s, trace says %s", st.N, st.Action, got.String(), st.State.String())
		}
	}
	if t.LoopStart >= 0 && t.LoopStart < len(t.Steps) && !slices.Equal(v[:w], start[:w]) {
		return c.view(&v), fmt.Errorf("the cycle does not return to the state after step %d", t.LoopStart)
	}
	return c.view(&v), nil
}

// Confirm replays v's trace and checks that it ends in a state violating
// v's property: the invariant is false, no action is enabled (deadlock), or
// the cycle never meets the goal.
func (c *Checker) Confirm(v *Violation) error {
	if v == nil || v.Trace == nil {
		return fmt.Errorf("no counterexample")
	}
	if _, err := c.Replay(v.Trace); err != nil {
		return err
	}
	states := v.Trace.states
	if len(states) == 0 {
		return fmt.Errorf("trace has no packed states")
	}
	last := &states[len(states)-1]
	switch v.Kind {
	case InvariantViolation:
		for _, p := range c.m.invariants {
			if p.p.Name == v.Property {
				if p.eval(last) != 0 {
					return fmt.Errorf("invariant %s holds at the end of the trace", v.Property)
				}
				return nil
			}
		}
		return fmt.Errorf("no invariant %s", v.Property)
	case Deadlock:
		var buf succs
		if c.m.expand(last, &buf); buf.len() != 0 {
			return fmt.Errorf("the last state has enabled actions")
		}
		if c.m.terminal != nil && c.m.terminal(last) != 0 {
			return fmt.Errorf("the last state is terminal")
		}
		return nil
	}
	for _, l := range c.m.liveness {
		if l.l.Name == v.Property {
			for _, s := range states[v.Trace.LoopStart:] {
				if l.goal(&s) != 0 {
					return fmt.Errorf("the goal %s holds on the cycle", v.Property)
				}
			}
			return nil
		}
	}
	return fmt.Errorf("no liveness goal %s", v.Property)
}
