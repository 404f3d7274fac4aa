package gen

import (
	"fmt"
	"hash/fnv"
	"path"
	"strings"
	"time"

	"github.com/dave/jennifer/jen"

	"github.com/fsmgen/fsmgen/spec"
)

// enum emits the constants ids of type typ (an id "" has no constant: the
// others then say their value) and its String method, and keeps the type's
// line of the stringer-style guard and its name table for emitGuard.
func (g *goGen) enum(typ string, ids, names, docs []string) {
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
		var lhs, rhs []jen.Code
		for i, id := range ids {
			lhs = append(lhs, jen.Id("_"))
			rhs = append(rhs, jen.Id("x").Index(jen.Id(id).Op("-").Lit(i)))
		}
		g.guards = append(g.guards, jen.List(lhs...).Op("=").List(rhs...))
	}
	table := strings.ToLower(typ[:1]) + typ[1:] + "Names"
	args := []jen.Code{jen.Lit(typ)}
	for _, n := range names {
		args = append(args, jen.Lit(n))
	}
	g.nameTables = append(g.nameTables, jen.Id(table).Op("=").Qual(runtimePath, "NewNames").Call(args...))
	g.doc(fmt.Sprintf("String returns the name of the %s as the spec writes it.", typ))
	f.Func().Params(jen.Id("x").Id(typ)).Id("String").Params().String().Block(
		jen.Return(jen.Id(table).Dot("Of").Call(jen.Int().Call(jen.Id("x")))),
	)
}

// emitGuard emits the stringer-style guard that stops stale constants
// compiling, and the name tables of the String methods.
func (g *goGen) emitGuard() {
	if len(g.guards) > 0 {
		body := append([]jen.Code{jen.Comment("A compile error here means the constants changed: run go generate again."), jen.Var().Id("x").Index(jen.Lit(1)).Struct()}, g.guards...)
		g.f.Func().Id("_").Params().Block(body...)
	}
	g.doc("The names of the values of each type, for String.")
	g.f.Var().Defs(g.nameTables...)
}

func (g *goGen) emitTypes() {
	s, f := g.s, g.f
	var names, docs []string

	g.doc(fmt.Sprintf("State is a control state of the %s machine.", g.machineName()))
	f.Type().Id("State").Id(g.stateT)
	for _, st := range s.States {
		names, docs = append(names, st.Name), append(docs, st.Doc)
	}
	g.enum("State", g.state, names, docs)

	for i, v := range s.Vars {
		if v.Kind != spec.Enum {
			continue
		}
		t := g.enumType[i]
		g.doc(comment(fmt.Sprintf("%s is the type of the variable %s.", t, v.Name), v.Doc))
		f.Type().Id(t).Id(intType(len(v.Values)))
		g.enum(t, g.enumVal[i], v.Values, make([]string, len(v.Values)))
	}

	g.emitMessages()
	g.doc("Option configures a Machine or SyncMachine.")
	f.Type().Id("Option").Op("=").Qual(runtimePath, "Option").Types(typeArgs(machineTypes...)...)
	g.option("WithClock", "WithClock runs the machine's timers on clock: arming a timer schedules its\ntimeout event. Without it, timers are only tracked in the snapshot.", []jen.Code{jen.Id("clock").Qual(runtimePath, "Clock")}, jen.Id("clock"))
	g.option("OnSend", "OnSend sets the hook that sends a message to the peer. It is called once\nper message, in order.", []jen.Code{jen.Id("f").Func().Params(jen.Id("Message"))}, jen.Id("f"))
	g.option("OnReply", "OnReply sets the hook that sends a message back to the sender of the\nmessage received (a reply). It is called once per message, in order, after\nOnSend's; without it, replies go to OnSend.", []jen.Code{jen.Id("f").Func().Params(jen.Id("Message"))}, jen.Id("f"))
	g.emitTimers()

	g.doc("Event is an input of the machine: a call, the receipt of a message, or a timer's expiry.")
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
	g.enum("Event", g.event, names, docs)
	g.doc("Transition describes a row that fired, for OnTransition hooks.")
	f.Type().Id("Transition").Op("=").Qual(runtimePath, "Transition").Types(typeArgs("State", "Event")...)
	g.option("OnTransition", "OnTransition sets the hook called after each transition row fires.", []jen.Code{jen.Id("f").Func().Params(jen.Id("Transition"))}, jen.Id("f"))

	consts := []jen.Code{
		docLines("NumStates is the number of states.").Id("NumStates").Op("=").Lit(len(s.States)),
		docLines("NumEvents is the number of events.").Id("NumEvents").Op("=").Lit(len(g.inputs())),
	}
	consts = append(consts, g.messageCounts()...)
	consts = append(consts,
		docLines("NumTimers is the number of timers.").Id("NumTimers").Op("=").Lit(len(s.Timers)),
		docLines("MaxSends is the most messages one step sends.").Id("MaxSends").Op("=").Lit(g.maxSends),
		jen.Id("firstRecv").Op("=").Lit(len(s.Calls)),
		jen.Id("firstTimeout").Op("=").Lit(len(g.inputs())-len(s.Timers)),
	)
	f.Const().Defs(consts...)
	g.emitGuard()
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

// emitMessages emits Message: a kind of message, or with fields a letter
// (emitLetters); with a messages package, aliases of its types.
func (g *goGen) emitMessages() {
	s, f := g.s, g.f
	if g.o.Messages != "" {
		pkg := path.Base(g.o.Messages)
		g.doc(fmt.Sprintf("Message is a message the machine sends or receives: %s.Message, which the\nmachines of the spec share. Its constants%s are package %s's.", pkg, cond(g.fields, ", constructors and accessors", ""), pkg))
		f.Type().Id("Message").Op("=").Qual(g.o.Messages, "Message")
		if g.fields {
			g.doc(fmt.Sprintf("MessageKind is a kind of message, without its field values: %s.MessageKind.", pkg))
			f.Type().Id("MessageKind").Op("=").Qual(g.o.Messages, "MessageKind")
			g.emitB2I()
		}
		// The messages package must number the messages as this spec does:
		// the same messages, fields and values, in the same order.
		g.guards = append(g.guards, jen.Id("_").Op("=").Id("x").Index(jen.Qual(g.o.Messages, "MessagesFingerprint").Op("-").Lit(g.messagesFingerprint())))
		return
	}
	if g.fields {
		g.emitLetters()
		return
	}
	g.doc(fmt.Sprintf("Message is a kind of message the %s.", cond(g.o.MessagesOnly, "machines of the spec send and receive", "machine sends and receives")))
	f.Type().Id("Message").Id(intType(len(s.Messages)))
	var names, docs []string
	for _, m := range s.Messages {
		names, docs = append(names, m.Name), append(docs, m.Doc)
	}
	g.enum("Message", g.msg, names, docs)
}

// messageCounts are the constants NumMessages and, with fields, NumLetters.
func (g *goGen) messageCounts() []jen.Code {
	s := g.s
	val := func(name string, n int) jen.Code {
		if g.o.Messages != "" {
			return jen.Qual(g.o.Messages, name)
		}
		return jen.Lit(n)
	}
	out := []jen.Code{docLines("NumMessages is the number of message kinds.").Id("NumMessages").Op("=").Add(val("NumMessages", len(s.Messages)))}
	if g.fields {
		out = append(out, docLines("NumLetters is the number of distinct messages: one per kind and\nvaluation of its fields.").Id("NumLetters").Op("=").Add(val("NumLetters", len(s.Letters))))
	}
	if g.o.MessagesOnly {
		out = append(out, docLines("MessagesFingerprint identifies the messages as this package numbers them\n(their names, fields and values, in order): a machine's package generated\nwith this package as its messages checks it at compile time.").Id("MessagesFingerprint").Op("=").Lit(g.messagesFingerprint()))
	}
	return out
}

// messagesFingerprint is the FNV-1a hash of the names of the messages with
// their field values (spec.Letter.String), in their order: what a machine's
// package and its messages package must agree on.
func (g *goGen) messagesFingerprint() int {
	h := fnv.New32a()
	for _, lt := range g.s.Letters {
		fmt.Fprintln(h, lt)
	}
	return int(h.Sum32())
}

// emitMessagesOnly emits the messages package: Message and what goes with
// it, for the machines' packages to import (GoOptions.Messages).
func (g *goGen) emitMessagesOnly() {
	g.emitMessages()
	g.f.Const().Defs(g.messageCounts()...)
	g.emitGuard()
}

// emitB2I emits b2i, the code of a bool field.
func (g *goGen) emitB2I() {
	g.doc("b2i is 1 for true and 0 for false: a bool field's code.")
	g.f.Func().Id("b2i").Params(jen.Id("b").Bool()).Int().Block(
		jen.If(jen.Id("b")).Block(jen.Return(jen.Lit(1))),
		jen.Return(jen.Lit(0)),
	)
}

// cond is a if c holds, else b.
func cond(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

// emitTimers emits Timer, its durations and TimerSet.
func (g *goGen) emitTimers() {
	s, f := g.s, g.f
	g.doc("Timer is one of the machine's timers.")
	f.Type().Id("Timer").Id(intType(len(s.Timers)))
	var names, docs []string
	for _, t := range s.Timers {
		d := fmt.Sprintf("It runs for %s (%s).", t.AfterExpr, t.After)
		if t.AfterExpr == "" || t.AfterExpr == t.After.String() {
			d = fmt.Sprintf("It runs for %s.", t.After)
		}
		names, docs = append(names, t.Name), append(docs, strings.TrimSpace(t.Doc+"\n"+d))
	}
	g.enum("Timer", g.timer, names, docs)
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
	g.option("WithTimerDuration", "WithTimerDuration makes timer t run for d instead of its spec duration\n(see Timer.Duration), e.g. to shorten a wait in a demonstration. A\nduration that is not positive, or a timer out of range, is ignored.",
		[]jen.Code{jen.Id("t").Id("Timer"), jen.Id("d").Qual("time", "Duration")}, jen.Id("t"), jen.Id("d"))
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
	g.doc("Message is a message the " + cond(g.o.MessagesOnly, "machines of the spec send or receive", "machine sends or receives") + ", with the values of\nits fields: a small integer, numbered as the spec numbers its letters\n(one per message kind and valuation of its fields, the last field\nvarying fastest). " + consts0 + "A message with fields is made by its constructor, such as\n" + g.fieldExample() + ", and read with Kind and its accessor. Values from\nNumLetters on are invalid.")
	f.Type().Id("Message").Id(intType(len(s.Letters) + 1)) // NumLetters is the invalid message
	g.doc("MessageKind is a kind of message, without its field values.")
	f.Type().Id("MessageKind").Id(intType(len(s.Messages) + 1))
	var names, docs []string
	for _, m := range s.Messages {
		names, docs = append(names, m.Name), append(docs, m.Doc)
	}
	g.enum("MessageKind", g.kind, names, docs)

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
	g.enum("Message", nil, names, nil)
	g.doc("letterKinds is the kind of each message.")
	f.Var().Id("letterKinds").Op("=").Index(id("NumLetters")).Id("MessageKind").Values(kinds...)
	g.doc("Kind returns the kind of m, and NumMessages for an invalid m.")
	f.Func().Params(id("m").Id("Message")).Id("Kind").Params().Id("MessageKind").Block(
		jen.If(id("m").Op(">=").Id("NumLetters")).Block(jen.Return(id("NumMessages"))),
		jen.Return(id("letterKinds").Index(id("m"))),
	)
	g.doc("Valid reports whether m is a message: a constructor given a field value\nout of range makes an invalid one.")
	f.Func().Params(id("m").Id("Message")).Id("Valid").Params().Bool().Block(jen.Return(id("m").Op("<").Id("NumLetters")))
	g.emitB2I()
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
			g.enum(en.typ, en.vals, fv.Values, make([]string, len(fv.Values)))
		}
		g.doc(fmt.Sprintf("%sFields are the field values of a message %s.", name, m.Name))
		f.Type().Id(name + "Fields").Struct(fields...)
		body := []jen.Code{}
		doc := comment(fmt.Sprintf("%s returns the message %s with the given field values.", name, m.Name), m.Doc)
		if checks != nil {
			body = append(body, jen.If(checks).Block(jen.Return(id("NumLetters"))))
			doc += "\nIt needs " + strings.Join(ranges, ", ") + ": a value out of range\nmakes an invalid Message (see Valid), which " + cond(g.o.MessagesOnly, "the machines' ", "") + "RecvEvent and Deliver reject."
		}
		body = append(body, jen.Return(id("Message").Call(jen.Lit(base).Add(sum...))))
		g.doc(doc)
		f.Func().Id(name).Params(params...).Id("Message").Block(body...)
		g.doc(fmt.Sprintf("%s returns the field values of m and true when m is of kind %s, and\nzero values and false otherwise.", name, m.Name))
		acc := []jen.Code{
			jen.If(id("m").Dot("Kind").Call().Op("!=").Id(g.kind[m.Index])).Block(jen.Return(id("f"), jen.False())),
			id("c").Op(":=").Int().Call(id("m")).Op("-").Lit(base),
		}
		acc = append(acc, sets...)
		acc = append(acc, jen.Return(id("f"), jen.True()))
		f.Func().Params(id("m").Id("Message")).Id(name).Params().Params(id("f").Id(name+"Fields"), id("ok").Bool()).Block(acc...)
	}
}
