package gen

import (
	"bytes"
	"fmt"
	"go/token"
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
}

// runtimePath is the import path of the runtime the generated Machine uses.
const runtimePath = "github.com/fsmgen/fsmgen/fsm"

// Go renders s as a typed Go package: constants with String methods, a
// Snapshot, the pure allocation-free Step, StepPacked over spec.Layout, the
// transition table, and Machine/SyncMachine wrappers for embedding. The
// output is gofmt'd and depends only on s and o.
func Go(s *spec.Spec, o GoOptions) (out []byte, err error) {
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

type goGen struct {
	s     *spec.Spec
	o     GoOptions
	f     *jen.File
	err   error
	names map[string]string // package-level identifier -> what declared it

	state, msg, timer, event []string // Go identifiers, by index
	field, enumType          []string // per variable: Snapshot field, enum type ("" unless enum)
	enumVal                  [][]string
	maxSends                 int
	failing                  bool   // some call row reports an error
	stateT, eventT, setT     string // underlying integer types
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
		id := "Msg" + GoName(m.Name)
		g.declare(id, "message "+m.Name)
		g.msg = append(g.msg, id)
	}
	for _, t := range s.Timers {
		id := "Timer" + GoName(t.Name)
		g.declare(id, "timer "+t.Name)
		g.timer = append(g.timer, id)
	}
	for _, e := range s.Events {
		var id string
		switch e.Kind {
		case spec.CallEvent:
			id = "Call" + GoName(e.Name())
		case spec.MessageEvent:
			id = "Recv" + GoName(e.Name())
		default:
			id = "Timeout" + GoName(e.Name())
		}
		g.declare(id, "event "+e.String())
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
	g.maxSends = 1
	for _, r := range s.Rows {
		g.maxSends = max(g.maxSends, len(r.Send))
	}
	g.stateT = intType(len(s.States))
	g.eventT = intType(len(s.Events))
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
	if len(ids) > 0 {
		defs := make([]jen.Code, len(ids))
		for i, id := range ids {
			c := docLines(comment(id+" is "+names[i]+".", docs[i])).Id(id)
			if i == 0 {
				c = c.Id(typ).Op("=").Iota()
			}
			defs[i] = c
		}
		f.Const().Defs(defs...)
	}
	if len(ids) > 0 {
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

	g.doc("Message is a kind of message the machine sends and receives.")
	f.Type().Id("Message").Id(intType(len(s.Messages)))
	names, docs = nil, nil
	for _, m := range s.Messages {
		names, docs = append(names, m.Name), append(docs, m.Doc)
	}
	g.stringer("Message", g.msg, names, docs)

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
	for _, e := range s.Events {
		names = append(names, e.String())
		switch e.Kind {
		case spec.CallEvent:
			docs = append(docs, e.Call.Doc)
		case spec.MessageEvent:
			docs = append(docs, "A message "+e.Message.Name+" arrived.")
		default:
			docs = append(docs, "The "+e.Timer.Name+" timer expired.")
		}
	}
	g.stringer("Event", g.event, names, docs)

	f.Const().Defs(
		docLines("NumStates is the number of states.").Id("NumStates").Op("=").Lit(len(s.States)),
		docLines("NumEvents is the number of events.").Id("NumEvents").Op("=").Lit(len(s.Events)),
		docLines("NumMessages is the number of message kinds.").Id("NumMessages").Op("=").Lit(len(s.Messages)),
		docLines("NumTimers is the number of timers.").Id("NumTimers").Op("=").Lit(len(s.Timers)),
		docLines("MaxSends is the most messages one step sends.").Id("MaxSends").Op("=").Lit(g.maxSends),
		jen.Id("firstRecv").Op("=").Lit(len(s.Calls)),
		jen.Id("firstTimeout").Op("=").Lit(len(s.Calls)+len(s.Messages)),
	)
	g.doc("RecvEvent is the event of message m arriving.")
	f.Func().Id("RecvEvent").Params(jen.Id("m").Id("Message")).Id("Event").Block(jen.Return(jen.Id("firstRecv").Op("+").Id("Event").Call(jen.Id("m"))))
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
	g.doc("Effects is what one step does besides changing the snapshot.")
	f.Type().Id("Effects").Struct(
		docLines("Row is the index in Transitions of the row that fired, or -1 when none did\n(the event was unhandled).").Id("Row").Int(),
		docLines("Sends holds the messages to send, in order; NumSends says how many.").Id("Sends").Index(jen.Id("MaxSends")).Id("Message"),
		jen.Id("NumSends").Uint8(),
		docLines("Stop, Start and Restart are the row's timer actions: stopped timers are\ndisarmed, then started ones armed (a running timer keeps running) and\nrestarted ones armed afresh.").Id("Stop").Id("TimerSet"),
		jen.Id("Start").Id("TimerSet"),
		jen.Id("Restart").Id("TimerSet"),
		docLines("Error is the error the row reports to the user, or \"\".").Id("Error").String(),
	)
	g.doc("Sent returns the messages to send.")
	f.Func().Params(jen.Id("fx").Op("*").Id("Effects")).Id("Sent").Params().Index().Id("Message").Block(
		jen.Return(jen.Id("fx").Dot("Sends").Index(jen.Op(":").Id("fx").Dot("NumSends"))),
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
	token.ADD: 4, token.SUB: 4, token.MUL: 5,
}

// expr renders e with operators of precedence below prec parenthesised.
func (g *goGen) expr(e spec.Expr, prec int) jen.Code {
	switch e := e.(type) {
	case *spec.Const:
		switch e.T.Kind {
		case spec.BoolType:
			return jen.Lit(e.Val != 0)
		case spec.IntType:
			return jen.Lit(e.Val)
		case spec.EnumType:
			if e.T.Enum != nil && e.T.Enum.Index < len(g.enumVal) && e.Val >= 0 && e.Val < len(g.enumVal[e.T.Enum.Index]) {
				return jen.Id(g.enumVal[e.T.Enum.Index][e.Val])
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
		c := jen.Add(g.expr(e.X, p)).Op(e.Op.String()).Add(g.expr(e.Y, p+1))
		if p < prec {
			return jen.Parens(c)
		}
		return c
	}
	if g.err == nil {
		g.err = fmt.Errorf("%s: gen: %s cannot be used in a transition", e.Pos(), e)
	}
	return jen.Lit(false)
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
	var from, on []string
	for _, st := range r.From {
		from = append(from, st.Name)
	}
	for _, e := range r.On {
		on = append(on, e.String())
	}
	to := "(stay)"
	if r.To != nil {
		to = r.To.Name
	}
	sum := fmt.Sprintf("%s on %s", strings.Join(from, ","), strings.Join(on, ","))
	if r.Guard != nil {
		sum += " if " + r.Guard.String()
	}
	return fmt.Sprintf("%s -> %s (%s)", sum, to, g.pos(r.Pos))
}

func (g *goGen) pos(p spec.Pos) string {
	return spec.Pos{File: g.o.Source, Line: p.Line, Col: p.Col}.String()
}

func (g *goGen) emitStep() {
	s, f := g.s, g.f
	// cells: for each (state, event), the single unguarded row as data
	// (the fast path of step), -1 for none, or -2 when guards decide.
	failing := false // some call row reports an error: the call fails
	var guarded []jen.Code
	rowsOfStates := make([]jen.Code, len(s.States))
	for si, byEvent := range s.Table {
		cells := make([]jen.Code, 0, len(s.Events)+1)
		for ei, ev := range s.Events {
			var rows []*spec.Row
			if ei < len(byEvent) {
				rows = byEvent[ei]
			}
			var c jen.Code
			switch {
			case len(rows) == 0:
				c = jen.Values(jen.Id("row").Op(":").Lit(-1), jen.Id("kind").Op(":").Id("cellSlow"))
			case len(rows) == 1 && rows[0].Guard == nil:
				r := rows[0]
				kind := "cellPlain"
				if len(r.Set) > 0 {
					kind = "cellSet"
				}
				if r.Error != "" && ev.Kind == spec.CallEvent {
					kind = "cellSlow" // a failed call: fire and step's slow path handle it
				}
				to := jen.Id(g.state[r.Target(s.States[si]).Index])
				stop, arm := jen.Code(jen.Lit(0)), jen.Code(jen.Lit(0))
				stops := r.Stop
				if ev.Kind == spec.TimerEvent {
					// The expired timer is disarmed before the row's actions.
					stops = append([]*spec.Timer{ev.Timer}, stops...)
				}
				if len(stops) > 0 {
					stop = timerMask(stops, g.timer)
				}
				if ts := append(append([]*spec.Timer(nil), r.Start...), r.Restart...); len(ts) > 0 {
					arm = timerMask(ts, g.timer)
				}
				c = jen.Values(jen.Lit(r.Index), to, jen.Id(kind), stop, arm)
			default:
				c = jen.Values(jen.Id("row").Op(":").Lit(-2), jen.Id("kind").Op(":").Id("cellSlow"))
				var body []jen.Code
				for _, r := range rows {
					if r.Guard == nil {
						body = append(body, jen.Return(jen.Lit(r.Index)))
						break
					}
					body = append(body, jen.If(g.expr(r.Guard, 0)).Block(jen.Return(jen.Lit(r.Index))))
				}
				guarded = append(guarded, jen.Case(jen.Int().Call(jen.Id(g.state[si])).Op("*").Id("NumEvents").Op("+").Int().Call(jen.Id(g.event[ei]))).Block(body...))
			}
			for _, r := range rows {
				failing = failing || (r.Error != "" && ev.Kind == spec.CallEvent)
			}
			cells = append(cells, jen.Line().Add(c).Op(",").Comment(ev.String()))
		}
		rowsOfStates[si] = jen.Comment(s.States[si].Name).Line().Values(append(cells, jen.Line())...)
	}
	g.failing = failing
	g.doc("cell is what an event does in a state. When a single row without a guard\nhandles it, the cell holds that row's target and timer actions: the fast\npath of step.")
	f.Type().Id("cell").Struct(
		jen.Id("row").Int16().Comment("the row; -1: none; -2: guards decide (matchGuarded)"),
		jen.Id("to").Id("State").Comment("the state the row enters"),
		jen.Id("kind").Uint8(),
		jen.Id("stop").Id("TimerSet"),
		jen.Id("arm").Id("TimerSet").Comment("started or restarted"),
	)
	f.Const().Defs(
		jen.Id("cellPlain").Op("=").Iota().Comment("one row, no variables set"),
		jen.Id("cellSet").Comment("one row that sets variables (assign)"),
		jen.Id("cellSlow").Comment("guards, no row, or a failed call: fire or unhandled"),
	)
	g.doc("cells[state][event] says what the event does in the state.")
	f.Var().Id("cells").Op("=").Index(jen.Id("NumStates")).Index(jen.Id("NumEvents")).Id("cell").Values(multiline(rowsOfStates)...)

	g.doc("match returns the row that fires for e in s, or -1. s.State and e are in range.")
	f.Func().Id("match").Params(jen.Id("s").Id("Snapshot"), jen.Id("e").Id("Event")).Int().Block(
		jen.Id("r").Op(":=").Int().Call(jen.Id("cells").Index(jen.Id("s").Dot("State")).Index(jen.Id("e")).Dot("row")),
		jen.If(jen.Id("r").Op("!=").Lit(-2)).Block(jen.Return(jen.Id("r"))),
		jen.Return(jen.Id("matchGuarded").Call(jen.Id("s"), jen.Id("e"))),
	)
	var mg []jen.Code
	if len(guarded) > 0 {
		mg = append(mg, jen.Switch(jen.Int().Call(jen.Id("s").Dot("State")).Op("*").Id("NumEvents").Op("+").Int().Call(jen.Id("e"))).Block(guarded...))
	} else {
		mg = append(mg, jen.Id("_").Op("=").Id("s"))
	}
	mg = append(mg, jen.Return(jen.Lit(-1)))
	g.doc("matchGuarded evaluates the guards of the rows for (s.State, e).")
	f.Func().Id("matchGuarded").Params(jen.Id("s").Id("Snapshot"), jen.Id("e").Id("Event")).Int().Block(mg...)

	// Rows as data: each row's effects, target and whether it sets
	// variables; only set values need code (assign).
	acts := make([]jen.Code, len(s.Rows))
	var setCases []jen.Code
	for i, r := range s.Rows {
		fx := jen.Dict{jen.Id("Row"): jen.Lit(r.Index)}
		if len(r.Send) > 0 {
			var ms []jen.Code
			for _, m := range r.Send {
				ms = append(ms, jen.Id(g.msg[m.Index]))
			}
			fx[jen.Id("Sends")] = jen.Index(jen.Id("MaxSends")).Id("Message").Values(ms...)
			fx[jen.Id("NumSends")] = jen.Lit(len(r.Send))
		}
		for k, ts := range [][]*spec.Timer{r.Stop, r.Start, r.Restart} {
			if len(ts) > 0 {
				fx[jen.Id([]string{"Stop", "Start", "Restart"}[k])] = timerMask(ts, g.timer)
			}
		}
		if r.Error != "" {
			fx[jen.Id("Error")] = jen.Lit(r.Error)
		}
		a := jen.Dict{jen.Id("fx"): jen.Id("Effects").Values(fx)}
		if r.To != nil {
			a[jen.Id("to")] = jen.Id(g.state[r.To.Index])
		} else {
			a[jen.Id("stay")] = jen.True()
		}
		if len(r.Set) > 0 {
			a[jen.Id("set")] = jen.True()
			var body []jen.Code
			for _, as := range r.Set {
				body = append(body, jen.Id("n").Dot(g.field[as.Var.Index]).Op("=").Add(g.expr(as.Value, 0)))
			}
			setCases = append(setCases, jen.Case(jen.Lit(r.Index)).Block(body...))
		}
		acts[i] = jen.Comment(g.rowSummary(r)).Line().Values(a)
	}
	g.doc("rowAction is what a row does, as data.")
	f.Type().Id("rowAction").Struct(
		jen.Id("fx").Id("Effects"),
		jen.Id("to").Id("State"),
		jen.Id("stay").Bool(),
		jen.Id("set").Bool().Comment("the row sets variables: see assign"),
	)
	g.doc("actions[r] is what row r of Transitions does.")
	f.Var().Id("actions").Op("=").Index(jen.Op("...")).Id("rowAction").Values(multiline(acts)...)
	assignBody := []jen.Code{jen.Id("n").Op(":=").Id("s")}
	if len(setCases) > 0 {
		assignBody = append(assignBody, jen.Switch(jen.Id("r")).Block(setCases...))
	} else {
		assignBody = append(assignBody, jen.Id("_").Op("=").Id("r"))
	}
	assignBody = append(assignBody, jen.Return(jen.Id("n")))
	g.doc("assign carries out the set actions of row r: values read the old\nsnapshot s and are written to a copy, so they take effect simultaneously.")
	f.Func().Id("assign").Params(jen.Id("s").Id("Snapshot"), jen.Id("r").Int()).Id("Snapshot").Block(assignBody...)
	g.doc("fire applies row r to s: stopped timers are disarmed, then started and\nrestarted ones armed; the state becomes the row's target. The effects it\nreturns are static and must not be modified. The snapshot is passed by\nvalue throughout so that it stays in registers.")
	f.Func().Id("fire").Params(jen.Id("s").Id("Snapshot"), jen.Id("r").Int()).Params(jen.Id("Snapshot"), jen.Op("*").Id("Effects")).Block(
		jen.Id("a").Op(":=").Op("&").Id("actions").Index(jen.Id("r")),
		jen.If(jen.Id("a").Dot("set")).Block(jen.Id("s").Op("=").Id("assign").Call(jen.Id("s"), jen.Id("r"))),
		jen.If(jen.Op("!").Id("a").Dot("stay")).Block(jen.Id("s").Dot("State").Op("=").Id("a").Dot("to")),
		jen.Id("s").Dot("Timers").Op("=").Id("s").Dot("Timers").Op("&^").Id("a").Dot("fx").Dot("Stop").Op("|").Id("a").Dot("fx").Dot("Start").Op("|").Id("a").Dot("fx").Dot("Restart"),
		jen.Return(jen.Id("s"), jen.Op("&").Id("a").Dot("fx")),
	)

	// unhandled applies the spec's unhandled policy. Its effects are
	// static too: Row -1, and the reply for messages.
	u := s.Unhandled
	var reply []jen.Code
	if u.Messages == spec.ReplyMessage && u.Reply != nil && len(s.Messages) > 0 {
		reply = []jen.Code{jen.For(jen.Id("e").Op(":=").Id("firstRecv"), jen.Id("e").Op("<").Id("firstTimeout"), jen.Id("e").Op("++")).Block(
			jen.Id("t").Index(jen.Id("e")).Dot("Sends").Index(jen.Lit(0)).Op("=").Id(g.msg[u.Reply.Index]),
			jen.Id("t").Index(jen.Id("e")).Dot("NumSends").Op("=").Lit(1),
		)}
	}
	g.doc("unhandledFX[e] is what an unhandled event e does besides disarming an\nexpired timer.")
	f.Var().Id("unhandledFX").Op("=").Func().Params().Parens(jen.Id("t").Index(jen.Id("NumEvents").Op("+").Lit(1)).Id("Effects")).Block(append(append([]jen.Code{
		jen.For(jen.Id("i").Op(":=").Range().Id("t")).Block(jen.Id("t").Index(jen.Id("i")).Dot("Row").Op("=").Lit(-1)),
	}, reply...), jen.Return())...).Call()

	var ucases []jen.Code
	if len(s.Calls) > 0 {
		c := jen.Return(jen.Id("s"), jen.Op("&").Id("unhandledFX").Index(jen.Id("e")), jen.Id("reject").Call(jen.Id("s").Dot("State"), jen.Id("e")))
		if u.Calls == spec.IgnoreCall {
			c = jen.Return(jen.Id("s"), jen.Op("&").Id("unhandledFX").Index(jen.Id("e")), jen.Nil())
		}
		ucases = append(ucases, jen.Case(jen.Id("e").Op("<").Id("firstRecv")).Block(c))
	}
	ubody := []jen.Code{}
	if len(ucases) > 0 {
		ubody = append(ubody, jen.Switch().Block(ucases...))
	}
	ubody = append(ubody, jen.Return(jen.Id("s"), jen.Op("&").Id("unhandledFX").Index(jen.Id("e")), jen.Nil()))
	g.doc("unhandled applies the spec's unhandled policy to e in *s; e is in range\nand an expired timer is already disarmed.")
	f.Func().Id("unhandled").Params(jen.Id("s").Id("Snapshot"), jen.Id("e").Id("Event")).Params(jen.Id("Snapshot"), jen.Op("*").Id("Effects"), jen.Error()).Block(ubody...)

	stepBody := []jen.Code{
		jen.If(jen.Id("s").Dot("State").Op(">=").Id("NumStates").Op("||").Id("e").Op(">=").Id("NumEvents")).Block(
			jen.Return(jen.Id("s"), jen.Op("&").Id("unhandledFX").Index(jen.Id("NumEvents")), jen.Id("reject").Call(jen.Id("s").Dot("State"), jen.Id("e"))),
		),
		jen.Id("n").Op(":=").Id("s"),
	}
	// The slow path: guards, no row, or a failed call.
	slow := []jen.Code{
		jen.Id("r").Op(":=").Int().Call(jen.Id("c").Dot("row")),
		jen.If(jen.Id("r").Op("==").Lit(-2)).Block(jen.Id("r").Op("=").Id("matchGuarded").Call(jen.Id("s"), jen.Id("e"))),
		jen.If(jen.Id("r").Op("<").Lit(0)).Block(jen.Return(jen.Id("unhandled").Call(jen.Id("n"), jen.Id("e")))),
		jen.Id("next").Op(",").Id("fx").Op(":=").Id("fire").Call(jen.Id("n"), jen.Id("r")),
	}
	if failing {
		slow = append(slow, jen.If(jen.Id("e").Op("<").Id("firstRecv").Op("&&").Id("fx").Dot("Error").Op("!=").Lit("")).Block(
			jen.Comment("A call row with an error is a failed call; it has no other effect."),
			jen.Return(jen.Id("s"), jen.Id("fx"), jen.Op("&").Id("reported").Index(jen.Id("r"))),
		))
	}
	slow = append(slow, jen.Return(jen.Id("next"), jen.Id("fx"), jen.Nil()))
	stepBody = append(stepBody,
		jen.Id("c").Op(":=").Op("&").Id("cells").Index(jen.Id("s").Dot("State")).Index(jen.Id("e")),
		jen.If(jen.Id("c").Dot("kind").Op("<=").Id("cellSet")).Block(
			jen.If(jen.Id("c").Dot("kind").Op("==").Id("cellSet")).Block(jen.Id("n").Op("=").Id("assign").Call(jen.Id("n"), jen.Int().Call(jen.Id("c").Dot("row")))),
			jen.Id("n").Dot("State").Op("=").Id("c").Dot("to"),
			jen.Id("n").Dot("Timers").Op("=").Id("n").Dot("Timers").Op("&^").Id("c").Dot("stop").Op("|").Id("c").Dot("arm"),
			jen.Return(jen.Id("n"), jen.Op("&").Id("actions").Index(jen.Id("c").Dot("row")).Dot("fx"), jen.Nil()),
		),
	)
	if len(s.Timers) > 0 {
		// The fast path's cells disarm an expired timer through their stop mask.
		slow = append([]jen.Code{jen.If(jen.Id("e").Op(">=").Id("firstTimeout")).Block(
			jen.Comment("A timer that has fired is no longer running; a row that wants it again restarts it."),
			jen.Id("n").Dot("Timers").Op("&^=").Lit(1).Op("<<").Parens(jen.Id("e").Op("-").Id("firstTimeout")),
		)}, slow...)
	}
	stepBody = append(stepBody, slow...)
	g.doc("step is Step with the effects returned as a pointer into static tables,\nwhich must not be modified. When it returns an error, s is returned\nunchanged.")
	f.Func().Id("step").Params(jen.Id("s").Id("Snapshot"), jen.Id("e").Id("Event")).Params(jen.Id("Snapshot"), jen.Op("*").Id("Effects"), jen.Error()).Block(stepBody...)

	var policy string
	if u.Calls == spec.IgnoreCall {
		policy = "an unhandled call is accepted and changes nothing;\n"
	} else {
		policy = "an unhandled call is rejected with a *RejectedError and changes nothing;\n"
	}
	if u.Messages == spec.ReplyMessage && u.Reply != nil {
		policy += "an unhandled message is answered with " + u.Reply.Name + ";\n"
	} else {
		policy += "an unhandled message is dropped;\n"
	}
	policy += "a timer's expiry disarms it before any row applies (a row that wants\nit again starts or restarts it)."
	g.doc("Step applies event e to snapshot s and returns the next snapshot and the\neffects to carry out. It is pure and does not allocate. The first row of\nTransitions for (s.State, e) whose guard holds fires; when none does,\n" + policy + "\nA call row that reports an error is a failed call: Step returns a\n*ReportedError and s unchanged. An event or state out of range is\nrejected. Step does not check that a timeout's timer is armed: Machine\nonly fires armed timers.")
	f.Func().Id("Step").Params(jen.Id("s").Id("Snapshot"), jen.Id("e").Id("Event")).Params(jen.Id("Snapshot"), jen.Id("Effects"), jen.Error()).Block(
		jen.Comment("Small enough to inline, so callers copy only the effects they use."),
		jen.Id("n").Op(",").Id("fx").Op(",").Id("err").Op(":=").Id("step").Call(jen.Id("s"), jen.Id("e")),
		jen.Return(jen.Id("n"), jen.Op("*").Id("fx"), jen.Id("err")),
	)
}

func (g *goGen) emitPacked() {
	f := g.f
	g.doc("StepPacked is Step over the packed layout of spec.Layout, for the model\nchecker. event indexes spec.Events. It appends the indexes of the sent\nmessages to sends and returns it, with the index in Transitions of the\nrow that fired. ok is false when the event takes no effect: when no row\nfired (row is -1, snap is returned unchanged and the caller applies the\nunhandled policy) and when a call failed (row is the failed call's row;\nnothing changes).")
	f.Func().Id("StepPacked").Params(jen.Id("snap").Uint64(), jen.Id("event").Int(), jen.Id("sends").Index().Uint8()).Params(
		jen.Id("next").Uint64(), jen.Id("out").Index().Uint8(), jen.Id("row").Int(), jen.Id("ok").Bool(),
	).Block(
		jen.Id("s").Op(":=").Id("Unpack").Call(jen.Id("snap")),
		jen.If(jen.Id("s").Dot("State").Op(">=").Id("NumStates").Op("||").Id("uint").Call(jen.Id("event")).Op(">=").Id("NumEvents")).Block(
			jen.Return(jen.Id("snap"), jen.Id("sends"), jen.Lit(-1), jen.False()),
		),
		jen.Id("r").Op(":=").Id("match").Call(jen.Id("s"), jen.Id("Event").Call(jen.Id("event"))),
		jen.If(jen.Id("r").Op("<").Lit(0)).Block(jen.Return(jen.Id("snap"), jen.Id("sends"), jen.Lit(-1), jen.False())),
		jen.If(jen.Id("event").Op(">=").Id("firstTimeout")).Block(
			jen.Id("s").Dot("Timers").Op("&^=").Lit(1).Op("<<").Parens(jen.Id("event").Op("-").Id("firstTimeout")),
		),
		jen.Id("n").Op(",").Id("fx").Op(":=").Id("fire").Call(jen.Id("s"), jen.Id("r")),
		jen.If(jen.Id("event").Op("<").Id("firstRecv").Op("&&").Id("fx").Dot("Error").Op("!=").Lit("")).Block(
			jen.Return(jen.Id("snap"), jen.Id("sends"), jen.Id("r"), jen.False()).Comment("a failed call changes nothing"),
		),
		jen.For(jen.Id("_").Op(",").Id("m").Op(":=").Range().Id("fx").Dot("Sends").Index(jen.Op(":").Id("fx").Dot("NumSends"))).Block(
			jen.Id("sends").Op("=").Append(jen.Id("sends"), jen.Uint8().Call(jen.Id("m"))),
		),
		jen.Return(jen.Id("n").Dot("Pack").Call(), jen.Id("sends"), jen.Id("r"), jen.True()),
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
		jen.Id("Send").Index().Id("Message"),
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
		for _, e := range r.On {
			on = append(on, g.event[e.Index])
		}
		for _, m := range r.Send {
			send = append(send, g.msg[m.Index])
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
		d[jen.Id("On")] = jen.Index().Id("Event").Values(ids(on)...)
		if r.Guard != nil {
			d[jen.Id("Guard")] = jen.Lit(r.Guard.String())
		}
		if r.To != nil {
			d[jen.Id("To")] = jen.Id(g.state[r.To.Index])
		} else {
			d[jen.Id("Stay")] = jen.True()
		}
		if len(send) > 0 {
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

	g.doc("Fire applies event e. It returns a *RejectedError when the event is\nrejected and a *ReportedError when a call fails, and then the machine is\nunchanged; it also returns a *ReportedError when the message or timeout\ntransition that fired reports an error (\"connection reset\"), after\ncalling OnError. Otherwise it returns nil. It does not allocate.")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("Fire").Params(jen.Id("e").Id("Event")).Error().Block(jen.Return(m().Dot("fire").Call(jen.Id("e"))))
	g.doc("Deliver applies the arrival of message msg; see Fire.")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("Deliver").Params(jen.Id("msg").Id("Message")).Error().Block(jen.Return(m().Dot("fire").Call(jen.Id("RecvEvent").Call(jen.Id("msg")))))
	g.doc("fire steps the machine and carries out the effects.")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("fire").Params(jen.Id("e").Id("Event")).Error().Block(
		jen.Id("prev").Op(":=").Add(m()).Dot("snap"),
		jen.Id("next").Op(",").Id("fx").Op(",").Id("err").Op(":=").Id("step").Call(jen.Id("prev"), jen.Id("e")),
		jen.If(jen.Id("err").Op("!=").Nil()).Block(jen.Return(jen.Id("err"))),
		m().Dot("snap").Op("=").Id("next"),
		jen.If(m().Dot("timers").Op("!=").Nil().Op("&&").Parens(jen.Id("next").Dot("Timers").Op("!=").Id("prev").Dot("Timers").Op("||").Id("fx").Dot("Start").Op("|").Id("fx").Dot("Restart").Op("!=").Lit(0))).Block(
			jen.Comment("A restarted timer, or one started while stopped, begins a new period."),
			jen.Id("running").Op(":=").Id("prev").Dot("Timers").Op("&^").Id("fx").Dot("Stop"),
			jen.If(jen.Id("e").Op(">=").Id("firstTimeout")).Block(jen.Id("running").Op("&^=").Lit(1).Op("<<").Parens(jen.Id("e").Op("-").Id("firstTimeout"))),
			jen.Id("fresh").Op(":=").Id("fx").Dot("Restart").Op("|").Id("fx").Dot("Start").Op("&^").Id("running"),
			m().Dot("timers").Dot("Apply").Call(jen.Uint64().Call(jen.Id("next").Dot("Timers")), jen.Uint64().Call(jen.Id("fresh"))),
		),
		jen.If(jen.Id("fx").Dot("Row").Op(">=").Lit(0).Op("&&").Add(m()).Dot("onTransition").Op("!=").Nil()).Block(
			m().Dot("onTransition").Call(jen.Id("Transition").Values(jen.Id("prev").Dot("State"), jen.Id("e"), jen.Id("next").Dot("State"), jen.Id("fx").Dot("Row"))),
		),
		jen.If(m().Dot("onSend").Op("!=").Nil()).Block(
			jen.For(jen.Id("i").Op(":=").Range().Id("fx").Dot("NumSends")).Block(m().Dot("onSend").Call(jen.Id("fx").Dot("Sends").Index(jen.Id("i")))),
		),
		jen.If(jen.Id("fx").Dot("Error").Op("!=").Lit("")).Block(
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
		jen.Id("_").Op("=").Add(m()).Dot("fire").Call(jen.Id("TimeoutEvent").Call(jen.Id("Timer").Call(jen.Id("i")))).Comment("reported errors went to OnError"),
		jen.Comment("The timer stopped running on the clock; run it again if the row re-armed it."),
		m().Dot("timers").Dot("Apply").Call(jen.Uint64().Call(m().Dot("snap").Dot("Timers")), jen.Lit(0)),
	)
	g.doc("State returns the current control state.")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("State").Params().Id("State").Block(jen.Return(m().Dot("snap").Dot("State")))
	g.doc("Snapshot returns the current snapshot.")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("Snapshot").Params().Id("Snapshot").Block(jen.Return(m().Dot("snap")))
	g.doc("Can reports whether e takes effect now: a transition row fires for it,\nand it is not a call that fails. Fire also accepts the events that the\nunhandled policy accepts (see Step).")
	f.Func().Params(jen.Id("m").Op("*").Id("Machine")).Id("Can").Params(jen.Id("e").Id("Event")).Bool().Block(
		jen.If(jen.Id("e").Op(">=").Id("NumEvents").Op("||").Add(m()).Dot("snap").Dot("State").Op(">=").Id("NumStates")).Block(jen.Return(jen.False())),
		jen.Id("r").Op(":=").Id("match").Call(m().Dot("snap"), jen.Id("e")),
		jen.Return(jen.Id("r").Op(">=").Lit(0).Op("&&").Op("!").Parens(jen.Int().Call(jen.Id("e")).Op("<").Id("firstRecv").Op("&&").Id("rowErrors").Index(jen.Id("r")).Op("!=").Lit(""))),
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
