package gen

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/fsmgen/fsmgen/spec"
)

// maxCells bounds the precomputed table of Step: (1 << control bits) *
// events cells. A spec whose variables make it larger gets a Step that
// works each cell out from the rows on every call instead.
const maxCells = 1 << 14

// maxSentLists bounds the distinct lists of letters the steps of a machine
// with message fields may send (package fsm makes them from the rows).
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
	lists := g.lists
	if !g.fields {
		lists = len(s.Rows) + 2
	}
	outcomes := 2 + 2*len(s.Rows) + lists + (len(s.States)+1)*(len(g.inputs())+1)
	g.layout = L
	g.table = L.off <= 32 && !g.o.noTable && (1<<L.off)*(len(g.inputs())+1) <= maxCells && L.out+bits.Len(uint(outcomes)) <= 64
}

// emitStep emits what Step needs from the spec: the tables of the fields
// msg.FIELD reads, the rows' guards and set actions, which messages they
// send (with fields), and the table, or a Step that applies the rows on
// every call.
func (g *goGen) emitStep() {
	g.emitFieldTables()
	g.emitRowGuards()
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

// emitRowGuards emits guard, the guards of the rows: each distinct one once,
// with the rows that have it. Package fsm tries the rows of a state and
// event in spec order (Def).
func (g *goGen) emitRowGuards() {
	var cases []jen.Code
	for _, gr := range g.groupRows(func(r *spec.Row) jen.Code {
		if r.Guard == nil {
			return nil
		}
		return g.expr(r.Guard, 0)
	}) {
		cases = append(cases, jen.Case(gr.rows...).Block(jen.Comment(gr.first.Guard.String()), jen.Return(gr.code)))
	}
	if len(cases) == 0 {
		return
	}
	g.doc("guard reports whether the guard of row r holds for e in s.")
	g.f.Func().Id("guard").Params(jen.Id("s").Id("Snapshot"), jen.Id("e").Id("Event"), jen.Id("r").Int()).Bool().Block(
		jen.Switch(jen.Id("r")).Block(cases...),
		jen.Return(jen.False()),
	)
}

// rowGroup is rows whose code renders alike.
type rowGroup struct {
	rows  []jen.Code // their indices
	first *spec.Row
	code  jen.Code
}

// groupRows renders code for each row (nil: none) and groups the rows by
// the code, in the order of their first rows.
func (g *goGen) groupRows(code func(r *spec.Row) jen.Code) []*rowGroup {
	var groups []*rowGroup
	byCode := map[string]*rowGroup{}
	for _, r := range g.s.Rows {
		c := code(r)
		if c == nil {
			continue
		}
		key := fmt.Sprintf("%#v", jen.Null().Add(c))
		gr := byCode[key]
		if gr == nil {
			gr = &rowGroup{first: r, code: c}
			byCode[key] = gr
			groups = append(groups, gr)
		}
		gr.rows = append(gr.rows, jen.Lit(r.Index))
	}
	return groups
}

// emitAssign emits assign, the set actions of the rows that have them.
func (g *goGen) emitAssign() {
	var cases []jen.Code
	for _, r := range g.s.Rows {
		if len(r.Set) == 0 {
			continue
		}
		body := []jen.Code{jen.Comment(g.rowSummary(r))}
		for _, as := range r.Set {
			body = append(body, g.setVar("n", as.Var.Index, g.exprAs(spec.Type{Kind: spec.EnumType, Enum: as.Var}, as.Value)))
		}
		cases = append(cases, jen.Case(jen.Lit(r.Index)).Block(body...))
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

// prepareSends counts the lists of letters the rows may send, as package
// fsm makes them (Def): per row, each message sent ranging over its letters,
// the last varying fastest. sentMult is the weight of each message's letter
// offset in the index of a row's list.
func (g *goGen) prepareSends() error {
	s := g.s
	g.lists = 1
	if g.reply {
		g.lists++
	}
	for _, r := range s.Rows {
		mult := make([]int, len(r.Send))
		total := 1
		for j := len(r.Send) - 1; j >= 0; j-- {
			mult[j] = total
			total *= len(r.Send[j].Letters)
		}
		g.sentMult = append(g.sentMult, mult)
		if g.lists+total > maxSentLists {
			return fmt.Errorf("%s: gen: the rows send more than %d distinct lists of messages with their field values: too many for generated Go", r.Pos, maxSentLists)
		}
		g.lists += total
	}
	return nil
}

// emitSentOf emits sentOf, which finds among the lists of letters row r may
// send the one it sends, from the values of the fields it gives.
func (g *goGen) emitSentOf() {
	groups := g.groupRows(func(r *spec.Row) jen.Code {
		at := 0
		var terms []jen.Code
		for j, m := range r.Send {
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
				terms = append(terms, code)
			}
		}
		switch {
		case len(terms) == 0 && at == 0:
			return nil
		case len(terms) == 0:
			return jen.Lit(at)
		case at != 0:
			terms = append([]jen.Code{jen.Lit(at)}, terms...)
		}
		sum := jen.Add(terms[0])
		for _, t := range terms[1:] {
			sum.Op("+").Add(t)
		}
		return sum
	})
	var cases []jen.Code
	for _, gr := range groups {
		cases = append(cases, jen.Case(gr.rows...).Block(jen.Return(gr.code)))
	}
	var body []jen.Code
	if len(cases) > 0 {
		body = append(body, jen.Switch(jen.Id("r")).Block(cases...))
	}
	body = append(body, jen.Return(jen.Lit(0)))
	g.doc("sentOf is the index, among the lists of messages row r may send, of the\none it sends when it fires for e in s; field values read s before the\nstep, and e's. Package fsm makes the lists from Transitions: every\nmessage sent over its field values, the last message varying fastest.")
	g.f.Func().Id("sentOf").Params(jen.Id("s").Id("Snapshot"), jen.Id("e").Id("Event"), jen.Id("r").Int()).Int().Block(body...)
}

// fieldTable is the Go identifier of the table of a field's values per
// letter that msg.FIELD reads, and its type.
type fieldTable struct {
	id string
	t  spec.Type
}

// prepareFieldTables finds the fields the rows read from the message
// received (msg.FIELD) and names a table for each: one per field name and
// Go type.
func (g *goGen) prepareFieldTables() {
	g.fieldTables = map[string]fieldTable{}
	for _, r := range g.s.Rows {
		es := []spec.Expr{r.Guard}
		for _, a := range r.Set {
			es = append(es, a.Value)
		}
		for _, fs := range r.SendFields {
			es = append(es, fs...)
		}
		for _, e := range es {
			if e == nil {
				continue
			}
			spec.Walk(e, func(x spec.Expr) {
				mf, ok := x.(*spec.MsgField)
				if !ok {
					return
				}
				key := g.fieldKey(mf)
				if _, ok := g.fieldTables[key]; ok {
					return
				}
				id := "field" + GoName(mf.Name)
				if _, taken := g.names[id]; taken {
					id += GoName(mf.Messages[0].Name)
				}
				g.declare(id, "the table of field "+mf.Name, spec.Pos{})
				g.fieldTables[key] = fieldTable{id, mf.Type()}
				g.fieldOrder = append(g.fieldOrder, key)
			})
		}
	}
}

// fieldKey identifies the table msg.FIELD reads: its name and Go type.
func (g *goGen) fieldKey(mf *spec.MsgField) string {
	t := mf.Type()
	if t.Kind == spec.EnumType {
		return mf.Name + " " + g.enums[t.Enum].typ
	}
	return mf.Name + " " + t.String()
}

// emitFieldTables emits the tables of field values that msg.FIELD reads:
// per letter, its value of the field (the zero value for a letter without
// it).
func (g *goGen) emitFieldTables() {
	for _, key := range g.fieldOrder {
		ft := g.fieldTables[key]
		name := strings.SplitN(key, " ", 2)[0]
		vals := make([]jen.Code, len(g.s.Letters))
		for i, lt := range g.s.Letters {
			v, _ := lt.Value(name)
			vals[i] = g.constCode(ft.t, v, 0)
		}
		g.doc(fmt.Sprintf("%s is the field %s of each message (as msg.%s reads it).", ft.id, name, name))
		g.f.Var().Id(ft.id).Op("=").Index(jen.Op("...")).Add(g.exprType(ft.t)).Values(vals...)
	}
}
