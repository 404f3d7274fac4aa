package gen

import (
	"bytes"
	"fmt"
	"go/token"
	"path"
	"slices"
	"strings"
	"unicode"

	"github.com/fsmgen/fsmgen/spec"
)

// TLAModuleName is the name of the TLA+ module TLA renders for check c of
// s, and so the base name of its .tla and .cfg files: MACHINE_CHECK, or
// FILE_CHECK for a spec of several machines (FILE: the spec file's base
// name, made an identifier).
func TLAModuleName(s *spec.Spec, c *spec.Check) string {
	if s.Machine != nil {
		return s.Name + "_" + c.Name
	}
	base := strings.TrimSuffix(path.Base(s.File), path.Ext(s.File))
	id := []rune(base)
	for i, r := range id {
		if !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) && i > 0) {
			id[i] = '_'
		}
	}
	if len(id) == 0 {
		return "spec_" + c.Name
	}
	return string(id) + "_" + c.Name
}

// TLA renders check c of spec s as a TLA+ module and a TLC configuration,
// with the semantics of docs/semantics.md and the state variables of the
// Promela rendering, so that TLC's "distinct states found" equals fsmgen's
// distinct states:
//
//   - VARIABLES: per peer (functions over the peer names) the control
//     state, each machine variable, each timer (TRUE while armed) and the
//     remaining budgets of bounded calls; per inbox a sequence (ordered) or
//     a count per message kind (unordered). A timed check adds per timer
//     the ticks left until its deadline (0 while not armed, a field of the
//     snapshot record too) and, in a channel with a lifetime of more than
//     a tick, each message's age (below the lifetime): a sequence of
//     <<message, age>>, or a count per message kind and age;
//   - one operator per transition row, named after it (Row6_SYN_SENT_recv_SYN_ACK),
//     mapping a peer's snapshot record to the next one and the messages
//     sent; one operator per event dispatching over the table;
//   - one action per action instance (call, deliver, lose, duplicate,
//     timeout, and Tick in a timed check; a letter's deliveries, losses
//     and duplications at every age are one action, \E a); Next is their
//     disjunction;
//   - invariants as INVARIANTS; deadlock checking stays on, and when the
//     check declares terminal states, Done (Terminal /\ UNCHANGED vars) lets
//     a terminal state stutter, so only other deadlocks are reported;
//   - eventually goals as PROPERTIES []<>Goal under the goal's fairness:
//     WF or SF of every action class (call(p, c), deliver(p, m) or
//     deliver(p), timeout(p, t), tick; losses and duplications are never fair),
//     plus WF_vars(Next), since fsmgen's behaviours stop only in deadlocks.
//
// Only standard modules are used (Naturals or Integers, Sequences,
// FiniteSets, TLC).
func TLA(s *spec.Spec, c *spec.Check) (module, cfg []byte, err error) {
	if err := checkPeers(c); err != nil {
		return nil, nil, err
	}
	g := &tlaGen{s: s, c: c, used: map[string]bool{}, mi: map[*spec.Machine]*tlaMachine{}}
	for _, p := range c.Peers {
		g.mach = append(g.mach, p.Machine)
	}
	for _, m := range s.Machines {
		if slices.Contains(g.mach, m) {
			tm := &tlaMachine{m: m}
			g.ms = append(g.ms, tm)
			g.mi[m] = tm
		}
	}
	if len(g.ms) > 1 {
		for _, tm := range g.ms {
			tm.pre = tm.m.Name + "_"
		}
	}
	g.cur = g.ms[0]
	if err := g.names(); err != nil {
		return nil, nil, err
	}
	g.emit()
	return g.b.Bytes(), g.cfg.Bytes(), nil
}

type tlaGen struct {
	s      *spec.Spec
	c      *spec.Check
	b, cfg bytes.Buffer
	peer   []string // "client": the peers' names as TLA+ strings
	mach   []*spec.Machine
	ms     []*tlaMachine // the machines the peers run, each once, in spec order
	mi     map[*spec.Machine]*tlaMachine
	cur    *tlaMachine          // the machine whose rows and events are being written
	letter *spec.Letter         // the message received, while a receipt is written (msg.FIELD reads it)
	monID  map[*spec.Var]string // the TLA+ variable of each monitor variable
	inMon  bool                 // rendering a handler: monitor variables are fields of mv
	budget bool                 // some call has a bounded budget
	// replies: with more than two peers, when some machine replies, a
	// snapshot's replies (to a message's sender) are apart from its sends
	// and Apply is told the channel back; with two peers both go to the
	// other peer, and replies are sends.
	replies bool
	used    map[string]bool
	actions []tlaAction
	trunc   bool // some / or % needs Quot or Rem (set by needsIntegers)
}

// tlaMachine is what the module declares for one machine. When the peers
// run two different machines, its variables and operators carry its name
// (client_retry, Snap_client, Row0_client_IDLE_REQUEST, Ev_client_REQUEST)
// and its variables range over the peers that run it.
type tlaMachine struct {
	m       *spec.Machine
	pre     string   // "" when the peers run one machine, else "NAME_"
	varID   []string // TLA+ variable of each machine variable
	timerID []string // TLA+ variable of each timer
	// leftID is the TLA+ variable of each timer's ticks left until its
	// deadline, in a timed check (0 while the timer is not armed).
	leftID []string
}

// op names a per-machine operator: Snap, or Snap_client.
func (tm *tlaMachine) op(name string) string {
	if tm.pre == "" {
		return name
	}
	return name + "_" + tm.m.Name
}

// peersOf is the set of the peers that run tm's machine, in TLA+.
func (g *tlaGen) peersOf(tm *tlaMachine) string {
	if tm.pre == "" {
		return "Peers"
	}
	var ps []string
	for p := range g.mach {
		if g.mach[p] == tm.m {
			ps = append(ps, g.peerStr(p))
		}
	}
	return "{" + strings.Join(ps, ", ") + "}"
}

type tlaAction struct {
	name  string
	what  string
	class string // fairness class, or "" (losses and duplications)
}

// tlaKeywords are the reserved words of TLA+ (version 2, with those of
// the proof language): none can name a variable, an operator or a record
// field.
var tlaKeywords = strings.Fields(`ACTION ASSUME ASSUMPTION AXIOM BOOLEAN BY CASE CHOOSE CONSTANT CONSTANTS
	COROLLARY DEF DEFINE DEFS DOMAIN ELSE ENABLED EXCEPT EXTENDS FALSE HAVE HIDE IF IN INSTANCE LAMBDA LEMMA
	LET LOCAL MODULE NEW OBVIOUS OMITTED ONLY OTHER PICK PROOF PROPOSITION PROVE QED RECURSIVE SF_ STATE
	STRING SUBSET SUFFICES TAKE TEMPORAL THEN THEOREM TRUE UNCHANGED UNION USE VARIABLE VARIABLES WF_ WITH
	WITNESS`)

// tlaReserved are the TLA+ keywords and the names of the standard modules
// used.
var tlaReserved = append(strings.Fields(`Nat Int Seq Len Head Tail Append SubSeq SelectSeq Cardinality
	IsFiniteSet Print PrintT Assert JavaTime TLCGet TLCSet Permutations SortSeq RandomElement Any ToString
	TLCEval Min Quot Rem`), tlaKeywords...)

// tlaLabel reports whether name can label a record field ([name |-> e],
// r.name): an identifier that is no keyword and does not start with WF_ or
// SF_ (which lex as the fairness operators).
func tlaLabel(name string) bool {
	if strings.HasPrefix(name, "WF_") || strings.HasPrefix(name, "SF_") {
		return false
	}
	for _, k := range tlaKeywords {
		if name == k {
			return false
		}
	}
	return true
}

// tlaRecord renders a record with the given field names and values, or,
// when a name cannot label a field, the equal function built with TLC's
// :> and @@ over the names as strings.
func tlaRecord(names, values []string) string {
	var xs []string
	for i, n := range names {
		if !tlaLabel(n) {
			xs = nil
			for i, n := range names {
				xs = append(xs, fmt.Sprintf("%s :> %s", q(n), values[i]))
			}
			return "(" + strings.Join(xs, " @@ ") + ")"
		}
		xs = append(xs, fmt.Sprintf("%s |-> %s", n, values[i]))
	}
	return "[" + strings.Join(xs, ", ") + "]"
}

// tlaBound are the names the module binds after its VARIABLES (operator
// parameters, LET definitions, bound variables): a variable of the same
// name would be a multiply-defined symbol.
var tlaBound = strings.Fields(`p m c i k s s0 r box ms sq`)

// tlaTimedBound are the names a timed check's module binds or defines
// besides tlaBound's.
var tlaTimedBound = strings.Fields(`Tick a kept ages msg`)

// tlaOpPrefixes start the names of the module's per-peer, per-event and
// per-action operators.
var tlaOpPrefixes = strings.Fields(`Row Ev_ Inv_ Live_ Call_ Deliver_ Timeout_ Lose_ Duplicate_ Fairness_
	Size_ Fits_ SendTo_ WF_ SF_`)

// names picks the TLA+ variables of the machine's variables and timers:
// their own names, or var_NAME / timer_NAME where that would clash.
func (g *tlaGen) names() error {
	taken := map[string]bool{"state": true, "budget": true, "inbox": true, "vars": true, "Init": true,
		"Next": true, "Spec": true, "Done": true, "Terminal": true, "Peers": true, "Snap": true, "Apply": true,
		"Failed": true, "Rejected": true, "Recv": true, "States": true, "Msgs": true, "RemoveAt": true,
		"CopyAfter": true, "TypeOK": true, "FairSpec": true}
	for _, k := range append(append([]string(nil), tlaReserved...), tlaBound...) {
		taken[k] = true
	}
	prefixes := tlaOpPrefixes
	if len(g.ms) > 1 {
		// The per-machine operators: Snap_client, Apply_client, ...
		prefixes = append(slices.Clip(prefixes), "Snap_", "Apply_", "Recv_", "States_")
	}
	if g.c.Time != nil {
		// The tick, the per-channel operators of ages and their bound names.
		prefixes = append(slices.Clip(prefixes), "Sum_", "Aged_", "Young_", "Due_")
		for _, k := range tlaTimedBound {
			taken[k] = true
		}
	}
	pick := func(name, prefix string) string {
		clash := taken[name]
		for _, pre := range prefixes {
			clash = clash || strings.HasPrefix(name, pre)
		}
		if clash {
			name = prefix + name
		}
		taken[name] = true
		return name
	}
	seen := map[string]bool{}
	for _, tm := range g.ms {
		for _, v := range tm.m.Vars {
			tm.varID = append(tm.varID, pick(tm.pre+v.Name, "var_"))
			if v.Name == "state" || v.Name == "ok" || v.Name == "sends" {
				return fmt.Errorf("%s: tla: variable %s clashes with a field of the snapshot record", v.Pos, v.Name)
			}
		}
		for _, t := range tm.m.Timers {
			if t.Name == "state" || t.Name == "ok" || t.Name == "sends" {
				return fmt.Errorf("%s: tla: timer %s clashes with a field of the snapshot record", t.Pos, t.Name)
			}
		}
		for _, t := range tm.m.Timers {
			tm.timerID = append(tm.timerID, pick(tm.pre+t.Name, "timer_"))
		}
		if g.c.Time != nil {
			for _, t := range tm.m.Timers {
				tm.leftID = append(tm.leftID, pick(tm.pre+t.Name+"_left", "timer_"))
			}
		}
		for _, id := range append(append(append([]string(nil), tm.varID...), tm.timerID...), tm.leftID...) {
			if seen[id] {
				return fmt.Errorf("%s: tla: two variables render as %s", g.c.Pos, id)
			}
			seen[id] = true
		}
	}
	g.monID = map[*spec.Var]string{}
	for _, mon := range g.c.Monitors {
		for _, v := range mon.Vars {
			id := pick(mon.Name+"_"+v.Name, "mon_")
			if seen[id] {
				return fmt.Errorf("%s: tla: two variables render as %s", v.Pos, id)
			}
			seen[id] = true
			g.monID[v] = id
		}
	}
	for i, p := range g.c.Peers {
		g.replies = g.replies || len(g.c.Peers) > 2 && p.Machine.Replies()
		g.peer = append(g.peer, g.c.Peers[i].Name)
		for _, cb := range g.c.Peers[i].Calls {
			if cb.Budget != spec.Unbounded {
				g.budget = true
			}
		}
	}
	keys := map[string]*spec.Channel{}
	for ci, ch := range g.c.Channels {
		k := g.chanKey(ci)
		if prev, ok := keys[k]; ok {
			return fmt.Errorf("%s: tla: the channels %s and %s both render as %s", g.c.Pos, g.c.ChannelName(prev), g.c.ChannelName(ch), k)
		}
		keys[k] = ch
	}
	return nil
}

func (g *tlaGen) f(format string, args ...any) { fmt.Fprintf(&g.b, format, args...) }

// comment writes text as \* lines at indent.
func (g *tlaGen) comment(indent, text string) {
	for _, l := range wrapText(text, 96-len(indent)) {
		g.f("%s\\* %s\n", indent, l)
	}
}

func q(s string) string { return `"` + s + `"` }

// peerStr is peer p's name as a TLA+ string.
func (g *tlaGen) peerStr(p int) string { return q(g.peer[p]) }

// stateVars is every variable, in declaration order.
func (g *tlaGen) stateVars() []string {
	vs := []string{"state"}
	for _, tm := range g.ms {
		vs = append(vs, tm.varID...)
		vs = append(vs, tm.timerID...)
		vs = append(vs, tm.leftID...)
	}
	vs = append(vs, g.monIDs()...)
	if g.budget {
		vs = append(vs, "budget")
	}
	return append(vs, "inbox")
}

// peerVars are the variables of a peer of machine tm, which are also the
// fields of its snapshot record: a field is named as its variable, which
// no keyword names.
func (g *tlaGen) peerVars(tm *tlaMachine) []string {
	vars := []string{"state"}
	vars = append(vars, tm.varID...)
	vars = append(vars, tm.timerID...)
	return append(vars, tm.leftID...)
}

func (g *tlaGen) emit() {
	s, c := g.s, g.c
	name := TLAModuleName(s, c)
	head := fmt.Sprintf("---- MODULE %s ----", name)
	g.f("%s\n", head)
	g.f("\\* Code generated by fsmgen tla from %s, check %s; DO NOT EDIT.\n", s.File, c.Name)
	var machines []*spec.Machine
	for _, tm := range g.ms {
		machines = append(machines, tm.m)
	}
	for _, note := range docNotes(s, c, machines) {
		g.comment("", note)
	}
	switch {
	case len(g.peer) > 2:
		var runs []string
		for p := range g.peer {
			runs = append(runs, fmt.Sprintf("%s runs %s", g.peer[p], g.mach[p].Name))
		}
		g.comment("", fmt.Sprintf("%d peers (%s); a channel from each peer to each other one. The semantics is fsmgen's (docs/semantics.md), so TLC's distinct states equal fsmgen's; the variables are those of the Promela rendering.", len(g.peer), strings.Join(runs, ", ")))
	case len(g.ms) > 1:
		g.comment("", fmt.Sprintf("Peer %s runs machine %s and peer %s machine %s; each has an inbox for the messages the other sends it. The semantics is fsmgen's (docs/semantics.md), so TLC's distinct states equal fsmgen's; the variables are those of the Promela rendering.", g.peer[0], g.mach[0].Name, g.peer[1], g.mach[1].Name))
	default:
		g.comment("", "Two peers run the machine; each has an inbox for the messages the other sends it. The semantics is fsmgen's (docs/semantics.md), so TLC's distinct states equal fsmgen's; the variables are those of the Promela rendering.")
	}
	for _, note := range networkNotes(c, machines) {
		g.comment("", note)
	}
	num := "Naturals"
	if g.needsIntegers() {
		num = "Integers"
	}
	g.f("EXTENDS %s, Sequences, FiniteSets, TLC\n\n", num)

	// Constants of the machine.
	var ms []string
	for _, lt := range s.Letters {
		ms = append(ms, q(lt.String()))
	}
	var peerStrs []string
	for p := range g.peer {
		peerStrs = append(peerStrs, g.peerStr(p))
	}
	g.f("Peers == {%s}\n", strings.Join(peerStrs, ", "))
	for _, tm := range g.ms {
		var sts []string
		for _, st := range tm.m.States {
			sts = append(sts, q(st.Name))
		}
		g.f("%s == {%s}\n", tm.op("States"), strings.Join(sts, ", "))
	}
	g.f("Msgs == {%s}\n", strings.Join(ms, ", "))
	g.f("Min(a, b) == IF a < b THEN a ELSE b\n")
	if g.trunc {
		g.f("\\* Quot and Rem are fsmgen's / and %%, which truncate toward zero as Go's do;\n")
		g.f("\\* TLA+'s \\div and %% round toward minus infinity and want a positive divisor.\n")
		g.f("Quot(a, b) == LET q == (IF a < 0 THEN -a ELSE a) \\div (IF b < 0 THEN -b ELSE b)\n")
		g.f("              IN  IF (a < 0) = (b < 0) THEN q ELSE -q\n")
		g.f("Rem(a, b) == LET r == (IF a < 0 THEN -a ELSE a) %% (IF b < 0 THEN -b ELSE b)\n")
		g.f("             IN  IF a < 0 THEN -r ELSE r\n")
	}
	g.f("\n")

	g.f("VARIABLES\n")
	g.f("    state, \\* state[p]: peer p's control state\n")
	for _, tm := range g.ms {
		for i, v := range tm.m.Vars {
			doc := v.Doc
			if doc == "" {
				doc = "machine variable " + v.Name
			}
			g.f("    %s, \\* %s[p] (%s): %s\n", tm.varID[i], tm.varID[i], tlaDomain(v), oneLine(doc))
		}
		for i, t := range tm.m.Timers {
			g.f("    %s, \\* %s[p]: timer %s (%s) is armed\n", tm.timerID[i], tm.timerID[i], t.Name, t.AfterExpr)
		}
		for i, id := range tm.leftID {
			t := tm.m.Timers[i]
			g.f("    %s, \\* %s[p]: ticks until timer %s's deadline, at most %d; 0 while it is not armed\n", id, id, t.Name, c.Ticks(tm.m, t))
		}
	}
	for _, mon := range c.Monitors {
		for _, v := range mon.Vars {
			doc := v.Doc
			if doc == "" {
				doc = "variable " + v.Name
			}
			g.f("    %s, \\* monitor %s (%s): %s\n", g.monID[v], mon.Name, tlaDomain(v), oneLine(doc))
		}
	}
	if g.budget {
		g.f("    budget, \\* budget[p][c]: how many more times peer p may make call c (bounded calls only)\n")
	}
	if c.Time == nil {
		g.f("    inbox \\* inbox[k]: the messages in channel k (with two peers, k is the receiver): a sequence (ordered) or a count per kind (unordered)\n\n")
	} else {
		g.f("    inbox \\* inbox[k]: the messages in channel k (with two peers, k is the receiver): a sequence (ordered) or a count per kind (unordered); with a lifetime of more than a tick, a sequence of <<message, age>> or a count per kind and age\n\n")
	}
	g.f("vars == <<%s>>\n\n", strings.Join(g.stateVars(), ", "))

	// Init.
	g.f("Init ==\n")
	if len(g.ms) == 1 {
		g.f("    /\\ state = [p \\in Peers |-> %s]\n", q(g.ms[0].m.Initial.Name))
	} else {
		var inits []string
		for _, m := range g.mach {
			inits = append(inits, q(m.Initial.Name))
		}
		g.f("    /\\ state = %s\n", tlaRecord(g.peer, inits))
	}
	for _, tm := range g.ms {
		for i, v := range tm.m.Vars {
			g.f("    /\\ %s = [p \\in %s |-> %s]\n", tm.varID[i], g.peersOf(tm), tlaValue(v, v.Init))
		}
		for i := range tm.m.Timers {
			g.f("    /\\ %s = [p \\in %s |-> FALSE]\n", tm.timerID[i], g.peersOf(tm))
		}
		for _, id := range tm.leftID {
			g.f("    /\\ %s = [p \\in %s |-> 0]\n", id, g.peersOf(tm))
		}
	}
	if g.budget {
		var per []string
		for p := range g.peer {
			var calls, bs []string
			for _, cb := range c.Peers[p].Calls {
				if cb.Budget != spec.Unbounded {
					calls = append(calls, cb.Call.Name)
					bs = append(bs, fmt.Sprint(cb.Budget))
				}
			}
			rec := "[c \\in {} |-> 0]"
			if len(bs) > 0 {
				rec = tlaRecord(calls, bs)
			}
			per = append(per, rec)
		}
		g.f("    /\\ budget = %s\n", tlaRecord(g.peer, per))
	}
	var boxes, keys []string
	for ci, ch := range c.Channels {
		empty := "<<>>"
		switch {
		case ch.Order == spec.Unordered && ch.Ages() > 1:
			empty = fmt.Sprintf("[m \\in Msgs |-> [a \\in 0..%d |-> 0]]", ch.Ages()-1)
		case ch.Order == spec.Unordered:
			empty = "[m \\in Msgs |-> 0]"
		}
		boxes, keys = append(boxes, empty), append(keys, g.chanKey(ci))
	}
	for _, mon := range c.Monitors {
		for _, v := range mon.Vars {
			g.f("    /\\ %s = %s\n", g.monID[v], tlaValue(v, v.Init))
		}
	}
	g.f("    /\\ inbox = %s\n\n", tlaRecord(keys, boxes))

	// Inboxes.
	g.f("\\* Sending to a full inbox: drop discards the message, block disables the action.\n")
	g.f("RemoveAt(sq, i) == SubSeq(sq, 1, i - 1) \\o SubSeq(sq, i + 1, Len(sq))\n")
	g.f("CopyAfter(sq, i) == SubSeq(sq, 1, i) \\o <<sq[i]>> \\o SubSeq(sq, i + 1, Len(sq))\n")
	for ci := range c.Channels {
		g.emitInbox(ci)
	}

	// The machines: a snapshot record per peer.
	g.f("\\* A peer's snapshot, with ok (the event happened) and sends (what it sent, in order).\n")
	for _, tm := range g.ms {
		var snap []string
		for _, v := range g.peerVars(tm) {
			snap = append(snap, fmt.Sprintf("%s |-> %s[p]", v, v))
		}
		replies := ""
		if g.replies {
			replies = ", replies |-> <<>>"
		}
		g.f("%s(p) == [%s, ok |-> TRUE, sends |-> <<>>%s]\n", tm.op("Snap"), strings.Join(snap, ", "), replies)
	}
	g.f("\\* A failed call (a call row with an error) is not an action; nor is a rejected call.\n")
	g.f("Failed(s) == [s EXCEPT !.ok = FALSE]\n")
	g.f("Rejected(s) == [s EXCEPT !.ok = FALSE]\n\n")
	for _, tm := range g.ms {
		g.cur = tm
		if len(g.ms) > 1 {
			g.f("\\* Machine %s.\n\n", tm.m.Name)
		}
		for _, r := range tm.m.Rows {
			if !r.ReadsMsg() {
				g.emitRow(r)
				continue
			}
			for _, e := range r.On { // one operator per letter the row may receive
				for _, lt := range e.Message.Letters {
					g.letter = lt
					g.emitRow(r)
				}
			}
			g.letter = nil
		}
		for _, in := range tm.m.Inputs {
			g.emitEvent(in)
		}
		ordered := false
		for _, ch := range c.Channels {
			ordered = ordered || g.mach[ch.To] == tm.m && ch.Order == spec.Ordered
		}
		if len(s.Messages) > 0 && ordered {
			var arms []string
			for _, lt := range s.Letters {
				arms = append(arms, fmt.Sprintf("m = %s -> %s(s)", q(lt.String()), g.evOp(tm.m.LetterInput(lt))))
			}
			g.f("%s(m, s) ==\n    CASE %s\n\n", tm.op("Recv"), strings.Join(arms, "\n      [] "))
		}
	}

	g.emitMonitors()

	// Apply an outcome to the system.
	g.f("\\* Apply(p, r, box): peer p's outcome r takes effect; box is the inboxes after the\n")
	g.f("\\* action's own change (a delivery's removal). r's sends go to the channels to the peers p sends to.\n")
	if g.replies {
		g.f("\\* r's replies go to the channel back, the one from p to the sender of the message received.\n")
	}
	for _, tm := range g.ms {
		g.f("%s(p, r, box%s%s) ==\n    /\\ r.ok\n", tm.op("Apply"), g.back("back"), g.mv("mv"))
		if len(g.peer) == 2 {
			g.f("    /\\ IF p = %s THEN Fits_%s(box[%s], r.sends) ELSE Fits_%s(box[%s], r.sends)\n", g.peerStr(0), g.peer[1], g.peerStr(1), g.peer[0], g.peerStr(0))
		} else {
			var arms []string
			for p := range g.peer {
				var fits []string
				for _, ci := range g.dests(p) {
					fits = append(fits, fmt.Sprintf("Fits_%s(box[%s], r.sends)", g.chanKey(ci), q(g.chanKey(ci))))
				}
				arms = append(arms, fmt.Sprintf("p = %s -> %s", g.peerStr(p), tlaLogic.all(fits...)))
			}
			g.f("    /\\ CASE %s\n", strings.Join(arms, "\n         [] "))
		}
		for _, v := range g.peerVars(tm) {
			g.f("    /\\ %s' = [%s EXCEPT ![p] = r.%s]\n", v, v, v)
		}
		var others []string
		for _, o := range g.ms {
			if o != tm {
				others = append(others, o.varID...)
				others = append(others, o.timerID...)
				others = append(others, o.leftID...)
			}
		}
		if len(others) > 0 {
			g.f("    /\\ UNCHANGED <<%s>>\n", strings.Join(others, ", "))
		}
		if ids := g.monIDs(); len(ids) > 0 {
			sent := "r.sends"
			if g.replies {
				sent = "r.sends \\o r.replies"
			}
			g.f("    /\\ LET mv2 == EnterObs(p, SendObs(p, mv, %s), state[p], r.state) IN\n", sent)
			for _, id := range ids {
				g.f("       /\\ %s' = mv2.%s\n", id, id)
			}
		}
		if len(g.peer) == 2 {
			g.f("    /\\ inbox' = IF p = %s THEN [box EXCEPT ![%s] = SendTo_%s(@, r.sends)]\n", g.peerStr(0), g.peerStr(1), g.peer[1])
			g.f("                        ELSE [box EXCEPT ![%s] = SendTo_%s(@, r.sends)]\n\n", g.peerStr(0), g.peer[0])
		} else {
			var arms []string
			for p := range g.peer {
				var ex []string
				for _, ci := range g.dests(p) {
					ex = append(ex, fmt.Sprintf("![%s] = SendTo_%s(@, r.sends)", q(g.chanKey(ci)), g.chanKey(ci)))
				}
				next := "box"
				if len(ex) > 0 {
					next = "[box EXCEPT " + strings.Join(ex, ", ") + "]"
				}
				arms = append(arms, fmt.Sprintf("p = %s -> %s", g.peerStr(p), next))
			}
			if !g.replies {
				g.f("    /\\ inbox' = CASE %s\n\n", strings.Join(arms, "\n                 [] "))
				continue
			}
			var fits, puts []string
			for ci, ch := range g.c.Channels {
				if !g.c.Unused(ch) {
					k := g.chanKey(ci)
					fits = append(fits, fmt.Sprintf("back = %s -> Fits_%s(sent[%s], r.replies)", q(k), k, q(k)))
					puts = append(puts, fmt.Sprintf("back = %s -> [sent EXCEPT ![%s] = SendTo_%s(@, r.replies)]", q(k), q(k), k))
				}
			}
			g.f("    /\\ LET sent == CASE %s\n       IN\n", strings.Join(arms, "\n                      [] "))
			g.f("       /\\ r.replies = <<>> \\/ CASE %s\n", strings.Join(fits, "\n                                  [] "))
			g.f("       /\\ inbox' = IF r.replies = <<>> THEN sent\n                   ELSE CASE %s\n\n", strings.Join(puts, "\n                          [] "))
		}
	}

	// Actions.
	g.emitActions()

	// Terminal, Next, Spec.
	var next []string
	for _, a := range g.actions {
		next = append(next, a.name)
	}
	if c.Terminal != nil {
		g.f("\\* terminal: %s\n", oneLine(c.Terminal.String()))
		g.f("Terminal == %s\n\n", g.prop(c.Terminal))
		g.f("\\* A terminal state may stutter, so that TLC reports only the other deadlocks.\n")
		g.f("Done == Terminal /\\ UNCHANGED vars\n\n")
		next = append(next, "Done")
	}
	if len(next) == 0 {
		next = []string{"FALSE"}
	}
	g.f("Next ==\n    \\/ %s\n\n", strings.Join(next, "\n    \\/ "))
	g.f("Spec == Init /\\ [][Next]_vars\n\n")

	// Properties.
	g.emitTypeOK()
	for _, inv := range c.Invariants {
		g.f("\\* %s\n", oneLine(inv.Source))
		g.f("Inv_%s == %s\n\n", propID(inv.Name), g.prop(inv.Expr))
	}
	fair := map[spec.Fairness]bool{}
	for _, l := range c.Eventually {
		fair[l.Fairness] = true
	}
	for _, fn := range []spec.Fairness{spec.NoFairness, spec.WeakFairness, spec.StrongFairness} {
		if fair[fn] {
			g.emitFairness(fn)
		}
	}
	specName := "Spec"
	if len(fair) == 1 {
		for fn := range fair {
			specName = "FairSpec"
			g.f("\\* Every goal of this check is under %s fairness.\n", fn)
			g.f("FairSpec == Spec /\\ Fairness_%s\n\n", fn)
		}
	}
	for _, l := range c.Eventually {
		g.f("\\* eventually %s: %s, fairness %s\n", l.Name, oneLine(l.Source), l.Fairness)
		if specName == "FairSpec" {
			g.f("Live_%s == []<>(%s)\n\n", propID(l.Name), g.prop(l.Goal))
		} else {
			g.f("Live_%s == Fairness_%s => []<>(%s)\n\n", propID(l.Name), l.Fairness, g.prop(l.Goal))
		}
	}
	g.f("%s\n", strings.Repeat("=", len(head)))

	// The TLC configuration.
	fmt.Fprintf(&g.cfg, "\\* Code generated by fsmgen tla from %s, check %s; DO NOT EDIT.\n", s.File, c.Name)
	fmt.Fprintf(&g.cfg, "\\* java -cp tla2tools.jar tlc2.TLC -config %s.cfg %s.tla\n", name, name)
	fmt.Fprintf(&g.cfg, "SPECIFICATION %s\n", specName)
	g.cfg.WriteString("INVARIANTS\n    TypeOK\n")
	for _, inv := range c.Invariants {
		fmt.Fprintf(&g.cfg, "    Inv_%s\n", propID(inv.Name))
	}
	if len(c.Eventually) > 0 {
		g.cfg.WriteString("PROPERTIES\n")
		for _, l := range c.Eventually {
			fmt.Fprintf(&g.cfg, "    Live_%s\n", propID(l.Name))
		}
	}
}

// needsIntegers reports whether the module needs Integers rather than
// Naturals (some value can be negative); it sets g.trunc on the way.
func (g *tlaGen) needsIntegers() bool {
	neg := false
	for _, tm := range g.ms {
		for _, v := range tm.m.Vars {
			if v.Kind == spec.Int && v.Min < 0 {
				neg = true
			}
		}
	}
	visit := func(e spec.Expr) {
		spec.Walk(e, func(x spec.Expr) {
			if u, ok := x.(*spec.Unary); ok && u.Op == token.SUB {
				neg = true
			}
			if k, ok := x.(*spec.Const); ok && k.Val < 0 {
				neg = true
			}
			if b, ok := x.(*spec.Binary); ok && b.Op == token.SUB {
				neg = true
			}
			if b, ok := x.(*spec.Binary); ok && (b.Op == token.QUO || b.Op == token.REM) && !g.floorIsTrunc(b) {
				neg, g.trunc = true, true
			}
		})
	}
	for _, tm := range g.ms {
		for _, r := range tm.m.Rows {
			visit(r.Guard)
			for _, a := range r.Set {
				visit(a.Value)
			}
		}
	}
	for _, inv := range g.c.Invariants {
		visit(inv.Expr)
	}
	for _, l := range g.c.Eventually {
		visit(l.Goal)
	}
	visit(g.c.Terminal)
	return neg
}

func tlaDomain(v *spec.Var) string {
	switch v.Kind {
	case spec.Bool:
		return "BOOLEAN"
	case spec.Enum:
		var xs []string
		for _, x := range v.Values {
			xs = append(xs, q(x))
		}
		return "{" + strings.Join(xs, ", ") + "}"
	}
	return fmt.Sprintf("%d..%d", v.Min, v.Max)
}

// tlaValue renders a decoded value of v.
func tlaValue(v *spec.Var, val int) string {
	switch v.Kind {
	case spec.Bool:
		if val != 0 {
			return "TRUE"
		}
		return "FALSE"
	case spec.Enum:
		return q(v.Values[val])
	}
	if val < 0 {
		return fmt.Sprintf("(%d)", val)
	}
	return fmt.Sprint(val)
}

// chanKey names channel ci: the key of its inbox in inbox and the suffix
// of its operators (Size_, Fits_, SendTo_): the receiving peer's name in a
// two-peer check, else TO_from_FROM.
func (g *tlaGen) chanKey(ci int) string {
	ch := g.c.Channels[ci]
	if len(g.peer) == 2 {
		return g.peer[ch.To]
	}
	return g.peer[ch.To] + "_from_" + g.peer[ch.From]
}

// dests are the channels peer p's sends go into.
func (g *tlaGen) dests(p int) []int {
	var out []int
	for _, to := range g.c.Peers[p].SendsTo {
		out = append(out, g.c.Between(p, to.Index).Index)
	}
	return out
}

// box is channel ci's inbox in TLA+: inbox["server"].
func (g *tlaGen) box(ci int) string { return fmt.Sprintf("inbox[%s]", q(g.chanKey(ci))) }

// emitInbox writes Size_, Fits_ and SendTo_ for channel p's inbox.
func (g *tlaGen) emitInbox(p int) {
	ch, pn := g.c.Channels[p], g.chanKey(p)
	aged := ch.Ages() > 1
	size := "Len(box)"
	if aged && ch.Order == spec.Unordered {
		var xs []string
		for age := range ch.Ages() {
			xs = append(xs, fmt.Sprintf("ages[%d]", age))
		}
		g.f("\\* The messages of one kind, of every age.\n")
		g.f("Sum_%s(ages) == %s\n", pn, strings.Join(xs, " + "))
	}
	if ch.Order == spec.Unordered {
		var xs []string
		for _, lt := range g.s.Letters {
			if aged {
				xs = append(xs, fmt.Sprintf("Sum_%s(box[%s])", pn, q(lt.String())))
				continue
			}
			xs = append(xs, fmt.Sprintf("box[%s]", q(lt.String())))
		}
		if len(xs) == 0 {
			xs = []string{"0"}
		}
		size = strings.Join(xs, " + ")
		g.f("Size_%s(box) == %s\n", pn, size)
		size = fmt.Sprintf("Size_%s(box)", pn)
	} else {
		g.f("Size_%s(box) == Len(box)\n", pn)
	}
	if ch.Full == spec.BlockWhenFull {
		g.f("Fits_%s(box, ms) == Size_%s(box) + Len(ms) =< %d\n", pn, pn, ch.Capacity)
	} else {
		g.f("Fits_%s(box, ms) == TRUE\n", pn)
	}
	// Sends happen in order; once the inbox is full the rest are dropped,
	// so what arrives is the longest prefix that fits.
	switch {
	case !aged && ch.Order == spec.Ordered:
		g.f("SendTo_%s(box, ms) == box \\o SubSeq(ms, 1, Min(Len(ms), %d - %s))\n\n", pn, ch.Capacity, size)
	case !aged:
		g.f("SendTo_%s(box, ms) ==\n    LET k == Min(Len(ms), %d - %s)\n    IN [m \\in Msgs |-> box[m] + Cardinality({i \\in 1..k : ms[i] = m})]\n\n", pn, ch.Capacity, size)
	case ch.Order == spec.Ordered:
		// A message is sent at age 0; a tick ages every message, and a
		// lossy channel loses those of the last age (a lossless one holds
		// none then: they are Due_).
		last := ch.Ages() - 1
		g.f("SendTo_%s(box, ms) == box \\o [i \\in 1..Min(Len(ms), %d - %s) |-> <<ms[i], 0>>]\n", pn, ch.Capacity, size)
		if ch.Loss {
			g.f("Young_%s(msg) == msg[2] < %d\n", pn, last)
			g.f("Aged_%s(box) ==\n    LET kept == SelectSeq(box, Young_%s)\n    IN [i \\in 1..Len(kept) |-> <<kept[i][1], kept[i][2] + 1>>]\n", pn, pn)
		} else {
			g.f("Due_%s(box) == \\E i \\in 1..Len(box) : box[i][2] = %d\n", pn, last)
			g.f("Aged_%s(box) == [i \\in 1..Len(box) |-> <<box[i][1], box[i][2] + 1>>]\n", pn)
		}
		g.f("\n")
	default:
		last := ch.Ages() - 1
		g.f("SendTo_%s(box, ms) ==\n    LET k == Min(Len(ms), %d - %s)\n    IN [m \\in Msgs |-> [box[m] EXCEPT ![0] = @ + Cardinality({i \\in 1..k : ms[i] = m})]]\n", pn, ch.Capacity, size)
		if !ch.Loss {
			g.f("Due_%s(box) == \\E m \\in Msgs : box[m][%d] > 0\n", pn, last)
		}
		g.f("Aged_%s(box) == [m \\in Msgs |-> [a \\in 0..%d |-> IF a = 0 THEN 0 ELSE box[m][a - 1]]]\n\n", pn, last)
	}
}

// rowOp is the operator name of row r of tm's machine.
func rowOp(tm *tlaMachine, r *spec.Row) string {
	s := tm.m
	from := "any"
	switch {
	case len(r.From) == 1:
		from = r.From[0].Name
	case len(r.From) < len(s.States):
		from = r.From[0].Name + "_etc"
	}
	on := strings.ReplaceAll(r.On[0].String(), " ", "_")
	if len(r.On) > 1 {
		on += "_etc"
	}
	return fmt.Sprintf("Row%d_%s%s_%s", r.Index, tm.pre, from, on)
}

// evOp names the dispatch of input in for the machine being written (g.cur).
func (g *tlaGen) evOp(in *spec.Input) string { return g.evOpOf(g.cur, in) }

func (g *tlaGen) evOpOf(tm *tlaMachine, in *spec.Input) string {
	return "Ev_" + tm.pre + inputID(in)
}

// rowOpFor names the operator of row r for letter lt: a row that reads
// the received message has one per letter (named by the message too when
// the row receives several).
func (g *tlaGen) rowOpFor(tm *tlaMachine, r *spec.Row, lt *spec.Letter) string {
	if lt == nil || !r.ReadsMsg() {
		return rowOp(tm, r)
	}
	if len(r.On) > 1 {
		return rowOp(tm, r) + "_" + letterID(lt)
	}
	return rowOp(tm, r) + strings.TrimPrefix(letterID(lt), lt.Message.Name)
}

// emitRow writes row r as an operator from a snapshot s (the old values)
// to the next snapshot.
func (g *tlaGen) emitRow(r *spec.Row) {
	tm := g.cur
	s := tm.m
	g.f("\\* %s: %s\n", rowRef(r), oneLine(rowLine(s, r)))
	if r.Doc != "" {
		g.comment("", r.Doc)
	}
	if r.Error != "" {
		g.f("\\* error: %s\n", oneLine(r.Error))
	}
	var ex []string
	for _, a := range r.Set {
		ex = append(ex, fmt.Sprintf("!.%s = %s", tm.varID[a.Var.Index], g.guard(a.Value)))
	}
	armed := map[*spec.Timer]bool{}
	for _, t := range append(append([]*spec.Timer(nil), r.Start...), r.Restart...) {
		armed[t] = true
	}
	for _, t := range s.Timers {
		if armed[t] {
			ex = append(ex, fmt.Sprintf("!.%s = TRUE", tm.timerID[t.Index]))
		} else {
			for _, x := range r.Stop {
				if x == t {
					ex = append(ex, fmt.Sprintf("!.%s = FALSE", tm.timerID[t.Index]))
				}
			}
		}
		if g.c.Time == nil {
			continue
		}
		// A start leaves a timer that was armed before the row alone.
		switch rowTimer(r, t) {
		case timerStopped:
			ex = append(ex, fmt.Sprintf("!.%s = 0", tm.leftID[t.Index]))
		case timerStarted:
			ex = append(ex, fmt.Sprintf("!.%s = IF s.%s THEN @ ELSE %d", tm.leftID[t.Index], tm.timerID[t.Index], g.c.Ticks(s, t)))
		case timerRestarted:
			ex = append(ex, fmt.Sprintf("!.%s = %d", tm.leftID[t.Index], g.c.Ticks(s, t)))
		}
	}
	if r.To != nil {
		ex = append(ex, fmt.Sprintf("!.state = %s", q(r.To.Name)))
	}
	var ms, rs []string
	for i, m := range r.Send {
		if g.replies && i >= len(r.Sent()) {
			rs = append(rs, g.sendValue(m, r, i))
		} else {
			ms = append(ms, g.sendValue(m, r, i))
		}
	}
	if len(ms) > 0 {
		ex = append(ex, fmt.Sprintf("!.sends = <<%s>>", strings.Join(ms, ", ")))
	}
	if len(rs) > 0 {
		ex = append(ex, fmt.Sprintf("!.replies = <<%s>>", strings.Join(rs, ", ")))
	}
	op := g.rowOpFor(tm, r, g.letter)
	if len(ex) == 0 {
		g.f("%s(s) == s\n\n", op)
		return
	}
	g.f("%s(s) ==\n    [s EXCEPT %s]\n\n", op, strings.Join(ex, ",\n              "))
}

// sendValue is the i-th message row r sends: its letter, chosen by CASE
// over the message's letters when the field values depend on variables.
func (g *tlaGen) sendValue(m *spec.Message, r *spec.Row, i int) string {
	if i >= len(r.SendFields) || r.SendFields[i] == nil || len(m.Letters) == 1 {
		return q(m.Letters[0].String())
	}
	var arms []string
	for k, lt := range m.Letters {
		var conds []string
		for fi, f := range m.Fields {
			conds = append(conds, fmt.Sprintf("%s = %s", g.guard(r.SendFields[i][fi]), tlaValue(f, lt.Values[fi])))
		}
		cond := tlaLogic.all(conds...)
		if k == len(m.Letters)-1 {
			cond = "OTHER" // the field values are in range: the last letter is what is left
		}
		arms = append(arms, fmt.Sprintf("%s -> %s", cond, q(lt.String())))
	}
	return "(CASE " + strings.Join(arms, " [] ") + ")"
}

// emitEvent writes the dispatch of ev over the table: the row that fires,
// or the unhandled policy. A timer's expiry disarms it first.
func (g *tlaGen) emitEvent(in *spec.Input) {
	tm, ev := g.cur, in.Event
	s := tm.m
	g.letter = in.Letter
	defer func() { g.letter = nil }()
	g.f("\\* %s\n", in)
	var arms []string
	for _, d := range eventDispatch(s, ev) {
		r := d.row
		cond := g.stateIn(d.states)
		if r.Guard != nil {
			cond = tlaLogic.all(cond, g.guard(r.Guard))
		}
		call := g.rowOpFor(tm, r, in.Letter) + "(s)"
		if failedCall(ev, r) {
			call = "Failed(" + call + ")"
		}
		arms = append(arms, fmt.Sprintf("%s -> %s", cond, call))
	}
	var other string
	switch ev.Kind {
	case spec.CallEvent:
		if s.Unhandled.Calls == spec.IgnoreCall {
			other = "s \\* unhandled: ignored"
		} else {
			other = "Rejected(s) \\* unhandled: rejected"
		}
	case spec.MessageEvent:
		if rs := unhandledSends(s, ev); len(rs) > 0 {
			field := "sends"
			if g.replies {
				field = "replies"
			}
			other = fmt.Sprintf("[s EXCEPT !.%s = <<%s>>] \\* unhandled: reply", field, q(rs[0].Letters[0].String()))
		} else {
			other = "s \\* unhandled: dropped"
		}
	case spec.TimerEvent:
		other = "s \\* unhandled: the timer was disarmed"
	}
	body := other
	if len(arms) > 0 {
		body = "CASE " + strings.Join(arms, "\n      [] ") + "\n      [] OTHER -> " + other
	}
	if ev.Kind == spec.TimerEvent {
		left := ""
		if g.c.Time != nil {
			left = fmt.Sprintf(", !.%s = 0", tm.leftID[ev.Timer.Index])
		}
		g.f("%s(s0) ==\n    LET s == [s0 EXCEPT !.%s = FALSE%s] \\* a timer that fired is no longer running\n    IN %s\n\n",
			g.evOp(in), tm.timerID[ev.Timer.Index], left, strings.ReplaceAll(body, "\n", "\n   "))
		return
	}
	g.f("%s(s) ==\n    %s\n\n", g.evOp(in), body)
}

func (g *tlaGen) stateIn(sts []*spec.State) string {
	switch {
	case len(sts) == len(g.cur.m.States):
		return "TRUE"
	case len(sts) == 1:
		return fmt.Sprintf("s.state = %s", q(sts[0].Name))
	}
	var xs []string
	for _, st := range sts {
		xs = append(xs, q(st.Name))
	}
	return fmt.Sprintf("s.state \\in {%s}", strings.Join(xs, ", "))
}

// emitActions writes one action per action instance, in the checker's
// order: calls, deliveries, timeouts, then the adversary.
func (g *tlaGen) emitActions() {
	c := g.c
	add := func(name, what, class, body string) {
		g.f("\\* %s\n%s ==\n%s\n\n", what, name, body)
		g.actions = append(g.actions, tlaAction{name: name, what: what, class: class})
	}
	unchanged := func(xs ...string) string {
		if len(xs) == 1 {
			return "UNCHANGED " + xs[0]
		}
		return "UNCHANGED <<" + strings.Join(xs, ", ") + ">>"
	}
	keepBudget := ""
	if g.budget {
		keepBudget = "\n    /\\ " + unchanged("budget")
	}
	idle := ""
	if c.Timeouts == spec.IdleTimeout && c.Time == nil {
		var xs []string
		for ci := range c.Channels {
			xs = append(xs, fmt.Sprintf("Size_%s(%s) = 0", g.chanKey(ci), g.box(ci)))
		}
		idle = "\n    /\\ " + strings.Join(xs, " /\\ ") + " \\* timeouts: idle"
	}
	vs := g.stateVars()
	keep := vs[:len(vs)-1] // all but the inboxes
	for _, sa := range c.Actions() {
		if sa.Kind == spec.TickAction {
			add("Tick", "tick: time passes by one tick", sa.Class, g.tickBody())
			continue
		}
		p, lt, ch := sa.Peer.Index, sa.Letter, sa.Channel
		ps, tm := g.peerStr(p), g.mi[g.mach[p]]
		ck, bx, at := "", "", ""
		if ch != nil {
			ck, bx, at = g.chanKey(ch.Index), q(g.chanKey(ch.Index)), c.ChannelName(ch)
		}
		// In an unordered channel whose messages age, one action covers a
		// letter's every age (∃ a): the ages of a letter are one fairness
		// class, and one action per class keeps one WF or SF per class.
		kind, anyAge := "", func(body string) string { return body }
		if lt != nil {
			kind = "[" + q(lt.String()) + "]"
			if ch.Ages() > 1 {
				if sa.Age > 0 {
					continue
				}
				kind += "[a]"
				anyAge = func(body string) string {
					return fmt.Sprintf("    \\E a \\in 0..%d :\n    ", ch.Ages()-1) + strings.ReplaceAll(body, "\n", "\n    ")
				}
			}
		}
		head := ""
		if ch != nil && ch.Ages() > 1 {
			head = "[1]" // an ordered channel holds <<letter, age>>
		}
		apply, snap := tm.op("Apply"), tm.op("Snap")
		switch sa.Kind {
		case spec.CallAction:
			cb := sa.Call
			name := fmt.Sprintf("Call_%s_%s", g.peer[p], cb.Call.Name)
			ev := g.evOpOf(tm, sa.Input)
			mv := g.mv(g.observe(p, spec.ObserveCall, func(h *spec.Handler) bool { return h.Call == cb.Call }, nil, g.monRec()))
			var body string
			if cb.Budget != spec.Unbounded {
				body = fmt.Sprintf("    /\\ budget[%s][%q] > 0\n    /\\ %s(%s, %s(%s(%s)), inbox%s)\n    /\\ budget' = [budget EXCEPT ![%s][%q] = @ - 1]",
					ps, cb.Call.Name, apply, ps, ev, snap, ps, g.back(`"none"`)+mv, ps, cb.Call.Name)
			} else {
				body = fmt.Sprintf("    /\\ %s(%s, %s(%s(%s)), inbox%s)", apply, ps, ev, snap, ps, g.back(`"none"`)+mv)
				if g.budget {
					body += "\n    /\\ " + unchanged("budget")
				}
			}
			add(name, sa.Class, sa.Class, body)
		case spec.DeliverAction:
			if lt == nil { // ordered: the head
				add("Deliver_"+ck, sa.Class+": the head of the inbox", sa.Class,
					fmt.Sprintf("    /\\ inbox[%s] # <<>>\n    /\\ %s(%s, %s(Head(inbox[%s])%s, %s(%s)), [inbox EXCEPT ![%s] = Tail(@)]%s)%s",
						bx, apply, ps, tm.op("Recv"), bx, head, snap, ps, bx, g.back(q(g.chanKey(sa.Reply.Index)))+g.mv(fmt.Sprintf("RecvObs(%s, Head(inbox[%s])%s, %s)", ps, bx, head, g.monRec())), keepBudget))
				break
			}
			mv := g.mv(g.observe(p, spec.ObserveRecv, func(h *spec.Handler) bool { return h.Message == lt.Message }, lt, g.monRec()))
			add(fmt.Sprintf("Deliver_%s_%s", ck, letterID(lt)), sa.Class+anyAgeNote(ch), sa.Class,
				anyAge(fmt.Sprintf("    /\\ inbox[%s]%s > 0\n    /\\ %s(%s, %s(%s(%s)), [inbox EXCEPT ![%s]%s = @ - 1]%s)%s",
					bx, kind, apply, ps, g.evOpOf(tm, sa.Input), snap, ps, bx, kind, g.back(q(g.chanKey(sa.Reply.Index)))+mv, keepBudget)))
		case spec.TimeoutAction:
			t := sa.Timer
			idle := idle
			if c.Time != nil { // at its deadline, or within its early window
				idle = "\n    /\\ " + due(fmt.Sprintf("%s[%s]", tm.leftID[t.Index], ps), c.EarlyTicks(tm.m, t), "=", "=<")
			}
			add(fmt.Sprintf("Timeout_%s_%s", g.peer[p], t.Name), sa.Class, sa.Class,
				fmt.Sprintf("    /\\ %s[%s]%s\n    /\\ %s(%s, %s(%s(%s)), inbox%s)%s",
					tm.timerID[t.Index], ps, idle, apply, ps, g.evOpOf(tm, sa.Input), snap, ps, g.back(`"none"`)+g.mv(g.monRec()), keepBudget))
		case spec.LoseAction:
			if lt == nil {
				i := sa.Slot
				add(fmt.Sprintf("Lose_%s_%d", ck, i), fmt.Sprintf("lose(%s, %d)", at, i), "",
					fmt.Sprintf("    /\\ Len(inbox[%s]) > %d\n    /\\ inbox' = [inbox EXCEPT ![%s] = RemoveAt(@, %d)]\n    /\\ %s",
						bx, i, bx, i+1, unchanged(keep...)))
				break
			}
			add(fmt.Sprintf("Lose_%s_%s", ck, letterID(lt)), fmt.Sprintf("lose(%s, %s)", at, lt)+anyAgeNote(ch), "",
				anyAge(fmt.Sprintf("    /\\ inbox[%s]%s > 0\n    /\\ inbox' = [inbox EXCEPT ![%s]%s = @ - 1]\n    /\\ %s",
					bx, kind, bx, kind, unchanged(keep...))))
		case spec.DuplicateAction:
			if lt == nil {
				i := sa.Slot
				add(fmt.Sprintf("Duplicate_%s_%d", ck, i), fmt.Sprintf("duplicate(%s, %d)", at, i), "",
					fmt.Sprintf("    /\\ Len(inbox[%s]) > %d /\\ Len(inbox[%s]) < %d\n    /\\ inbox' = [inbox EXCEPT ![%s] = CopyAfter(@, %d)]\n    /\\ %s",
						bx, i, bx, ch.Capacity, bx, i+1, unchanged(keep...)))
				break
			}
			add(fmt.Sprintf("Duplicate_%s_%s", ck, letterID(lt)), fmt.Sprintf("duplicate(%s, %s)", at, lt)+anyAgeNote(ch), "",
				anyAge(fmt.Sprintf("    /\\ inbox[%s]%s > 0 /\\ Size_%s(inbox[%s]) < %d\n    /\\ inbox' = [inbox EXCEPT ![%s]%s = @ + 1]\n    /\\ %s",
					bx, kind, ck, bx, ch.Capacity, bx, kind, unchanged(keep...))))
		}
	}
}

// anyAgeNote says, in an action's comment, that it covers every age of a
// letter in channel ch, when ch's messages age.
func anyAgeNote(ch *spec.Channel) string {
	if ch.Ages() == 1 {
		return ""
	}
	return ", of any age"
}

// tickBody is the tick of a timed check: enabled when no armed timer's
// deadline has come, no lossless channel holds a message of its last age
// (Due_, or any message when a lifetime is one tick), and something ages
// (a timer is armed or a channel with a lifetime holds a message); every
// armed timer's deadline comes a tick nearer, and the messages in channels
// with a lifetime age (Aged_; with a lifetime of one tick a lossy channel
// loses them all).
func (g *tlaGen) tickBody() string {
	var due, ages, parts, lefts []string
	for _, tm := range g.ms {
		for i := range tm.m.Timers {
			armed, left, ps := tm.timerID[i], tm.leftID[i], g.peersOf(tm)
			due = append(due, fmt.Sprintf("\\A p \\in %s : %s[p] => %s[p] > 0", ps, armed, left))
			ages = append(ages, fmt.Sprintf("\\E p \\in %s : %s[p]", ps, armed))
			parts = append(parts, fmt.Sprintf("%s' = [p \\in %s |-> IF %s[p] THEN %s[p] - 1 ELSE 0]", left, ps, armed, left))
			lefts = append(lefts, left)
		}
	}
	var aged []string
	for ci, ch := range g.c.Channels {
		if ch.Lifetime == 0 {
			continue
		}
		k, bx := g.chanKey(ci), g.box(ci)
		switch {
		case ch.Ages() > 1:
			if !ch.Loss {
				due = append(due, fmt.Sprintf("~Due_%s(%s)", k, bx))
			}
			aged = append(aged, fmt.Sprintf("![%s] = Aged_%s(@)", q(k), k))
		case !ch.Loss: // every message has the last age
			due = append(due, fmt.Sprintf("Size_%s(%s) = 0", k, bx))
			continue
		case ch.Order == spec.Ordered: // lossy: every message is lost
			aged = append(aged, fmt.Sprintf("![%s] = <<>>", q(k)))
		default:
			aged = append(aged, fmt.Sprintf("![%s] = [m \\in Msgs |-> 0]", q(k)))
		}
		ages = append(ages, fmt.Sprintf("Size_%s(%s) > 0", k, bx))
	}
	if len(aged) > 0 {
		parts = append(parts, "inbox' = [inbox EXCEPT "+strings.Join(aged, ", ")+"]")
		lefts = append(lefts, "inbox")
	}
	var keep []string
	for _, v := range g.stateVars() {
		if !slices.Contains(lefts, v) {
			keep = append(keep, v)
		}
	}
	if len(keep) == 1 {
		parts = append(parts, "UNCHANGED "+keep[0])
	} else if len(keep) > 1 {
		parts = append(parts, "UNCHANGED <<"+strings.Join(keep, ", ")+">>")
	}
	guard := due
	switch len(ages) {
	case 0:
		guard = []string{"FALSE"} // nothing ever ages
	case 1:
		guard = append(guard, ages[0])
	default:
		guard = append(guard, "\\/ "+strings.Join(ages, "\n       \\/ "))
	}
	return "    /\\ " + strings.Join(append(guard, parts...), "\n    /\\ ")
}

// emitTypeOK writes TypeOK, the domains of the variables.
func (g *tlaGen) emitTypeOK() {
	var parts []string
	if len(g.ms) == 1 {
		parts = append(parts, "state \\in [Peers -> States]")
	} else {
		for p := range g.peer {
			parts = append(parts, fmt.Sprintf("state[%s] \\in %s", g.peerStr(p), g.mi[g.mach[p]].op("States")))
		}
	}
	for _, tm := range g.ms {
		for i, v := range tm.m.Vars {
			parts = append(parts, fmt.Sprintf("%s \\in [%s -> %s]", tm.varID[i], g.peersOf(tm), tlaDomain(v)))
		}
		for i := range tm.m.Timers {
			parts = append(parts, fmt.Sprintf("%s \\in [%s -> BOOLEAN]", tm.timerID[i], g.peersOf(tm)))
		}
		for i, id := range tm.leftID {
			parts = append(parts, fmt.Sprintf("%s \\in [%s -> 0..%d]", id, g.peersOf(tm), g.c.Ticks(tm.m, tm.m.Timers[i])))
		}
	}
	for _, mon := range g.c.Monitors {
		for _, v := range mon.Vars {
			parts = append(parts, fmt.Sprintf("%s \\in %s", g.monID[v], tlaDomain(v)))
		}
	}
	for ci, ch := range g.c.Channels {
		bx := g.box(ci)
		switch {
		case ch.Order == spec.Ordered && ch.Ages() > 1:
			parts = append(parts, fmt.Sprintf("%s \\in Seq(Msgs \\X 0..%d) /\\ Len(%s) =< %d", bx, ch.Ages()-1, bx, ch.Capacity))
		case ch.Order == spec.Ordered:
			parts = append(parts, fmt.Sprintf("%s \\in Seq(Msgs) /\\ Len(%s) =< %d", bx, bx, ch.Capacity))
		case ch.Ages() > 1:
			parts = append(parts, fmt.Sprintf("%s \\in [Msgs -> [0..%d -> 0..%d]] /\\ Size_%s(%s) =< %d", bx, ch.Ages()-1, ch.Capacity, g.chanKey(ci), bx, ch.Capacity))
		default:
			parts = append(parts, fmt.Sprintf("%s \\in [Msgs -> 0..%d] /\\ Size_%s(%s) =< %d", bx, ch.Capacity, g.chanKey(ci), bx, ch.Capacity))
		}
	}
	g.f("TypeOK ==\n    /\\ %s\n\n", strings.Join(parts, "\n    /\\ "))
}

// emitFairness writes Fairness_F: fairness F on every action class, and
// weak fairness on Next (a behaviour stops only in a deadlock).
func (g *tlaGen) emitFairness(fn spec.Fairness) {
	op := map[spec.Fairness]string{spec.WeakFairness: "WF_vars", spec.StrongFairness: "SF_vars"}[fn]
	parts := []string{"WF_vars(Next)"}
	if op != "" {
		for _, a := range g.actions {
			if a.class != "" {
				parts = append(parts, fmt.Sprintf("%s(%s)", op, a.name))
			}
		}
	}
	g.f("\\* %s fairness on every action class (losses and duplications are never fair)\n", fn)
	g.f("Fairness_%s ==\n    /\\ %s\n\n", fn, strings.Join(parts, "\n    /\\ "))
}

// guard renders a guard or set value over a snapshot record s.
func (g *tlaGen) guard(e spec.Expr) string { return g.expr(e, true) }

// prop renders a property over the system variables.
func (g *tlaGen) prop(e spec.Expr) string { return g.expr(e, false) }

func (g *tlaGen) expr(e spec.Expr, inGuard bool) string {
	switch e := e.(type) {
	case *spec.Const:
		switch e.T.Kind {
		case spec.BoolType:
			if e.Val != 0 {
				return "TRUE"
			}
			return "FALSE"
		case spec.StateType:
			m := e.T.Machine
			if m == nil {
				m = g.cur.m
			}
			return q(m.States[e.Val].Name)
		case spec.EnumType:
			return q(e.T.Enum.Values[e.Val])
		}
		if e.Val < 0 {
			return fmt.Sprintf("(%d)", e.Val)
		}
		return fmt.Sprint(e.Val)
	case *spec.VarRef:
		if inGuard || e.Peer < 0 {
			return "s." + g.cur.varID[e.Var.Index]
		}
		return fmt.Sprintf("%s[%s]", g.mi[g.mach[e.Peer]].varID[e.Var.Index], g.peerStr(e.Peer))
	case *spec.StateOf:
		return fmt.Sprintf("state[%s]", g.peerStr(e.Peer))
	case *spec.MsgField:
		return g.expr(msgConst(g.letter, e), inGuard)
	case *spec.MonRef:
		if g.inMon {
			return "mv." + g.monID[e.Var]
		}
		return g.monID[e.Var]
	case *spec.Armed:
		return fmt.Sprintf("%s[%s]", g.mi[g.mach[e.Peer]].timerID[e.Timer.Index], g.peerStr(e.Peer))
	case *spec.Count:
		return countSum(e, g.c, g.count)
	case *spec.Unary:
		if e.Op == token.NOT {
			return "~" + g.expr(e.X, inGuard)
		}
		return "(-" + g.expr(e.X, inGuard) + ")"
	case *spec.Binary:
		if (e.Op == token.QUO || e.Op == token.REM) && !g.floorIsTrunc(e) {
			return fmt.Sprintf("%s(%s, %s)", map[token.Token]string{token.QUO: "Quot", token.REM: "Rem"}[e.Op], g.expr(e.X, inGuard), g.expr(e.Y, inGuard))
		}
		op := map[token.Token]string{token.LAND: "/\\", token.LOR: "\\/", token.EQL: "=", token.NEQ: "#",
			token.LSS: "<", token.LEQ: "=<", token.GTR: ">", token.GEQ: ">=", token.ADD: "+", token.SUB: "-", token.MUL: "*",
			token.QUO: "\\div", token.REM: "%"}[e.Op]
		return "(" + g.expr(e.X, inGuard) + " " + op + " " + g.expr(e.Y, inGuard) + ")"
	case *spec.Implies:
		return "(" + g.expr(e.X, inGuard) + " => " + g.expr(e.Y, inGuard) + ")"
	case *spec.Cond:
		return "(IF " + g.expr(e.If, inGuard) + " THEN " + g.expr(e.Then, inGuard) + " ELSE " + g.expr(e.Else, inGuard) + ")"
	}
	return "FALSE"
}

// floorIsTrunc reports whether TLA+'s floored \div and % compute b as Go's
// truncated / and % do: when the dividend is never negative and the
// divisor never is (the loader has proved it is never zero), both round
// the same way. Otherwise b is rendered with Quot or Rem.
func (g *tlaGen) floorIsTrunc(b *spec.Binary) bool {
	xlo, _ := spec.Range(b.X, g.s, g.c)
	ylo, _ := spec.Range(b.Y, g.s, g.c)
	return xlo >= 0 && ylo >= 0
}

// count is the number of messages of kind m (nil: any) in channel ci.
func (g *tlaGen) count(ci int, m *spec.Message) string {
	box := g.box(ci)
	if m == nil {
		return fmt.Sprintf("Size_%s(%s)", g.chanKey(ci), box)
	}
	var names []string
	for _, lt := range m.Letters {
		names = append(names, q(lt.String()))
	}
	ch := g.c.Channels[ci]
	if ch.Order == spec.Unordered {
		var xs []string
		for _, n := range names {
			if ch.Ages() > 1 {
				xs = append(xs, fmt.Sprintf("Sum_%s(%s[%s])", g.chanKey(ci), box, n))
				continue
			}
			xs = append(xs, fmt.Sprintf("%s[%s]", box, n))
		}
		if len(xs) == 1 {
			return xs[0]
		}
		return "(" + strings.Join(xs, " + ") + ")"
	}
	letter := "" // an element of the sequence is its letter, or <<letter, age>>
	if ch.Ages() > 1 {
		letter = "[1]"
	}
	if len(names) == 1 {
		return fmt.Sprintf("Cardinality({i \\in 1..Len(%s) : %s[i]%s = %s})", box, box, letter, names[0])
	}
	return fmt.Sprintf("Cardinality({i \\in 1..Len(%s) : %s[i]%s \\in {%s}})", box, box, letter, strings.Join(names, ", "))
}

// mv is the extra argument of Apply when the check has monitors: the
// monitor record after the action's call or receipt handlers.
// back is Apply's argument naming the channel for replies, when replies
// are apart from sends: a delivery's channel back, else "none".
func (g *tlaGen) back(key string) string {
	if !g.replies {
		return ""
	}
	return ", " + key
}

func (g *tlaGen) mv(rec string) string {
	if len(g.c.Monitors) == 0 {
		return ""
	}
	return ", " + rec
}

// monIDs are the monitors' variables, in declaration order.
func (g *tlaGen) monIDs() []string {
	var ids []string
	for _, mon := range g.c.Monitors {
		for _, v := range mon.Vars {
			ids = append(ids, g.monID[v])
		}
	}
	return ids
}

// monRec is the record of the monitors' current values (mv's shape).
func (g *tlaGen) monRec() string {
	var xs []string
	for _, id := range g.monIDs() {
		xs = append(xs, id+" |-> "+id)
	}
	return "[" + strings.Join(xs, ", ") + "]"
}

// handlerOp names the operator of handler number i for letter lt (nil when
// it observes no message).
func handlerOp(i int, lt *spec.Letter) string {
	if lt == nil {
		return fmt.Sprintf("MonH%d", i)
	}
	return fmt.Sprintf("MonH%d_%s", i, letterID(lt))
}

// monHandlers lists every handler with its number.
func (g *tlaGen) monHandlers() []*spec.Handler {
	var hs []*spec.Handler
	for _, mon := range g.c.Monitors {
		hs = append(hs, mon.Handlers...)
	}
	return hs
}

// observe composes the handlers of kind that peer p's action runs (match
// picks them), applied in order to the monitor record mv.
func (g *tlaGen) observe(p int, kind spec.Observed, match func(h *spec.Handler) bool, lt *spec.Letter, mv string) string {
	for i, h := range g.monHandlers() {
		if h.Kind == kind && h.Peer.Index == p && match(h) {
			mv = fmt.Sprintf("%s(%s)", handlerOp(i, lt), mv)
		}
	}
	return mv
}

// emitMonitors writes one operator per handler (and letter), mapping the
// monitor record mv to the next, and the folds that Apply uses: SendObs
// over the messages a step sends, EnterObs for the state it enters, and
// RecvObs for the head of an ordered inbox. Handlers read the state before
// the action (unprimed variables).
func (g *tlaGen) emitMonitors() {
	if len(g.c.Monitors) == 0 {
		return
	}
	g.f("\\* Monitors: each handler maps the monitor values mv to the next; it reads the state\n")
	g.f("\\* before the action. A step runs the call or receipt handlers, then the send handlers\n")
	g.f("\\* for each message sent in order, then the handlers for the state entered.\n")
	g.inMon = true
	defer func() { g.inMon = false }()
	for i, h := range g.monHandlers() {
		letters := []*spec.Letter{nil}
		if h.Message != nil {
			letters = h.Message.Letters
		}
		for _, lt := range letters {
			g.letter = lt
			var ex []string
			for _, a := range h.Set {
				ex = append(ex, fmt.Sprintf("!.%s = %s", g.monID[a.Var], g.prop(a.Value)))
			}
			body := fmt.Sprintf("[mv EXCEPT %s]", strings.Join(ex, ", "))
			if h.Guard != nil {
				body = fmt.Sprintf("IF %s THEN %s ELSE mv", g.prop(h.Guard), body)
			}
			g.f("\\* %s\n%s(mv) == %s\n", h, handlerOp(i, lt), body)
		}
		g.letter = nil
	}
	g.f("\n")
	var sendArms, enterArms, recvArms []string
	for p := range g.peer {
		for _, lt := range g.s.Letters {
			msg := lt.Message
			cond := fmt.Sprintf("p = %s /\\ m = %s", g.peerStr(p), q(lt.String()))
			if x := g.observe(p, spec.ObserveSend, func(h *spec.Handler) bool { return h.Message == msg }, lt, "mv"); x != "mv" {
				sendArms = append(sendArms, cond+" -> "+x)
			}
			if x := g.observe(p, spec.ObserveRecv, func(h *spec.Handler) bool { return h.Message == msg }, lt, "mv"); x != "mv" {
				recvArms = append(recvArms, cond+" -> "+x)
			}
		}
		for _, st := range g.mach[p].States {
			if x := g.observe(p, spec.ObserveEnter, func(h *spec.Handler) bool { return h.State == st }, nil, "mv"); x != "mv" {
				enterArms = append(enterArms, fmt.Sprintf("p = %s /\\ to = %s -> %s", g.peerStr(p), q(st.Name), x))
			}
		}
	}
	caseOf := func(arms []string) string {
		if len(arms) == 0 {
			return "mv"
		}
		return "CASE " + strings.Join(arms, "\n      [] ") + "\n      [] OTHER -> mv"
	}
	g.f("SendOne(p, mv, m) ==\n    %s\n", caseOf(sendArms))
	g.f("RECURSIVE SendObs(_, _, _)\n")
	g.f("SendObs(p, mv, ss) == IF ss = <<>> THEN mv ELSE SendObs(p, SendOne(p, mv, Head(ss)), Tail(ss))\n")
	g.f("EnterObs(p, mv, from, to) ==\n    IF from = to THEN mv ELSE\n    %s\n", caseOf(enterArms))
	g.f("RecvObs(p, m, mv) ==\n    %s\n\n", caseOf(recvArms))
}
