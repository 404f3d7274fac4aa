package gen

import (
	"fmt"
	"slices"

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

// varsBits is the width of the variables' codes in Vars's word: their
// slots in Step's table index, which the word holds as the index does.
func (g *goGen) varsBits() int { return g.layout.off - g.layout.stateBits }

// varsWord is the unsigned type of Vars's word.
func (g *goGen) varsWord() string {
	for _, n := range []int{8, 16, 32} {
		if g.varsBits() <= n {
			return fmt.Sprintf("uint%d", n)
		}
	}
	return "uint64"
}

// varsOf is the Vars literal whose word is w.
func (g *goGen) varsOf(w jen.Code) jen.Code {
	return jen.Id("Vars").Values(jen.Dict{jen.Id("w"): jen.Id(g.varsWord()).Call(w)})
}

// getVar reads variable i of the snapshot named x; setVar sets it to val.
func (g *goGen) getVar(x string, i int) *jen.Statement {
	return jen.Id(x).Dot(g.field[i]).Call()
}

func (g *goGen) setVar(x string, i int, val jen.Code) *jen.Statement {
	return jen.Id(x).Dot("Set" + g.field[i]).Call(val)
}

// boolVars reports whether the machine has a bool variable.
func (g *goGen) boolVars() bool {
	return slices.ContainsFunc(g.s.Vars, func(v *spec.Var) bool { return v.Kind == spec.Bool })
}

// emitVars emits Vars, the variables packed in one word with a method to
// read and one to set each; a value out of a variable's range is kept as
// the code one past it, which valid and Step reject.
func (g *goGen) emitVars() {
	s, f, L := g.s, g.f, g.layout
	id := jen.Id
	word := g.varsWord()
	g.doc(fmt.Sprintf("Vars is the machine's variables, packed in one word (%d bits) as Step's\ntable index packs them. Snapshot embeds it: its methods read (s.%s()) and\nset (s.Set%s(x)) each variable. One word keeps the snapshot a struct of\nthree fields, which the Go compiler keeps in registers, and lets Step\nindex its table with the word as it is, so that Step stays within the\ninlining budget whatever the number of variables. The zero Vars has every\nvariable at its lowest value (false, the first enum value, min).", L.off-L.stateBits, g.field[0], g.field[0]))
	f.Type().Id("Vars").Struct(id("w").Id(word))
	if g.boolVars() && !g.fields {
		g.emitB2I()
	}
	for _, sl := range L.slots {
		v, i := s.Vars[sl.i], sl.i
		k, m := sl.off-L.stateBits, mask(uint(sl.w))
		code := id("v").Dot("w").Op(">>").Lit(k).Op("&").Add(m)
		var get jen.Code
		var set []jen.Code
		field := id("v").Dot("w")
		switch v.Kind {
		case spec.Bool:
			get = id("v").Dot("w").Op("&").Parens(jen.Lit(1).Op("<<").Lit(k)).Op("!=").Lit(0)
			set = []jen.Code{field.Clone().Op("=").Add(field.Clone()).Op("&^").Parens(jen.Lit(1).Op("<<").Lit(k)).Op("|").Id(word).Call(id("b2i").Call(id("x"))).Op("<<").Lit(k)}
		case spec.Enum:
			get = id(g.enumType[i]).Call(code)
			set = []jen.Code{field.Clone().Op("=").Add(field.Clone()).Op("&^").Parens(jen.Add(m).Op("<<").Lit(k)).Op("|").Id(word).Call(jen.Min(id("x"), id(g.enumType[i]).Call(jen.Lit(v.Size())))).Op("<<").Lit(k)}
		default:
			val, c := jen.Int().Call(code), id("x")
			switch {
			case v.Min > 0:
				val, c = val.Op("+").Lit(v.Min), id("x").Op("-").Lit(v.Min)
			case v.Min < 0:
				val, c = val.Op("-").Lit(-v.Min), id("x").Op("+").Lit(-v.Min)
			}
			get = val
			set = []jen.Code{field.Clone().Op("=").Add(field.Clone()).Op("&^").Parens(jen.Add(m).Op("<<").Lit(k)).Op("|").Id(word).Call(jen.Min(jen.Uint().Call(c), jen.Lit(v.Size()))).Op("<<").Lit(k)}
		}
		g.doc(comment(g.field[i]+" is the variable "+v.Name+".", v.Doc))
		f.Func().Params(id("v").Id("Vars")).Id(g.field[i]).Params().Add(g.varType(i)).Block(jen.Return(get))
		note := ""
		if v.Kind != spec.Bool {
			note = "; a value out of its range\nmakes the snapshot one that Step rejects"
		}
		g.doc("Set" + g.field[i] + " sets the variable " + v.Name + note + ".")
		f.Func().Params(id("v").Op("*").Id("Vars")).Id("Set" + g.field[i]).Params(id("x").Add(g.varType(i))).Block(set...)
	}
}

// initialVars is the word of the variables' initial values.
func (g *goGen) initialVars() uint64 {
	var w uint64
	for _, sl := range g.layout.slots {
		v := g.s.Vars[sl.i]
		w |= uint64(v.Init-v.Min) << uint(sl.off-g.layout.stateBits)
	}
	return w
}

func (g *goGen) emitSnapshot() {
	s, f := g.s, g.f
	fields := []jen.Code{jen.Id("State").Id("State")}
	init := jen.Dict{jen.Id("State"): jen.Id(g.state[s.Initial.Index])}
	if len(s.Vars) > 0 {
		g.emitVars()
		fields = append(fields, docLines("Vars holds the variables; its methods are promoted to the snapshot.").Id("Vars"))
		init[jen.Id("Vars")] = g.varsOf(jen.Id(fmt.Sprintf("%#x", g.initialVars())))
	}
	fields = append(fields, docLines("Timers is the set of armed timers.").Id("Timers").Id("TimerSet"))
	g.doc("Snapshot is everything the machine remembers: its control state, its\nvariables and its armed timers. It is a comparable value.")
	f.Type().Id("Snapshot").Struct(fields...)

	g.doc("Initial returns the initial snapshot: the initial state, every variable at\nits initial value, no timer armed.")
	f.Func().Id("Initial").Params().Id("Snapshot").Block(jen.Return(jen.Id("Snapshot").Values(init)))
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
		fd := g.getVar("s", i)
		bits := jen.Id("w").Op(">>").Lit(int(v.Offset)).Op("&").Add(mask(v.Width))
		switch v.Kind {
		case spec.Bool:
			pack = append(pack, jen.Id("w").Op("|=").Uint64().Call(jen.Id("b2i").Call(fd)).Op("<<").Lit(int(v.Offset)))
			unpack = append(unpack, g.setVar("s", i, jen.Add(bits).Op("!=").Lit(0)))
		case spec.Enum:
			pack = append(pack, jen.Id("w").Op("|=").Parens(jen.Uint64().Call(fd).Op("&").Add(mask(v.Width))).Op("<<").Lit(int(v.Offset)))
			unpack = append(unpack, g.setVar("s", i, jen.Id(g.enumType[i]).Call(bits)))
		default:
			code, val := fd.Clone(), jen.Int().Call(bits)
			if v.Min != 0 {
				code, val = code.Op("-").Lit(v.Min), val.Op("+").Lit(v.Min)
			}
			pack = append(pack, jen.Id("w").Op("|=").Parens(jen.Uint64().Call(code).Op("&").Add(mask(v.Width))).Op("<<").Lit(int(v.Offset)))
			unpack = append(unpack, g.setVar("s", i, val))
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
		fd := g.getVar("s", i)
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
