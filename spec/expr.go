package spec

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"slices"
	"strconv"
	"strings"
)

// TypeKind classifies expression values.
type TypeKind int

const (
	BoolType TypeKind = iota
	IntType
	EnumType    // a value of an enum variable (Type.Enum says which)
	StateType   // a control state
	MessageType // a message kind (only as an argument of count)
)

// Type is the type of an expression.
type Type struct {
	Kind    TypeKind
	Enum    *Var     // with EnumType
	Machine *Machine // with StateType: the machine whose states these are
}

func (t Type) String() string {
	switch t.Kind {
	case BoolType:
		return "bool"
	case IntType:
		return "int"
	case EnumType:
		return "enum " + t.Enum.Name
	case StateType:
		if t.Machine != nil && t.Machine.several {
			return "state of " + t.Machine.Name
		}
		return "state"
	}
	return "message"
}

// Expr is a typed expression: a guard over the machine's variables, or a
// property over a check's peers and network. Values are ints: bools are 0
// or 1, enum values and states are their indexes.
type Expr interface {
	Type() Type
	Pos() Pos
	String() string
}

// Const is a literal: true/false, an integer, an enum value, a state or a message.
type Const struct {
	T   Type
	Val int
	Src string
	P   Pos
}

// VarRef reads a machine variable; Peer is the peer index in properties and -1 in guards.
type VarRef struct {
	Peer     int
	PeerName string
	Var      *Var
	P        Pos
}

// StateOf reads a peer's control state.
type StateOf struct {
	Peer     int
	PeerName string
	Machine  *Machine // the machine the peer runs
	P        Pos
}

// Armed is true when a peer's timer is running.
type Armed struct {
	Peer     int
	PeerName string
	Timer    *Timer
	P        Pos
}

// Count is the number of messages in flight: to peer To (-1: both
// channels), of kind Msg (nil: every kind).
type Count struct {
	To     int
	ToName string
	Msg    *Message
	P      Pos
}

// MsgField reads a field of the message being received (msg.NAME), in a
// row on receipts only. Messages is every message the row receives; each
// declares the field with the same type.
type MsgField struct {
	Name     string
	Messages []*Message
	P        Pos
}

// Field returns the declaration of the field in message m.
func (e *MsgField) Field(m *Message) *Var { return m.Field(e.Name) }

// MonRef reads a monitor's variable: by its bare name inside the
// monitor, as MONITOR.VAR in the check's other properties.
type MonRef struct {
	Monitor *Monitor
	Var     *Var
	Bare    bool
	P       Pos
}

// Unary is !X or -X.
type Unary struct {
	Op token.Token
	X  Expr
	P  Pos
}

// Binary is X Op Y for && || == != < <= > >= + - * / %. Division and
// remainder truncate toward zero, as in Go; the loader refuses a divisor
// that can be zero.
type Binary struct {
	Op   token.Token
	X, Y Expr
	P    Pos
}

// Implies is X => Y: true when X is false or Y is true (Y is evaluated
// only when X holds).
type Implies struct {
	X, Y Expr
	P    Pos
}

// Cond is cond(If, Then, Else): Then when If holds, otherwise Else. Only
// the chosen branch is evaluated.
type Cond struct {
	If, Then, Else Expr
	P              Pos
}

func (e *Const) Type() Type    { return e.T }
func (e *VarRef) Type() Type   { return varType(e.Var) }
func (e *StateOf) Type() Type  { return Type{Kind: StateType, Machine: e.Machine} }
func (e *Armed) Type() Type    { return Type{Kind: BoolType} }
func (e *Count) Type() Type    { return Type{Kind: IntType} }
func (e *MsgField) Type() Type { return varType(e.Messages[0].Field(e.Name)) }
func (e *MonRef) Type() Type   { return varType(e.Var) }
func (e *Unary) Type() Type {
	if e.Op == token.NOT {
		return Type{Kind: BoolType}
	}
	return Type{Kind: IntType}
}
func (e *Binary) Type() Type {
	switch e.Op {
	case token.ADD, token.SUB, token.MUL, token.QUO, token.REM:
		return Type{Kind: IntType}
	}
	return Type{Kind: BoolType}
}
func (e *Implies) Type() Type { return Type{Kind: BoolType} }
func (e *Cond) Type() Type    { return e.Then.Type() }

func (e *Const) Pos() Pos    { return e.P }
func (e *VarRef) Pos() Pos   { return e.P }
func (e *StateOf) Pos() Pos  { return e.P }
func (e *Armed) Pos() Pos    { return e.P }
func (e *Count) Pos() Pos    { return e.P }
func (e *MsgField) Pos() Pos { return e.P }
func (e *MonRef) Pos() Pos   { return e.P }
func (e *Unary) Pos() Pos    { return e.P }
func (e *Binary) Pos() Pos   { return e.P }
func (e *Implies) Pos() Pos  { return e.P }
func (e *Cond) Pos() Pos     { return e.P }

func (e *Const) String() string { return e.Src }
func (e *VarRef) String() string {
	if e.Peer < 0 {
		return e.Var.Name
	}
	return e.PeerName + "." + e.Var.Name
}
func (e *StateOf) String() string  { return e.PeerName + ".state" }
func (e *MsgField) String() string { return "msg." + e.Name }
func (e *MonRef) String() string {
	if e.Bare {
		return e.Var.Name
	}
	return e.Monitor.Name + "." + e.Var.Name
}
func (e *Armed) String() string { return e.PeerName + "." + e.Timer.Name }
func (e *Count) String() string {
	where := "net"
	if e.To >= 0 {
		where = e.ToName + ".inbox"
	}
	if e.Msg == nil {
		return "len(" + where + ")"
	}
	return "count(" + where + ", " + e.Msg.Name + ")"
}
func (e *Unary) String() string {
	if _, ok := e.X.(*Unary); ok {
		return e.Op.String() + "(" + e.X.String() + ")" // not --x, which Go reads as a decrement
	}
	return e.Op.String() + paren(e.X)
}
func (e *Binary) String() string {
	return paren(e.X) + " " + e.Op.String() + " " + paren(e.Y)
}

func (e *Implies) String() string {
	return paren(e.X) + " => " + paren(e.Y)
}
func (e *Cond) String() string {
	return "cond(" + e.If.String() + ", " + e.Then.String() + ", " + e.Else.String() + ")"
}

func paren(e Expr) string {
	switch e.(type) {
	case *Binary, *Implies:
		return "(" + e.String() + ")"
	}
	return e.String()
}

func varType(v *Var) Type {
	switch v.Kind {
	case Bool:
		return Type{Kind: BoolType}
	case Enum:
		return Type{Kind: EnumType, Enum: v}
	}
	return Type{Kind: IntType}
}

// Env supplies the values an expression reads. Guards are evaluated with
// peer -1; Count is only called for properties.
type Env interface {
	Var(peer int, v *Var) int
	State(peer int) int
	Armed(peer int, t *Timer) bool
	Count(to int, m *Message) int
}

// MonEnv supplies the values of monitor variables, for properties and
// handlers that read them.
type MonEnv interface {
	Mon(m *Monitor, v *Var) int
}

// MsgEnv supplies the fields of the message being received, for rows on
// receipts: the decoded value of the field named name.
type MsgEnv interface {
	Msg(name string) int
}

// Eval evaluates e in env. Bools evaluate to 0 or 1. && || => and cond
// evaluate only the operands they need. A zero divisor panics, as in Go; a
// loaded spec has none (see Spec's division check). An expression that
// reads the received message (MsgField) or a monitor (MonRef) needs an env
// that is a MsgEnv or a MonEnv too.
func Eval(e Expr, env Env) int { return eval(e, env, nil) }

// eval is Eval; when zero is not nil, a division by zero records the
// division in *zero (the first one met) and yields 0 instead of panicking.
func eval(e Expr, env Env, zero **Binary) int {
	switch e := e.(type) {
	case *Const:
		return e.Val
	case *VarRef:
		return env.Var(e.Peer, e.Var)
	case *StateOf:
		return env.State(e.Peer)
	case *Armed:
		return b2i(env.Armed(e.Peer, e.Timer))
	case *Count:
		return env.Count(e.To, e.Msg)
	case *MsgField:
		return env.(MsgEnv).Msg(e.Name)
	case *MonRef:
		return env.(MonEnv).Mon(e.Monitor, e.Var)
	case *Unary:
		x := eval(e.X, env, zero)
		if e.Op == token.NOT {
			return 1 - x
		}
		return -x
	case *Implies:
		if eval(e.X, env, zero) == 0 {
			return 1
		}
		return eval(e.Y, env, zero)
	case *Cond:
		if eval(e.If, env, zero) != 0 {
			return eval(e.Then, env, zero)
		}
		return eval(e.Else, env, zero)
	case *Binary:
		x := eval(e.X, env, zero)
		switch e.Op { // short-circuit first
		case token.LAND:
			if x == 0 {
				return 0
			}
			return eval(e.Y, env, zero)
		case token.LOR:
			if x != 0 {
				return 1
			}
			return eval(e.Y, env, zero)
		}
		y := eval(e.Y, env, zero)
		switch e.Op {
		case token.EQL:
			return b2i(x == y)
		case token.NEQ:
			return b2i(x != y)
		case token.LSS:
			return b2i(x < y)
		case token.LEQ:
			return b2i(x <= y)
		case token.GTR:
			return b2i(x > y)
		case token.GEQ:
			return b2i(x >= y)
		case token.ADD:
			return x + y
		case token.SUB:
			return x - y
		case token.MUL:
			return x * y
		case token.QUO, token.REM:
			if y == 0 {
				if zero == nil {
					panic(fmt.Sprintf("spec: %s: %s divides by zero", e.P, e))
				}
				if *zero == nil {
					*zero = e
				}
				return 0
			}
			if e.Op == token.QUO {
				return x / y
			}
			return x % y
		}
	}
	panic(fmt.Sprintf("spec: unknown expression %T", e))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Walk calls f for e and every subexpression, parents first.
func Walk(e Expr, f func(Expr)) {
	if e == nil {
		return
	}
	f(e)
	switch e := e.(type) {
	case *Unary:
		Walk(e.X, f)
	case *Binary:
		Walk(e.X, f)
		Walk(e.Y, f)
	case *Implies:
		Walk(e.X, f)
		Walk(e.Y, f)
	case *Cond:
		Walk(e.If, f)
		Walk(e.Then, f)
		Walk(e.Else, f)
	}
}

// exprScope resolves names while compiling an expression.
type exprScope struct {
	m     *Machine   // the machine whose guards and set values are compiled; nil for properties
	msgs  []*Message // in a row on receipts only: the messages it receives (msg.NAME reads their fields)
	mon   *Monitor   // in a monitor's handlers and properties: its variables by their bare names
	spec  *Spec
	check *Check // nil for guards
	hints *int   // the file's budget of name suggestions (didYouMean)
	// impl holds the offsets in the source of the `=>` operators, which
	// go/parser has read as || (see implications).
	impl map[int]bool
}

// messages is the message vocabulary in scope.
func (sc *exprScope) messages() []*Message {
	if sc.m != nil {
		return sc.m.Messages
	}
	return sc.spec.Messages
}

// unresolved is a bare identifier whose meaning depends on what it is compared with.
type unresolved struct {
	name string
	p    Pos
}

func (u *unresolved) Type() Type     { return Type{Kind: -1} }
func (u *unresolved) Pos() Pos       { return u.p }
func (u *unresolved) String() string { return u.name }

// compile parses src (Go syntax, plus =>) and type-checks it as a want, a
// guard or a property, and refuses a divisor that can be zero (see
// divisions); at is where src starts in the file.
func (sc *exprScope) compile(src string, at Pos, want TypeKind) (Expr, error) {
	e, err := sc.compileAny(src, at)
	if err != nil {
		return nil, err
	}
	if e.Type().Kind != want {
		return nil, errorf(e.Pos(), "expression %q is %s, expected %s", src, e.Type(), Type{Kind: want})
	}
	if err := sc.divisions(e); err != nil {
		return nil, err
	}
	return e, nil
}

// compileValue compiles the value of a set entry, of type want: a bare name
// in a branch of cond is read as a value of want. Its divisions are checked
// with the row's guard (see loader.table).
func (sc *exprScope) compileValue(src string, at Pos, want Type) (Expr, error) {
	e, err := sc.compileOpen(src, at)
	if err != nil {
		return nil, err
	}
	if open(e) {
		if e, err = sc.resolveTo(e, want); err != nil {
			return nil, err
		}
	}
	if u := firstUnresolved(e); u != nil {
		return nil, sc.unknown(u)
	}
	return e, nil
}

// compileAny parses and type-checks src, whatever its type.
func (sc *exprScope) compileAny(src string, at Pos) (Expr, error) {
	e, err := sc.compileOpen(src, at)
	if err != nil {
		return nil, err
	}
	if u := firstUnresolved(e); u != nil {
		return nil, sc.unknown(u)
	}
	return e, nil
}

// implications finds the implication operators of src, `=>` (an = followed
// at once by >, as go/scanner reads them), and rewrites each as ||, which
// has the same width and the same (lowest) precedence in Go, so that
// go/parser reads the expression with exact columns. orChain restores
// the implications with their own precedence. >=, <= and == are single
// tokens, so a => never comes out of them.
func implications(src string) (string, map[int]bool) {
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	var sc scanner.Scanner
	sc.Init(file, []byte(src), func(token.Position, string) {}, 0)
	var out []byte
	var at map[int]bool
	assign := -1 // offset of the = just scanned
	for {
		pos, tok, _ := sc.Scan()
		if tok == token.EOF {
			break
		}
		off := file.Offset(pos)
		if tok == token.GTR && assign >= 0 && off == assign+1 {
			if out == nil {
				out, at = []byte(src), map[int]bool{}
			}
			out[assign], out[off] = '|', '|'
			at[assign] = true
		}
		assign = -1
		if tok == token.ASSIGN {
			assign = off
		}
	}
	if out == nil {
		return src, nil
	}
	return string(out), at
}

// compileOpen parses and type-checks src; bare names in the branches of a
// cond may be left unresolved.
func (sc *exprScope) compileOpen(src string, at Pos) (Expr, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errorf(at, "expected an expression, found nothing")
	}
	text, impl := implications(src)
	sc.impl = impl
	x, err := parser.ParseExpr(text)
	if err != nil {
		msg := err.Error()
		col := 0
		if el, ok := err.(interface{ Unwrap() []error }); ok && len(el.Unwrap()) > 0 {
			msg = el.Unwrap()[0].Error()
		}
		// go/scanner errors read "1:5: expected ..."
		if parts := strings.SplitN(msg, ": ", 2); len(parts) == 2 {
			if lc := strings.Split(parts[0], ":"); len(lc) == 2 {
				if c, err := strconv.Atoi(lc[1]); err == nil {
					col = c - 1
					msg = parts[1]
				}
			}
		}
		if strings.HasSuffix(msg, "found '='") {
			msg += ": = is not a comparison, write == (or != for not equal)"
		}
		if impl[col] {
			msg = strings.ReplaceAll(msg, "'||'", "'=>'")
		}
		return nil, errorf(shift(at, col), "invalid expression %q: %s", src, msg)
	}
	return sc.expr(x, at)
}

// open reports whether e's type is still unknown: a bare name, or a cond
// whose branches are both bare names.
func open(e Expr) bool { return e.Type().Kind < 0 }

// firstUnresolved returns the first bare name left in e, or nil.
func firstUnresolved(e Expr) *unresolved {
	var u *unresolved
	Walk(e, func(x Expr) {
		if v, ok := x.(*unresolved); ok && u == nil {
			u = v
		}
	})
	return u
}

// resolveTo reads the bare names of an open e as values of t.
func (sc *exprScope) resolveTo(e Expr, t Type) (Expr, error) {
	switch x := e.(type) {
	case *unresolved:
		return sc.resolveAs(x, t)
	case *Cond:
		if !open(x) {
			return x, nil
		}
		th, err := sc.resolveTo(x.Then, t)
		if err != nil {
			return nil, err
		}
		el, err := sc.resolveTo(x.Else, t)
		if err != nil {
			return nil, err
		}
		return &Cond{If: x.If, Then: th, Else: el, P: x.P}, nil
	}
	return e, nil
}

func shift(p Pos, by int) Pos {
	if p.Line > 0 {
		p.Col += by
	}
	return p
}

func (sc *exprScope) unknown(u *unresolved) error {
	if sc.check == nil {
		return errorf(u.p, "unknown name %q: expected a variable, an enum value, true or false", u.name)
	}
	return errorf(u.p, "unknown name %q in property", u.name)
}

func (sc *exprScope) expr(x ast.Expr, at Pos) (Expr, error) {
	p := shift(at, int(x.Pos())-1)
	switch x := x.(type) {
	case *ast.ParenExpr:
		return sc.expr(x.X, at)
	case *ast.BasicLit:
		if x.Kind != token.INT {
			return nil, errorf(p, "unexpected literal %s: expected an integer, a name or a comparison", x.Value)
		}
		v, err := strconv.ParseInt(x.Value, 0, 32)
		if err != nil {
			return nil, errorf(p, "integer %s out of range", x.Value)
		}
		return &Const{T: Type{Kind: IntType}, Val: int(v), Src: x.Value, P: p}, nil
	case *ast.Ident:
		return sc.ident(x.Name, p), nil
	case *ast.SelectorExpr:
		return sc.selector(x, p)
	case *ast.CallExpr:
		return sc.call(x, at, p)
	case *ast.UnaryExpr:
		y, err := sc.operand(x.X, at)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case token.NOT:
			if y.Type().Kind != BoolType {
				return nil, errorf(p, "operator ! needs a bool, found %s %q", y.Type(), y.String())
			}
		case token.SUB:
			if y.Type().Kind != IntType {
				return nil, errorf(p, "operator - needs an int, found %s %q", y.Type(), y.String())
			}
		default:
			return nil, errorf(p, "operator %s is not supported", x.Op)
		}
		return &Unary{Op: x.Op, X: y, P: p}, nil
	case *ast.BinaryExpr:
		return sc.binary(x, at, p)
	}
	return nil, errorf(p, "unsupported expression: expected names, integers, comparisons, arithmetic (+ - * / %%), && || ! =>, and cond(c, x, y)")
}

// operand compiles x and requires it to be resolved.
func (sc *exprScope) operand(x ast.Expr, at Pos) (Expr, error) {
	e, err := sc.expr(x, at)
	if err != nil {
		return nil, err
	}
	if open(e) {
		return nil, sc.unknown(firstUnresolved(e))
	}
	return e, nil
}

func (sc *exprScope) ident(name string, p Pos) Expr {
	switch name {
	case "true":
		return &Const{T: Type{Kind: BoolType}, Val: 1, Src: name, P: p}
	case "false":
		return &Const{T: Type{Kind: BoolType}, Val: 0, Src: name, P: p}
	}
	if sc.check == nil {
		for _, v := range sc.m.Vars {
			if v.Name == name {
				return &VarRef{Peer: -1, Var: v, P: p}
			}
		}
	}
	if sc.mon != nil {
		for _, v := range sc.mon.Vars {
			if v.Name == name {
				return &MonRef{Monitor: sc.mon, Var: v, Bare: true, P: p}
			}
		}
	}
	return &unresolved{name: name, p: p}
}

func (sc *exprScope) peer(x ast.Expr, p Pos) (*Peer, error) {
	id, ok := x.(*ast.Ident)
	if !ok || sc.check == nil {
		return nil, errorf(p, "unsupported expression: expected PEER.state, PEER.VAR or PEER.TIMER")
	}
	for _, pr := range sc.check.Peers {
		if pr != nil && pr.Name == id.Name {
			return pr, nil
		}
	}
	return nil, errorf(p, "unknown peer %q: expected %s", id.Name, sc.peerNames())
}

func (sc *exprScope) peerNames() string {
	var names []string
	for _, pr := range sc.check.Peers {
		if pr != nil {
			names = append(names, pr.Name)
		}
	}
	return strings.Join(names, " or ")
}

func (sc *exprScope) selector(x *ast.SelectorExpr, p Pos) (Expr, error) {
	if id, ok := x.X.(*ast.Ident); ok && id.Name == "msg" && (sc.check == nil || sc.msgs != nil) {
		return sc.msgField(x.Sel.Name, p)
	}
	if id, ok := x.X.(*ast.Ident); ok && id.Name == "msg" && sc.mon != nil {
		return nil, errorf(p, "msg.%s: msg is the message observed, so it may be read only in send and recv handlers", x.Sel.Name)
	}
	if id, ok := x.X.(*ast.Ident); ok && sc.check != nil {
		for _, mon := range sc.check.Monitors {
			if mon.Name != id.Name {
				continue
			}
			for _, v := range mon.Vars {
				if v.Name == x.Sel.Name {
					return &MonRef{Monitor: mon, Var: v, P: p}, nil
				}
			}
			return nil, errorf(p, "monitor %s has no variable %q", mon.Name, x.Sel.Name)
		}
	}
	pr, err := sc.peer(x.X, p)
	if err != nil {
		return nil, err
	}
	name := x.Sel.Name
	if name == "state" {
		return &StateOf{Peer: pr.Index, PeerName: pr.Name, Machine: pr.Machine, P: p}, nil
	}
	for _, v := range pr.Machine.Vars {
		if v.Name == name {
			return &VarRef{Peer: pr.Index, PeerName: pr.Name, Var: v, P: p}, nil
		}
	}
	for _, t := range pr.Machine.Timers {
		if t.Name == name {
			return &Armed{Peer: pr.Index, PeerName: pr.Name, Timer: t, P: p}, nil
		}
	}
	if name == "inbox" {
		return nil, errorf(p, "%s.inbox is a channel: use it as len(%s.inbox), count(%s.inbox, MSG) or empty(%s.inbox)", pr.Name, pr.Name, pr.Name, pr.Name)
	}
	if pr.Machine.several {
		return nil, errorf(p, "unknown field %q of peer %s (machine %s): expected state, a variable or a timer", name, pr.Name, pr.Machine.Name)
	}
	return nil, errorf(p, "unknown field %q of peer %s: expected state, a variable or a timer", name, pr.Name)
}

// msgField resolves msg.NAME in a guard or value of a row.
func (sc *exprScope) msgField(name string, p Pos) (Expr, error) {
	if len(sc.msgs) == 0 {
		return nil, errorf(p, "msg.%s: msg is the message being received, so it may be read only in a row whose on lists receipts only", name)
	}
	first := sc.msgs[0].Field(name)
	for _, m := range sc.msgs {
		f := m.Field(name)
		if f == nil {
			var have []string
			for _, x := range m.Fields {
				have = append(have, x.Name)
			}
			fields := "it has no fields"
			if len(have) > 0 {
				fields = "its fields are " + strings.Join(have, ", ")
			}
			return nil, errorf(p, "message %s has no field %s: %s", m.Name, name, fields)
		}
		if f.Kind != first.Kind || f.Min != first.Min || f.Max != first.Max || !slices.Equal(f.Values, first.Values) {
			return nil, errorf(p, "msg.%s: field %s of %s and of %s differ in type: a row reads a field of several messages only when they declare it alike", name, name, sc.msgs[0].Name, m.Name)
		}
	}
	return &MsgField{Name: name, Messages: sc.msgs, P: p}, nil
}

// channel resolves `net` or `PEER.inbox`.
func (sc *exprScope) channel(x ast.Expr, at Pos) (int, string, error) {
	p := shift(at, int(x.Pos())-1)
	if id, ok := x.(*ast.Ident); ok && id.Name == "net" {
		return -1, "", nil
	}
	if sel, ok := x.(*ast.SelectorExpr); ok && sel.Sel.Name == "inbox" {
		pr, err := sc.peer(sel.X, p)
		if err != nil {
			return 0, "", err
		}
		return pr.Index, pr.Name, nil
	}
	return 0, "", errorf(p, "expected net or PEER.inbox")
}

func (sc *exprScope) call(x *ast.CallExpr, at, p Pos) (Expr, error) {
	if fn, ok := x.Fun.(*ast.Ident); ok && fn.Name == "cond" {
		return sc.cond(x, at, p)
	}
	fn, ok := x.Fun.(*ast.Ident)
	if !ok || sc.check == nil {
		if sc.check == nil {
			return nil, errorf(p, "function calls are not allowed in guards: only cond(c, x, y)")
		}
		return nil, errorf(p, "unsupported call: expected cond(c, x, y), empty(...), len(...) or count(..., MSG)")
	}
	switch fn.Name {
	case "empty", "len":
		if len(x.Args) != 1 {
			return nil, errorf(p, "%s takes one argument: net or PEER.inbox", fn.Name)
		}
		to, name, err := sc.channel(x.Args[0], at)
		if err != nil {
			return nil, err
		}
		c := &Count{To: to, ToName: name, P: p}
		if fn.Name == "len" {
			return c, nil
		}
		zero := &Const{T: Type{Kind: IntType}, Val: 0, Src: "0", P: p}
		return &Binary{Op: token.EQL, X: c, Y: zero, P: p}, nil
	case "count":
		if len(x.Args) != 2 {
			return nil, errorf(p, "count takes two arguments: net or PEER.inbox, and a message")
		}
		to, name, err := sc.channel(x.Args[0], at)
		if err != nil {
			return nil, err
		}
		mp := shift(at, int(x.Args[1].Pos())-1)
		id, ok := x.Args[1].(*ast.Ident)
		if !ok {
			return nil, errorf(mp, "expected a message name")
		}
		for _, m := range sc.messages() {
			if m.Name == id.Name {
				return &Count{To: to, ToName: name, Msg: m, P: p}, nil
			}
		}
		return nil, errorf(mp, "unknown message %q%s", id.Name, didYouMean(sc.hints, id.Name, sc.messages(), messageName))
	}
	return nil, errorf(p, "unknown function %q: expected cond, empty, len or count", fn.Name)
}

// cond compiles cond(c, x, y): c is a bool, x and y have one type. A bare
// name in one branch takes the other's type; when both are bare names the
// cond stays open until its use decides (a comparison or a set value).
func (sc *exprScope) cond(x *ast.CallExpr, at, p Pos) (Expr, error) {
	if len(x.Args) != 3 || x.Ellipsis.IsValid() {
		return nil, errorf(p, "cond takes three arguments: a condition, the value when it holds and the value when it does not")
	}
	c, err := sc.operand(x.Args[0], at)
	if err != nil {
		return nil, err
	}
	if c.Type().Kind != BoolType {
		return nil, errorf(c.Pos(), "the condition of cond must be bool, found %s %q", c.Type(), c.String())
	}
	th, el, err := sc.pair(x.Args[1], x.Args[2], at)
	if err != nil {
		return nil, err
	}
	// A bare name can only be an enum value or a state like the other branch.
	named := func(k TypeKind) bool { return k == EnumType || k == StateType }
	switch {
	case open(th) && open(el):
		return &Cond{If: c, Then: th, Else: el, P: p}, nil
	case open(th) && !named(el.Type().Kind):
		return nil, errorf(th.Pos(), "the branches of cond differ in type: %q is %s, %q is no variable, true or false", el.String(), el.Type(), th.String())
	case open(el) && !named(th.Type().Kind):
		return nil, errorf(el.Pos(), "the branches of cond differ in type: %q is %s, %q is no variable, true or false", th.String(), th.Type(), el.String())
	case open(th):
		th, err = sc.resolveTo(th, el.Type())
	case open(el):
		el, err = sc.resolveTo(el, th.Type())
	}
	if err != nil {
		return nil, err
	}
	if !sameType(th.Type(), el.Type()) {
		tt, et := typeNames(th.Type(), el.Type())
		return nil, errorf(el.Pos(), "the branches of cond differ in type: %q is %s, %q is %s", th.String(), tt, el.String(), et)
	}
	return &Cond{If: c, Then: th, Else: el, P: p}, nil
}

// orChain compiles a chain of || and => (go/parser read both as ||, left
// to right): => binds loosest and to the right, as in TLA+, so the chain
// splits at each => into ||-chains, and a => b => c is a => (b => c).
func (sc *exprScope) orChain(x *ast.BinaryExpr, at Pos) (Expr, error) {
	var operands []ast.Expr
	var isImpl []bool // isImpl[i]: the operator after operands[i] is =>
	var flat func(e ast.Expr)
	flat = func(e ast.Expr) {
		if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.LOR {
			flat(b.X)
			isImpl = append(isImpl, sc.impl[int(b.OpPos)-1])
			flat(b.Y)
			return
		}
		operands = append(operands, e)
	}
	flat(x)
	var segs []Expr
	var seg Expr
	for i, o := range operands {
		e, err := sc.expr(o, at)
		if err != nil {
			return nil, err
		}
		if seg == nil {
			seg = e
		} else if seg, err = sc.typed(token.LOR, seg, e, BoolType, seg.Pos()); err != nil {
			return nil, err
		}
		if i == len(operands)-1 || isImpl[i] {
			segs = append(segs, seg)
			seg = nil
		}
	}
	out := segs[len(segs)-1]
	if len(segs) > 1 {
		if err := sc.boolOperand("=>", out); err != nil {
			return nil, err
		}
	}
	for i := len(segs) - 2; i >= 0; i-- {
		if err := sc.boolOperand("=>", segs[i]); err != nil {
			return nil, err
		}
		out = &Implies{X: segs[i], Y: out, P: segs[i].Pos()}
	}
	return out, nil
}

func (sc *exprScope) boolOperand(op string, e Expr) error {
	if open(e) {
		return sc.unknown(firstUnresolved(e))
	}
	if e.Type().Kind != BoolType {
		return errorf(e.Pos(), "operator %s needs bool operands, found %s %q", op, e.Type(), e.String())
	}
	return nil
}

// pair compiles two expressions: a binary operator's operands or cond's
// branches.
func (sc *exprScope) pair(x, y ast.Expr, at Pos) (Expr, Expr, error) {
	a, err := sc.expr(x, at)
	if err != nil {
		return nil, nil, err
	}
	b, err := sc.expr(y, at)
	return a, b, err
}

func (sc *exprScope) binary(x *ast.BinaryExpr, at, p Pos) (Expr, error) {
	if x.Op == token.LOR {
		return sc.orChain(x, at)
	}
	l, r, err := sc.pair(x.X, x.Y, at)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case token.EQL, token.NEQ:
		// A bare name takes its meaning from the other side: a state or an enum value.
		if l, r, err = sc.resolvePair(l, r); err != nil {
			return nil, err
		}
		if !sameType(l.Type(), r.Type()) {
			lt, rt := typeNames(l.Type(), r.Type())
			return nil, errorf(p, "mismatched types: %q is %s, %q is %s", l.String(), lt, r.String(), rt)
		}
		return &Binary{Op: x.Op, X: l, Y: r, P: p}, nil
	case token.LAND:
		return sc.typed(x.Op, l, r, BoolType, p)
	case token.LSS, token.LEQ, token.GTR, token.GEQ:
		b, err := sc.typed(x.Op, l, r, IntType, p)
		if err != nil {
			return nil, err
		}
		b.(*Binary).Op = x.Op
		return b, nil
	case token.ADD, token.SUB, token.MUL, token.QUO, token.REM:
		return sc.typed(x.Op, l, r, IntType, p)
	}
	return nil, errorf(shift(at, int(x.OpPos)-1), "operator %s is not supported: expected && || => == != < <= > >= + - * / %%", x.Op)
}

func (sc *exprScope) typed(op token.Token, l, r Expr, want TypeKind, p Pos) (Expr, error) {
	for _, e := range []Expr{l, r} {
		if open(e) {
			return nil, sc.unknown(firstUnresolved(e))
		}
		if e.Type().Kind != want {
			return nil, errorf(e.Pos(), "operator %s needs %s operands, found %s %q", op, Type{Kind: want}, e.Type(), e.String())
		}
	}
	return &Binary{Op: op, X: l, Y: r, P: p}, nil
}

// sameType reports whether values of a and b compare: enums compare when
// they declare the same values in the same order (a message field and the
// variable it is copied to, say).
func sameType(a, b Type) bool {
	if a.Kind != b.Kind || a.Machine != b.Machine {
		return false
	}
	return a.Enum == b.Enum || a.Enum != nil && b.Enum != nil && slices.Equal(a.Enum.Values, b.Enum.Values)
}

// typeNames name a and b in a message saying they differ: two enums of one
// name (a message field and a variable, say) differ in their values, which
// then name them.
func typeNames(a, b Type) (string, string) {
	as, bs := a.String(), b.String()
	if as == bs && a.Enum != nil && b.Enum != nil {
		as += " (" + strings.Join(a.Enum.Values, ", ") + ")"
		bs += " (" + strings.Join(b.Enum.Values, ", ") + ")"
	}
	return as, bs
}

func (sc *exprScope) resolvePair(l, r Expr) (Expr, Expr, error) {
	lok, rok := open(l), open(r)
	switch {
	case lok && rok:
		return nil, nil, sc.unknown(firstUnresolved(l))
	case lok:
		x, err := sc.resolveTo(l, r.Type())
		return x, r, err
	case rok:
		x, err := sc.resolveTo(r, l.Type())
		return l, x, err
	}
	return l, r, nil
}

func (sc *exprScope) resolveAs(u *unresolved, t Type) (Expr, error) {
	switch t.Kind {
	case StateType:
		if st := t.Machine.State(u.name); st != nil {
			return &Const{T: t, Val: st.Index, Src: u.name, P: u.p}, nil
		}
		if t.Machine.several {
			return nil, errorf(u.p, "unknown state %q of machine %s%s", u.name, t.Machine.Name, didYouMean(sc.hints, u.name, t.Machine.States, stateName))
		}
		return nil, errorf(u.p, "unknown state %q%s", u.name, didYouMean(sc.hints, u.name, t.Machine.States, stateName))
	case EnumType:
		for i, v := range t.Enum.Values {
			if v == u.name {
				return &Const{T: t, Val: i, Src: u.name, P: u.p}, nil
			}
		}
		return nil, errorf(u.p, "%q is not a value of %s: expected one of %s", u.name, t.Enum.Name, strings.Join(t.Enum.Values, ", "))
	}
	return nil, sc.unknown(u)
}
