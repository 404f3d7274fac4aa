package gen

import (
	"bytes"
	"fmt"
	"go/token"
	"slices"
	"sort"
	"strings"

	"github.com/fsmgen/fsmgen/spec"
)

// Promela renders check c of spec s as a Promela model for SPIN, with the
// semantics of docs/semantics.md, so that SPIN's exhaustive search visits
// exactly the system states fsmgen's checker does:
//
//   - the state vector holds what a system state holds and nothing else:
//     per peer its control state, variables, armed timers (bools) and
//     remaining call budgets; per inbox, for an ordered one a bounded array
//     with a length (not a chan, so that every content has one canonical
//     vector), for an unordered one an array of counts indexed by letter
//     and the counts' sum (a length is a function of the rest, so it adds
//     no states, and keeps the guards short); scratch variables are hidden.
//     A letter is a code, so a send whose fields depend on the variables
//     computes its letter as the checker does instead of branching. A timed check adds per timer the ticks left
//     until its deadline (0 while not armed) and, in a channel with a
//     lifetime of more than a tick, each message's age (below the
//     lifetime): an array parallel to an ordered queue, a count per letter
//     and age in an unordered channel;
//   - one process runs a do loop with one option per action instance
//     (call, deliver, lose, duplicate, timeout, and the tick of a timed
//     check), each a d_step whose first statement is the action's enabling
//     condition;
//   - invariants are asserted after every action (the initial state is
//     fixed and checked here, when rendering); a deadlock that is not a
//     terminal state is an invalid end state. When the check declares
//     terminal states, the loop is written twice, once under an end label:
//     every action ends by jumping to the copy that matches whether the new
//     state is terminal, so the process's control location is a function
//     of the data and adds no states.
//
// pan then reports "states, stored" equal to fsmgen's distinct states and
// "transitions" equal to fsmgen's transitions plus one: pan counts
// stored + matched states, and the initial state is stored without a
// transition leading to it.
//
// eventually goals under fairness none are rendered as ltl formulas
// ([]<> goal); goals under weak or strong fairness are not, as SPIN's
// fairness is per process, not per action class (see the TLA+ rendering).
// Safety runs must compile pan with -DNOCLAIM when the model has ltl
// formulas.
func Promela(s *spec.Spec, c *spec.Check) ([]byte, error) {
	if err := checkPeers(c); err != nil {
		return nil, err
	}
	g := &pmlGen{s: s, c: c, names: map[string]string{}}
	for _, p := range c.Peers {
		g.peer, g.m = append(g.peer, pmlPrefix(p.Name)), append(g.m, p.Machine)
	}
	if err := g.declareNames(); err != nil {
		return nil, err
	}
	g.emit()
	return g.b.Bytes(), nil
}

type pmlGen struct {
	s    *spec.Spec
	c    *spec.Check
	b    bytes.Buffer
	peer []string
	m    []*spec.Machine // the machine each peer runs
	// letter is the message being received while a receipt is written:
	// msg.FIELD reads its values.
	letter *spec.Letter
	// msgVals, while a send handler is written, are the rendered values of
	// the fields of the message sent: msg.FIELD reads them.
	msgVals map[string]string
	names   map[string]string // every global identifier -> what it names, to catch clashes
	// twoLoops: terminal states are declared and not all states are
	// terminal, so the loop is written twice (see Promela).
	twoLoops bool
}

// promelaKeywords are reserved words and predefined names of Promela.
var promelaKeywords = strings.Fields(`active assert atomic bit bool break byte c_code c_decl c_expr c_state c_track
	chan d_step d_proctype do else empty enabled eval false fi full get_priority goto hidden if init inline int len
	local ltl mtype nempty never nfull np_ od of pc_value pid printf printm priority proctype provided run
	select set_priority short show skip timeout trace true typedef unless unsigned xr xs _ _last _nr_pr _pid
	always eventually until weakuntil stronguntil implies equivalent stronguntil release`)

// pmlPrefix is the prefix of a peer's Promela identifiers (c_state): its
// name, with an underscore added where the name followed by an underscore
// begins a Promela keyword (c_state, d_step), so that no identifier of the
// peer is one.
func pmlPrefix(name string) string {
	for _, k := range promelaKeywords {
		if strings.HasPrefix(k, name+"_") {
			return name + "_"
		}
	}
	return name
}

// declareNames records every global identifier and fails on a clash
// (two spec names that render alike, or a Promela keyword).
func (g *pmlGen) declareNames() error {
	for _, k := range promelaKeywords {
		g.names[k] = "a Promela keyword"
	}
	add := func(id, what string) error {
		if prev, ok := g.names[id]; ok {
			return fmt.Errorf("%s: promela: %s and %s both render as %s", g.c.Pos, prev, what, id)
		}
		g.names[id] = what
		return nil
	}
	for _, m := range g.machines() {
		for _, st := range m.States {
			if err := add(g.stateConst(m, st), "state "+g.ofMachine(m)+st.Name); err != nil {
				return err
			}
		}
	}
	for _, lt := range g.s.Letters {
		if err := add(g.msgConst(lt), "message "+lt.String()); err != nil {
			return err
		}
	}
	for _, mon := range g.c.Monitors {
		for _, v := range mon.Vars {
			if err := add(g.monVar(mon, v), "variable "+v.Name+" of monitor "+mon.Name); err != nil {
				return err
			}
		}
	}
	if g.c.Time != nil {
		if err := add("tick", "the tick"); err != nil {
			return err
		}
	}
	for p := range g.peer {
		pn := "peer " + g.peer[p] + "'s "
		ids := map[string]string{
			g.stateVar(p): pn + "state",
		}
		for _, ch := range g.c.Into(p) {
			in := "inbox " + g.c.ChannelName(ch) + ": "
			ids[g.inboxLen(ch.Index)] = in + "length"
			if ch.Order == spec.Ordered {
				ids[g.inboxArr(ch.Index)] = in + "queue"
				if ch.Ages() > 1 {
					ids[g.inboxAge(ch.Index)] = in + "ages"
				}
			} else {
				ids[g.inboxArr(ch.Index)] = in + "counts"
			}
			ids["send_"+g.chanPrefix(ch.Index)] = "the send into " + g.c.ChannelName(ch)
		}
		for _, v := range g.m[p].Vars {
			ids[g.varName(p, v)] = pn + "variable " + v.Name
		}
		for _, t := range g.m[p].Timers {
			ids[g.timerVar(p, t)] = pn + "timer " + t.Name
			if g.c.Time != nil {
				ids[g.timerLeft(p, t)] = pn + "ticks left of timer " + t.Name
			}
		}
		for _, cb := range g.c.Peers[p].Calls {
			if cb.Budget != spec.Unbounded {
				ids[g.budgetVar(p, cb.Call)] = pn + "budget of " + cb.Call.Name
			}
		}
		for _, in := range g.m[p].Inputs {
			for _, back := range g.backs(p, in) {
				ids[g.eventInline(p, in, back)] = pn + "event " + in.String()
			}
		}
		keys := make([]string, 0, len(ids))
		for k := range ids {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := add(k, ids[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// machines lists the machines the peers run, each once, in spec order.
func (g *pmlGen) machines() []*spec.Machine {
	var out []*spec.Machine
	for _, m := range g.s.Machines {
		if slices.Contains(g.m, m) {
			out = append(out, m)
		}
	}
	return out
}

// ofMachine prefixes names of machine m's own in a spec with several machines.
func (g *pmlGen) ofMachine(m *spec.Machine) string {
	if len(g.s.Machines) > 1 {
		return m.Name + "."
	}
	return ""
}

// stateConst names state st of machine m; with several machines the name
// carries the machine's, as two machines may have states of the same name.
func (g *pmlGen) stateConst(m *spec.Machine, st *spec.State) string {
	if len(g.s.Machines) > 1 {
		return "S_" + m.Name + "_" + st.Name
	}
	return "S_" + st.Name
}
func (g *pmlGen) msgConst(lt *spec.Letter) string { return "M_" + letterID(lt) }

// letterCode is the number msgConst(lt) stands for: 1 + lt.Index, so
// that 0 is an empty slot of an ordered inbox.
func (g *pmlGen) letterCode(lt *spec.Letter) int { return lt.Index + 1 }

// letterType is the Promela type holding a letter's code.
func (g *pmlGen) letterType() string {
	if len(g.s.Letters) < 256 {
		return "byte"
	}
	return "short"
}
func (g *pmlGen) stateVar(p int) string             { return g.peer[p] + "_state" }
func (g *pmlGen) varName(p int, v *spec.Var) string { return g.peer[p] + "_" + v.Name }
func (g *pmlGen) timerVar(p int, t *spec.Timer) string {
	return g.peer[p] + "_" + t.Name
}
func (g *pmlGen) budgetVar(p int, c *spec.Call) string { return g.peer[p] + "_budget_" + c.Name }

// timerLeft names the ticks left until peer p's timer t's deadline (timed
// checks only; 0 while t is not armed).
func (g *pmlGen) timerLeft(p int, t *spec.Timer) string { return g.timerVar(p, t) + "_left" }

// chanPrefix starts the names of channel ci's variables: the receiving
// peer's name in a two-peer check, else TO_from_FROM.
func (g *pmlGen) chanPrefix(ci int) string {
	ch := g.c.Channels[ci]
	if len(g.peer) == 2 {
		return g.peer[ch.To]
	}
	return g.peer[ch.To] + "_from_" + g.peer[ch.From]
}
func (g *pmlGen) inboxArr(ci int) string { return g.chanPrefix(ci) + "_inbox" }
func (g *pmlGen) inboxLen(ci int) string { return g.chanPrefix(ci) + "_inbox_len" }

// inboxAge names the ages of the messages in channel ci, ordered and with
// a lifetime: an array parallel to its queue.
func (g *pmlGen) inboxAge(ci int) string { return g.chanPrefix(ci) + "_inbox_age" }

// inboxCountAt is the count of letter lt at age age in unordered channel
// ci: an element of its array of counts, indexed by letter, then age.
func (g *pmlGen) inboxCountAt(ci int, lt *spec.Letter, age int) string {
	return fmt.Sprintf("%s[%d]", g.inboxArr(ci), lt.Index*g.c.Channels[ci].Ages()+age)
}

// kindID names letter lt at age age in unordered channel ci in the names
// of its actions: CHAN_LETTER, with _ageN when its messages age.
func (g *pmlGen) kindID(ci int, lt *spec.Letter, age int) string {
	id := g.chanPrefix(ci) + "_" + letterID(lt)
	if g.c.Channels[ci].Ages() > 1 {
		id += fmt.Sprintf("_age%d", age)
	}
	return id
}

// letterCount is the number of messages of letter lt in unordered channel
// ci, of every age.
func (g *pmlGen) letterCount(ci int, lt *spec.Letter) string {
	ch := g.c.Channels[ci]
	if ch.Ages() == 1 {
		return g.inboxCountAt(ci, lt, 0)
	}
	var xs []string
	for age := range ch.Ages() {
		xs = append(xs, g.inboxCountAt(ci, lt, age))
	}
	return "(" + strings.Join(xs, " + ") + ")"
}

// dests are the channels peer p's sends go into.
func (g *pmlGen) dests(p int) []int {
	var out []int
	for _, ch := range g.c.Outbound(g.c.Peers[p]) {
		out = append(out, ch.Index)
	}
	return out
}

// fitsAll is the condition that nSend more messages fit every channel of
// dests and nReply more the channel back (a channel index, or -1).
func (g *pmlGen) fitsAll(dests []int, nSend, back, nReply int) string {
	var xs []string
	for _, ci := range dests {
		n := nSend
		if ci == back {
			n += nReply
		}
		xs = append(xs, g.fits(ci, n))
	}
	if back >= 0 && !slices.Contains(dests, back) {
		xs = append(xs, g.fits(back, nReply))
	}
	return cLogic.all(xs...)
}

// backs lists the channels peer p's replies to input in may go into, one
// inline per entry: a receipt is written once per channel it arrives on
// when the machine replies and messages reach it on several; else once
// (-1 when it never replies, or on no channel).
func (g *pmlGen) backs(p int, in *spec.Input) []int {
	var out []int
	if in.Event.Kind == spec.MessageEvent && g.m[p].Replies() {
		for _, ch := range g.c.Into(p) {
			if !g.c.Unused(ch) {
				out = append(out, g.c.Between(p, ch.From).Index)
			}
		}
	}
	if len(out) == 0 {
		return []int{-1}
	}
	return out
}

// eventInline names the inline applying input in to peer p, with its
// replies going into channel back.
func (g *pmlGen) eventInline(p int, in *spec.Input, back int) string {
	if back >= 0 && len(g.backs(p, in)) > 1 {
		return g.peer[p] + "_" + inputID(in) + "_from_" + g.peer[g.c.Channels[back].To]
	}
	return g.peer[p] + "_" + inputID(in)
}

func (g *pmlGen) f(format string, args ...any) { fmt.Fprintf(&g.b, format, args...) }

// comment writes text as a /* */ block at indent.
func (g *pmlGen) comment(indent, text string) {
	lines := wrapText(strings.ReplaceAll(text, "*/", "* /"), 96-len(indent))
	switch len(lines) {
	case 0:
		return
	case 1:
		g.f("%s/* %s */\n", indent, lines[0])
		return
	}
	g.f("%s/*\n", indent)
	for _, l := range lines {
		g.f("%s * %s\n", indent, l)
	}
	g.f("%s */\n", indent)
}

func (g *pmlGen) emit() {
	s, c := g.s, g.c
	g.f("/* Code generated by fsmgen promela from %s, check %s; DO NOT EDIT. */\n\n", s.File, c.Name)
	for _, note := range docNotes(s, c, g.machines()) {
		g.comment("", note)
	}
	g.twoLoops = c.Terminal != nil && !isConstTrue(c.Terminal)
	g.f(`/*
 * Each peer runs a machine; a channel carries the messages one peer sends
 * another (with two peers, each peer's inbox). The semantics is fsmgen's (docs/semantics.md): one d_step per
 * action instance, so SPIN's "states, stored" equals fsmgen's distinct
 * states and its "transitions" (stored + matched) equals fsmgen's
 * transitions + 1, the initial state.
 *
 *   spin -o2 -a FILE.pml && gcc -O2 -DSAFETY -DNOREDUCE -DNOCLAIM -o pan pan.c && ./pan -m1000000
 *
 * (-o2 keeps variables that are written and never read, such as a monitor
 * variable only a liveness goal reads: fsmgen's states include them.)
 */

`)
	for _, note := range networkNotes(c, g.machines()) {
		g.comment("", note)
	}
	g.f("\n")

	// Constants.
	for _, m := range g.machines() {
		for _, st := range m.States {
			g.f("#define %s %d", g.stateConst(m, st), st.Index)
			if st.Doc != "" {
				g.f(" /* %s */", oneLine(st.Doc))
			}
			g.f("\n")
		}
		g.f("\n")
	}
	if len(s.Letters) > 0 {
		g.comment("", "Messages: a code per letter (a message with values for its fields), from 1 (0 is an empty slot of an ordered inbox). "+
			"A message's letters are consecutive, the last field varying fastest, so the letter a send makes is its message's first code "+
			"plus each field's code (false 0 and true 1, an enum's index, an int's value minus its minimum) times its stride.")
		for _, m := range s.Messages {
			if m.Doc != "" {
				g.f("/* %s: %s */\n", m.Name, oneLine(m.Doc))
			}
			for _, lt := range m.Letters {
				g.f("#define %s %d\n", g.msgConst(lt), g.letterCode(lt))
			}
		}
		g.f("\n")
	}

	// State variables.
	for p := range g.peer {
		m := g.m[p]
		if len(s.Machines) > 1 {
			g.f("/* Peer %s, machine %s. */\n", g.peer[p], m.Name)
		} else {
			g.f("/* Peer %s. */\n", g.peer[p])
		}
		g.f("byte %s = %s;\n", g.stateVar(p), g.stateConst(m, m.Initial))
		for _, v := range m.Vars {
			g.declareVar(g.varName(p, v), v)
		}
		for _, t := range m.Timers {
			g.f("bool %s; /* timer %s (%s) is armed */\n", g.timerVar(p, t), t.Name, t.AfterExpr)
			if c.Time != nil {
				g.f("byte %s; /* ticks until its deadline, at most %d; 0 while not armed */\n", g.timerLeft(p, t), c.Ticks(m, t))
			}
		}
		for _, cb := range c.Peers[p].Calls {
			if cb.Budget != spec.Unbounded {
				g.f("byte %s = %d; /* calls of %s left */\n", g.budgetVar(p, cb.Call), cb.Budget, cb.Call.Name)
			}
		}
		for _, ch := range c.Into(p) {
			ci := ch.Index
			if ch.Order == spec.Ordered {
				g.f("%s %s[%d]; /* ordered inbox: slots past the length are 0 */\n", g.letterType(), g.inboxArr(ci), max(ch.Capacity, 1))
				if ch.Ages() > 1 {
					g.f("byte %s[%d]; /* the age of each message in ticks, at most %d; slots past the length are 0 */\n", g.inboxAge(ci), max(ch.Capacity, 1), ch.Ages()-1)
				}
				g.f("byte %s;\n", g.inboxLen(ci))
			} else {
				switch n := len(s.Letters) * ch.Ages(); {
				case n == 0:
				case ch.Ages() > 1:
					g.f("byte %s[%d]; /* unordered inbox: the count of each letter at each age, at [(code - 1) * %d + age] */\n", g.inboxArr(ci), n, ch.Ages())
				default:
					g.f("byte %s[%d]; /* unordered inbox: the count of each letter, at [code - 1] */\n", g.inboxArr(ci), n)
				}
				g.f("byte %s; /* the sum of the counts */\n", g.inboxLen(ci))
			}
		}
		g.f("\n")
	}
	for _, mon := range c.Monitors {
		g.comment("", fmt.Sprintf("Monitor %s: %s", mon.Name, mon.Doc))
		for _, v := range mon.Vars {
			g.declareVar(g.monVar(mon, v), v)
		}
		g.f("\n")
	}
	maxSet := 0
	for _, m := range g.machines() {
		for _, r := range m.Rows {
			if len(r.Set) > 1 {
				maxSet = max(maxSet, len(r.Set))
			}
		}
	}
	for _, mon := range c.Monitors {
		for _, h := range mon.Handlers {
			if len(h.Set) > 1 {
				maxSet = max(maxSet, len(h.Set))
			}
		}
	}
	for i := range maxSet {
		g.f("hidden int set_%d; /* scratch: set values are computed on the old variables */\n", i)
	}
	if slices.ContainsFunc(c.Channels, func(ch *spec.Channel) bool { return ch.Order == spec.Ordered }) {
		g.f("hidden %s head; /* scratch: the message being delivered */\n", g.letterType())
	}
	if slices.ContainsFunc(c.Channels, func(ch *spec.Channel) bool { return ch.Order == spec.Ordered && ch.Ages() > 1 && ch.Loss }) {
		g.f("hidden byte kept; /* scratch: the messages a tick keeps in an ordered channel */\n")
	}
	g.f("\n")

	// Sends.
	for ci := range c.Channels {
		g.emitSend(ci)
	}
	// Properties.
	g.f("inline invariants() {\n")
	if len(c.Invariants) == 0 {
		g.f("\tskip\n")
	}
	for i, inv := range c.Invariants {
		sep := ";"
		if i == len(c.Invariants)-1 {
			sep = ""
		}
		g.f("\tassert(%s)%s /* %s */\n", g.prop(inv.Expr), sep, inv.Name)
	}
	g.f("}\n\n")
	if g.twoLoops {
		g.f("/* terminal: %s */\n", oneLine(c.Terminal.String()))
		g.f("#define terminal %s\n\n", g.prop(c.Terminal))
	}
	// Peer events.
	for p := range g.peer {
		makes := map[*spec.Call]bool{}
		for _, cb := range c.Peers[p].Calls {
			makes[cb.Call] = true
		}
		for _, in := range g.m[p].Inputs {
			if in.Event.Kind == spec.CallEvent && !makes[in.Event.Call] {
				continue // the peer never makes this call
			}
			for _, back := range g.backs(p, in) {
				g.emitEvent(p, in, back)
			}
		}
	}
	// Actions.
	acts := g.actions()
	for _, a := range acts {
		g.emitAction(a)
	}
	// The process.
	g.f("active proctype system() {\n")
	for _, inv := range c.Invariants {
		if !holdsInitially(c, inv.Expr) {
			g.f("\tassert(%s); /* %s fails in the initial state */\n", g.prop(inv.Expr), inv.Name)
		}
	}
	loops := []string{"running"}
	switch {
	case g.twoLoops && holdsInitially(c, c.Terminal):
		loops = []string{"end_terminal", "running"}
	case g.twoLoops:
		loops = []string{"running", "end_terminal"}
	case c.Terminal != nil:
		loops = []string{"end_running"} // every state is terminal
	}
	for i, l := range loops {
		if i > 0 {
			g.f(";\n")
		}
		g.f("%s:\n\tdo\n", l)
		for _, a := range acts {
			g.f("\t:: %s()\n", a.name)
		}
		g.f("\tod")
	}
	g.f("\n}\n")
	for _, l := range c.Eventually {
		g.f("\n")
		if l.Fairness != spec.NoFairness {
			g.comment("", fmt.Sprintf("eventually %s: %s under %s fairness, not rendered: SPIN's fairness is per process, not per action class; see the TLA+ rendering.", l.Name, l.Source, l.Fairness))
			continue
		}
		g.f("ltl %s { []<>(%s) }\n", propID(l.Name), g.prop(l.Goal))
	}
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func oneLine(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "*/", "* /")
}

func enumCodes(v *spec.Var) string {
	var parts []string
	for i, x := range v.Values {
		parts = append(parts, fmt.Sprintf("%d=%s", i, x))
	}
	return strings.Join(parts, " ")
}

// pmlVarType is the smallest Promela type holding v's decoded values.
func pmlVarType(v *spec.Var) string {
	switch {
	case v.Kind == spec.Bool:
		return "bool"
	case v.Kind == spec.Enum:
		return "byte"
	case v.Min >= 0 && v.Max <= 255:
		return "byte"
	case v.Min >= -32768 && v.Max <= 32767:
		return "short"
	}
	return "int"
}

// emitSend writes send_Q(m): append m to q's inbox, or drop it when full.
// Under full: block the action's guard has checked that every send fits.
func (g *pmlGen) emitSend(q int) {
	ch := g.c.Channels[q]
	g.f("inline send_%s(m) {\n\tif\n", g.chanPrefix(q))
	if ch.Order == spec.Ordered {
		g.f("\t:: %s < %d -> %s[%s] = m; %s++\n", g.inboxLen(q), ch.Capacity, g.inboxArr(q), g.inboxLen(q), g.inboxLen(q))
	} else {
		at := "m - 1" // a new message is of age 0
		if ch.Ages() > 1 {
			at = fmt.Sprintf("(m - 1) * %d", ch.Ages())
		}
		g.f("\t:: %s < %d -> %s[%s]++; %s++\n", g.inboxLen(q), ch.Capacity, g.inboxArr(q), at, g.inboxLen(q))
	}
	if ch.Full == spec.BlockWhenFull {
		g.f("\t:: else -> assert(false) /* full: block; the guard checked there is room */\n")
	} else {
		g.f("\t:: else -> skip /* full: drop */\n")
	}
	g.f("\tfi\n}\n\n")
}

// fits is the condition that n more messages fit q's inbox; it is true
// when q drops on full (the action happens anyway).
func (g *pmlGen) fits(q, n int) string {
	ch := g.c.Channels[q]
	if n == 0 || ch.Full != spec.BlockWhenFull {
		return "1"
	}
	if n > ch.Capacity {
		return "0"
	}
	return fmt.Sprintf("(%s <= %d)", g.inboxLen(q), ch.Capacity-n)
}

// stateIn is the condition that peer p is in one of sts.
func (g *pmlGen) stateIn(p int, sts []*spec.State) string {
	if len(sts) == len(g.m[p].States) {
		return "1"
	}
	var xs []string
	for _, st := range sts {
		xs = append(xs, fmt.Sprintf("(%s == %s)", g.stateVar(p), g.stateConst(g.m[p], st)))
	}
	return cLogic.any(xs...)
}

// enabled is the condition under which applying ev to peer p happens at
// all: a row fires and its sends fit, or no row fires and the event is
// unhandled in a way that happens (not a rejected call) and whose reply fits.
func (g *pmlGen) enabled(p int, in *spec.Input, back int) string {
	dests := g.dests(p)
	m, ev := g.m[p], in.Event
	g.letter = in.Letter
	defer func() { g.letter = nil }()
	uh := "0"
	if unhandledAllowed(m, ev) {
		uh = g.fitsAll(nil, 0, back, len(unhandledSends(m, ev)))
	}
	// Per state, then states with equal conditions grouped.
	byCond := map[string][]*spec.State{}
	var order []string
	for _, st := range m.States {
		var fire, guards []string
		unguarded := false
		for _, r := range tableRows(m, st, ev) {
			gd := "1"
			if r.Guard != nil {
				gd = g.guard(p, r.Guard)
			} else {
				unguarded = true
			}
			guards = append(guards, gd)
			if failedCall(ev, r) {
				fire = append(fire, "0") // a failed call is not an action
				continue
			}
			fire = append(fire, cLogic.all(gd, g.fitsAll(dests, len(r.Sent()), back, r.Replies)))
		}
		cond := cLogic.any(fire...)
		switch {
		case unguarded:
		case uh == "1" && sameStrings(fire, guards):
			cond = "1" // some row fires, or none does and the event happens anyway
		default:
			cond = cLogic.any(cond, cLogic.all(cLogic.neg(cLogic.any(guards...)), uh))
		}
		if _, ok := byCond[cond]; !ok {
			order = append(order, cond)
		}
		byCond[cond] = append(byCond[cond], st)
	}
	var xs []string
	for _, cond := range order {
		xs = append(xs, cLogic.all(g.stateIn(p, byCond[cond]), cond))
	}
	return cLogic.any(xs...)
}

// emitEvent writes the inline applying input in to peer p, its replies
// going into channel back, assuming enabled(p, in, back).
func (g *pmlGen) emitEvent(p int, in *spec.Input, back int) {
	s, ev := g.m[p], in.Event
	dests := g.dests(p)
	g.letter = in.Letter
	defer func() { g.letter = nil }()
	g.f("/* %s: %s */\n", g.peer[p], in)
	g.f("inline %s() {\n", g.eventInline(p, in, back))
	if ev.Kind == spec.TimerEvent {
		g.f("\t%s = 0; /* a timer that fired is no longer running */\n", g.timerVar(p, ev.Timer))
		if g.c.Time != nil {
			g.f("\t%s = 0;\n", g.timerLeft(p, ev.Timer))
		}
	}
	g.f("\tif\n")
	for _, d := range eventDispatch(s, ev) {
		r := d.row
		cond := g.stateIn(p, d.states)
		if r.Guard != nil {
			cond = cLogic.all(cond, g.guard(p, r.Guard))
		}
		g.f("\t:: %s ->\n", cond)
		g.comment("\t\t", fmt.Sprintf("%s: %s", rowRef(r), rowLine(s, r)))
		if r.Doc != "" {
			g.comment("\t\t", r.Doc)
		}
		if failedCall(ev, r) {
			g.f("\t\tassert(false) /* failed call (error: %s): not an action; the guard excludes it */\n", oneLine(r.Error))
			continue
		}
		var stmts []string
		for i, m := range r.Send {
			stmts = append(stmts, g.observeSend(p, m, r, i)...)
		}
		if r.To != nil {
			if obs := g.observe(p, spec.ObserveEnter, func(h *spec.Handler) bool { return h.State == r.To }, nil); len(obs) > 0 {
				stmts = append(stmts, fmt.Sprintf("if\n\t\t:: %s != %s ->\n\t\t\t%s\n\t\t:: else -> skip\n\t\tfi",
					g.stateVar(p), g.stateConst(s, r.To), strings.Join(obs, ";\n\t\t\t")))
			}
		}
		// Sends come before the row's changes: a field's value reads the
		// variables as they were (and a send only changes an inbox).
		for i, m := range r.Send {
			if i >= len(r.Sent()) {
				stmts = append(stmts, g.send(p, back, m, r, i))
				continue
			}
			for _, ci := range dests {
				stmts = append(stmts, g.send(p, ci, m, r, i))
			}
		}
		switch {
		case len(r.Set) == 1:
			a := r.Set[0]
			stmts = append(stmts, fmt.Sprintf("%s = %s", g.varName(p, a.Var), g.guard(p, a.Value)))
		case len(r.Set) > 1:
			for i, a := range r.Set {
				stmts = append(stmts, fmt.Sprintf("set_%d = %s", i, g.guard(p, a.Value)))
			}
			for i, a := range r.Set {
				stmts = append(stmts, fmt.Sprintf("%s = set_%d", g.varName(p, a.Var), i))
			}
		}
		if g.c.Time != nil {
			// A start leaves a timer that was armed before the row alone.
			for _, t := range s.Timers {
				if rowTimer(r, t) == timerStarted {
					stmts = append(stmts, fmt.Sprintf("%s = (%s -> %s : %d)", g.timerLeft(p, t), g.timerVar(p, t), g.timerLeft(p, t), g.c.Ticks(s, t)))
				}
			}
		}
		for _, t := range r.Stop {
			stmts = append(stmts, g.timerVar(p, t)+" = 0")
		}
		for _, t := range append(append([]*spec.Timer(nil), r.Start...), r.Restart...) {
			stmts = append(stmts, g.timerVar(p, t)+" = 1")
		}
		if g.c.Time != nil {
			for _, t := range s.Timers {
				switch rowTimer(r, t) {
				case timerStopped:
					stmts = append(stmts, g.timerLeft(p, t)+" = 0")
				case timerRestarted:
					stmts = append(stmts, fmt.Sprintf("%s = %d", g.timerLeft(p, t), g.c.Ticks(s, t)))
				}
			}
		}
		if r.To != nil {
			stmts = append(stmts, fmt.Sprintf("%s = %s", g.stateVar(p), g.stateConst(s, r.To)))
		}
		if len(stmts) == 0 {
			stmts = []string{"skip"}
		}
		if r.Error != "" {
			stmts[len(stmts)-1] += " /* error: " + oneLine(r.Error) + " */"
		}
		g.f("\t\t%s\n", strings.Join(stmts, ";\n\t\t"))
	}
	g.f("\t:: else ->\n")
	switch ev.Kind {
	case spec.CallEvent:
		if s.Unhandled.Calls == spec.IgnoreCall {
			g.f("\t\tskip /* unhandled call: ignored */\n")
		} else {
			g.f("\t\tassert(false) /* unhandled call: rejected; the guard excludes it */\n")
		}
	case spec.MessageEvent:
		if rs := unhandledSends(s, ev); len(rs) > 0 {
			lt := rs[0].Letters[0]
			for _, x := range g.observe(p, spec.ObserveSend, func(h *spec.Handler) bool { return h.Message == lt.Message }, lt) {
				g.f("\t\t%s;\n", x)
			}
			g.f("\t\tsend_%s(%s) /* unhandled message: reply */\n", g.chanPrefix(back), g.msgConst(lt))
		} else {
			g.f("\t\tskip /* unhandled message: dropped */\n")
		}
	case spec.TimerEvent:
		g.f("\t\tskip /* unhandled expiry: the timer was disarmed */\n")
	}
	g.f("\tfi\n}\n\n")
}

// pmlAction is one action instance of docs/semantics.md.
type pmlAction struct {
	name  string // inline name
	what  string // call(client, CLOSE)
	guard string
	body  []string
}

func (g *pmlGen) actions() []pmlAction {
	s, c := g.s, g.c
	var acts []pmlAction
	idle := ""
	if c.Timeouts == spec.IdleTimeout {
		var xs []string
		for ci := range c.Channels {
			xs = append(xs, g.inboxLen(ci)+" == 0")
		}
		idle = "(" + strings.Join(xs, " && ") + ")"
	}
	for _, sa := range c.Actions() {
		if sa.Kind == spec.TickAction {
			acts = append(acts, g.tick())
			continue
		}
		p, lt := sa.Peer.Index, sa.Letter
		ci, ch := -1, sa.Channel
		if ch != nil {
			ci = ch.Index
		}
		var a pmlAction
		switch sa.Kind {
		case spec.CallAction:
			cb, ev := sa.Call, sa.Input
			a = pmlAction{name: fmt.Sprintf("call_%s_%s", g.peer[p], cb.Call.Name), what: sa.Class}
			a.body = g.observe(p, spec.ObserveCall, func(h *spec.Handler) bool { return h.Call == cb.Call }, nil)
			if cb.Budget != spec.Unbounded {
				a.guard = cLogic.all(fmt.Sprintf("(%s > 0)", g.budgetVar(p, cb.Call)), g.enabled(p, ev, -1))
				a.body = append(a.body, g.budgetVar(p, cb.Call)+"--")
			} else {
				a.guard = g.enabled(p, ev, -1)
			}
			a.body = append(a.body, g.eventInline(p, ev, -1)+"()")
		case spec.DeliverAction:
			back := g.replyTo(p, sa)
			if lt == nil { // ordered: the head
				a = pmlAction{name: "deliver_" + g.chanPrefix(ci), what: sa.Class + ": the head of the inbox"}
				var heads []string
				for _, lt := range s.Letters {
					heads = append(heads, cLogic.all(fmt.Sprintf("(%s[0] == %s)", g.inboxArr(ci), g.msgConst(lt)), g.enabled(p, g.m[p].LetterInput(lt), back)))
				}
				a.guard = cLogic.all(fmt.Sprintf("(%s > 0)", g.inboxLen(ci)), g.anyHead(ci, heads))
				a.body = append(a.body, fmt.Sprintf("head = %s[0]", g.inboxArr(ci)))
				a.body = append(a.body, g.removeAt(ci, 0)...)
				var opts []string
				for _, lt := range s.Letters {
					obs := g.observe(p, spec.ObserveRecv, func(h *spec.Handler) bool { return h.Message == lt.Message }, lt)
					opts = append(opts, fmt.Sprintf(":: head == %s -> %s", g.msgConst(lt), strings.Join(append(obs, g.eventInline(p, g.m[p].LetterInput(lt), back)+"()"), "; ")))
				}
				a.body = append(a.body, "if\n\t\t"+strings.Join(opts, "\n\t\t")+"\n\t\tfi")
				break
			}
			n := g.inboxCountAt(ci, lt, sa.Age)
			a = pmlAction{
				name:  "deliver_" + g.kindID(ci, lt, sa.Age),
				what:  sa.Class + ageNote(ch, sa.Age),
				guard: cLogic.all(fmt.Sprintf("(%s > 0)", n), g.enabled(p, sa.Input, back)),
				body: append(g.observe(p, spec.ObserveRecv, func(h *spec.Handler) bool { return h.Message == lt.Message }, lt),
					n+"--", g.inboxLen(ci)+"--", g.eventInline(p, sa.Input, back)+"()"),
			}
		case spec.TimeoutAction:
			armed := g.timerVar(p, sa.Timer)
			if c.Time != nil { // at its deadline, or within its early window
				armed = fmt.Sprintf("(%s && %s)", armed, due(g.timerLeft(p, sa.Timer), c.EarlyTicks(g.m[p], sa.Timer), "==", "<="))
			}
			a = pmlAction{
				name:  fmt.Sprintf("timeout_%s_%s", g.peer[p], sa.Timer.Name),
				what:  sa.Class,
				guard: cLogic.all(armed, idle, g.enabled(p, sa.Input, -1)),
				body:  []string{g.eventInline(p, sa.Input, -1) + "()"},
			}
		case spec.LoseAction:
			if lt == nil {
				i := sa.Slot
				a = pmlAction{name: fmt.Sprintf("lose_%s_%d", g.chanPrefix(ci), i), what: fmt.Sprintf("lose(%s, %d)", c.ChannelName(ch), i),
					guard: fmt.Sprintf("(%s > %d)", g.inboxLen(ci), i), body: g.removeAt(ci, i)}
				break
			}
			n := g.inboxCountAt(ci, lt, sa.Age)
			a = pmlAction{name: "lose_" + g.kindID(ci, lt, sa.Age), what: fmt.Sprintf("lose(%s, %s)", c.ChannelName(ch), lt) + ageNote(ch, sa.Age),
				guard: fmt.Sprintf("(%s > 0)", n), body: []string{n + "--", g.inboxLen(ci) + "--"}}
		case spec.DuplicateAction:
			if lt == nil {
				i := sa.Slot
				a = pmlAction{name: fmt.Sprintf("duplicate_%s_%d", g.chanPrefix(ci), i), what: fmt.Sprintf("duplicate(%s, %d)", c.ChannelName(ch), i),
					guard: fmt.Sprintf("(%s > %d && %s < %d)", g.inboxLen(ci), i, g.inboxLen(ci), ch.Capacity), body: g.duplicateAt(ci, i)}
				break
			}
			n := g.inboxCountAt(ci, lt, sa.Age)
			a = pmlAction{name: "duplicate_" + g.kindID(ci, lt, sa.Age), what: fmt.Sprintf("duplicate(%s, %s)", c.ChannelName(ch), lt) + ageNote(ch, sa.Age),
				guard: fmt.Sprintf("(%s > 0 && %s < %d)", n, g.inboxLen(ci), ch.Capacity), body: []string{n + "++", g.inboxLen(ci) + "++"}}
		}
		acts = append(acts, a)
	}
	return acts
}

// replyTo is the channel the replies of delivery sa go into, as the
// receipt inlines of peer p know it (backs): -1 when p never replies.
func (g *pmlGen) replyTo(p int, sa *spec.Action) int {
	if !g.m[p].Replies() {
		return -1
	}
	return sa.Reply.Index
}

// anyHead is the disjunction of per-head conditions, or true when every
// message is always accepted.
func (g *pmlGen) anyHead(p int, heads []string) string {
	all := true
	for i, h := range heads {
		if h != fmt.Sprintf("(%s[0] == %s)", g.inboxArr(p), g.msgConst(g.s.Letters[i])) {
			all = false
		}
	}
	if all {
		return "1"
	}
	return cLogic.any(heads...)
}

// queues are the arrays of p's ordered inbox: the messages, and their
// ages when they age.
func (g *pmlGen) queues(p int) []string {
	if g.c.Channels[p].Ages() > 1 {
		return []string{g.inboxArr(p), g.inboxAge(p)}
	}
	return []string{g.inboxArr(p)}
}

// removeAt removes the message at position i of p's ordered inbox,
// shifting the rest down and clearing the freed slot.
func (g *pmlGen) removeAt(p, i int) []string {
	n := max(g.c.Channels[p].Capacity, 1)
	var out []string
	for _, arr := range g.queues(p) {
		for k := i; k+1 < n; k++ {
			out = append(out, fmt.Sprintf("%s[%d] = %s[%d]", arr, k, arr, k+1))
		}
		out = append(out, fmt.Sprintf("%s[%d] = 0", arr, n-1))
	}
	return append(out, g.inboxLen(p)+"--")
}

// duplicateAt inserts a copy of the message at position i right after it
// (of its age too).
func (g *pmlGen) duplicateAt(p, i int) []string {
	n := g.c.Channels[p].Capacity
	var out []string
	for _, arr := range g.queues(p) {
		for k := n - 1; k > i; k-- {
			out = append(out, fmt.Sprintf("%s[%d] = %s[%d]", arr, k, arr, k-1))
		}
	}
	return append(out, g.inboxLen(p)+"++")
}

// tick is the tick of a timed check: enabled when no armed timer's
// deadline has come, no lossless channel holds a message of its last age
// (Lifetime-1: it must be delivered first), and something ages; every
// armed timer's deadline comes a tick nearer, every message in a channel
// with a lifetime ages by one, and a lossy channel loses those of the
// last age.
func (g *pmlGen) tick() pmlAction {
	c := g.c
	var waits, ages, body []string // nothing is urgent; something ages
	for p := range g.peer {
		for _, t := range g.m[p].Timers {
			armed, left := g.timerVar(p, t), g.timerLeft(p, t)
			waits = append(waits, fmt.Sprintf("(!%s || %s > 0)", armed, left))
			ages = append(ages, armed)
			body = append(body, fmt.Sprintf("if\n\t\t:: %s -> %s--\n\t\t:: else -> skip\n\t\tfi", armed, left))
		}
	}
	for ci, ch := range c.Channels {
		if ch.Lifetime == 0 {
			continue
		}
		last := ch.Ages() - 1
		switch {
		case !ch.Loss && last == 0: // every message has the last age: the channel must be empty
			waits = append(waits, fmt.Sprintf("(%s == 0)", g.inboxLen(ci)))
			continue
		case !ch.Loss && ch.Order == spec.Ordered: // the head is the oldest
			waits = append(waits, fmt.Sprintf("(%s == 0 || %s[0] < %d)", g.inboxLen(ci), g.inboxAge(ci), last))
		case !ch.Loss:
			for _, lt := range g.s.Letters {
				waits = append(waits, fmt.Sprintf("(%s == 0)", g.inboxCountAt(ci, lt, last)))
			}
		}
		ages = append(ages, fmt.Sprintf("(%s > 0)", g.inboxLen(ci)))
		switch {
		case ch.Order == spec.Ordered && last == 0: // lossy: every message is lost
			n := max(ch.Capacity, 1)
			for k := range n {
				body = append(body, fmt.Sprintf("%s[%d] = 0", g.inboxArr(ci), k))
			}
			body = append(body, g.inboxLen(ci)+" = 0")
		case ch.Order == spec.Ordered && ch.Loss:
			body = append(body, g.ageQueue(ci)...)
		case ch.Order == spec.Ordered:
			for k := range max(ch.Capacity, 1) {
				body = append(body, fmt.Sprintf("if\n\t\t:: %d < %s -> %s[%d]++\n\t\t:: else -> skip\n\t\tfi", k, g.inboxLen(ci), g.inboxAge(ci), k))
			}
		default: // unordered: each count moves an age up; a lossy channel's of the last age are lost
			for _, lt := range g.s.Letters {
				if ch.Loss {
					body = append(body, fmt.Sprintf("%s = %s - %s", g.inboxLen(ci), g.inboxLen(ci), g.inboxCountAt(ci, lt, last)))
				}
				for age := last; age > 0; age-- {
					body = append(body, fmt.Sprintf("%s = %s", g.inboxCountAt(ci, lt, age), g.inboxCountAt(ci, lt, age-1)))
				}
				body = append(body, g.inboxCountAt(ci, lt, 0)+" = 0")
			}
		}
	}
	if len(body) == 0 {
		body = []string{"skip"}
	}
	return pmlAction{name: "tick", what: "tick: time passes by one tick",
		guard: cLogic.all(append(waits, cLogic.any(ages...))...), body: body}
}

// ageQueue ages the messages of lossy ordered channel ci by a tick: those
// of the last age are lost, the rest keep their order.
func (g *pmlGen) ageQueue(ci int) []string {
	ch := g.c.Channels[ci]
	arr, age, n := g.inboxArr(ci), g.inboxAge(ci), max(ch.Capacity, 1)
	out := []string{"kept = 0"}
	for k := range n {
		out = append(out, fmt.Sprintf("if\n\t\t:: %d < %s && %s[%d] < %d -> %s[kept] = %s[%d]; %s[kept] = %s[%d] + 1; kept++\n\t\t:: else -> skip\n\t\tfi",
			k, g.inboxLen(ci), age, k, ch.Ages()-1, arr, arr, k, age, age, k))
	}
	for k := range n {
		out = append(out, fmt.Sprintf("if\n\t\t:: %d >= kept -> %s[%d] = 0; %s[%d] = 0\n\t\t:: else -> skip\n\t\tfi", k, arr, k, age, k))
	}
	return append(out, g.inboxLen(ci)+" = kept")
}

func (g *pmlGen) emitAction(a pmlAction) {
	g.f("/* %s */\n", a.what)
	g.f("inline %s() {\n", a.name)
	body := "\t\t" + strings.Join(append(a.body, "invariants()"), ";\n\t\t")
	guard := a.guard
	if guard == "1" {
		guard = "true"
	} else if guard == "0" {
		guard = "false"
	}
	if !g.twoLoops {
		g.f("\td_step {\n\t\t%s ->\n%s\n\t}\n}\n\n", guard, body)
		return
	}
	// The jump keeps the control location a function of the data (see Promela).
	g.f("\tatomic {\n\t\td_step {\n\t\t\t%s ->\n\t%s\n\t\t};\n", guard, strings.ReplaceAll(body, "\n", "\n\t"))
	g.f("\t\tif\n\t\t:: terminal -> goto end_terminal\n\t\t:: else -> goto running\n\t\tfi\n\t}\n}\n\n")
}

// guard renders a guard or set value over peer p's variables.
func (g *pmlGen) guard(p int, e spec.Expr) string { return g.expr(e, p) }

// prop renders a property over both peers and the network.
func (g *pmlGen) prop(e spec.Expr) string { return g.expr(e, -1) }

// expr renders e; self is the peer a guard's bare variables belong to.
func (g *pmlGen) expr(e spec.Expr, self int) string {
	switch e := e.(type) {
	case *spec.Const:
		switch e.T.Kind {
		case spec.BoolType:
			if e.Val != 0 {
				return "true"
			}
			return "false"
		case spec.StateType:
			m := e.T.Machine
			if m == nil { // a guard cannot compare states; keep the zero Type working
				m = g.m[max(self, 0)]
			}
			return g.stateConst(m, m.States[e.Val])
		case spec.EnumType:
			return fmt.Sprintf("%d /* %s */", e.Val, e.Src)
		}
		if e.Val < 0 {
			return fmt.Sprintf("(%d)", e.Val)
		}
		return fmt.Sprint(e.Val)
	case *spec.VarRef:
		p := e.Peer
		if p < 0 {
			p = self
		}
		return g.varName(p, e.Var)
	case *spec.StateOf:
		return g.stateVar(e.Peer)
	case *spec.MsgField:
		if v, ok := g.msgVals[e.Name]; ok {
			return v
		}
		return g.expr(msgConst(g.letter, e), self)
	case *spec.MonRef:
		return g.monVar(e.Monitor, e.Var)
	case *spec.Armed:
		return g.timerVar(e.Peer, e.Timer)
	case *spec.Count:
		return countSum(e, g.c, g.count)
	case *spec.Unary:
		if e.Op == token.NOT {
			return "!" + g.expr(e.X, self)
		}
		return "(-" + g.expr(e.X, self) + ")"
	case *spec.Binary:
		// Promela's / and % are C's: they truncate toward zero, as Go's do.
		return "(" + g.expr(e.X, self) + " " + e.Op.String() + " " + g.expr(e.Y, self) + ")"
	case *spec.Implies:
		return "(!" + g.expr(e.X, self) + " || " + g.expr(e.Y, self) + ")"
	case *spec.Cond:
		return "(" + g.expr(e.If, self) + " -> " + g.expr(e.Then, self) + " : " + g.expr(e.Else, self) + ")"
	}
	return fmt.Sprintf("/* unsupported %T */ false", e)
}

// count is the number of messages of kind m (nil: of any kind) in p's inbox.
func (g *pmlGen) count(p int, m *spec.Message) string {
	if m == nil {
		return g.inboxLen(p)
	}
	ch := g.c.Channels[p]
	if ch.Order != spec.Ordered {
		var parts []string
		for _, lt := range m.Letters {
			parts = append(parts, g.letterCount(p, lt))
		}
		if len(parts) == 1 {
			return parts[0]
		}
		return "(" + strings.Join(parts, " + ") + ")"
	}
	if ch.Capacity == 0 {
		return "0"
	}
	// A message's letters have consecutive codes.
	first, last := g.msgConst(m.Letters[0]), g.msgConst(m.Letters[len(m.Letters)-1])
	var parts []string
	for i := range ch.Capacity {
		slot := fmt.Sprintf("%s[%d]", g.inboxArr(p), i)
		if first == last {
			parts = append(parts, fmt.Sprintf("(%s == %s -> 1 : 0)", slot, first))
		} else {
			parts = append(parts, fmt.Sprintf("(%s >= %s && %s <= %s -> 1 : 0)", slot, first, slot, last))
		}
	}
	return "(" + strings.Join(parts, " + ") + ")"
}

// declareVar declares the global name for variable v, at its initial value.
func (g *pmlGen) declareVar(name string, v *spec.Var) {
	g.f("%s %s = %d;", pmlVarType(v), name, v.Init)
	if v.Kind == spec.Enum {
		g.f(" /* %s: %s */", v.Values[v.Init], enumCodes(v))
	}
	if v.Doc != "" {
		g.f(" /* %s */", oneLine(v.Doc))
	}
	g.f("\n")
}

// monVar names variable v of monitor mon.
func (g *pmlGen) monVar(mon *spec.Monitor, v *spec.Var) string { return mon.Name + "_" + v.Name }

// observe returns the statements of the monitor handlers of kind that an
// action of peer p runs (match picks them by call, message or state); lt
// is the message observed, for send and recv. Each handler's guard and
// values read the state before the action, as the checker's do.
func (g *pmlGen) observe(p int, kind spec.Observed, match func(h *spec.Handler) bool, lt *spec.Letter) []string {
	saved := g.letter
	g.letter = lt
	defer func() { g.letter = saved }()
	var out []string
	for _, mon := range g.c.Monitors {
		for _, h := range mon.Handlers {
			if h.Kind != kind || h.Peer.Index != p || !match(h) {
				continue
			}
			var set []string
			if len(h.Set) == 1 {
				set = append(set, fmt.Sprintf("%s = %s", g.monVar(mon, h.Set[0].Var), g.prop(h.Set[0].Value)))
			} else {
				for i, a := range h.Set {
					set = append(set, fmt.Sprintf("set_%d = %s", i, g.prop(a.Value)))
				}
				for i, a := range h.Set {
					set = append(set, fmt.Sprintf("%s = set_%d", g.monVar(mon, a.Var), i))
				}
			}
			body := strings.Join(set, "; ")
			if h.Guard != nil {
				body = fmt.Sprintf("if :: %s -> %s :: else -> skip fi", g.prop(h.Guard), body)
			}
			out = append(out, body+" /* monitor "+mon.Name+": "+h.String()+" */")
		}
	}
	return out
}

// observeSend returns the statements of the send handlers for the i-th
// message row r of peer p sends: msg.FIELD reads the value the row gives
// the field, on p's variables before the row.
func (g *pmlGen) observeSend(p int, m *spec.Message, r *spec.Row, i int) []string {
	match := func(h *spec.Handler) bool { return h.Message == m }
	if i >= len(r.SendFields) || r.SendFields[i] == nil || len(m.Letters) == 1 {
		return g.observe(p, spec.ObserveSend, match, m.Letters[0])
	}
	saved := g.msgVals
	g.msgVals = map[string]string{}
	defer func() { g.msgVals = saved }()
	for fi, f := range m.Fields {
		g.msgVals[f.Name] = g.guard(p, r.SendFields[i][fi])
	}
	return g.observe(p, spec.ObserveSend, match, nil)
}

// sentLetter is the code of the letter that peer p's row r sends as its
// i-th message: the code of its message's first letter plus each field's
// code times its stride, as the checker computes it (fieldStrides);
// constant fields are folded into the base.
func (g *pmlGen) sentLetter(p int, m *spec.Message, r *spec.Row, i int) string {
	if i >= len(r.SendFields) || r.SendFields[i] == nil || len(m.Letters) == 1 {
		return g.msgConst(m.Letters[0])
	}
	st := fieldStrides(m)
	at := 0
	var terms []string
	for fi, f := range m.Fields {
		x := r.SendFields[i][fi]
		if c, ok := x.(*spec.Const); ok {
			at += st[fi] * int(f.Encode(c.Val))
			continue
		}
		code := g.guard(p, x) // a bool is 0 or 1, an enum its index
		switch {
		case f.Kind == spec.Int && f.Min > 0:
			code = fmt.Sprintf("(%s - %d)", code, f.Min)
		case f.Kind == spec.Int && f.Min < 0:
			code = fmt.Sprintf("(%s + %d)", code, -f.Min)
		}
		if st[fi] != 1 {
			code = fmt.Sprintf("%s * %d", code, st[fi])
		}
		terms = append(terms, code)
	}
	if len(terms) == 0 {
		return g.msgConst(m.Letters[at])
	}
	return "(" + g.msgConst(m.Letters[at]) + " + " + strings.Join(terms, " + ") + ")"
}

// send is the statement with which peer p's row r sends its i-th message
// into channel q.
func (g *pmlGen) send(p, q int, m *spec.Message, r *spec.Row, i int) string {
	return fmt.Sprintf("send_%s(%s)", g.chanPrefix(q), g.sentLetter(p, m, r, i))
}
