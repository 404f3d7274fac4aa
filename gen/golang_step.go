package gen

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/fsmgen/fsmgen/spec"
)

// maxCells bounds the precomputed table of Step: (1 << control bits) *
// events cells. A spec whose variables make it larger gets a Step that
// works each cell out from the rows on every call instead.
var maxCells = 1 << 14

// maxSentLists bounds the distinct lists of letters the steps of a machine
// with message fields may send (sentLists).
const maxSentLists = 1 << 16

// varSlot is where a variable's code sits in Step's table index: from bit
// off, w bits wide.
type varSlot struct {
	i, off, w int
}

// stepLayout is Step's table: the index of a snapshot (its state in
// stateBits bits, then its variables' slots, off bits in all) and the
// fields of a cell (fsm.Cells).
type stepLayout struct {
	stateBits, off int
	slots          []varSlot
	stop, arm, out int
}

// prepareStep lays out Step's table from the spec's sizes and decides
// whether the machine gets one (g.table).
func (g *goGen) prepareStep() {
	s := g.s
	L := stepLayout{stateBits: bits.Len(uint(len(s.States)))}
	L.off = L.stateBits
	for i, v := range s.Vars {
		w := bits.Len(uint(v.Size())) // one slot past the range: out-of-range values
		if v.Kind == spec.Bool {
			w = 1
		}
		L.slots = append(L.slots, varSlot{i, L.off, w})
		L.off += w
	}
	L.stop = g.stateBits + L.off - L.stateBits
	L.arm = L.stop + g.setBits
	L.out = L.arm + g.setBits
	// The distinct outcomes, at most: none, the reply, each row firing or
	// failing, each list of messages sent, each rejection.
	lists := len(g.sentLists)
	if !g.fields {
		lists = len(s.Rows) + 2
	}
	outcomes := 2 + 2*len(s.Rows) + lists + (len(s.States)+1)*(len(g.inputs())+1)
	g.layout = L
	g.table = L.off <= 32 && (1<<L.off)*(len(g.inputs())+1) <= maxCells && L.out+bits.Len(uint(outcomes)) <= 64
}

// emitStep emits what Step needs from the spec: the rows that match each
// state and event, the set actions, the messages sent (with fields), and
// the table, or a Step that applies the rows on every call.
func (g *goGen) emitStep() {
	g.emitMatch()
	g.emitAssign()
	if g.fields {
		g.emitSentOf()
	}
	g.emitValid()
	g.doc("Effects is what one step does besides changing the snapshot: the row that\nfired (Row) and, through its methods, the messages it sends, its timer\nactions and its error (fsm.Effects).")
	g.f.Type().Id("Effects").Op("=").Qual(runtimePath, "Effects").Types(typeArgs("Message", "TimerSet")...)
	if g.table {
		g.emitTable()
		return
	}
	g.doc(g.stepDoc("\n\nThe variables take too many values for a table: Step applies the rows\non every call (fsm.Def.StepRows)."))
	g.f.Func().Id("Step").Params(jen.Id("s").Id("Snapshot"), jen.Id("e").Id("Event")).Params(jen.Id("Snapshot"), jen.Id("Effects"), jen.Error()).Block(
		jen.Return(jen.Id("machine").Dot("StepRows").Call(jen.Id("s"), jen.Id("e"))),
	)
}

// emitMatch emits match: rowOf, a row per state and event where no guard
// decides, and matchGuarded for the others.
func (g *goGen) emitMatch() {
	s, f := g.s, g.f
	id := jen.Id
	var guarded []jen.Code
	byState := make([]jen.Code, len(s.States))
	for si, byEvent := range s.Table {
		vals := make([]jen.Code, len(g.inputs()))
		for ei, in := range g.inputs() {
			var rows []*spec.Row
			if in.Event.Index < len(byEvent) {
				rows = byEvent[in.Event.Index]
			}
			// A guard that reads only the letter received is decided here.
			g.letter = in.Letter
			type cand struct {
				r     *spec.Row
				guard spec.Expr
			}
			var cands []cand
			for _, r := range rows {
				v, ok := g.decided(r.Guard)
				switch {
				case r.Guard == nil:
					cands = append(cands, cand{r, nil})
				case !ok:
					cands = append(cands, cand{r, r.Guard})
				case v != 0:
					cands = append(cands, cand{r, nil})
				}
			}
			switch {
			case len(cands) == 0:
				vals[ei] = jen.Lit(-1)
			case cands[0].guard == nil && (len(cands) == 1 || g.fields):
				vals[ei] = jen.Lit(cands[0].r.Index)
			default:
				vals[ei] = jen.Lit(-2)
				var body []jen.Code
				for _, c := range cands {
					if c.guard == nil {
						body = append(body, jen.Return(jen.Lit(c.r.Index)))
						break
					}
					body = append(body, jen.If(g.expr(c.guard, 0)).Block(jen.Return(jen.Lit(c.r.Index))))
				}
				evCode := jen.Int().Call(id(g.event[ei]))
				if g.event[ei] == "" {
					evCode = jen.Lit(ei)
					body = append([]jen.Code{jen.Comment(in.String())}, body...)
				}
				guarded = append(guarded, jen.Case(jen.Int().Call(id(g.state[si])).Op("*").Id("NumEvents").Op("+").Add(evCode)).Block(body...))
			}
		}
		byState[si] = jen.Comment(s.States[si].Name).Line().Values(vals...)
	}
	g.letter = nil
	g.doc("rowOf[state][event] is the row that handles the event in the state when\nno guard decides: -1 for none, -2 when guards decide (matchGuarded).")
	f.Var().Id("rowOf").Op("=").Index(id("NumStates")).Index(id("NumEvents")).Id(fmt.Sprintf("int%d", g.rowBits)).Values(multiline(byState)...)
	g.doc("match returns the row that fires for e in s, or -1. s.State and e are in range.")
	f.Func().Id("match").Params(id("s").Id("Snapshot"), id("e").Id("Event")).Int().Block(
		id("r").Op(":=").Int().Call(id("rowOf").Index(id("s").Dot("State")).Index(id("e"))),
		jen.If(id("r").Op("!=").Lit(-2)).Block(jen.Return(id("r"))),
		jen.Return(id("matchGuarded").Call(id("s"), id("e"))),
	)
	var mg []jen.Code
	if len(guarded) > 0 {
		mg = append(mg, jen.Switch(jen.Int().Call(id("s").Dot("State")).Op("*").Id("NumEvents").Op("+").Int().Call(id("e"))).Block(guarded...))
	} else {
		mg = append(mg, id("_").Op("=").Id("s"))
	}
	mg = append(mg, jen.Return(jen.Lit(-1)))
	g.doc("matchGuarded evaluates the guards of the rows for (s.State, e).")
	f.Func().Id("matchGuarded").Params(id("s").Id("Snapshot"), id("e").Id("Event")).Int().Block(mg...)
}

// emitAssign emits assign, the set actions of the rows that have them.
func (g *goGen) emitAssign() {
	var cases []jen.Code
	for _, r := range g.s.Rows {
		if len(r.Set) == 0 {
			continue
		}
		body := g.perLetter(r, setReadsMsg(r), func() []jen.Code {
			var body []jen.Code
			for _, as := range r.Set {
				body = append(body, g.setVar("n", as.Var.Index, g.exprAs(spec.Type{Kind: spec.EnumType, Enum: as.Var}, as.Value)))
			}
			return body
		})
		cases = append(cases, jen.Case(jen.Lit(r.Index)).Block(append([]jen.Code{jen.Comment(g.rowSummary(r))}, body...)...))
	}
	if len(cases) == 0 {
		return
	}
	g.doc("assign carries out the set actions of row r, fired by e: values read the\nold snapshot s and are written to a copy, so they take effect\nsimultaneously.")
	g.f.Func().Id("assign").Params(jen.Id("s").Id("Snapshot"), jen.Id("e").Id("Event"), jen.Id("r").Int()).Id("Snapshot").Block(
		jen.Id("n").Op(":=").Id("s"),
		jen.Switch(jen.Id("r")).Block(cases...),
		jen.Return(jen.Id("n")),
	)
}

func (g *goGen) rowSummary(r *spec.Row) string {
	return fmt.Sprintf("%s (%s)", rowLine(g.s, r), g.pos(r.Pos))
}

func (g *goGen) pos(p spec.Pos) string {
	return spec.Pos{File: g.o.Source, Line: p.Line, Col: p.Col}.String()
}

// emitValid emits valid, which says whether the state and every variable
// are in range, and with a table index and fromIndex, between a snapshot
// and its column of cells. index clamps each to one slot past its range,
// so that an out-of-range snapshot finds a rejection in the table.
func (g *goGen) emitValid() {
	s, f, L := g.s, g.f, g.layout
	id := jen.Id
	valid := id("s").Dot("State").Op("<").Id("NumStates")
	index := id("uint").Call(jen.Min(id("s").Dot("State"), id("NumStates")))
	from := []jen.Code{
		jen.Var().Id("s").Id("Snapshot"),
		id("s").Dot("State").Op("=").Id("State").Call(id("i").Op("&").Add(mask(uint(L.stateBits)))),
	}
	if len(s.Vars) > 0 {
		index = index.Op("|").Uint().Call(id("s").Dot("w")).Op("<<").Lit(L.stateBits)
		from = append(from, id("s").Dot("Vars").Op("=").Add(g.varsOf(id("i").Op(">>").Lit(L.stateBits).Op("&").Add(mask(uint(g.varsBits()))))))
	}
	for _, sl := range L.slots {
		v := s.Vars[sl.i]
		fd := func() *jen.Statement { return g.getVar("s", sl.i) }
		switch v.Kind {
		case spec.Bool:
		case spec.Enum:
			valid = valid.Op("&&").Add(fd()).Op("<").Lit(v.Size())
		default:
			if v.Min == v.Max {
				valid = valid.Op("&&").Add(fd()).Op("==").Lit(v.Min)
			} else {
				valid = valid.Op("&&").Add(fd()).Op(">=").Lit(v.Min).Op("&&").Add(fd()).Op("<=").Lit(v.Max)
			}
		}
	}
	g.doc("valid reports whether the state and every variable are in range.")
	f.Func().Params(id("s").Id("Snapshot")).Id("valid").Params().Bool().Block(jen.Return(valid))
	if !g.table {
		return
	}
	g.doc("index packs the state and the variables into the column of cells that\nholds what an event does to s. A state out of range becomes one more than\nits last value, and a variable set out of range holds the code one past\nits range: both are columns of rejections.")
	f.Func().Params(id("s").Id("Snapshot")).Id("index").Params().Uint().Block(jen.Return(index))
	g.doc("fromIndex is the snapshot, without timers, that index maps to i; it\nignores the bits of i above the index.")
	f.Func().Id("fromIndex").Params(id("i").Uint()).Id("Snapshot").Block(append(from, jen.Return(id("s")))...)
}

// emitTable emits Step as a lookup in a table that package fsm works out
// from the rows when the package is initialised.
func (g *goGen) emitTable() {
	s, f, L := g.s, g.f, g.layout
	id := jen.Id
	f.Const().Defs(
		docLines("The fields of a cell (fsm.Cells) after the next state and variables:\nthe timers stopped, those armed, and the index of the outcome.").Id("cellStop").Op("=").Lit(L.stop),
		id("cellArm").Op("=").Lit(L.arm),
		id("cellOut").Op("=").Lit(L.out),
	)
	g.doc(fmt.Sprintf("cells[min(e, NumEvents)<<%d | s.index()] is what event e does to snapshot\ns, packed, and outcomes the effects and errors its cells index: Step is a\nlookup. The snapshot, which chains one step to the next, indexes the inner\ndimension.", L.off))
	f.Var().Defs(
		id("cells").Index(jen.Parens(id("NumEvents").Op("+").Lit(1)).Op("<<").Lit(L.off)).Uint64(),
		id("outcomes").Index().Qual(runtimePath, "Outcome").Types(typeArgs("Message", "TimerSet")...),
	)
	kv := func(k string, v jen.Code) jen.Code { return jen.Id(k).Op(":").Add(v) }
	layout := jen.Qual(runtimePath, "Cells").Values(kv("Columns", jen.Lit(L.off)), kv("StateBits", jen.Lit(g.stateBits)), kv("IndexVars", jen.Lit(L.stateBits)), kv("Stop", id("cellStop")), kv("Arm", id("cellArm")), kv("Out", id("cellOut")))
	f.Func().Id("init").Params().Block(id("outcomes").Op("=").Id("machine").Dot("Fill").Call(id("cells").Index(jen.Op(":")), layout))

	top := jen.Dict{
		id("State"):  id("State").Call(id("c")),
		id("Timers"): id("t").Op("&^").Id("TimerSet").Call(id("c").Op(">>").Id("cellStop")).Op("|").Id("TimerSet").Call(id("c").Op(">>").Id("cellArm")),
	}
	if len(s.Vars) > 0 {
		top[id("Vars")] = g.varsOf(id("c").Op(">>").Lit(g.stateBits).Op("&").Add(mask(uint(g.varsBits()))))
	}
	g.doc("next is the snapshot cell c leads to from one whose timers are t.")
	f.Func().Id("next").Params(id("c").Uint64(), id("t").Id("TimerSet")).Id("Snapshot").Block(jen.Return(id("Snapshot").Values(top)))

	g.doc(g.stepDoc("\n\nStep looks the answer up in a table that package fsm works out from the\nrows when the package is initialised, and is written to be inlined. The\nsnapshot it returns with the rejection of a snapshot out of range has the\nvalues out of range clamped to one past their range."))
	f.Func().Id("Step").Params(id("s").Id("Snapshot"), id("e").Id("Event")).Params(id("Snapshot"), id("Effects"), jen.Error()).Block(
		id("c").Op(":=").Id("cells").Index(jen.Uint().Call(jen.Min(id("e"), id("NumEvents"))).Op("<<").Lit(L.off).Op("|").Id("s").Dot("index").Call()),
		id("o").Op(":=").Op("&").Id("outcomes").Index(id("c").Op(">>").Id("cellOut")),
		jen.Return(id("next").Call(id("c"), id("s").Dot("Timers")), id("o").Dot("Fx"), id("o").Dot("Err")),
	)
}

// stepDoc is Step's doc comment, ending with how.
func (g *goGen) stepDoc(how string) string {
	u := g.s.Unhandled
	var policy string
	if u.Calls == spec.IgnoreCall {
		policy = "an unhandled call is accepted and changes nothing;\n"
	} else {
		policy = "an unhandled call is rejected with a *RejectedError and changes nothing;\n"
	}
	if g.reply {
		policy += "an unhandled message is answered with " + u.Reply.Name + ";\n"
	} else {
		policy += "an unhandled message is dropped;\n"
	}
	policy += "a timer's expiry disarms it before any row applies (a row that wants\nit again starts or restarts it)."
	return "Step applies event e to snapshot s and returns the next snapshot and the\neffects to carry out. It is pure and does not allocate. The first row of\nTransitions for (s.State, e) whose guard holds fires; when none does,\n" + policy + "\nA call row that reports an error is a failed call: Step returns a\n*ReportedError and s unchanged. An event out of range, or a snapshot whose\nstate or a variable is out of range, is rejected. Step does not check that\na timeout's timer is running; Machine rejects the timeout of a timer that is\nnot." + how
}

// inputs are the events as Event numbers them: the machine's inputs (one
// receipt per letter) with message fields, and its events without.
func (g *goGen) inputs() []*spec.Input {
	if g.fields {
		return g.s.Inputs
	}
	out := make([]*spec.Input, len(g.s.Events))
	for i, e := range g.s.Events {
		out[i] = &spec.Input{Index: i, Event: e}
	}
	return out
}

// eventCode is event i as Go: its constant, or its number when it has none
// (the receipt of a message with fields).
func (g *goGen) eventCode(i int) *jen.Statement {
	if g.event[i] == "" {
		return jen.Lit(i)
	}
	return jen.Id(g.event[i])
}

// prepareSends enumerates, per row, every list of letters the row may send:
// each message sent ranges over its letters when it has fields, the last
// message varying fastest. List 0 is the empty one.
func (g *goGen) prepareSends() error {
	s := g.s
	g.sentLists, g.sentReplies = [][]int{nil}, []int{0}
	g.replyList = 0
	if g.reply {
		g.replyList = len(g.sentLists)
		g.sentLists = append(g.sentLists, []int{s.Unhandled.Reply.Letters[0].Index})
		g.sentReplies = append(g.sentReplies, 1)
	}
	for _, r := range s.Rows {
		g.sentBase = append(g.sentBase, -1)
		g.sentMult = append(g.sentMult, nil)
		if len(r.Send) == 0 {
			continue
		}
		n := make([]int, len(r.Send))
		for j, m := range r.Send {
			n[j] = 1
			if j < len(r.SendFields) && r.SendFields[j] != nil {
				n[j] = len(m.Letters)
			}
		}
		mult := make([]int, len(r.Send))
		total := 1
		for j := len(r.Send) - 1; j >= 0; j-- {
			mult[j] = total
			total *= n[j]
		}
		if len(g.sentLists)+total > maxSentLists {
			return fmt.Errorf("%s: gen: the rows send more than %d distinct lists of messages with their field values: too many for generated Go", r.Pos, maxSentLists)
		}
		g.sentBase[r.Index], g.sentMult[r.Index] = len(g.sentLists), mult
		for c := 0; c < total; c++ {
			list := make([]int, len(r.Send))
			for j, m := range r.Send {
				list[j] = m.Letters[0].Index + c/mult[j]%n[j]
			}
			g.sentLists = append(g.sentLists, list)
			g.sentReplies = append(g.sentReplies, r.Replies)
		}
	}
	return nil
}

// emitSentOf emits sentOf, which finds in sentLists the messages a step
// sends with their field values, and sentLists itself.
func (g *goGen) emitSentOf() {
	s, f := g.s, g.f
	id := jen.Id
	lists := make([]jen.Code, len(g.sentLists))
	for i, l := range g.sentLists {
		var vals []jen.Code
		var names []string
		for _, x := range l {
			vals = append(vals, jen.Lit(x))
			names = append(names, s.Letters[x].String())
		}
		if len(l) == 0 {
			lists[i] = jen.Comment("none").Line().Nil()
			continue
		}
		lists[i] = jen.Comment(strings.Join(names, ", ")).Line().Values(vals...)
	}
	g.doc("sentLists holds every list of messages a step may send, with their field\nvalues, replies last; Effects.Sent and Effects.Replied read one of them.\nList 0 is empty.")
	f.Var().Id("sentLists").Op("=").Index(jen.Op("...")).Index().Id("Message").Values(multiline(lists)...)
	if slices.ContainsFunc(g.sentReplies, func(n int) bool { return n > 0 }) {
		reps := make([]jen.Code, len(g.sentReplies))
		for i, n := range g.sentReplies {
			reps[i] = jen.Lit(n)
		}
		g.doc("sentReplies is, per list of sentLists, how many of its last messages are\nreplies, sent back to the sender of the message received.")
		f.Var().Id("sentReplies").Op("=").Index(jen.Op("...")).Int().Values(reps...)
	}

	var cases []jen.Code
	for _, r := range s.Rows {
		base := g.sentBase[r.Index]
		if base < 0 {
			continue
		}
		body := g.perLetter(r, sendReadsMsg(r), func() []jen.Code {
			// Field values that the letter received decides add to the base.
			at := base
			var terms []jen.Code
			for j, m := range r.Send {
				if j >= len(r.SendFields) || r.SendFields[j] == nil {
					continue
				}
				st := fieldStrides(m)
				for fi, fv := range m.Fields {
					k := st[fi] * g.sentMult[r.Index][j]
					x := r.SendFields[j][fi]
					if v, ok := g.sendConst(x); ok {
						at += k * int(fv.Encode(v))
						continue
					}
					code := g.fieldCode(fv, x)
					if k != 1 {
						code = code.Op("*").Lit(k)
					}
					terms = append(terms, jen.Op("+").Add(code))
				}
			}
			if len(terms) == 0 {
				return []jen.Code{jen.Return(jen.Lit(at))}
			}
			return []jen.Code{jen.Return(jen.Lit(at).Add(terms...))}
		})
		cases = append(cases, jen.Case(jen.Lit(r.Index)).Block(body...))
	}
	var body []jen.Code
	if len(cases) > 0 {
		body = append(body, jen.Switch(id("r")).Block(cases...))
	}
	if g.reply {
		body = append(body, jen.If(id("r").Op("<").Lit(0).Op("&&").Id("e").Op(">=").Id("firstRecv").Op("&&").Id("e").Op("<").Id("firstTimeout")).Block(
			jen.Comment("An unhandled message: the unhandled policy replies."),
			jen.Return(jen.Lit(g.replyList)),
		))
	}
	body = append(body, jen.Return(jen.Lit(0)))
	g.doc("sentOf is the index in sentLists of the messages row r (-1: none) sends\nwhen it fires for e in s: field values read s before the step, and e's.")
	f.Func().Id("sentOf").Params(id("s").Id("Snapshot"), id("e").Id("Event"), id("r").Int()).Int().Block(body...)
}
