package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/fsmgen/fsmgen/spec"
)

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

// snapshotLit is the Snapshot literal with the given fields: State and
// Timers, and the variables' fields, which go into the embedded Vars.
func (g *goGen) snapshotLit(fields, vars jen.Dict) jen.Code {
	if len(vars) > 0 {
		fields[jen.Id("Vars")] = jen.Id("Vars").Values(vars)
	}
	return jen.Id("Snapshot").Values(fields)
}

func (g *goGen) emitSnapshot() {
	s, f := g.s, g.f
	fields := []jen.Code{jen.Id("State").Id("State")}
	if len(s.Vars) > 0 {
		var vars []jen.Code
		for i, v := range s.Vars {
			vars = append(vars, docLines(comment(g.field[i]+" is the variable "+v.Name+".", v.Doc)).Id(g.field[i]).Add(g.varType(i)))
		}
		fields = append(fields, docLines("Vars holds the variables; its fields are promoted to the snapshot.").Id("Vars"))
		g.doc("Vars is the machine's variables, the part of a Snapshot between its state\nand its timers. Snapshot embeds it, so that the snapshot is a struct of at\nmost four fields, which the Go compiler keeps in registers: a larger\nstruct lives in memory, and copying it costs a store-forwarding stall on\nevery step.")
		f.Type().Id("Vars").Struct(vars...)
	}
	fields = append(fields, docLines("Timers is the set of armed timers.").Id("Timers").Id("TimerSet"))
	g.doc("Snapshot is everything the machine remembers: its control state, its\nvariables and its armed timers. It is a comparable value.")
	f.Type().Id("Snapshot").Struct(fields...)

	init := jen.Dict{}
	for i, v := range s.Vars {
		init[jen.Id(g.field[i])] = g.value(i, v.Init)
	}
	g.doc("Initial returns the initial snapshot: the initial state, every variable at\nits initial value, no timer armed.")
	f.Func().Id("Initial").Params().Id("Snapshot").Block(jen.Return(g.snapshotLit(jen.Dict{jen.Id("State"): jen.Id(g.state[s.Initial.Index])}, init)))
	g.option("WithSnapshot", "WithSnapshot starts the machine from s instead of Initial(); its armed\ntimers start a full period when there is a clock.", []jen.Code{jen.Id("s").Id("Snapshot")}, jen.Id("s"))
	g.doc("parts returns the control state and the armed timers, for package fsm.")
	f.Func().Params(jen.Id("s").Id("Snapshot")).Id("parts").Params().Params(jen.Id("State"), jen.Id("TimerSet")).Block(jen.Return(jen.Id("s").Dot("State"), jen.Id("s").Dot("Timers")))
	g.doc("with returns s in state st with the timers ts armed, for package fsm.")
	f.Func().Params(jen.Id("s").Id("Snapshot")).Id("with").Params(jen.Id("st").Id("State"), jen.Id("ts").Id("TimerSet")).Id("Snapshot").Block(
		jen.List(jen.Id("s").Dot("State"), jen.Id("s").Dot("Timers")).Op("=").List(jen.Id("st"), jen.Id("ts")),
		jen.Return(jen.Id("s")),
	)

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
	g.doc(fmt.Sprintf("pack encodes the snapshot in the %d-bit layout the model checker uses\n(spec.Layout): the state in the low %d bits, each variable's code at its\noffset, one bit per timer from bit %d. Packed.Pack calls it.", L.Bits, L.StateBits, L.TimerOffset))
	f.Func().Params(jen.Id("s").Id("Snapshot")).Id("pack").Params().Uint64().Block(pack...)
	g.doc("unpack decodes a snapshot that pack encoded.")
	f.Func().Id("unpack").Params(jen.Id("w").Uint64()).Id("Snapshot").Block(unpack...)

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
