package gen

import (
	"fmt"
	"slices"

	"github.com/dave/jennifer/jen"

	"github.com/fsmgen/fsmgen/spec"
)

// typeArgs are the type arguments of fsm's generic types for this machine.
func typeArgs(names ...string) []jen.Code {
	out := make([]jen.Code, len(names))
	for i, n := range names {
		out[i] = jen.Id(n)
	}
	return out
}

// machineTypes are the type arguments of fsm.Machine, Def and Option.
var machineTypes = []string{"Snapshot", "State", "Event", "Message", "Timer", "TimerSet"}

// option emits an option of New and NewSync: a typed name for the method
// of the machine's fsm.Def that makes it.
func (g *goGen) option(name, doc string, params []jen.Code, args ...jen.Code) {
	g.doc(doc)
	g.f.Func().Id(name).Params(params...).Id("Option").Block(jen.Return(jen.Id("machine").Dot(name).Call(args...)))
}

// sentKind is the type a Row lists its sent messages as: Message, or with
// message fields MessageKind (Effects.Sent has their field values).
func (g *goGen) sentKind() string {
	if g.fields {
		return "MessageKind"
	}
	return "Message"
}

// emitRows emits the transition table: one record per row as the spec
// writes it, from which package fsm derives what each row does.
func (g *goGen) emitRows() {
	s, f := g.s, g.f
	f.Type().Defs(
		docLines("Row is one transition row as the spec writes it, for introspection and\ndiagrams (fsm.Row). Its Send and Reply list "+map[bool]string{false: "the messages sent and replied.", true: "the kinds of the messages sent\nand replied; Effects.Sent and Effects.Replied have their field values."}[g.fields]).
			Id("Row").Op("=").Qual(runtimePath, "Row").Types(typeArgs("State", "Event", g.sentKind(), "Timer")...),
		docLines("Assignment is one set action of a row.").Id("Assignment").Op("=").Qual(runtimePath, "Assignment"),
	)
	ids := func(xs []string) []jen.Code {
		out := make([]jen.Code, len(xs))
		for i, x := range xs {
			out[i] = jen.Id(x)
		}
		return out
	}
	timers := func(ts []*spec.Timer) []string {
		var out []string
		for _, t := range ts {
			out = append(out, g.timer[t.Index])
		}
		return out
	}
	rows := make([]jen.Code, len(s.Rows))
	for i, r := range s.Rows {
		// One line a row, its fields in Row's order.
		var kv []jen.Code
		field := func(k string, v jen.Code) { kv = append(kv, jen.Id(k).Op(":").Add(v)) }
		var from, send, reply []string
		for _, st := range r.From {
			from = append(from, g.state[st.Index])
		}
		var on []jen.Code
		for _, e := range r.On {
			for _, in := range g.inputs() {
				if in.Event == e {
					on = append(on, g.eventCode(in.Index))
				}
			}
		}
		for i, m := range r.Send {
			name := g.msg[m.Index]
			if g.fields {
				name = g.kind[m.Index]
			}
			if i < len(r.Sent()) {
				send = append(send, name)
			} else {
				reply = append(reply, name)
			}
		}
		field("From", jen.Index().Id("State").Values(ids(from)...))
		field("On", jen.Index().Id("Event").Values(on...))
		if r.Guard != nil {
			field("Guard", jen.Lit(r.Guard.String()))
		}
		if r.To != nil {
			field("To", jen.Id(g.state[r.To.Index]))
		} else {
			field("Stay", jen.True())
		}
		if len(send) > 0 {
			field("Send", jen.Index().Id(g.sentKind()).Values(ids(send)...))
		}
		if len(reply) > 0 {
			field("Reply", jen.Index().Id(g.sentKind()).Values(ids(reply)...))
		}
		for k, ts := range [][]*spec.Timer{r.Start, r.Stop, r.Restart} {
			if len(ts) > 0 {
				field([]string{"Start", "Stop", "Restart"}[k], jen.Index().Id("Timer").Values(ids(timers(ts))...))
			}
		}
		if len(r.Set) > 0 {
			var as []jen.Code
			for _, a := range r.Set {
				as = append(as, jen.Values(jen.Id("Var").Op(":").Lit(a.Var.Name), jen.Id("Value").Op(":").Lit(a.Value.String())))
			}
			field("Set", jen.Index().Id("Assignment").Values(as...))
		}
		if r.Error != "" {
			field("Error", jen.Lit(r.Error))
		}
		if r.Doc != "" {
			field("Doc", jen.Lit(r.Doc))
		}
		field("Pos", jen.Lit(g.pos(r.Pos)))
		rows[i] = jen.Values(kv...)
	}
	g.doc("rows is the transition table in spec order, one record per row: package\nfsm derives what each row does from it (Def), and Effects.Row,\nTransition.Row and ReportedError.Row index it.")
	f.Var().Id("rows").Op("=").Index(jen.Op("...")).Id("Row").Values(multiline(rows)...)
	g.doc("Transitions returns the transition table in spec order, for introspection:\na copy, which the caller may change.")
	f.Func().Id("Transitions").Params().Index().Id("Row").Block(jen.Return(jen.Qual(runtimePath, "CloneRows").Call(jen.Id("rows").Index(jen.Op(":")))))
}

// emitDef emits the machine's description for package fsm, and the errors
// it preallocates.
func (g *goGen) emitDef() {
	s, f := g.s, g.f
	// One line of fields, keyed, in Spec's order.
	var sp []jen.Code
	field := func(k string, v jen.Code) { sp = append(sp, jen.Id(k).Op(":").Add(v)) }
	field("Name", jen.Lit(g.machineName()))
	field("NumStates", jen.Id("NumStates"))
	field("NumEvents", jen.Id("NumEvents"))
	field("FirstRecv", jen.Id("firstRecv"))
	field("FirstTimeout", jen.Id("firstTimeout"))
	field("After", jen.Id("timerAfter").Index(jen.Op(":")))
	if s.Unhandled.Calls == spec.IgnoreCall {
		field("IgnoreCalls", jen.True())
	}
	if g.reply {
		field("Reply", jen.Index().Id("Message").Values(jen.Id(g.msg[s.Unhandled.Reply.Index])))
	}
	kindOf := jen.Nil()
	if g.fields {
		field("NumLetters", jen.Id("NumLetters"))
		field("SentOf", jen.Id("sentOf"))
		kindOf = jen.Id("Message").Dot("Kind")
	}
	if slices.ContainsFunc(s.Rows, func(r *spec.Row) bool { return r.Guard != nil }) {
		field("Guard", jen.Id("guard"))
	}
	field("Initial", jen.Id("Initial").Call())
	field("Parts", jen.Id("Snapshot").Dot("parts"))
	field("With", jen.Id("Snapshot").Dot("with"))
	field("Recv", jen.Id("RecvEvent"))
	for _, r := range s.Rows {
		if len(r.Set) > 0 {
			field("Assign", jen.Id("assign"))
			break
		}
	}
	field("Valid", jen.Id("Snapshot").Dot("valid"))
	if g.table {
		field("Index", jen.Id("Snapshot").Dot("index"))
		field("FromIndex", jen.Id("fromIndex"))
	}
	f.Type().Defs(
		docLines("RejectedError is the error of an event that no row handles and the\nspec's unhandled policy rejects: nothing changed (fsm.RejectedError).").Id("RejectedError").Op("=").Qual(runtimePath, "RejectedError").Types(typeArgs("State", "Event")...),
		docLines("ReportedError is the error a row reports to the user (fsm.ReportedError).").Id("ReportedError").Op("=").Qual(runtimePath, "ReportedError"),
	)
	f.Var().Defs(
		docLines("ErrRejected is wrapped by every RejectedError (it is fsm.ErrRejected).").Id("ErrRejected").Op("=").Qual(runtimePath, "ErrRejected"),
		docLines("ErrReported is wrapped by every ReportedError (it is fsm.ErrReported).").Id("ErrReported").Op("=").Qual(runtimePath, "ErrReported"),
	)
	g.option("OnError", "OnError sets the hook called with the *ReportedError of every message or\ntimeout transition that reports one. Failed calls are only returned.", []jen.Code{jen.Id("f").Func().Params(jen.Error())}, jen.Id("f"))
	g.doc(fmt.Sprintf("machine is the %s machine as package fsm sees it: the rows, the\npreallocated errors, the semantics row by row, and the functions over\nSnapshot that only this package can write.", g.machineName()))
	f.Var().Id("machine").Op("=").Qual(runtimePath, "NewDef").Call(
		jen.Qual(runtimePath, "Spec").Types(typeArgs(machineTypes...)...).Values(sp...),
		jen.Id("rows").Index(jen.Op(":")),
		kindOf,
	)
}

// emitPacked emits Packed, the machine over spec.Layout for the model checker.
func (g *goGen) emitPacked() {
	events := "spec.Events"
	if g.fields {
		events = "the machine's spec.Inputs (one receipt per message with its field\nvalues, as Event does), and sends hold Message values (spec.Letters)"
	}
	g.doc(fmt.Sprintf("Packed is Step over the %d-bit packed snapshots of spec.Layout, for the\nmodel checker (Packed.Step is a modelcheck.StepFunc), with Pack and\nUnpack between them and Snapshot. Its events index %s.", g.s.Layout.Bits, events))
	g.f.Var().Id("Packed").Op("=").Qual(runtimePath, "NewPacked").Call(
		jen.Lit(int(g.s.Layout.Bits)), jen.Id("NumEvents"), jen.Id("Step"), jen.Id("Snapshot").Dot("pack"), jen.Id("unpack"),
	)
}

// emitMachine emits the typed names of the runtime's Machine and
// SyncMachine, and their constructors.
func (g *goGen) emitMachine() {
	rt := jen.Qual(runtimePath, "Machine").Types(typeArgs(machineTypes...)...)
	g.doc("Machine runs the machine for embedding (fsm.Machine): it keeps a Snapshot,\napplies events with Step, runs the timers on a clock and calls hooks. It\nbelongs to one goroutine; SyncMachine is safe for concurrent use.")
	g.f.Type().Id("Machine").Op("=").Add(rt)
	opts := jen.Id("opts").Op("...").Id("Option")
	g.doc("New returns a Machine in the initial snapshot.")
	g.f.Func().Id("New").Params(opts).Op("*").Id("Machine").Block(jen.Return(jen.Id("machine").Dot("New").Call(jen.Id("Step"), jen.Id("opts").Op("..."))))
	g.doc("SyncMachine is a Machine that is safe for concurrent use (fsm.SyncMachine).")
	g.f.Type().Id("SyncMachine").Op("=").Qual(runtimePath, "SyncMachine").Types(typeArgs(machineTypes...)...)
	g.doc("NewSync returns a SyncMachine in the initial snapshot.")
	g.f.Func().Id("NewSync").Params(opts).Op("*").Id("SyncMachine").Block(jen.Return(jen.Id("machine").Dot("NewSync").Call(jen.Id("Step"), jen.Id("opts").Op("..."))))
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
