package gen

import (
	"fmt"
	"strings"

	"github.com/fsmgen/fsmgen/spec"
)

// This file holds what the Promela and TLA+ renderings share: the
// dispatch of one event over the transition table and the initial system
// state, both read off the IR as docs/semantics.md defines them.

// rowDispatch is one row's share of an event's dispatch: the states in which
// the row is a candidate for the event.
type rowDispatch struct {
	row    *spec.Row
	states []*spec.State
}

// eventDispatch lists, in file order, the rows that may fire on ev and the
// states in which each is a candidate.
func eventDispatch(s *spec.Machine, ev *spec.Event) []rowDispatch {
	var out []rowDispatch
	at := map[*spec.Row]int{}
	for _, st := range s.States {
		if st.Index >= len(s.Table) || ev.Index >= len(s.Table[st.Index]) {
			continue
		}
		for _, r := range s.Table[st.Index][ev.Index] {
			i, ok := at[r]
			if !ok {
				i = len(out)
				at[r] = i
				out = append(out, rowDispatch{row: r})
			}
			out[i].states = append(out[i].states, st)
		}
	}
	// Keep file order (rows are found state by state).
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].row.Index < out[j-1].row.Index; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// tableRows returns the rows of (st, ev) in file order.
func tableRows(s *spec.Machine, st *spec.State, ev *spec.Event) []*spec.Row {
	if st.Index >= len(s.Table) || ev.Index >= len(s.Table[st.Index]) {
		return nil
	}
	return s.Table[st.Index][ev.Index]
}

// unhandledSends is what an unhandled event sends: the reply to an
// unhandled message, or nothing.
func unhandledSends(s *spec.Machine, ev *spec.Event) []*spec.Message {
	if ev.Kind == spec.MessageEvent && s.Unhandled.Messages == spec.ReplyMessage && s.Unhandled.Reply != nil {
		return []*spec.Message{s.Unhandled.Reply}
	}
	return nil
}

// unhandledAllowed reports whether an unhandled ev happens at all: every
// unhandled event does, except a call under `calls: reject`.
func unhandledAllowed(s *spec.Machine, ev *spec.Event) bool {
	return ev.Kind != spec.CallEvent || s.Unhandled.Calls == spec.IgnoreCall
}

// letterID is an identifier part naming letter lt: the message's name,
// then each field value (DATA_true, SEG_2_m1 for -1).
func letterID(lt *spec.Letter) string {
	id := lt.Message.Name
	for i, f := range lt.Message.Fields {
		v := f.Format(lt.Values[i])
		id += "_" + strings.ReplaceAll(v, "-", "m")
	}
	return id
}

// inputID is an identifier part naming input in: recv_DATA_true, CLOSE, timeout_rto.
func inputID(in *spec.Input) string {
	if in.Letter != nil {
		return "recv_" + letterID(in.Letter)
	}
	return strings.ReplaceAll(in.Event.String(), " ", "_")
}

// msgConst is the value of field e of letter lt, as a constant (the
// renderings write a receipt of each letter apart, so msg.FIELD is known).
func msgConst(lt *spec.Letter, e *spec.MsgField) *spec.Const {
	v, _ := lt.Value(e.Name)
	t := e.Type()
	src := fmt.Sprint(v)
	if t.Enum != nil {
		src = t.Enum.Values[v]
	}
	return &spec.Const{T: t, Val: v, Src: src, P: e.P}
}

// failedCall reports whether r, a candidate for ev, is a failed call: a call
// row with an error, which changes nothing and is not an action.
func failedCall(ev *spec.Event, r *spec.Row) bool {
	return ev.Kind == spec.CallEvent && r.Error != ""
}

// initialEnv is the initial system state of a check, for evaluating
// properties on it: both peers in their initial snapshot, no timer armed,
// empty inboxes.
type initialEnv struct{ c *spec.Check }

func (e initialEnv) Var(_ int, v *spec.Var) int           { return v.Init }
func (e initialEnv) State(p int) int                      { return e.c.Peers[p].Machine.Initial.Index }
func (e initialEnv) Armed(int, *spec.Timer) bool          { return false }
func (e initialEnv) Count(int, *spec.Message) int         { return 0 }
func (e initialEnv) Mon(_ *spec.Monitor, v *spec.Var) int { return v.Init }

// holdsInitially evaluates a property of check c on the initial system state.
func holdsInitially(c *spec.Check, x spec.Expr) bool { return spec.Eval(x, initialEnv{c}) != 0 }

// isConstTrue reports whether x is the literal true.
func isConstTrue(x spec.Expr) bool {
	c, ok := x.(*spec.Const)
	return ok && c.T.Kind == spec.BoolType && c.Val != 0
}

// checkPeers validates that c names 2 to spec.MaxPeers peers and one
// channel per ordered pair of them.
func checkPeers(c *spec.Check) error {
	if c == nil {
		return fmt.Errorf("gen: no check configuration")
	}
	n := len(c.Peers)
	if n < 2 || n > spec.MaxPeers || len(c.Channels) != n*(n-1) {
		return fmt.Errorf("%s: check %s needs 2 to %d peers and a channel per ordered pair", c.Pos, c.Name, spec.MaxPeers)
	}
	for _, p := range c.Peers {
		if p == nil {
			return fmt.Errorf("%s: check %s has a missing peer", c.Pos, c.Name)
		}
	}
	for _, ch := range c.Channels {
		if ch == nil {
			return fmt.Errorf("%s: check %s has a missing channel", c.Pos, c.Name)
		}
	}
	return nil
}

// rowRef names a row in comments: "row 6 (spec/tcp.yaml:130:5)". Rows are
// numbered from 0 in file order, as Spec.Rows and the checker's coverage do.
func rowRef(r *spec.Row) string { return fmt.Sprintf("row %d (%s)", r.Index, r.Pos) }

// rowLine is a one-line description of a row: "SYN_SENT on recv SYN_ACK -> ESTABLISHED".
func rowLine(s *spec.Machine, r *spec.Row) string {
	var from, on []string
	if len(r.From) == len(s.States) {
		from = []string{"*"}
	} else {
		for _, st := range r.From {
			from = append(from, st.Name)
		}
	}
	for _, e := range r.On {
		on = append(on, e.String())
	}
	to := "(stay)"
	if r.To != nil {
		to = r.To.Name
	}
	sum := fmt.Sprintf("%s on %s", strings.Join(from, ","), strings.Join(on, ", "))
	if r.Guard != nil {
		sum += " if " + r.Guard.String()
	}
	return sum + " -> " + to
}

// docNotes are the paragraphs a rendering of check c opens with: the docs
// of the spec, of the machines ms its peers run and of the check.
func docNotes(s *spec.Spec, c *spec.Check, ms []*spec.Machine) []string {
	var notes []string
	if s.Machine != nil {
		notes = append(notes, fmt.Sprintf("Machine %s: %s", s.Name, s.Doc))
	} else {
		if s.Doc != "" {
			notes = append(notes, s.Doc)
		}
		for _, m := range ms {
			notes = append(notes, fmt.Sprintf("Machine %s: %s", m.Name, m.Doc))
		}
	}
	if c.Doc != "" {
		notes = append(notes, fmt.Sprintf("Check %s: %s", c.Name, c.Doc))
	}
	return notes
}

// networkNotes describe check c's channels, one paragraph each, and then
// its time (the timers of the machines ms in ticks) or its timeouts.
func networkNotes(c *spec.Check, ms []*spec.Machine) []string {
	var notes []string
	for _, ch := range c.Channels {
		desc := fmt.Sprintf("Inbox of %s: %s, capacity %d, full: %s", c.ChannelName(ch), ch.Order, ch.Capacity, ch.Full)
		if ch.Loss {
			desc += ", loses"
		}
		if ch.Duplicate {
			desc += ", duplicates"
		}
		notes = append(notes, desc+lifetimeNote(ch)+".")
	}
	if c.Time != nil {
		return append(notes, timeNote(c, ms))
	}
	return append(notes, fmt.Sprintf("Timeouts: %s.", c.Timeouts))
}

// wrapText folds a doc string into lines of at most width characters.
func wrapText(doc string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, w := range strings.Fields(doc) {
		if cur.Len() > 0 && cur.Len()+1+len(w) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// logic folds boolean expression text of a target language, with constant
// folding so that trivially true guards vanish.
type logic struct{ and, or, not, t, f string }

var (
	cLogic   = logic{and: " && ", or: " || ", not: "!", t: "1", f: "0"}
	tlaLogic = logic{and: " /\\ ", or: " \\/ ", not: "~", t: "TRUE", f: "FALSE"}
)

func (l logic) all(xs ...string) string { return l.fold(l.and, l.t, l.f, xs) }
func (l logic) any(xs ...string) string { return l.fold(l.or, l.f, l.t, xs) }
func (l logic) neg(x string) string {
	switch x {
	case l.t:
		return l.f
	case l.f:
		return l.t
	}
	return l.not + x
}

// fold joins xs with op, dropping units and stopping at a zero.
func (l logic) fold(op, unit, zero string, xs []string) string {
	var parts []string
	for _, x := range xs {
		switch x {
		case "", unit:
			continue
		case zero:
			return zero
		}
		parts = append(parts, x)
	}
	switch len(parts) {
	case 0:
		return unit
	case 1:
		return parts[0]
	}
	return "(" + strings.Join(parts, op) + ")"
}

// countSum renders a Count as the sum of count(ci, msg) over the channels
// it reads: those into one peer, or all.
func countSum(e *spec.Count, c *spec.Check, count func(ci int, m *spec.Message) string) string {
	var parts []string
	for _, ch := range c.Channels {
		if e.To < 0 || e.To == ch.To {
			parts = append(parts, count(ch.Index, e.Msg))
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " + ") + ")"
}

// propID makes a property's name an identifier: a monitor's properties
// are named MONITOR.NAME.
func propID(name string) string { return strings.ReplaceAll(name, ".", "_") }
