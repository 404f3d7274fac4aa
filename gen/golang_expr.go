package gen

import (
	"fmt"
	"go/token"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/fsmgen/fsmgen/spec"
)

// Guards and set values become Go expressions over the snapshot s.

var goPrec = map[token.Token]int{
	token.LOR: 1, token.LAND: 2,
	token.EQL: 3, token.NEQ: 3, token.LSS: 3, token.LEQ: 3, token.GTR: 3, token.GEQ: 3,
	token.ADD: 4, token.SUB: 4, token.MUL: 5, token.QUO: 5, token.REM: 5,
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
			return g.getVar("s", e.Var.Index)
		}
	case *spec.MsgField:
		// The field of the letter received, looked up in its table.
		if ft, ok := g.fieldTables[g.fieldKey(e)]; ok {
			return jen.Id(ft.id).Index(jen.Id("e").Op("-").Id("firstRecv"))
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

// sendConst reports the value of a sent field value that reads no
// variable and not the message received: a constant.
func (g *goGen) sendConst(e spec.Expr) (int, bool) {
	if e == nil {
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
	return spec.Eval(e, constEnv{}), true
}

// constEnv evaluates constant expressions: they read nothing.
type constEnv struct{}

func (constEnv) Var(int, *spec.Var) int       { return 0 }
func (constEnv) State(int) int                { return 0 }
func (constEnv) Armed(int, *spec.Timer) bool  { return false }
func (constEnv) Count(int, *spec.Message) int { return 0 }

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

// firstFieldless names the first message without fields, for docs.
func (g *goGen) firstFieldless() string {
	for _, m := range g.s.Messages {
		if len(m.Fields) == 0 {
			return g.msg[m.Index]
		}
	}
	return ""
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
