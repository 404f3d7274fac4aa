package gen

import (
	"bytes"
	"fmt"
	"go/token"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/dave/jennifer/jen"

	"github.com/fsmgen/fsmgen/spec"
)

// GoOptions configures Go generation.
type GoOptions struct {
	// Package is the generated package's name; empty means the machine name, lower-cased.
	Package string
	// Source is the spec file name written into the header and the positions
	// of the transition table; empty means Spec.File. Pass a path relative
	// to the module root to keep the output independent of where it was generated.
	Source string
	// Machine names the machine to generate; it may be empty when the spec
	// declares only one.
	Machine string
}

// runtimePath is the import path of the runtime the generated Machine uses.
const runtimePath = "github.com/fsmgen/fsmgen/fsm"

// Go renders a machine of s as a typed Go package: constants with String methods, a
// Snapshot, the pure allocation-free Step, StepPacked over spec.Layout, the
// transition table, and Machine/SyncMachine wrappers for embedding. The
// output is gofmt'd and depends only on s and o.
//
// When the spec's messages have fields, Message identifies a message with
// its field values, as spec.Spec.Letters numbers them, and Event indexes
// the machine's spec.Inputs: rows that read msg.FIELD are rendered once
// per letter received, and what a step sends is an index into a table of
// the lists of messages the rows may send. Without fields the output is
// as before.
func Go(sp *spec.Spec, o GoOptions) (out []byte, err error) {
	s, err := sp.SelectMachine(o.Machine)
	if err != nil {
		return nil, err
	}
	defer func() {
		// jennifer panics on malformed code; report it rather than crash the caller.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("gen: generating Go for %s: %v", o.Source, r)
		}
	}()
	if o.Package == "" {
		o.Package = strings.ToLower(GoName(s.Name))
	}
	if !token.IsIdentifier(o.Package) || token.IsKeyword(o.Package) {
		return nil, fmt.Errorf("gen: invalid package name %q", o.Package)
	}
	if o.Source == "" {
		o.Source = s.File
	}
	g := &goGen{s: s, o: o, f: jen.NewFile(o.Package), names: map[string]string{}}
	if err := g.prepare(); err != nil {
		return nil, err
	}
	g.emit()
	if g.err != nil {
		return nil, g.err
	}
	var buf bytes.Buffer
	if err := g.f.Render(&buf); err != nil {
		return nil, fmt.Errorf("gen: rendering Go for %s: %v", o.Source, err)
	}
	return buf.Bytes(), nil
}

// goEnum is the Go type of an enum variable or message field and its constants.
type goEnum struct {
	typ  string
	vals []string
}

type goGen struct {
	s     *spec.Machine
	o     GoOptions
	f     *jen.File
	err   error
	names map[string]string // package-level identifier -> what declared it

	state, msg, timer, event []string // Go identifiers, by index
	field, enumType          []string // per variable: Snapshot field, enum type ("" unless enum)
	enumVal                  [][]string
	maxSends                 int
	// With message fields (fields true), Message identifies a letter (a
	// message kind with its field values) and Event indexes the machine's
	// inputs: one receipt per letter. kind holds the MessageKind constant of
	// each message; msg the Msg constant of a message without fields and
	// the constructor of one with fields. letter is the letter whose
	// receipt the expressions being rendered read (msg.FIELD).
	fields               bool
	enums                map[*spec.Var]goEnum // every enum variable and message field
	kind                 []string
	letter               *spec.Letter
	sentLists            [][]int // the distinct lists of letters a step sends; 0 is none
	sentBase             []int   // per row, its first list in sentLists (-1: none)
	sentMult             [][]int // per row and message sent, the weight of its letter offset
	replyList            int     // the list the unhandled policy replies with
	failing              bool    // some call row reports an error
	reply                bool    // unhandled messages are answered
	stateT, eventT, setT string  // underlying integer types
}

// reserved are the package-level identifiers the generated code always declares.
var reserved = []string{
	"State", "Event", "Message", "Timer", "TimerSet", "Snapshot", "Effects", "Step", "StepPacked",
	"Unpack", "Initial", "Machine", "SyncMachine", "New", "NewSync", "Option", "WithClock",
	"WithSnapshot", "OnSend", "OnTransition", "OnError", "WithTimerDuration", "Transition", "Row", "Assignment",
	"Transitions", "RejectedError", "ReportedError", "ErrRejected", "ErrReported", "NumStates",
	"NumEvents", "NumMessages", "NumTimers", "MaxSends", "RecvEvent", "TimeoutEvent", "Name",
}

func (g *goGen) declare(id, what string) {
	if prev, ok := g.names[id]; ok && g.err == nil {
		g.err = fmt.Errorf("gen: %s and %s both become the Go identifier %s: rename one", prev, what, id)
	}
	g.names[id] = what
}

func intType(n int) string {
	if n <= 1<<8 {
		return "uint8"
	}
	return "uint16"
}

func (g *goGen) prepare() error {
	s := g.s
	if s.Initial == nil || len(s.States) == 0 {
		return fmt.Errorf("gen: %s: the spec has no initial state", g.o.Source)
	}
	if len(s.Table) != len(s.States) {
		return fmt.Errorf("gen: %s: the spec has no transition table (is it validated?)", g.o.Source)
	}
	if len(s.Timers) > 64 {
		return fmt.Errorf("gen: %s: %d timers: at most 64 are supported", g.o.Source, len(s.Timers))
	}
	if s.Layout.Bits > 64 || s.Layout.StateBits > 16 || (1<<s.Layout.StateBits) < len(s.States) {
		return fmt.Errorf("gen: %s: the snapshot layout does not fit the machine", g.o.Source)
	}
	for _, id := range reserved {
		g.declare(id, "the generated "+id)
	}
	for _, st := range s.States {
		id := "State" + GoName(st.Name)
		g.declare(id, "state "+st.Name)
		g.state = append(g.state, id)
	}
	for _, m := range s.Messages {
		g.fields = g.fields || len(m.Fields) > 0
	}
	if g.fields {
		for _, id := range []string{"MessageKind", "NumLetters", "b2i", "sentLists", "sentOf"} {
			g.declare(id, "the generated "+id)
		}
	}
	methods := map[string]bool{"Kind": true, "String": true, "Valid": true}
	for _, m := range s.Messages {
		id := "Msg" + GoName(m.Name)
		if len(m.Fields) > 0 {
			id = GoName(m.Name)
			if methods[id] && g.err == nil {
				g.err = fmt.Errorf("%s: gen: message %s: its Go accessor %s is a method of Message already: rename the message", m.Pos, m.Name, id)
			}
			g.declare(id+"Fields", "the fields of message "+m.Name)
		}
		g.declare(id, "message "+m.Name)
		g.msg = append(g.msg, id)
		if g.fields {
			k := "Kind" + GoName(m.Name)
			g.declare(k, "the kind of message "+m.Name)
			g.kind = append(g.kind, k)
		}
	}
	for _, t := range s.Timers {
		id := "Timer" + GoName(t.Name)
		g.declare(id, "timer "+t.Name)
		g.timer = append(g.timer, id)
	}
	for _, in := range g.inputs() {
		e := in.Event
		var id string
		switch e.Kind {
		case spec.CallEvent:
			id = "Call" + GoName(e.Name())
		case spec.MessageEvent:
			id = "Recv" + GoName(e.Name())
		default:
			id = "Timeout" + GoName(e.Name())
		}
		if in.Letter != nil && len(in.Letter.Message.Fields) > 0 {
			id = "" // no constant: RecvEvent(Data(...))
		} else {
			g.declare(id, "event "+e.String())
		}
		g.event = append(g.event, id)
	}
	fields := map[string]bool{"State": true, "Timers": true}
	for _, v := range s.Vars {
		f := GoName(v.Name)
		if fields[f] {
			f += "Var"
		}
		if fields[f] && g.err == nil {
			g.err = fmt.Errorf("gen: variable %s: its Go field name %s is taken", v.Name, f)
		}
		fields[f] = true
		g.field = append(g.field, f)
		t, vals := "", []string(nil)
		if v.Kind == spec.Enum {
			t = GoName(v.Name)
			if _, taken := g.names[t]; taken {
				t += "Value"
			}
			g.declare(t, "the type of variable "+v.Name)
			for _, val := range v.Values {
				id := t + GoName(val)
				g.declare(id, "value "+val+" of "+v.Name)
				vals = append(vals, id)
			}
		}
		g.enumType = append(g.enumType, t)
		g.enumVal = append(g.enumVal, vals)
		if v.Width > 32 || v.Offset+v.Width > 64 {
			return fmt.Errorf("gen: %s: variable %s does not fit the snapshot layout", v.Pos, v.Name)
		}
	}
	g.enums = map[*spec.Var]goEnum{}
	for i, v := range s.Vars {
		if v.Kind == spec.Enum {
			g.enums[v] = goEnum{g.enumType[i], g.enumVal[i]}
		}
	}
	for _, m := range s.Messages {
		for _, f := range m.Fields {
			if f.Kind != spec.Enum {
				continue
			}
			t := GoName(m.Name) + GoName(f.Name)
			g.declare(t, "the type of field "+f.Name+" of message "+m.Name)
			e := goEnum{typ: t}
			for _, val := range f.Values {
				id := t + GoName(val)
				g.declare(id, "value "+val+" of field "+f.Name+" of message "+m.Name)
				e.vals = append(e.vals, id)
			}
			g.enums[f] = e
		}
	}
	u := s.Unhandled
	g.reply = u.Messages == spec.ReplyMessage && u.Reply != nil && len(s.Messages) > 0
	g.maxSends = 1
	for _, r := range s.Rows {
		g.maxSends = max(g.maxSends, len(r.Send))
	}
	g.stateT = intType(len(s.States))
	g.eventT = intType(len(g.inputs()))
	if g.fields {
		// RecvEvent returns NumEvents for an invalid message: it must fit.
		g.eventT = intType(len(g.inputs()) + 1)
	}
	if g.fields {
		if err := g.prepareSends(); err != nil {
			return err
		}
	}
	switch n := len(s.Timers); {
	case n <= 8:
		g.setT = "uint8"
	case n <= 16:
		g.setT = "uint16"
	case n <= 32:
		g.setT = "uint32"
	default:
		g.setT = "uint64"
	}
	return g.err
}

func (g *goGen) emit() {
	f := g.f
	f.HeaderComment(fmt.Sprintf("Code generated by fsmgen from %s; DO NOT EDIT.", g.o.Source))
	f.ImportName(runtimePath, "fsm")
	g.emitTypes()
	g.emitSnapshot()
	g.emitEffects()
	g.emitErrors()
	g.emitStep()
	g.emitPacked()
	g.emitTable()
	g.emitMachine()
}

// doc writes a // comment line per line of text at file level.
func (g *goGen) doc(text string) {
	for _, l := range strings.Split(text, "\n") {
		g.f.Comment(l)
	}
}

// docLines is text as // comment lines, ready to precede a declaration.
func docLines(text string) *jen.Statement {
	st := jen.Null()
	for _, l := range strings.Split(text, "\n") {
		st.Comment(l).Line()
	}
	return st
}

// comment writes a doc comment: lead, then the spec's doc text.
func comment(lead, doc string) string {
	doc = strings.TrimSpace(doc)
	if doc == "" {
		return lead
	}
	return lead + "\n" + doc
}

func (g *goGen) machineName() string { return g.s.Name }

// stringer emits constants of type typ with a String method over a packed
// name table, and the stringer-style guard that stops stale code compiling.
func (g *goGen) stringer(typ string, ids, names, docs []string) {
	f := g.f
	gaps := false // some values have no constant: the others say their value
	for _, id := range ids {
		gaps = gaps || id == ""
	}
	if len(ids) > 0 {
		var defs []jen.Code
		for i, id := range ids {
			if id == "" {
				continue
			}
			c := docLines(comment(id+" is "+names[i]+".", docs[i])).Id(id)
			switch {
			case gaps:
				c = c.Id(typ).Op("=").Lit(i)
			case i == 0:
				c = c.Id(typ).Op("=").Iota()
			}
			defs = append(defs, c)
		}
		f.Const().Defs(defs...)
	}
	if len(ids) > 0 && !gaps {
		guard := []jen.Code{jen.Comment("A compile error here means the constants changed: run go generate again."), jen.Var().Id("x").Index(jen.Lit(1)).Struct()}
		for i, id := range ids {
			guard = append(guard, jen.Id("_").Op("=").Id("x").Index(jen.Id(id).Op("-").Lit(i)))
		}
		f.Line()
		f.Func().Id("_").Params().Block(guard...)
	}
	lower := strings.ToLower(typ[:1]) + typ[1:]
	all := strings.Join(names, "")
	idx := make([]jen.Code, 0, len(names)+1)
	n := 0
	idx = append(idx, jen.Lit(0))
	for _, nm := range names {
		n += len(nm)
		idx = append(idx, jen.Lit(n))
	}
	it := "uint16"
	if len(all) < 256 {
		it = "uint8"
	}
	if len(all) >= 1<<16 {
		it = "uint32"
	}
	g.doc(lower + "Names and " + lower + "Index pack the names for String.")
	f.Const().Id(lower + "Names").Op("=").Lit(all)
	f.Var().Id(lower + "Index").Op("=").Index(jen.Op("...")).Id(it).Values(idx...)
	g.doc(fmt.Sprintf("String returns the %s's name as the spec writes it.", lower))
	f.Func().Params(jen.Id("x").Id(typ)).Id("String").Params().String().Block(
		jen.If(jen.Int().Parens(jen.Id("x")).Op(">=").Len(jen.Id(lower+"Index")).Op("-").Lit(1)).Block(
			jen.Return(jen.Lit(typ+"(").Op("+").Qual("strconv", "Itoa").Call(jen.Int().Parens(jen.Id("x"))).Op("+").Lit(")")),
		),
		jen.Return(jen.Id(lower+"Names").Index(jen.Id(lower+"Index").Index(jen.Id("x")).Op(":").Id(lower+"Index").Index(jen.Id("x").Op("+").Lit(1)))),
	)
}

func (g *goGen) emitTypes() {
	s, f := g.s, g.f
	var names, docs []string

	g.doc(comment(fmt.Sprintf("State is a control state of the %s machine.", g.machineName()), ""))
	f.Type().Id("State").Id(g.stateT)
	names, docs = nil, nil
	for _, st := range s.States {
		names, docs = append(names, st.Name), append(docs, st.Doc)
	}
	g.stringer("State", g.state, names, docs)

	for i, v := range s.Vars {
		if v.Kind != spec.Enum {
			continue
		}
		t := g.enumType[i]
		g.doc(comment(fmt.Sprintf("%s is the type of the variable %s.", t, v.Name), v.Doc))
		f.Type().Id(t).Id(intType(len(v.Values)))
		docs = make([]string, len(v.Values))
		g.stringer(t, g.enumVal[i], v.Values, docs)
	}

	if g.fields {
		g.emitLetters()
	} else {
		g.doc("Message is a kind of message the machine sends and receives.")
		f.Type().Id("Message").Id(intType(len(s.Messages)))
		names, docs = nil, nil
		for _, m := range s.Messages {
			names, docs = append(names, m.Name), append(docs, m.Doc)
		}
		g.stringer("Message", g.msg, names, docs)
	}

	g.doc("Timer is one of the machine's timers.")
	f.Type().Id("Timer").Id(intType(len(s.Timers)))
	names, docs = nil, nil
	for _, t := range s.Timers {
		d := fmt.Sprintf("It runs for %s (%s).", t.AfterExpr, t.After)
		if t.AfterExpr == "" || t.AfterExpr == t.After.String() {
			d = fmt.Sprintf("It runs for %s.", t.After)
		}
		names, docs = append(names, t.Name), append(docs, strings.TrimSpace(t.Doc+"\n"+d))
	}
	g.stringer("Timer", g.timer, names, docs)
	durs := make([]jen.Code, len(s.Timers))
	for i, t := range s.Timers {
		durs[i] = durationCode(t.After)
	}
	g.doc("timerAfter is each timer's duration.")
	f.Var().Id("timerAfter").Op("=").Index(jen.Id("NumTimers")).Qual("time", "Duration").Values(durs...)
	g.doc("Duration is how long the timer runs once armed.")
	f.Func().Params(jen.Id("t").Id("Timer")).Id("Duration").Params().Qual("time", "Duration").Block(
		jen.If(jen.Int().Parens(jen.Id("t")).Op("<").Len(jen.Id("timerAfter"))).Block(jen.Return(jen.Id("timerAfter").Index(jen.Id("t")))),
		jen.Return(jen.Lit(0)),
	)
	g.doc("TimerSet is a set of timers, one bit per Timer.")
	f.Type().Id("TimerSet").Id(g.setT)
	g.doc("Has reports whether t is in the set.")
	f.Func().Params(jen.Id("ts").Id("TimerSet")).Id("Has").Params(jen.Id("t").Id("Timer")).Bool().Block(
		jen.Return(jen.Int().Call(jen.Id("t")).Op("<").Id("NumTimers").Op("&&").Id("ts").Op("&").Parens(jen.Lit(1).Op("<<").Id("t")).Op("!=").Lit(0)),
	)

	g.doc(comment("Event is an input of the machine: a call, the receipt of a message, or a timer's expiry.", ""))
	f.Type().Id("Event").Id(g.eventT)
	names, docs = nil, nil
	for _, in := range g.inputs() {
		e := in.Event
		names = append(names, in.String())
		switch e.Kind {
		case spec.CallEvent:
			docs = append(docs, e.Call.Doc)
		case spec.MessageEvent:
			docs = append(docs, "A message "+e.Message.Name+" arrived.")
		default:
			docs = append(docs, "The "+e.Timer.Name+" timer expired.")
		}
	}
	if g.fields {
		g.doc("The receipt of a message with fields has no constant: it is\nRecvEvent(" + g.fieldExample() + ").")
	}
	g.stringer("Event", g.event, names, docs)

	consts := []jen.Code{
		docLines("NumStates is the number of states.").Id("NumStates").Op("=").Lit(len(s.States)),
		docLines("NumEvents is the number of events.").Id("NumEvents").Op("=").Lit(len(g.inputs())),
		docLines("NumMessages is the number of message kinds.").Id("NumMessages").Op("=").Lit(len(s.Messages)),
	}
	if g.fields {
		consts = append(consts, docLines("NumLetters is the number of distinct messages: one per kind and\nvaluation of its fields.").Id("NumLetters").Op("=").Lit(len(s.Letters)))
	}
	consts = append(consts,
		docLines("NumTimers is the number of timers.").Id("NumTimers").Op("=").Lit(len(s.Timers)),
		docLines("MaxSends is the most messages one step sends.").Id("MaxSends").Op("=").Lit(g.maxSends),
		jen.Id("firstRecv").Op("=").Lit(len(s.Calls)),
		jen.Id("firstTimeout").Op("=").Lit(len(g.inputs())-len(s.Timers)),
	)
	f.Const().Defs(consts...)
	if g.fields {
		g.doc("RecvEvent is the event of message m arriving, with its field values. An\ninvalid m gives NumEvents, which Step rejects.")
		f.Func().Id("RecvEvent").Params(jen.Id("m").Id("Message")).Id("Event").Block(
			jen.If(jen.Id("m").Op(">=").Id("NumLetters")).Block(jen.Return(jen.Id("NumEvents"))),
			jen.Return(jen.Id("firstRecv").Op("+").Id("Event").Call(jen.Id("m"))),
		)
		g.doc("Message returns the message whose arrival e is, with its field values,\nand false when e is not an arrival (for OnTransition hooks, say).")
		f.Func().Params(jen.Id("e").Id("Event")).Id("Message").Params().Params(jen.Id("Message"), jen.Bool()).Block(
			jen.If(jen.Id("e").Op("<").Id("firstRecv").Op("||").Id("e").Op(">=").Id("firstTimeout")).Block(jen.Return(jen.Id("NumLetters"), jen.False())),
			jen.Return(jen.Id("Message").Call(jen.Id("e").Op("-").Id("firstRecv")), jen.True()),
		)
	} else {
		g.doc("RecvEvent is the event of message m arriving.")
		f.Func().Id("RecvEvent").Params(jen.Id("m").Id("Message")).Id("Event").Block(jen.Return(jen.Id("firstRecv").Op("+").Id("Event").Call(jen.Id("m"))))
	}
	g.doc("TimeoutEvent is the event of timer t expiring.")
	f.Func().Id("TimeoutEvent").Params(jen.Id("t").Id("Timer")).Id("Event").Block(jen.Return(jen.Id("firstTimeout").Op("+").Id("Event").Call(jen.Id("t"))))
}

func durationCode(d time.Duration) jen.Code {
	units := []struct {
		d    time.Duration
		name string
	}{{time.Hour, "Hour"}, {time.Minute, "Minute"}, {time.Second, "Second"}, {time.Millisecond, "Millisecond"}, {time.Microsecond, "Microsecond"}}
	for _, u := range units {
		if d != 0 && d%u.d == 0 {
			if d == u.d {
				return jen.Qual("time", u.name)
			}
			return jen.Lit(int(d/u.d)).Op("*").Qual("time", u.name)
		}
	}
	return jen.Lit(int(d))
}

func (g *goGen) varType(i int) jen.Code {
	switch g.s.Vars[i].Kind {
	case spec.Bool:
		return jen.Bool()
	case spec.Enum:
		return jen.Id(g.enumType[i])
	}
	return jen.Int()
}

// value renders the decoded value val of variable i as a Go constant.
func (g *goGen) value(i, val int) jen.Code {
	switch g.s.Vars[i].Kind {
	case spec.Bool:
		return jen.Lit(val != 0)
	case spec.Enum:
		if val >= 0 && val < len(g.enumVal[i]) {
			return jen.Id(g.enumVal[i][val])
		}
	}
	return jen.Lit(val)
}

func (g *goGen) emitSnapshot() {
	s, f := g.s, g.f
	fields := []jen.Code{jen.Id("State").Id("State")}
	for i, v := range s.Vars {
		fields = append(fields, docLines(comment(g.field[i]+" is the variable "+v.Name+".", v.Doc)).Id(g.field[i]).Add(g.varType(i)))
	}
	fields = append(fields, docLines("Timers is the set of armed timers.").Id("Timers").Id("TimerSet"))
	g.doc("Snapshot is everything the machine remembers: its control state, its\nvariables and its armed timers. It is a comparable value.")
	f.Type().Id("Snapshot").Struct(fields...)

	init := jen.Dict{jen.Id("State"): jen.Id(g.state[s.Initial.Index])}
	for i, v := range s.Vars {
		init[jen.Id(g.field[i])] = g.value(i, v.Init)
	}
	g.doc("Initial returns the initial snapshot: the initial state, every variable at\nits initial value, no timer armed.")
	f.Func().Id("Initial").Params().Id("Snapshot").Block(jen.Return(jen.Id("Snapshot").Values(init)))

	// Pack and Unpack follow spec.Layout bit for bit.
	L := s.Layout
	pack := []jen.Code{jen.Id("w").Op(":=").Uint64().Call(jen.Id("s").Dot("State")).Op("&").Add(mask(L.StateBits))}
	unpack := []jen.Code{jen.Var().Id("s").Id("Snapshot"), jen.Id("s").Dot("State").Op("=").Id("State").Call(jen.Id("w").Op("&").Add(mask(L.StateBits)))}
	if L.StateBits == 0 { // one state: it takes no bits
		pack = []jen.Code{jen.Id("w").Op(":=").Uint64().Call(jen.Lit(0))}
		unpack = []jen.Code{jen.Var().Id("s").Id("Snapshot")}
	}
	for i, v := range s.Vars {
		if v.Width == 0 {
			continue // a variable with one value needs no bits
		}
		fd := jen.Id("s").Dot(g.field[i])
		bits := jen.Id("w").Op(">>").Lit(int(v.Offset)).Op("&").Add(mask(v.Width))
		switch v.Kind {
		case spec.Bool:
			pack = append(pack, jen.If(fd).Block(jen.Id("w").Op("|=").Lit(1).Op("<<").Lit(int(v.Offset))))
			unpack = append(unpack, fd.Clone().Op("=").Add(bits).Op("!=").Lit(0))
		case spec.Enum:
			pack = append(pack, jen.Id("w").Op("|=").Parens(jen.Uint64().Call(fd).Op("&").Add(mask(v.Width))).Op("<<").Lit(int(v.Offset)))
			unpack = append(unpack, fd.Clone().Op("=").Id(g.enumType[i]).Call(bits))
		default:
			code, val := fd.Clone(), jen.Int().Call(bits)
			if v.Min != 0 {
				code, val = code.Op("-").Lit(v.Min), val.Op("+").Lit(v.Min)
			}
			pack = append(pack, jen.Id("w").Op("|=").Parens(jen.Uint64().Call(code).Op("&").Add(mask(v.Width))).Op("<<").Lit(int(v.Offset)))
			unpack = append(unpack, fd.Clone().Op("=").Add(val))
		}
	}
	if len(s.Timers) > 0 {
		pack = append(pack, jen.Id("w").Op("|=").Parens(jen.Uint64().Call(jen.Id("s").Dot("Timers")).Op("&").Add(mask(uint(len(s.Timers))))).Op("<<").Lit(int(L.TimerOffset)))
		unpack = append(unpack, jen.Id("s").Dot("Timers").Op("=").Id("TimerSet").Call(jen.Id("w").Op(">>").Lit(int(L.TimerOffset)).Op("&").Add(mask(uint(len(s.Timers))))))
	}
	pack = append(pack, jen.Return(jen.Id("w")))
	unpack = append(unpack, jen.Return(jen.Id("s")))
	g.doc(fmt.Sprintf("Pack encodes the snapshot in the %d-bit layout the model checker uses\n(spec.Layout): the state in the low %d bits, each variable's code at its\noffset, one bit per timer from bit %d.", L.Bits, L.StateBits, L.TimerOffset))
	f.Func().Params(jen.Id("s").Id("Snapshot")).Id("Pack").Params().Uint64().Block(pack...)
	g.doc("Unpack decodes a snapshot that Pack encoded.")
	f.Func().Id("Unpack").Params(jen.Id("w").Uint64()).Id("Snapshot").Block(unpack...)

	// String, for logs and tests.
	body := []jen.Code{
		jen.Var().Id("b").Qual("strings", "Builder"),
		jen.Id("b").Dot("WriteString").Call(jen.Id("s").Dot("State").Dot("String").Call()),
	}
	for i, v := range s.Vars {
		fd := jen.Id("s").Dot(g.field[i])
		var str jen.Code
		switch v.Kind {
		case spec.Bool:
			str = jen.Qual("strconv", "FormatBool").Call(fd)
		case spec.Enum:
			str = fd.Dot("String").Call()
		default:
			str = jen.Qual("strconv", "Itoa").Call(fd)
		}
		body = append(body, jen.Id("b").Dot("WriteString").Call(jen.Lit(" "+v.Name+"=").Op("+").Add(str)))
	}
	body = append(body,
		jen.For(jen.Id("t").Op(":=").Id("Timer").Call(jen.Lit(0)), jen.Id("t").Op("<").Id("NumTimers"), jen.Id("t").Op("++")).Block(
			jen.If(jen.Id("s").Dot("Timers").Dot("Has").Call(jen.Id("t"))).Block(
				jen.Id("b").Dot("WriteString").Call(jen.Lit(" +").Op("+").Id("t").Dot("String").Call()),
			),
		),
		jen.Return(jen.Id("b").Dot("String").Call()),
	)
	g.doc("String renders the snapshot as \"STATE var=value... +armed_timer...\".")
	f.Func().Params(jen.Id("s").Id("Snapshot")).Id("String").Params().String().Block(body...)
}

func mask(bits uint) jen.Code {
	if bits >= 64 {
		return jen.Id("^").Uint64().Call(jen.Lit(0))
	}
	return jen.Id(fmt.Sprintf("%#x", uint64(1)<<bits-1))
}

func (g *goGen) emitEffects() {
	f := g.f
	fields := []jen.Code{docLines("Row is the index in Transitions of the row that fired, or -1 when none did\n(the event was unhandled or rejected).").Id("Row").Int()}
	if g.fields {
		fields = append(fields, jen.Id("sent").Uint32().Comment("the messages sent, with their field values: an index in sentLists"))
	} else if g.reply {
		fields = append(fields, jen.Id("reply").Bool().Comment("an unhandled message: the unhandled policy replies"))
	}
	g.doc("Effects is what one step does besides changing the snapshot: the row that\nfired. Its methods read the row's messages, timer actions and error from\nstatic tables, so Effects stays a word or two that Step returns in\nregisters.")
	f.Type().Id("Effects").Struct(fields...)
	fx := func() *jen.Statement { return jen.Id("fx") }
	recv := jen.Id("fx").Id("Effects")
	inRange := func(table string) *jen.Statement {
		return jen.Uint().Call(fx().Dot("Row")).Op("<").Uint().Call(jen.Len(jen.Id(table)))
	}
	sent := []jen.Code{
		jen.If(inRange("actions")).Block(
			jen.Id("a").Op(":=").Op("&").Id("actions").Index(fx().Dot("Row")),
			jen.Return(jen.Id("a").Dot("sends").Index(jen.Op(":").Id("a").Dot("numSends").Op(":").Id("a").Dot("numSends"))),
		),
	}
	if g.reply {
		sent = append(sent, jen.If(fx().Dot("reply")).Block(jen.Return(jen.Id("replySends").Index(jen.Op(":")))))
	}
	sent = append(sent, jen.Return(jen.Nil()))
	if g.fields {
		sent = []jen.Code{
			jen.If(jen.Uint64().Call(fx().Dot("sent")).Op("<").Uint64().Call(jen.Len(jen.Id("sentLists")))).Block(jen.Return(jen.Id("sentLists").Index(fx().Dot("sent")))),
			jen.Return(jen.Nil()),
		}
	}
	g.doc("Sent returns the messages to send, in order. The slice is shared by every\nstep with the same effects and must not be modified; it does not allocate.")
	f.Func().Params(recv).Id("Sent").Params().Index().Id("Message").Block(sent...)
	for _, t := range []struct{ name, field, doc string }{
		{"Stop", "stop", "Stop is the set of timers the row disarms (before it arms any)."},
		{"Start", "start", "Start is the set of timers the row starts: a running timer keeps running."},
		{"Restart", "restart", "Restart is the set of timers the row restarts: each begins a new period."},
	} {
		g.doc(t.doc)
		f.Func().Params(recv).Id(t.name).Params().Id("TimerSet").Block(
			jen.If(inRange("actions")).Block(jen.Return(jen.Id("actions").Index(fx().Dot("Row")).Dot(t.field))),
			jen.Return(jen.Lit(0)),
		)
	}
	g.doc("ErrorText is the error the row reports to the user, or \"\". A call row\nwith an error is a failed call (Step returns its *ReportedError); a message\nor timeout row with one took effect and reports it (Machine calls OnError).")
	f.Func().Params(recv).Id("ErrorText").Params().String().Block(
		jen.If(inRange("rowErrors")).Block(jen.Return(jen.Id("rowErrors").Index(fx().Dot("Row")))),
		jen.Return(jen.Lit("")),
	)
}

func (g *goGen) emitErrors() {
	f, name := g.f, g.machineName()
	f.Var().Defs(
		docLines("ErrRejected is wrapped by every RejectedError (it is fsm.ErrRejected).").Id("ErrRejected").Op("=").Qual(runtimePath, "ErrRejected"),
		docLines("ErrReported is wrapped by every ReportedError (it is fsm.ErrReported).").Id("ErrReported").Op("=").Qual(runtimePath, "ErrReported"),
	)
	g.doc("RejectedError is the error for an event that no transition handles in a\nstate and that the spec's unhandled policy rejects; nothing changed.\nStep returns a pointer to a shared, preallocated value, so rejecting does\nnot allocate and equal rejections are equal errors. Match it with\nerrors.Is(err, ErrRejected) or errors.As(err, new(*RejectedError)).")
	f.Type().Id("RejectedError").Struct(jen.Id("state").Id("State"), jen.Id("event").Id("Event"))
	g.doc("State is the state the event was rejected in.")
	f.Func().Params(jen.Id("e").Op("*").Id("RejectedError")).Id("State").Params().Id("State").Block(jen.Return(jen.Id("e").Dot("state")))
	g.doc("Event is the rejected event.")
	f.Func().Params(jen.Id("e").Op("*").Id("RejectedError")).Id("Event").Params().Id("Event").Block(jen.Return(jen.Id("e").Dot("event")))
	g.doc("Error names the machine, the event and the state.")
	f.Func().Params(jen.Id("e").Op("*").Id("RejectedError")).Id("Error").Params().String().Block(
		jen.Return(jen.Lit(name + ": ").Op("+").Id("e").Dot("event").Dot("String").Call().Op("+").Lit(" in state ").Op("+").Id("e").Dot("state").Dot("String").Call().Op("+").Lit(": event rejected")),
	)
	g.doc("Unwrap returns ErrRejected.")
	f.Func().Params(jen.Id("e").Op("*").Id("RejectedError")).Id("Unwrap").Params().Error().Block(jen.Return(jen.Id("ErrRejected")))
	g.doc("rejections holds the preallocated rejection of every (state, event),\nand one more state and event for values out of range.")
	f.Var().Id("rejections").Op("=").Func().Params().Parens(jen.Id("t").Index(jen.Id("NumStates").Op("+").Lit(1)).Index(jen.Id("NumEvents").Op("+").Lit(1)).Id("RejectedError")).Block(
		jen.For(jen.Id("s").Op(":=").Range().Id("t")).Block(
			jen.For(jen.Id("e").Op(":=").Range().Id("t").Index(jen.Id("s"))).Block(
				jen.Id("t").Index(jen.Id("s")).Index(jen.Id("e")).Op("=").Id("RejectedError").Values(jen.Id("State").Call(jen.Id("s")), jen.Id("Event").Call(jen.Id("e"))),
			),
		),
		jen.Return(),
	).Call()
	g.doc("reject returns the rejection of e in s. A state or event out of range\n(from an unchecked conversion) is reported as NumStates or NumEvents, so\nthat rejecting never allocates.")
	f.Func().Id("reject").Params(jen.Id("s").Id("State"), jen.Id("e").Id("Event")).Error().Block(
		jen.Return(jen.Op("&").Id("rejections").Index(jen.Min(jen.Id("s"), jen.Id("NumStates"))).Index(jen.Min(jen.Id("e"), jen.Id("NumEvents")))),
	)

	g.doc("ReportedError is an error a row of the spec reports to the user. On a\ncall, it is a failed call (\"connection does not exist\"): nothing changed.\nOn a message or timeout, the transition happened and reports it\n(\"connection reset\"). It is a pointer to a shared, preallocated value per\nrow. Match it with errors.Is(err, ErrReported).")
	f.Type().Id("ReportedError").Struct(jen.Id("row").Int())
	g.doc("Row is the index in Transitions of the row that reported the error.")
	f.Func().Params(jen.Id("e").Op("*").Id("ReportedError")).Id("Row").Params().Int().Block(jen.Return(jen.Id("e").Dot("row")))
	g.doc("Error returns the text the spec gives the error.")
	f.Func().Params(jen.Id("e").Op("*").Id("ReportedError")).Id("Error").Params().String().Block(
		jen.Return(jen.Lit(name + ": ").Op("+").Id("rowErrors").Index(jen.Id("e").Dot("row"))),
	)
	g.doc("Unwrap returns ErrReported.")
	f.Func().Params(jen.Id("e").Op("*").Id("ReportedError")).Id("Unwrap").Params().Error().Block(jen.Return(jen.Id("ErrReported")))
	errs := make([]jen.Code, len(g.s.Rows))
	reps := make([]jen.Code, len(g.s.Rows))
	for i, r := range g.s.Rows {
		errs[i] = jen.Lit(r.Error)
		reps[i] = jen.Values(jen.Lit(i))
	}
	g.doc("rowErrors and reported hold each row's error text and preallocated error.")
	f.Var().Id("rowErrors").Op("=").Index(jen.Op("...")).String().Values(multiline(errs)...)
	f.Var().Id("reported").Op("=").Index(jen.Op("...")).Id("ReportedError").Values(multiline(reps)...)
}

// multiline puts each element of a composite literal on its own line.
func multiline(cs []jen.Code) []jen.Code {
	if len(cs) == 0 {
		return cs
	}
	out := make([]jen.Code, 0, len(cs)+1)
	for _, c := range cs {
		out = append(out, jen.Line().Add(c))
	}
	return append(out, jen.Line())
}

// Guards and set values become Go expressions over the snapshot s.

var goPrec = map[token.Token]int{
	token.LOR: 1, token.LAND: 2,
	token.EQL: 3, token.NEQ: 3, token.LSS: 3, token.LEQ: 3, token.GTR: 3, token.GEQ: 3,
	token.ADD: 4, token.SUB: 4, token.MUL: 5, token.QUO: 5, token.REM: 5,
}

// expr renders e with operators of precedence below prec parenthesised.
func (g *goGen) expr(e spec.Expr, prec int) jen.Code {
	if v, ok := g.folded(e); ok {
		return g.constCode(e.Type(), v, prec)
	}
	switch e := e.(type) {
	case *spec.Const:
		switch e.T.Kind {
		case spec.BoolType:
			return jen.Lit(e.Val != 0)
		case spec.IntType:
			return jen.Lit(e.Val)
		case spec.EnumType:
			if en, ok := g.enums[e.T.Enum]; ok && e.Val >= 0 && e.Val < len(en.vals) {
				return jen.Id(en.vals[e.Val])
			}
		case spec.StateType:
			if e.Val >= 0 && e.Val < len(g.state) {
				return jen.Id(g.state[e.Val])
			}
		}
	case *spec.VarRef:
		if e.Peer < 0 && e.Var != nil && e.Var.Index < len(g.field) {
			return jen.Id("s").Dot(g.field[e.Var.Index])
		}
	case *spec.MsgField:
		// Read where no letter is being rendered: an error below.
	case *spec.Unary:
		x := g.expr(e.X, 6)
		if e.Op == token.NOT {
			return jen.Op("!").Add(x)
		}
		return jen.Op("-").Add(x)
	case *spec.Binary:
		p, ok := goPrec[e.Op]
		if !ok {
			break
		}
		if v, ok := g.decided(e); ok {
			return jen.Lit(v != 0)
		}
		if e.Op == token.LAND || e.Op == token.LOR {
			// A side that the letter received decides drops out.
			if _, ok := g.decided(e.X); ok {
				return g.expr(e.Y, prec)
			}
			if _, ok := g.decided(e.Y); ok {
				return g.expr(e.X, prec)
			}
		}
		x, y := g.expr(e.X, p), g.expr(e.Y, p+1)
		if tx, ty := e.X.Type(), e.Y.Type(); p == 3 && tx.Kind == spec.EnumType && ty.Kind == spec.EnumType && tx.Enum != ty.Enum {
			// Enums of different variables or fields compare by value.
			x, y = jen.Int().Call(g.expr(e.X, 0)), jen.Int().Call(g.expr(e.Y, 0))
		}
		c := jen.Add(x).Op(e.Op.String()).Add(y)
		if p < prec {
			return jen.Parens(c)
		}
		return c
	case *spec.Implies:
		// x => y is !x || y.
		c := jen.Op("!").Add(g.expr(e.X, 6)).Op("||").Add(g.expr(e.Y, 1))
		if prec > 1 {
			return jen.Parens(c)
		}
		return c
	case *spec.Cond:
		// Go has no conditional expression: a function literal called at
		// once evaluates only the chosen branch (the compiler inlines it).
		t := g.exprType(e.Type())
		if t == nil {
			break
		}
		if v, ok := g.decided(e.If); ok {
			// The letter received chooses the branch.
			if v != 0 {
				return g.exprAs(e.Type(), e.Then)
			}
			return g.exprAs(e.Type(), e.Else)
		}
		return jen.Func().Params().Add(t).Block(
			jen.If(g.expr(e.If, 0)).Block(jen.Return(g.exprAs(e.Type(), e.Then))),
			jen.Return(g.exprAs(e.Type(), e.Else)),
		).Call()
	}
	if g.err == nil {
		g.err = fmt.Errorf("%s: gen: %s cannot be used in a transition", e.Pos(), e)
	}
	return jen.Lit(false)
}

// exprType is the Go type of a guard or set value of type t.
func (g *goGen) exprType(t spec.Type) jen.Code {
	switch t.Kind {
	case spec.BoolType:
		return jen.Bool()
	case spec.IntType:
		return jen.Int()
	case spec.EnumType:
		if en, ok := g.enums[t.Enum]; ok {
			return jen.Id(en.typ)
		}
	}
	return nil
}

// exprAs renders x as a value of type t: a value of another enum with the
// same values (a message field copied to a variable, say) is converted.
func (g *goGen) exprAs(t spec.Type, x spec.Expr) jen.Code {
	if xt := x.Type(); t.Kind == spec.EnumType && xt.Kind == spec.EnumType && xt.Enum != t.Enum {
		if en, ok := g.enums[t.Enum]; ok {
			return jen.Id(en.typ).Call(g.expr(x, 0))
		}
	}
	return g.expr(x, 0)
}

// folded reports the value of e when it reads the message being received
// (g.letter) and no variable: it is then a constant, rendered as one.
func (g *goGen) folded(e spec.Expr) (int, bool) {
	if g.letter == nil || !readsMsg(e) {
		return 0, false
	}
	constant := true
	spec.Walk(e, func(x spec.Expr) {
		switch x.(type) {
		case *spec.Const, *spec.MsgField, *spec.Unary, *spec.Binary, *spec.Implies, *spec.Cond:
		default:
			constant = false
		}
	})
	if !constant {
		return 0, false
	}
	return spec.Eval(e, letterEnv{g.letter}), true
}

// decided reports the value of e when the letter received decides it: e
// is folded, or an && or || one of whose sides is decided and decides it.
func (g *goGen) decided(e spec.Expr) (int, bool) {
	if v, ok := g.folded(e); ok || e == nil || g.letter == nil {
		return v, ok
	}
	if c, ok := e.(*spec.Cond); ok {
		if v, ok := g.decided(c.If); ok {
			if v != 0 {
				return g.sendConst(c.Then)
			}
			return g.sendConst(c.Else)
		}
		return 0, false
	}
	b, ok := e.(*spec.Binary)
	if !ok || (b.Op != token.LAND && b.Op != token.LOR) {
		return 0, false
	}
	short := 0 // the value of a side that decides the operator
	if b.Op == token.LOR {
		short = 1
	}
	vx, okx := g.decided(b.X)
	vy, oky := g.decided(b.Y)
	switch {
	case okx && b2i(vx != 0) == short, oky && b2i(vy != 0) == short:
		return short, true
	case okx && oky:
		return 1 - short, true
	}
	return 0, false
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sendConst reports the value of a sent field value that reads no
// variable: a constant, or one the letter received decides.
func (g *goGen) sendConst(e spec.Expr) (int, bool) {
	if v, ok := g.decided(e); ok {
		return v, true
	}
	if e == nil || readsMsg(e) {
		return 0, false
	}
	constant := true
	spec.Walk(e, func(x spec.Expr) {
		switch x.(type) {
		case *spec.Const, *spec.Unary, *spec.Binary, *spec.Implies, *spec.Cond:
		default:
			constant = false
		}
	})
	if !constant {
		return 0, false
	}
	return spec.Eval(e, letterEnv{}), true
}

// letterEnv evaluates expressions that read only a letter's fields.
type letterEnv struct{ l *spec.Letter }

func (letterEnv) Var(int, *spec.Var) int       { return 0 }
func (letterEnv) State(int) int                { return 0 }
func (letterEnv) Armed(int, *spec.Timer) bool  { return false }
func (letterEnv) Count(int, *spec.Message) int { return 0 }
func (e letterEnv) Msg(name string) int {
	if e.l == nil {
		return 0
	}
	v, _ := e.l.Value(name)
	return v
}

// constCode renders the value v of type t.
func (g *goGen) constCode(t spec.Type, v, prec int) jen.Code {
	switch t.Kind {
	case spec.BoolType:
		return jen.Lit(v != 0)
	case spec.EnumType:
		if en, ok := g.enums[t.Enum]; ok && v >= 0 && v < len(en.vals) {
			return jen.Id(en.vals[v])
		}
	}
	if v < 0 && prec > 5 {
		return jen.Parens(jen.Lit(v))
	}
	return jen.Lit(v)
}

func timerMask(ts []*spec.Timer, ids []string) jen.Code {
	var c *jen.Statement
	for _, t := range ts {
		bit := jen.Id("TimerSet").Call(jen.Lit(1)).Op("<<").Id(ids[t.Index])
		if c == nil {
			c = bit
		} else {
			c = c.Op("|").Add(bit)
		}
	}
	return c
}

func (g *goGen) rowSummary(r *spec.Row) string {
	return fmt.Sprintf("%s (%s)", rowLine(g.s, r), g.pos(r.Pos))
}

func (g *goGen) pos(p spec.Pos) string {
	return spec.Pos{File: g.o.Source, Line: p.Line, Col: p.Col}.String()
}

// maxCells bounds the precomputed table of Step: (1 << control bits) *
// events cells. A spec whose variables make it larger gets a Step that
// works each cell out from the rows on every call instead.
var maxCells = 1 << 14

func smallestInt(n int) string {
	switch {
	case n < 1<<7:
		return "int8"
	case n < 1<<15:
		return "int16"
	}
	return "int32"
}

func (g *goGen) emitStep() {
	s, f := g.s, g.f
	id := jen.Id
	rowT := smallestInt(len(s.Rows) + 1)
	// rowOf: for each (state, event), the single row without a guard, -1
	// for none, or -2 when guards decide (matchGuarded).
	failing := false // some call row reports an error: the call fails
	var guarded []jen.Code
	byState := make([]jen.Code, len(s.States))
	for si, byEvent := range s.Table {
		vals := make([]jen.Code, len(g.inputs()))
		for ei, in := range g.inputs() {
			ev := in.Event
			var rows []*spec.Row
			if ev.Index < len(byEvent) {
				rows = byEvent[ev.Index]
			}
			g.letter = in.Letter
			// A guard that reads only the letter received is decided here.
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
			for _, r := range rows {
				failing = failing || (r.Error != "" && ev.Kind == spec.CallEvent)
			}
		}
		byState[si] = jen.Comment(s.States[si].Name).Line().Values(vals...)
	}
	g.letter = nil
	g.failing = failing
	g.doc("rowOf[state][event] is the row that handles the event in the state when\nno guard decides: -1 for none, -2 when guards decide (matchGuarded).")
	f.Var().Id("rowOf").Op("=").Index(id("NumStates")).Index(id("NumEvents")).Id(rowT).Values(multiline(byState)...)

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

	// Rows as data: each row's sends, timer actions, target and whether it
	// sets variables; only set values need code (assign).
	acts := make([]jen.Code, len(s.Rows))
	var setCases []jen.Code
	for i, r := range s.Rows {
		a := jen.Dict{}
		if len(r.Send) > 0 && !g.fields {
			var ms []jen.Code
			for _, m := range r.Send {
				ms = append(ms, id(g.msg[m.Index]))
			}
			a[id("sends")] = jen.Index(id("MaxSends")).Id("Message").Values(ms...)
			a[id("numSends")] = jen.Lit(len(r.Send))
		}
		for k, ts := range [][]*spec.Timer{r.Stop, r.Start, r.Restart} {
			if len(ts) > 0 {
				a[id([]string{"stop", "start", "restart"}[k])] = timerMask(ts, g.timer)
			}
		}
		if r.To != nil {
			a[id("to")] = id(g.state[r.To.Index])
		} else {
			a[id("stay")] = jen.True()
		}
		if len(r.Set) > 0 {
			a[id("set")] = jen.True()
			body := g.perLetter(r, setReadsMsg(r), func() []jen.Code {
				var body []jen.Code
				for _, as := range r.Set {
					body = append(body, id("n").Dot(g.field[as.Var.Index]).Op("=").Add(g.exprAs(spec.Type{Kind: spec.EnumType, Enum: as.Var}, as.Value)))
				}
				return body
			})
			setCases = append(setCases, jen.Case(jen.Lit(r.Index)).Block(body...))
		}
		acts[i] = jen.Comment(g.rowSummary(r)).Line().Values(a)
	}
	g.doc("rowAction is what a row does, as data.")
	var sendFields []jen.Code
	if !g.fields {
		sendFields = []jen.Code{id("sends").Index(id("MaxSends")).Id("Message"), id("numSends").Uint8()}
	}
	f.Type().Id("rowAction").Struct(append(sendFields,
		id("stop").Id("TimerSet"),
		id("start").Id("TimerSet"),
		id("restart").Id("TimerSet"),
		id("to").Id("State"),
		id("stay").Bool(),
		id("set").Bool().Comment("the row sets variables: see assign"),
	)...)
	g.doc("actions[r] is what row r of Transitions does.")
	f.Var().Id("actions").Op("=").Index(jen.Op("...")).Id("rowAction").Values(multiline(acts)...)
	if g.reply && !g.fields {
		g.doc("replySends is what the unhandled policy answers an unhandled message with.")
		f.Var().Id("replySends").Op("=").Index(jen.Op("...")).Id("Message").Values(id(g.msg[s.Unhandled.Reply.Index]))
	}
	assignBody := []jen.Code{id("n").Op(":=").Id("s")}
	if len(setCases) > 0 {
		assignBody = append(assignBody, jen.Switch(id("r")).Block(setCases...))
	} else {
		assignBody = append(assignBody, id("_").Op("=").Id("r"))
	}
	assignBody = append(assignBody, jen.Return(id("n")))
	// With message fields, a set value may read the message received (e).
	rowParams := []jen.Code{id("s").Id("Snapshot"), id("r").Int()}
	rowArgs := []jen.Code{id("s"), id("r")}
	if g.fields {
		rowParams = append(rowParams, id("e").Id("Event"))
		rowArgs = append(rowArgs, id("e"))
	}
	g.doc("assign carries out the set actions of row r: values read the old\nsnapshot s and are written to a copy, so they take effect simultaneously.")
	f.Func().Id("assign").Params(rowParams...).Id("Snapshot").Block(assignBody...)
	g.doc("fire applies row r to s: stopped timers are disarmed, then started and\nrestarted ones armed; the state becomes the row's target.")
	f.Func().Id("fire").Params(rowParams...).Id("Snapshot").Block(
		id("a").Op(":=").Op("&").Id("actions").Index(id("r")),
		jen.If(id("a").Dot("set")).Block(id("s").Op("=").Id("assign").Call(rowArgs...)),
		jen.If(jen.Op("!").Id("a").Dot("stay")).Block(id("s").Dot("State").Op("=").Id("a").Dot("to")),
		id("s").Dot("Timers").Op("=").Id("s").Dot("Timers").Op("&^").Id("a").Dot("stop").Op("|").Id("a").Dot("start").Op("|").Id("a").Dot("restart"),
		jen.Return(id("s")),
	)

	// stepRows: the semantics, row by row.
	u := s.Unhandled
	rows := []jen.Code{id("n").Op(":=").Id("s")}
	if len(s.Timers) > 0 {
		rows = append(rows, jen.If(id("e").Op(">=").Id("firstTimeout")).Block(
			jen.Comment("A timer that has fired is no longer running; a row that wants it again restarts it."),
			id("n").Dot("Timers").Op("&^=").Lit(1).Op("<<").Parens(id("e").Op("-").Id("firstTimeout")),
		))
	}
	unhandled := []jen.Code{}
	if len(s.Calls) > 0 && u.Calls != spec.IgnoreCall {
		unhandled = append(unhandled, jen.If(id("e").Op("<").Id("firstRecv")).Block(
			jen.Return(id("s"), jen.Lit(-1), id("reject").Call(id("s").Dot("State"), id("e"))),
		))
	}
	unhandled = append(unhandled, jen.Return(id("n"), jen.Lit(-1), jen.Nil()))
	rows = append(rows,
		id("r").Op(":=").Id("match").Call(id("s"), id("e")),
		jen.If(id("r").Op("<").Lit(0)).Block(unhandled...),
	)
	if failing {
		rows = append(rows, jen.If(id("e").Op("<").Id("firstRecv").Op("&&").Id("rowErrors").Index(id("r")).Op("!=").Lit("")).Block(
			jen.Comment("A call row with an error is a failed call; it has no other effect."),
			jen.Return(id("s"), id("r"), jen.Op("&").Id("reported").Index(id("r"))),
		))
	}
	if g.fields {
		rows = append(rows, jen.Return(id("fire").Call(id("n"), id("r"), id("e")), id("r"), jen.Nil()))
	} else {
		rows = append(rows, jen.Return(id("fire").Call(id("n"), id("r")), id("r"), jen.Nil()))
	}
	g.doc("stepRows applies e to s row by row, as docs/semantics.md says: the\nreference that fills Step's table. s and e are in range. It returns the\nnext snapshot (s itself with an error), the row that fired (-1 for none)\nand the error of a rejected event or a failed call.")
	f.Func().Id("stepRows").Params(id("s").Id("Snapshot"), id("e").Id("Event")).Params(id("Snapshot"), jen.Int(), jen.Error()).Block(rows...)

	// valid, index and fromIndex: the state and variables as Step's table
	// sees them. index clamps each to one slot past its range, so that an
	// out-of-range snapshot finds a rejection in the table.
	valid := jen.Id("s").Dot("State").Op("<").Id("NumStates")
	off := bits.Len(uint(len(s.States)))
	index := []jen.Code{id("i").Op(":=").Uint().Call(jen.Min(id("s").Dot("State"), id("NumStates")))}
	off0 := off
	type varSlot struct {
		i, off, w int
	}
	var slots []varSlot
	from := []jen.Code{
		jen.Var().Id("s").Id("Snapshot"),
		id("s").Dot("State").Op("=").Id("State").Call(id("i").Op("&").Add(mask(uint(off)))),
	}
	for i, v := range s.Vars {
		fd := func() *jen.Statement { return id("s").Dot(g.field[i]) }
		size := v.Size()
		w := bits.Len(uint(size))
		code := id("i").Op(">>").Lit(off).Op("&").Add(mask(uint(w)))
		switch v.Kind {
		case spec.Bool:
			w = 1
			index = append(index, jen.If(fd()).Block(id("i").Op("|=").Lit(1).Op("<<").Lit(off)))
			from = append(from, fd().Op("=").Id("i").Op(">>").Lit(off).Op("&").Lit(1).Op("!=").Lit(0))
		case spec.Enum:
			valid = valid.Op("&&").Add(fd()).Op("<").Lit(size)
			index = append(index, id("i").Op("|=").Uint().Call(jen.Min(fd(), jen.Lit(size))).Op("<<").Lit(off))
			from = append(from, fd().Op("=").Id(g.enumType[i]).Call(code))
		default:
			if v.Min == v.Max {
				valid = valid.Op("&&").Add(fd()).Op("==").Lit(v.Min)
			} else {
				valid = valid.Op("&&").Add(fd()).Op(">=").Lit(v.Min).Op("&&").Add(fd()).Op("<=").Lit(v.Max)
			}
			val, c := jen.Int().Call(code), fd()
			switch {
			case v.Min > 0:
				val, c = val.Op("+").Lit(v.Min), fd().Op("-").Lit(v.Min)
			case v.Min < 0:
				val, c = val.Op("-").Lit(-v.Min), fd().Op("+").Lit(-v.Min)
			}
			index = append(index, id("i").Op("|=").Min(jen.Uint().Call(c), jen.Lit(size)).Op("<<").Lit(off))
			from = append(from, fd().Op("=").Add(val))
		}
		slots = append(slots, varSlot{i, off, w})
		off += w
	}
	from = append(from, jen.Return(id("s")))
	index = append(index, jen.Return(id("i")))
	g.doc("valid reports whether the state and every variable are in range.")
	f.Func().Params(id("s").Id("Snapshot")).Id("valid").Params().Bool().Block(jen.Return(valid))
	if off > 32 {
		off = 32 // no table then: see below
	}
	table := (1<<off)*(len(s.Events)+1) <= maxCells
	// The errors a cell can return, by index: nil, the rejections, the failed calls.
	nErr := 1 + (len(s.States)+1)*(len(s.Events)+1) + len(s.Rows)
	// A cell packs, from bit 0: the next state (a State), the next
	// variables' codes as index packs them, the timers it stops and then
	// arms (a TimerSet each), Row (a rowT), the reply bit, the error index.
	// Fields a whole integer type wide need no mask in Step: the conversion
	// cuts them out.
	setW := map[string]int{"uint8": 8, "uint16": 16, "uint32": 32, "uint64": 64}[g.setT]
	rowW := map[string]int{"int8": 8, "int16": 16, "int32": 32}[rowT]
	stateW := map[string]int{"uint8": 8, "uint16": 16}[g.stateT]
	shStop := stateW + off - off0
	shArm := shStop + setW
	shRow := shArm + setW
	shReply := shRow + rowW
	shErr := shReply
	if g.reply && !g.fields {
		shErr++
	}
	// With message fields, the cell holds the index in sentLists of what
	// the step sends (the unhandled policy's reply included).
	shSent, sentW := shErr, 0
	if g.fields {
		g.emitSentOf()
		sentW = bits.Len(uint(len(g.sentLists) - 1))
		shErr += sentW
	}
	table = table && shErr+bits.Len(uint(nErr)) <= 64
	if !table {
		g.emitStepRows()
		return
	}
	g.doc("index packs the state and the variables into the column of cells that\nholds what e does to s. A state or variable out of range becomes one\nmore than its last value, a column of rejections.")
	f.Func().Params(id("s").Id("Snapshot")).Id("index").Params().Uint().Block(index...)
	g.doc("fromIndex is the snapshot, without timers, that index maps to i; it\nignores the bits of i above the index.")
	f.Func().Id("fromIndex").Params(id("i").Uint()).Id("Snapshot").Block(from...)

	g.doc("stepErrors[i] is the error of a cell with error index i: nil, then the\nrejection of every (state, event) in rejections, then the ReportedError\nof every row.")
	f.Var().Id("stepErrors").Op("=").Func().Params().Parens(id("t").Index(jen.Lit(1).Op("+").Len(id("rejections")).Op("*").Len(id("rejections").Index(jen.Lit(0))).Op("+").Len(id("reported"))).Error()).Block(
		jen.For(id("s").Op(":=").Range().Id("rejections")).Block(
			jen.For(id("e").Op(":=").Range().Id("rejections").Index(id("s"))).Block(
				id("t").Index(id("rejectIndex").Call(id("State").Call(id("s")), id("Event").Call(id("e")))).Op("=").Op("&").Id("rejections").Index(id("s")).Index(id("e")),
			),
		),
		jen.For(id("r").Op(":=").Range().Id("reported")).Block(
			id("t").Index(jen.Len(id("t")).Op("-").Len(id("reported")).Op("+").Id("r")).Op("=").Op("&").Id("reported").Index(id("r")),
		),
		jen.Return(),
	).Call()
	g.doc("rejectIndex is the index in stepErrors of reject(s, e).")
	f.Func().Id("rejectIndex").Params(id("s").Id("State"), id("e").Id("Event")).Id("cell").Block(
		jen.Return(id("cell").Call(jen.Lit(1).Op("+").Int().Call(jen.Min(id("s"), id("NumStates"))).Op("*").Parens(id("NumEvents").Op("+").Lit(1)).Op("+").Int().Call(jen.Min(id("e"), id("NumEvents"))))),
	)

	g.doc("cell is what an event does to a snapshot, packed: the next snapshot's\nindex (see fromIndex), the timers it stops (the expired one included) and\nthen arms, Effects.Row, and the index in stepErrors of the error (0: none,\nand then the snapshot is unchanged).")
	f.Type().Id("cell").Uint64()
	consts := []jen.Code{
		id("cellStop").Op("=").Lit(shStop),
		id("cellArm").Op("=").Lit(shArm),
		id("cellRow").Op("=").Lit(shRow),
	}
	if g.reply && !g.fields {
		consts = append(consts, id("cellReply").Op("=").Lit(shReply))
	}
	if g.fields {
		consts = append(consts, id("cellSent").Op("=").Lit(shSent))
	}
	consts = append(consts,
		id("cellErr").Op("=").Lit(shErr),
		id("timerMask").Op("=").Lit(1).Op("<<").Id("NumTimers").Op("-").Lit(1),
	)
	f.Const().Defs(consts...)
	cf := []jen.Code{
		jen.If(id("e").Op(">=").Id("NumEvents").Op("||").Op("!").Id("s").Dot("valid").Call()).Block(
			jen.Return(id("rejectIndex").Call(id("s").Dot("State"), id("e")).Op("<<").Id("cellErr")),
		),
		id("s").Dot("Timers").Op("=").Lit(0),
		id("next").Op(",").Id("r").Op(",").Id("err").Op(":=").Id("stepRows").Call(id("s"), id("e")),
		jen.Comment("How the timers change does not depend on them: find it from none and all."),
		id("s").Dot("Timers").Op("=").Id("timerMask"),
		id("all").Op(",").Id("_").Op(",").Id("_").Op(":=").Id("stepRows").Call(id("s"), id("e")),
		id("c").Op(":=").Id("cell").Call(id("next").Dot("State")).Op("|").
			Id("cell").Call(id("next").Dot("index").Call().Op(">>").Lit(off0)).Op("<<").Lit(stateW).Op("|").
			Id("cell").Call(id("timerMask").Op("&^").Id("all").Dot("Timers")).Op("<<").Id("cellStop").Op("|").
			Id("cell").Call(id("next").Dot("Timers")).Op("<<").Id("cellArm").Op("|").
			Id("cell").Call(id("u" + rowT).Call(id("r"))).Op("<<").Id("cellRow"),
		jen.Switch(id("err").Op(":=").Id("err").Assert(jen.Type())).Block(
			jen.Case(jen.Op("*").Id("RejectedError")).Block(
				id("c").Op("|=").Id("rejectIndex").Call(id("err").Dot("state"), id("err").Dot("event")).Op("<<").Id("cellErr"),
			),
			jen.Case(jen.Op("*").Id("ReportedError")).Block(
				id("c").Op("|=").Id("cell").Call(jen.Len(id("stepErrors")).Op("-").Len(id("reported")).Op("+").Id("err").Dot("row")).Op("<<").Id("cellErr"),
			),
		),
	}
	if g.reply && !g.fields {
		cf = append(cf, jen.If(id("r").Op("<").Lit(0).Op("&&").Id("e").Op(">=").Id("firstRecv").Op("&&").Id("e").Op("<").Id("firstTimeout")).Block(
			id("c").Op("|=").Lit(1).Op("<<").Id("cellReply"),
		))
	}
	if g.fields {
		cf = append(cf, id("c").Op("|=").Id("cell").Call(id("sentOf").Call(id("s"), id("e"), id("r"))).Op("<<").Id("cellSent"))
	}
	cf = append(cf, jen.Return(id("c")))
	g.doc("cellOf works out the cell of e in s from the rows (stepRows).")
	f.Func().Id("cellOf").Params(id("s").Id("Snapshot"), id("e").Id("Event")).Id("cell").Block(cf...)

	g.doc("cells[min(e, NumEvents)][s.index()] is cellOf(s, e), worked out once:\nStep is a lookup. The event comes first so that the snapshot, which\nchains one step to the next, indexes the inner dimension.")
	f.Var().Id("cells").Op("=").Func().Params().Parens(id("t").Index(id("NumEvents").Op("+").Lit(1)).Index(jen.Lit(1).Op("<<").Lit(off)).Id("cell")).Block(
		jen.For(id("e").Op(":=").Range().Id("t")).Block(
			jen.For(id("i").Op(":=").Range().Id("t").Index(id("e"))).Block(
				id("t").Index(id("e")).Index(id("i")).Op("=").Id("cellOf").Call(id("fromIndex").Call(jen.Uint().Call(id("i"))), id("Event").Call(id("e"))),
			),
		),
		jen.Return(),
	).Call()

	dec := jen.Dict{
		id("State"):  id("State").Call(id("c")),
		id("Timers"): id("t").Op("&^").Id("TimerSet").Call(id("c").Op(">>").Id("cellStop")).Op("|").Id("TimerSet").Call(id("c").Op(">>").Id("cellArm")),
	}
	for _, sl := range slots {
		v, p := s.Vars[sl.i], stateW+sl.off-off0
		code := id("c").Op(">>").Lit(p).Op("&").Add(mask(uint(sl.w)))
		switch v.Kind {
		case spec.Bool:
			dec[id(g.field[sl.i])] = id("c").Op("&").Parens(jen.Lit(1).Op("<<").Lit(p)).Op("!=").Lit(0)
		case spec.Enum:
			dec[id(g.field[sl.i])] = id(g.enumType[sl.i]).Call(code)
		default:
			val := jen.Int().Call(code)
			switch {
			case v.Min > 0:
				val = val.Op("+").Lit(v.Min)
			case v.Min < 0:
				val = val.Op("-").Lit(-v.Min)
			}
			dec[id(g.field[sl.i])] = val
		}
	}
	g.doc("next is the snapshot the cell leads to from one whose timers are t.")
	f.Func().Params(id("c").Id("cell")).Id("next").Params(id("t").Id("TimerSet")).Id("Snapshot").Block(jen.Return(id("Snapshot").Values(dec)))

	body := []jen.Code{
		id("c").Op(":=").Id("cells").Index(jen.Min(id("e"), id("NumEvents"))).Index(id("s").Dot("index").Call()),
		id("fx").Dot("Row").Op("=").Int().Call(id(rowT).Call(id("c").Op(">>").Id("cellRow"))),
	}
	if g.reply && !g.fields {
		body = append(body, id("fx").Dot("reply").Op("=").Id("c").Op(">>").Id("cellReply").Op("&").Lit(1).Op("!=").Lit(0))
	}
	if g.fields {
		body = append(body, id("fx").Dot("sent").Op("=").Uint32().Call(id("c").Op(">>").Id("cellSent")).Op("&").Add(mask(uint(sentW))))
	}
	body = append(body,
		jen.If(id("c").Op(">=").Lit(1).Op("<<").Id("cellErr")).Block(jen.Return(id("s"), id("fx"), id("stepErrors").Index(id("c").Op(">>").Id("cellErr")))),
		jen.Return(id("c").Dot("next").Call(id("s").Dot("Timers")), id("fx"), jen.Nil()),
	)
	g.doc(g.stepDoc("\n\nStep looks the answer up in a table that the package works out from the\nrows when it is initialised, and is written to be inlined."))
	f.Func().Id("Step").Params(id("s").Id("Snapshot"), id("e").Id("Event")).Params(id("n").Id("Snapshot"), id("fx").Id("Effects"), id("err").Error()).Block(body...)
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
	return "Step applies event e to snapshot s and returns the next snapshot and the\neffects to carry out. It is pure and does not allocate. The first row of\nTransitions for (s.State, e) whose guard holds fires; when none does,\n" + policy + "\nA call row that reports an error is a failed call: Step returns a\n*ReportedError and s unchanged. An event out of range, or a snapshot whose\nstate or a variable is out of range, is rejected. Step does not check that\na timeout's timer is armed: Machine only fires armed timers." + how
}

// emitStepRows emits a Step that applies the rows on every call: for specs
// whose variables take too many values for a table.
func (g *goGen) emitStepRows() {
	id := jen.Id
	fx := jen.Dict{id("Row"): id("r")}
	if g.fields {
		fx[id("sent")] = id("sentOf").Call(id("s"), id("e"), id("r"))
	} else if g.reply {
		fx[id("reply")] = id("r").Op("<").Lit(0).Op("&&").Id("e").Op(">=").Id("firstRecv").Op("&&").Id("e").Op("<").Id("firstTimeout")
	}
	g.doc(g.stepDoc("\n\nThe variables take too many values for a table: Step applies the rows\non every call."))
	g.f.Func().Id("Step").Params(id("s").Id("Snapshot"), id("e").Id("Event")).Params(id("Snapshot"), id("Effects"), jen.Error()).Block(
		jen.If(id("e").Op(">=").Id("NumEvents").Op("||").Op("!").Id("s").Dot("valid").Call()).Block(
			jen.Return(id("s"), id("Effects").Values(jen.Dict{id("Row"): jen.Lit(-1)}), id("reject").Call(id("s").Dot("State"), id("e"))),
		),
		id("n").Op(",").Id("r").Op(",").Id("err").Op(":=").Id("stepRows").Call(id("s"), id("e")),
		jen.Return(id("n"), id("Effects").Values(fx), id("err")),
	)
}

func (g *goGen) emitPacked() {
	f := g.f
	id := jen.Id
	events := "spec.Events"
	if g.fields {
		events = "the machine's spec.Inputs (one receipt per message with its field\nvalues, as Event does), and sends hold Message values (spec.Letters)"
	}
	g.doc("StepPacked is Step over the packed layout of spec.Layout, for the model\nchecker. event indexes " + events + ". It appends the indexes of the sent\nmessages to sends and returns it, with the index in Transitions of the\nrow that fired. ok is false when the event takes no effect: when no row\nfired (row is -1, snap is returned unchanged and the caller applies the\nunhandled policy) and when a call failed (row is the failed call's row;\nnothing changes).")
	f.Func().Id("StepPacked").Params(id("snap").Uint64(), id("event").Int(), id("sends").Index().Uint8()).Params(
		id("next").Uint64(), id("out").Index().Uint8(), id("row").Int(), id("ok").Bool(),
	).Block(
		jen.If(jen.Uint().Call(id("event")).Op(">=").Id("NumEvents")).Block(
			jen.Return(id("snap"), id("sends"), jen.Lit(-1), jen.False()),
		),
		id("n").Op(",").Id("fx").Op(",").Id("err").Op(":=").Id("Step").Call(id("Unpack").Call(id("snap")), id("Event").Call(id("event"))),
		jen.If(id("fx").Dot("Row").Op("<").Lit(0)).Block(jen.Return(id("snap"), id("sends"), jen.Lit(-1), jen.False())),
		jen.If(id("err").Op("!=").Nil()).Block(
			jen.Return(id("snap"), id("sends"), id("fx").Dot("Row"), jen.False()).Comment("a failed call changes nothing"),
		),
		jen.For(id("_").Op(",").Id("m").Op(":=").Range().Id("fx").Dot("Sent").Call()).Block(
			id("sends").Op("=").Append(id("sends"), jen.Uint8().Call(id("m"))),
		),
		jen.Return(id("n").Dot("Pack").Call(), id("sends"), id("fx").Dot("Row"), jen.True()),
	)
}

func (g *goGen) emitTable() {
	s, f := g.s, g.f
	g.doc("Row is one transition row as the spec writes it, for introspection and diagrams.")
	f.Type().Id("Row").Struct(
		jen.Id("From").Index().Id("State").Comment("the states the row leaves"),
		jen.Id("On").Index().Id("Event"),
		jen.Id("Guard").String().Comment("the guard as written, or \"\""),
		jen.Id("To").Id("State").Comment("the state entered, unless Stay"),
		jen.Id("Stay").Bool().Comment("the row stays in the state it fired in"),
		g.sendField(),
		jen.Id("Start").Index().Id("Timer"),
		jen.Id("Stop").Index().Id("Timer"),
		jen.Id("Restart").Index().Id("Timer"),
		jen.Id("Set").Index().Id("Assignment"),
		jen.Id("Error").String().Comment("the error reported to the user, or \"\""),
		jen.Id("Doc").String(),
		jen.Id("Pos").String().Comment("where the row is written, file:line:col"),
	)
	g.doc("Assignment is one set action: Var takes the value of Value, evaluated on\nthe old variables.")
	f.Type().Id("Assignment").Struct(jen.Id("Var").String(), jen.Id("Value").String())

	ids := func(xs []string) []jen.Code {
		out := make([]jen.Code, len(xs))
		for i, x := range xs {
			out[i] = jen.Id(x)
		}
		return out
	}
	rows := make([]jen.Code, len(s.Rows))
	for i, r := range s.Rows {
		d := jen.Dict{}
		var from, on, send, start, stop, restart []string
		for _, st := range r.From {
			from = append(from, g.state[st.Index])
		}
		var onCode []jen.Code
		for _, e := range r.On {
			if !g.fields {
				on = append(on, g.event[e.Index])
				continue
			}
			for _, in := range s.Inputs {
				if in.Event == e {
					onCode = append(onCode, g.eventCode(in.Index))
				}
			}
		}
		for _, m := range r.Send {
			if g.fields {
				send = append(send, g.kind[m.Index])
			} else {
				send = append(send, g.msg[m.Index])
			}
		}
		for _, t := range r.Start {
			start = append(start, g.timer[t.Index])
		}
		for _, t := range r.Stop {
			stop = append(stop, g.timer[t.Index])
		}
		for _, t := range r.Restart {
			restart = append(restart, g.timer[t.Index])
		}
		d[jen.Id("From")] = jen.Index().Id("State").Values(ids(from)...)
		if g.fields {
			d[jen.Id("On")] = jen.Index().Id("Event").Values(onCode...)
		} else {
			d[jen.Id("On")] = jen.Index().Id("Event").Values(ids(on)...)
		}
		if r.Guard != nil {
			d[jen.Id("Guard")] = jen.Lit(r.Guard.String())
		}
		if r.To != nil {
			d[jen.Id("To")] = jen.Id(g.state[r.To.Index])
		} else {
			d[jen.Id("Stay")] = jen.True()
		}
		if len(send) > 0 && g.fields {
			d[jen.Id("Send")] = jen.Index().Id("MessageKind").Values(ids(send)...)
		} else if len(send) > 0 {
			d[jen.Id("Send")] = jen.Index().Id("Message").Values(ids(send)...)
		}
		for k, xs := range [][]string{start, stop, restart} {
			if len(xs) > 0 {
				d[jen.Id([]string{"Start", "Stop", "Restart"}[k])] = jen.Index().Id("Timer").Values(ids(xs)...)
			}
		}
		if len(r.Set) > 0 {
			var as []jen.Code
			for _, a := range r.Set {
				as = append(as, jen.Values(jen.Lit(a.Var.Name), jen.Lit(a.Value.String())))
			}
			d[jen.Id("Set")] = jen.Index().Id("Assignment").Values(as...)
		}
		if r.Error != "" {
			d[jen.Id("Error")] = jen.Lit(r.Error)
		}
		if r.Doc != "" {
			d[jen.Id("Doc")] = jen.Lit(r.Doc)
		}
		d[jen.Id("Pos")] = jen.Lit(g.pos(r.Pos))
		rows[i] = jen.Values(d)
	}
	g.doc("Transitions is the transition table in spec order; Effects.Row and\nTransition.Row index it.")
	f.Var().Id("Transitions").Op("=").Index(jen.Op("...")).Id("Row").Values(multiline(rows)...)
}

func (g *goGen) emitMachine() {
	f := g.f
	rt := func(name string) *jen.Statement { return jen.Qual(runtimePath, name) }
	m := func() *jen.Statement { return jen.Id("m") }

	g.doc("Transition describes a row that fired, for OnTransition hooks.")
	f.Type().Id("Transition").Struct(
		jen.Id("From").Id("State"),
		jen.Id("Event").Id("Event"),
		jen.Id("To").Id("State"),
		jen.Id("Row").Int().Comment("index in Transitions"),
	)

	g.doc(`Machine runs the machine for embedding: it keeps a Snapshot, applies
events with Step, runs the timers on a clock and calls hooks for the
messages to send, the transitions taken and the errors reported.

A Machine is not safe for concurrent use. Use it from one goroutine, with
no clock (timers are tracked in the snapshot and you fire their timeouts)
or a clock whose callbacks run on that goroutine, such as fsm.FakeClock,
whose Advance runs them. With fsm.SystemClock, timers expire on other
goroutines: use SyncMachine.

Hooks run after the snapshot has changed, on the goroutine that fired the
event: OnTransition, then OnSend per message, then OnError. A hook may
fire events on other machines; firing on the same Machine from a hook is
allowed but nests the second step inside the first one's hooks.`)
	f.Type().Id("Machine").Struct(
		jen.Id("snap").Id("Snapshot"),
		jen.Id("timers").Op("*").Add(rt("Timers")).Comment("nil without a clock"),
		jen.Id("after").Index(jen.Id("NumTimers")).Qual("time", "Duration").Comment("timer durations"),
		jen.Id("lock").Qual("sync", "Locker").Comment("set by SyncMachine; timer expiries take it"),
		jen.Id("onSend").Func().Params(jen.Id("Message")),
		jen.Id("onTransition").Func().Params(jen.Id("Transition")),
		jen.Id("onError").Func().Params(jen.Error()),
	)
	g.doc("Option configures a Machine or SyncMachine.")
	f.Type().Id("Option").Func().Params(jen.Op("*").Id("config"))
	g.doc("config collects the options.")
	f.Type().Id("config").Struct(
		jen.Id("clock").Add(rt("Clock")),
		jen.Id("snap").Op("*").Id("Snapshot"),
		jen.Id("after").Index(jen.Id("NumTimers")).Qual("time", "Duration"),
		jen.Id("onSend").Func().Params(jen.Id("Message")),
		jen.Id("onTransition").Func().Params(jen.Id("Transition")),
		jen.Id("onError").Func().Params(jen.Error()),
	)
	opt := func(name, doc string, param jen.Code, set jen.Code) {
		g.doc(doc)
		f.Func().Id(name).Params(param).Id("Option").Block(
			jen.Return(jen.Func().Params(jen.Id("c").Op("*").Id("config")).Block(set)),
		)
	}
	opt("WithClock", "WithClock runs the machine's timers on clock: arming a timer schedules its\ntimeout event. Without it, timers are only tracked in the snapshot.", jen.Id("clock").Add(rt("Clock")), jen.Id("c").Dot("clock").Op("=").Id("clock"))
	opt("WithSnapshot", "WithSnapshot starts the machine from s instead of Initial(); its armed\ntimers start a full period when there is a clock.", jen.Id("s").Id("Snapshot"), jen.Id("c").Dot("snap").Op("=").Op("&").Id("s"))
	g.doc("WithTimerDuration makes timer t run for d instead of its spec duration\n(see Timer.Duration), e.g. to shorten TIME_WAIT in a demonstration. A\nduration that is not positive, or a timer out of range, is ignored.")
	f.Func().Id("WithTimerDuration").Params(jen.Id("t").Id("Timer"), jen.Id("d").Qual("time", "Duration")).Id("Option").Block(
		jen.Return(jen.Func().Params(jen.Id("c").Op("*").Id("config")).Block(
			jen.If(jen.Int().Call(jen.Id("t")).Op("<").Id("NumTimers").Op("&&").Id("d").Op(">").Lit(0)).Block(
				jen.Id("c").Dot("after").Index(jen.Id("t")).Op("=").Id("d"),
			),
		)),
	)
	opt("OnSend", "OnSend sets the hook that sends a message to the peer. It is called once\nper message, in order.", jen.Id("f").Func().Params(jen.Id("Message")), jen.Id("c").Dot("onSend").Op("=").Id("f"))
	opt("OnTransition", "OnTransition sets the hook called after each transition row fires.", jen.Id("f").Func().Params(jen.Id("Transition")), jen.Id("c").Dot("onTransition").Op("=").Id("f"))
	opt("OnError", "OnError sets the hook called with the *ReportedError of every message or\ntimeout transition that reports one; timeouts have no caller to return\nit to. Failed calls are only returned.", jen.Id("f").Func().Params(jen.Error()), jen.Id("c").Dot("onError").Op("=").Id("f"))

	g.doc("New returns a Machine in the initial snapshot.")
	f.Func().Id("New").Params(jen.Id("opts").Op("...").Id("Option")).Op("*").Id("Machine").Block(
		jen.Id("m").Op(":=").New(jen.Id("Machine")),
		m().Dot("init").Call(jen.Id("opts")),
		jen.Return(m()),
	)
	g.doc("init applies opts to a zero Machine.")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("init").Params(jen.Id("opts").Index().Id("Option")).Block(
		jen.Id("c").Op(":=").Id("config").Values(jen.Id("after").Op(":").Id("timerAfter")),
		jen.For(jen.Id("_").Op(",").Id("o").Op(":=").Range().Id("opts")).Block(jen.Id("o").Call(jen.Op("&").Id("c"))),
		m().Dot("snap").Op("=").Id("Initial").Call(),
		jen.If(jen.Id("c").Dot("snap").Op("!=").Nil()).Block(m().Dot("snap").Op("=").Op("*").Id("c").Dot("snap")),
		m().Dot("onSend").Op(",").Add(m()).Dot("onTransition").Op(",").Add(m()).Dot("onError").Op("=").Id("c").Dot("onSend").Op(",").Id("c").Dot("onTransition").Op(",").Id("c").Dot("onError"),
		jen.If(jen.Id("c").Dot("clock").Op("!=").Nil()).Block(
			m().Dot("after").Op("=").Id("c").Dot("after"),
			m().Dot("timers").Op("=").Add(rt("NewTimers")).Call(jen.Id("c").Dot("clock"), m().Dot("after").Index(jen.Op(":")), m().Dot("expire")),
			m().Dot("timers").Dot("Apply").Call(jen.Uint64().Call(m().Dot("snap").Dot("Timers")), jen.Uint64().Call(m().Dot("snap").Dot("Timers"))),
		),
	)

	g.doc("Deliver applies the arrival of message msg; see Fire.")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("Deliver").Params(jen.Id("msg").Id("Message")).Error().Block(jen.Return(m().Dot("Fire").Call(jen.Id("RecvEvent").Call(jen.Id("msg")))))
	g.doc("Fire applies event e. It returns a *RejectedError when the event is\nrejected and a *ReportedError when a call fails, and then the machine is\nunchanged; it also returns a *ReportedError when the message or timeout\ntransition that fired reports an error (\"connection reset\"), after\ncalling OnError. Otherwise it returns nil. It does not allocate.")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("Fire").Params(jen.Id("e").Id("Event")).Error().Block(
		jen.Id("prev").Op(":=").Add(m()).Dot("snap"),
		jen.Id("next").Op(",").Id("fx").Op(",").Id("err").Op(":=").Id("Step").Call(jen.Id("prev"), jen.Id("e")),
		jen.If(jen.Id("err").Op("!=").Nil()).Block(jen.Return(jen.Id("err"))),
		m().Dot("snap").Op("=").Id("next"),
		jen.If(m().Dot("timers").Op("!=").Nil().Op("&&").Parens(jen.Id("next").Dot("Timers").Op("!=").Id("prev").Dot("Timers").Op("||").Id("fx").Dot("Start").Call().Op("|").Id("fx").Dot("Restart").Call().Op("!=").Lit(0))).Block(
			jen.Comment("A restarted timer, or one started while stopped, begins a new period."),
			jen.Id("running").Op(":=").Id("prev").Dot("Timers").Op("&^").Id("fx").Dot("Stop").Call(),
			jen.If(jen.Id("e").Op(">=").Id("firstTimeout")).Block(jen.Id("running").Op("&^=").Lit(1).Op("<<").Parens(jen.Id("e").Op("-").Id("firstTimeout"))),
			jen.Id("fresh").Op(":=").Id("fx").Dot("Restart").Call().Op("|").Id("fx").Dot("Start").Call().Op("&^").Id("running"),
			m().Dot("timers").Dot("Apply").Call(jen.Uint64().Call(jen.Id("next").Dot("Timers")), jen.Uint64().Call(jen.Id("fresh"))),
		),
		jen.If(jen.Id("fx").Dot("Row").Op(">=").Lit(0).Op("&&").Add(m()).Dot("onTransition").Op("!=").Nil()).Block(
			m().Dot("onTransition").Call(jen.Id("Transition").Values(jen.Id("prev").Dot("State"), jen.Id("e"), jen.Id("next").Dot("State"), jen.Id("fx").Dot("Row"))),
		),
		jen.If(m().Dot("onSend").Op("!=").Nil()).Block(
			jen.For(jen.Id("_").Op(",").Id("msg").Op(":=").Range().Id("fx").Dot("Sent").Call()).Block(m().Dot("onSend").Call(jen.Id("msg"))),
		),
		jen.If(jen.Id("fx").Dot("ErrorText").Call().Op("!=").Lit("")).Block(
			jen.Id("err").Op(":=").Op("&").Id("reported").Index(jen.Id("fx").Dot("Row")),
			jen.If(m().Dot("onError").Op("!=").Nil()).Block(m().Dot("onError").Call(jen.Id("err"))),
			jen.Return(jen.Id("err")),
		),
		jen.Return(jen.Nil()),
	)
	g.doc("expire is the clock callback of timer i.")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("expire").Params(jen.Id("i").Int()).Block(
		jen.If(m().Dot("lock").Op("!=").Nil()).Block(m().Dot("lock").Dot("Lock").Call(), jen.Defer().Add(m()).Dot("lock").Dot("Unlock").Call()),
		jen.If(jen.Op("!").Add(m()).Dot("timers").Dot("Expired").Call(jen.Id("i")).Op("||").Op("!").Add(m()).Dot("snap").Dot("Timers").Dot("Has").Call(jen.Id("Timer").Call(jen.Id("i")))).Block(jen.Return()),
		jen.Id("_").Op("=").Add(m()).Dot("Fire").Call(jen.Id("TimeoutEvent").Call(jen.Id("Timer").Call(jen.Id("i")))).Comment("reported errors went to OnError"),
		jen.Comment("The timer stopped running on the clock; run it again if the row re-armed it."),
		m().Dot("timers").Dot("Apply").Call(jen.Uint64().Call(m().Dot("snap").Dot("Timers")), jen.Lit(0)),
	)
	g.doc("State returns the current control state.")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("State").Params().Id("State").Block(jen.Return(m().Dot("snap").Dot("State")))
	g.doc("Snapshot returns the current snapshot.")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("Snapshot").Params().Id("Snapshot").Block(jen.Return(m().Dot("snap")))
	g.doc("Can reports whether e takes effect now: a transition row fires for it,\nand it is not a call that fails. Fire also accepts the events that the\nunhandled policy accepts (see Step).")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("Can").Params(jen.Id("e").Id("Event")).Bool().Block(
		jen.List(jen.Id("_"), jen.Id("fx"), jen.Id("err")).Op(":=").Id("Step").Call(m().Dot("snap"), jen.Id("e")),
		jen.Return(jen.Id("fx").Dot("Row").Op(">=").Lit(0).Op("&&").Id("err").Op("==").Nil()),
	)
	g.doc("Permitted lists the events for which Can is true, in event order.")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("Permitted").Params().Index().Id("Event").Block(
		jen.Var().Id("out").Index().Id("Event"),
		jen.For(jen.Id("e").Op(":=").Id("Event").Call(jen.Lit(0)), jen.Id("e").Op("<").Id("NumEvents"), jen.Id("e").Op("++")).Block(
			jen.If(m().Dot("Can").Call(jen.Id("e"))).Block(jen.Id("out").Op("=").Append(jen.Id("out"), jen.Id("e"))),
		),
		jen.Return(jen.Id("out")),
	)
	g.doc("Deadline returns when timer t expires, and false when it is not running\non the clock (or there is no clock).")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("Deadline").Params(jen.Id("t").Id("Timer")).Params(jen.Qual("time", "Time"), jen.Bool()).Block(
		jen.If(m().Dot("timers").Op("==").Nil()).Block(jen.Return(jen.Qual("time", "Time").Values(), jen.False())),
		jen.Return(m().Dot("timers").Dot("Deadline").Call(jen.Int().Call(jen.Id("t")))),
	)
	g.doc("StopTimers stops the clock timers, e.g. before discarding the machine.\nThe snapshot still lists them as armed.")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("StopTimers").Params().Block(
		jen.If(m().Dot("timers").Op("!=").Nil()).Block(m().Dot("timers").Dot("StopAll").Call()),
	)

	// SyncMachine.
	g.doc(`SyncMachine is a Machine that is safe for concurrent use: every method and
every timer expiry holds one mutex. Hooks run with it held, so a hook must
not call back into the same SyncMachine (it would deadlock); hand the work
to another goroutine instead.`)
	f.Type().Id("SyncMachine").Struct(jen.Id("mu").Qual("sync", "Mutex"), jen.Id("m").Id("Machine"))
	g.doc("NewSync returns a SyncMachine in the initial snapshot.")
	f.Func().Id("NewSync").Params(jen.Id("opts").Op("...").Id("Option")).Op("*").Id("SyncMachine").Block(
		jen.Id("s").Op(":=").New(jen.Id("SyncMachine")),
		jen.Id("s").Dot("m").Dot("lock").Op("=").Op("&").Id("s").Dot("mu"),
		jen.Id("s").Dot("mu").Dot("Lock").Call(),
		jen.Defer().Id("s").Dot("mu").Dot("Unlock").Call(),
		jen.Id("s").Dot("m").Dot("init").Call(jen.Id("opts")),
		jen.Return(jen.Id("s")),
	)
	type method struct {
		name, doc string
		params    []jen.Code
		args      []jen.Code
		results   []jen.Code
	}
	for _, mt := range []method{
		{"Fire", "Fire applies event e; see Machine.Fire.", []jen.Code{jen.Id("e").Id("Event")}, []jen.Code{jen.Id("e")}, []jen.Code{jen.Error()}},
		{"Deliver", "Deliver applies the arrival of message msg; see Machine.Fire.", []jen.Code{jen.Id("msg").Id("Message")}, []jen.Code{jen.Id("msg")}, []jen.Code{jen.Error()}},
		{"State", "State returns the current control state.", nil, nil, []jen.Code{jen.Id("State")}},
		{"Snapshot", "Snapshot returns the current snapshot.", nil, nil, []jen.Code{jen.Id("Snapshot")}},
		{"Can", "Can reports whether e takes effect now; see Machine.Can.", []jen.Code{jen.Id("e").Id("Event")}, []jen.Code{jen.Id("e")}, []jen.Code{jen.Bool()}},
		{"Permitted", "Permitted lists the events for which Can is true.", nil, nil, []jen.Code{jen.Index().Id("Event")}},
		{"Deadline", "Deadline returns when timer t expires; see Machine.Deadline.", []jen.Code{jen.Id("t").Id("Timer")}, []jen.Code{jen.Id("t")}, []jen.Code{jen.Qual("time", "Time"), jen.Bool()}},
		{"StopTimers", "StopTimers stops the clock timers; see Machine.StopTimers.", nil, nil, nil},
	} {
		call := jen.Id("s").Dot("m").Dot(mt.name).Call(mt.args...)
		body := []jen.Code{jen.Id("s").Dot("mu").Dot("Lock").Call(), jen.Defer().Id("s").Dot("mu").Dot("Unlock").Call()}
		if len(mt.results) > 0 {
			body = append(body, jen.Return(call))
		} else {
			body = append(body, call)
		}
		g.doc(mt.doc)
		f.Func().Params(jen.Id("s").Op("*").Id("SyncMachine")).Id(mt.name).Params(mt.params...).Params(mt.results...).Block(body...)
	}
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

// maxSentLists bounds the distinct lists of letters the steps of a machine
// with message fields may send (sentLists).
const maxSentLists = 1 << 16

// prepareSends enumerates, per row, every list of letters the row may send:
// each message sent ranges over its letters when it has fields, the last
// message varying fastest. List 0 is the empty one.
func (g *goGen) prepareSends() error {
	s := g.s
	g.sentLists = [][]int{nil}
	g.replyList = 0
	if g.reply {
		g.replyList = len(g.sentLists)
		g.sentLists = append(g.sentLists, []int{s.Unhandled.Reply.Letters[0].Index})
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
		}
	}
	return nil
}

// fieldParam is the constructor's parameter for field f.
func fieldParam(f *spec.Var) string {
	n := GoName(f.Name)
	n = strings.ToLower(n[:1]) + n[1:]
	if token.IsKeyword(n) || n == "b2i" {
		n += "V"
	}
	return n
}

// fieldStrides are the weights of a message's field codes in its letter's
// offset from its first letter: the last field varies fastest.
func fieldStrides(m *spec.Message) []int {
	st := make([]int, len(m.Fields))
	w := 1
	for i := len(m.Fields) - 1; i >= 0; i-- {
		st[i] = w
		w *= m.Fields[i].Size()
	}
	return st
}

// fieldExample is a call of the first constructor, for docs.
func (g *goGen) fieldExample() string {
	for _, m := range g.s.Messages {
		if len(m.Fields) == 0 {
			continue
		}
		var args []string
		for _, f := range m.Fields {
			if f.Kind == spec.Enum {
				args = append(args, g.enums[f].vals[0])
				continue
			}
			args = append(args, f.Format(f.Decode(0)))
		}
		return g.msg[m.Index] + "(" + strings.Join(args, ", ") + ")"
	}
	return ""
}

// emitLetters emits Message as a letter: a message kind with its field
// values, numbered as spec.Spec.Letters numbers them (and as the model
// checker's sends are), with MessageKind, a constant per message without
// fields, and a constructor and an accessor per message with fields.
func (g *goGen) emitLetters() {
	s, f := g.s, g.f
	id := jen.Id
	consts0 := ""
	if c := g.firstFieldless(); c != "" {
		consts0 = "A message without fields is a constant such as " + c + ".\n"
	}
	g.doc("Message is a message the machine sends or receives, with the values of\nits fields: a small integer, numbered as the spec numbers its letters\n(one per message kind and valuation of its fields, the last field\nvarying fastest). " + consts0 + "A message with fields is made by its constructor, such as\n" + g.fieldExample() + ", and read with Kind and its accessor. Values from\nNumLetters on are invalid.")
	f.Type().Id("Message").Id(intType(len(s.Letters) + 1)) // NumLetters is the invalid message
	g.doc("MessageKind is a kind of message, without its field values.")
	f.Type().Id("MessageKind").Id(intType(len(s.Messages) + 1))
	var names, docs []string
	for _, m := range s.Messages {
		names, docs = append(names, m.Name), append(docs, m.Doc)
	}
	g.stringer("MessageKind", g.kind, names, docs)

	var consts []jen.Code
	for _, m := range s.Messages {
		if len(m.Fields) == 0 {
			consts = append(consts, docLines(comment(g.msg[m.Index]+" is "+m.Name+".", m.Doc)).Id(g.msg[m.Index]).Id("Message").Op("=").Lit(m.Letters[0].Index))
		}
	}
	if len(consts) > 0 {
		f.Const().Defs(consts...)
	}
	names = nil
	kinds := make([]jen.Code, len(s.Letters))
	for i, l := range s.Letters {
		names = append(names, l.String())
		kinds[i] = id(g.kind[l.Message.Index])
	}
	g.stringer("Message", nil, names, nil)
	g.doc("letterKinds is the kind of each message.")
	f.Var().Id("letterKinds").Op("=").Index(id("NumLetters")).Id("MessageKind").Values(kinds...)
	g.doc("Kind returns the kind of m, and NumMessages for an invalid m.")
	f.Func().Params(id("m").Id("Message")).Id("Kind").Params().Id("MessageKind").Block(
		jen.If(id("m").Op(">=").Id("NumLetters")).Block(jen.Return(id("NumMessages"))),
		jen.Return(id("letterKinds").Index(id("m"))),
	)
	g.doc("Valid reports whether m is a message: a constructor given a field value\nout of range makes an invalid one.")
	f.Func().Params(id("m").Id("Message")).Id("Valid").Params().Bool().Block(jen.Return(id("m").Op("<").Id("NumLetters")))
	g.doc("b2i is 1 for true and 0 for false: a bool field's code.")
	f.Func().Id("b2i").Params(id("b").Bool()).Int().Block(
		jen.If(id("b")).Block(jen.Return(jen.Lit(1))),
		jen.Return(jen.Lit(0)),
	)
	for _, m := range s.Messages {
		if len(m.Fields) == 0 {
			continue
		}
		name := g.msg[m.Index]
		st := fieldStrides(m)
		base := m.Letters[0].Index
		var fields, params []jen.Code
		var checks jen.Code
		var sum []jen.Code
		var ranges []string
		var sets []jen.Code
		c := func() *jen.Statement { return id("c") }
		for i, fv := range m.Fields {
			fn, pn := GoName(fv.Name), fieldParam(fv)
			typ, code := jen.Int(), jen.Id(pn)
			switch fv.Kind {
			case spec.Bool:
				typ, code = jen.Bool(), id("b2i").Call(id(pn))
				sets = append(sets, id("f").Dot(fn).Op("=").Add(c()).Op("/").Lit(st[i]).Op("%").Lit(2).Op("!=").Lit(0))
			case spec.Enum:
				en := g.enums[fv]
				typ, code = id(en.typ), jen.Int().Call(id(pn))
				cond := id(pn).Op(">=").Lit(fv.Size())
				if checks == nil {
					checks = cond
				} else {
					checks = jen.Add(checks).Op("||").Add(cond)
				}
				ranges = append(ranges, fmt.Sprintf("%s one of the %s constants", pn, en.typ))
				sets = append(sets, id("f").Dot(fn).Op("=").Id(en.typ).Call(c().Op("/").Lit(st[i]).Op("%").Lit(fv.Size())))
			default:
				cond := id(pn).Op("<").Lit(fv.Min).Op("||").Id(pn).Op(">").Lit(fv.Max)
				if checks == nil {
					checks = cond
				} else {
					checks = jen.Add(checks).Op("||").Add(cond)
				}
				ranges = append(ranges, fmt.Sprintf("%s in %d..%d", pn, fv.Min, fv.Max))
				val := c().Op("/").Lit(st[i]).Op("%").Lit(fv.Size())
				switch {
				case fv.Min > 0:
					code = jen.Parens(id(pn).Op("-").Lit(fv.Min))
					val = val.Op("+").Lit(fv.Min)
				case fv.Min < 0:
					code = jen.Parens(id(pn).Op("+").Lit(-fv.Min))
					val = val.Op("-").Lit(-fv.Min)
				}
				sets = append(sets, id("f").Dot(fn).Op("=").Add(val))
			}
			fields = append(fields, docLines(comment(fn+" is the field "+fv.Name+".", fv.Doc)).Id(fn).Add(typ))
			params = append(params, id(pn).Add(typ))
			if st[i] != 1 {
				code = jen.Add(code).Op("*").Lit(st[i])
			}
			sum = append(sum, jen.Op("+").Add(code))
		}
		for _, fv := range m.Fields {
			if fv.Kind != spec.Enum {
				continue
			}
			en := g.enums[fv]
			g.doc(comment(fmt.Sprintf("%s is the type of the field %s of message %s.", en.typ, fv.Name, m.Name), fv.Doc))
			f.Type().Id(en.typ).Id(intType(len(fv.Values)))
			g.stringer(en.typ, en.vals, fv.Values, make([]string, len(fv.Values)))
		}
		g.doc(fmt.Sprintf("%sFields are the field values of a message %s.", name, m.Name))
		f.Type().Id(name + "Fields").Struct(fields...)
		body := []jen.Code{}
		doc := comment(fmt.Sprintf("%s returns the message %s with the given field values.", name, m.Name), m.Doc)
		if checks != nil {
			body = append(body, jen.If(checks).Block(jen.Return(id("NumLetters"))))
			doc += "\nIt needs " + strings.Join(ranges, ", ") + ": a value out of range\nmakes an invalid Message (see Valid), which RecvEvent and Deliver reject."
		}
		body = append(body, jen.Return(id("Message").Call(jen.Lit(base).Add(sum...))))
		g.doc(doc)
		f.Func().Id(name).Params(params...).Id("Message").Block(body...)
		g.doc(fmt.Sprintf("%s returns the field values of m and true when m is a %s message, and\nzero values and false otherwise.", name, m.Name))
		acc := []jen.Code{
			jen.If(id("m").Dot("Kind").Call().Op("!=").Id(g.kind[m.Index])).Block(jen.Return(id("f"), jen.False())),
			id("c").Op(":=").Int().Call(id("m")).Op("-").Lit(base),
		}
		acc = append(acc, sets...)
		acc = append(acc, jen.Return(id("f"), jen.True()))
		f.Func().Params(id("m").Id("Message")).Id(name).Params().Params(id("f").Id(name+"Fields"), id("ok").Bool()).Block(acc...)
	}
}

// firstFieldless names the first message without fields, for docs.
func (g *goGen) firstFieldless() string {
	for _, m := range g.s.Messages {
		if len(m.Fields) == 0 {
			return g.msg[m.Index]
		}
	}
	return ""
}

// readsMsg reports whether any of es reads the received message (msg.FIELD).
func readsMsg(es ...spec.Expr) bool {
	found := false
	for _, e := range es {
		if e == nil {
			continue
		}
		spec.Walk(e, func(x spec.Expr) {
			if _, ok := x.(*spec.MsgField); ok {
				found = true
			}
		})
	}
	return found
}

func setReadsMsg(r *spec.Row) bool {
	for _, a := range r.Set {
		if readsMsg(a.Value) {
			return true
		}
	}
	return false
}

func sendReadsMsg(r *spec.Row) bool {
	for _, fs := range r.SendFields {
		if readsMsg(fs...) {
			return true
		}
	}
	return false
}

// perLetter renders body once when it does not read the message received,
// and otherwise once per letter row r receives, in a switch on the event e
// with msg.FIELD the letter's values.
func (g *goGen) perLetter(r *spec.Row, reads bool, body func() []jen.Code) []jen.Code {
	if !reads {
		return body()
	}
	var cases []jen.Code
	for _, in := range g.s.Inputs {
		if in.Letter == nil || !slices.Contains(r.On, in.Event) {
			continue
		}
		g.letter = in.Letter
		cases = append(cases, jen.Case(jen.Lit(in.Index)).Block(append([]jen.Code{jen.Comment(in.String())}, body()...)...))
	}
	g.letter = nil
	return []jen.Code{jen.Switch(jen.Id("e")).Block(cases...)}
}

// fieldCode renders the code of the value x of field f (Var.Encode) at
// multiplicative precedence.
func (g *goGen) fieldCode(f *spec.Var, x spec.Expr) *jen.Statement {
	switch {
	case f.Kind == spec.Bool:
		return jen.Id("b2i").Call(g.expr(x, 0))
	case f.Kind == spec.Enum:
		return jen.Int().Call(g.expr(x, 0))
	case f.Min > 0:
		return jen.Parens(jen.Add(g.expr(x, 4)).Op("-").Lit(f.Min))
	case f.Min < 0:
		return jen.Parens(jen.Add(g.expr(x, 4)).Op("+").Lit(-f.Min))
	}
	return jen.Add(g.expr(x, 5))
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
	g.doc("sentLists holds every list of messages a step may send, with their field\nvalues; Effects.Sent returns one of them. List 0 is empty.")
	f.Var().Id("sentLists").Op("=").Index(jen.Op("...")).Index().Id("Message").Values(multiline(lists)...)

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
			return []jen.Code{jen.Return(jen.Uint32().Call(jen.Lit(at).Add(terms...)))}
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
	f.Func().Id("sentOf").Params(id("s").Id("Snapshot"), id("e").Id("Event"), id("r").Int()).Uint32().Block(body...)
}

// sendField is Row's Send field: the messages, or with message fields the
// kinds of the messages, the row sends.
func (g *goGen) sendField() jen.Code {
	if g.fields {
		return jen.Id("Send").Index().Id("MessageKind").Comment("the kinds of the messages sent; Effects.Sent has their field values")
	}
	return jen.Id("Send").Index().Id("Message")
}
