package proptest

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"

	"github.com/leanovate/gopter"
	"gopkg.in/yaml.v3"
)

// RandomSpec describes a spec that is valid by construction: rows that share
// a (state, event) pair have guards that exclude each other, int variables
// stay in range, and every name is declared. YAML renders it as spec text.
// Removing rows, checks or docs keeps it valid, which is how it shrinks.
type RandomSpec struct {
	Name      string
	Doc       string
	Params    []NameValue // name, duration
	Vars      []RandomVar
	Messages  []string
	Timers    []NameValue // name, duration expression
	Calls     []string
	States    []string
	Docs      map[string]string // doc strings by declared name
	Initial   int
	Rows      []RandomRow
	Unhandled NameValue // messages policy, calls policy
	Checks    []RandomCheck
}

// NameValue is a name and the text of its value.
type NameValue struct{ Name, Value string }

// RandomVar is a variable declaration.
type RandomVar struct {
	Name     string
	Kind     string // bool, enum, int
	Values   []string
	Min, Max int
	Init     string // "" for the default
}

// RandomRow is one transition row as written.
type RandomRow struct {
	From    []string // one state, several, or ["*"]
	Except  []string
	On      []string
	If      string
	To      string
	Send    []string
	Start   []string
	Stop    []string
	Restart []string
	Set     []NameValue
	Error   string
	Doc     string
}

// RandomCheck is a check configuration.
type RandomCheck struct {
	Name       string
	Peers      [2]string
	Calls      [2][]NameValue // call, budget ("1", "2" or "unbounded")
	Network    RandomNetwork
	Inbox      [2]*RandomNetwork
	Terminal   string
	Invariants []NameValue
	Eventually []NameValue // name, goal; fairness in Fairness
	Fairness   []string
}

// RandomNetwork is a network or inbox setting.
type RandomNetwork struct {
	Order     string
	Capacity  int
	Full      string
	Loss      bool
	Duplicate bool
}

// Name pools: Go identifiers that are not keywords, distinct across kinds
// and distinct after gen.GoName, so that every spec generates.
var (
	statePool   = []string{"IDLE", "BUSY", "WAIT_1", "done", "HalfOpen", "S5", "zz_top"}
	messagePool = []string{"PING", "PONG", "ACK_X", "nak"}
	timerPool   = []string{"tick", "retry_after", "t2"}
	callPool    = []string{"GO", "STOP", "reset_all", "Poke"}
	enumVals    = []string{"off", "slow", "fast", "on_hold"}
	peerPairs   = [][2]string{{"alice", "bob"}, {"client", "server"}, {"a", "b"}}
	docPool     = []string{"", "", "", "A plain doc.", "yes", "null", "a: b", "# not a comment", "- dash", "two\nlines", "trailing space ", "'quoted'", "ünïcödé", "100", "{x}"}
	errorPool   = []string{"went wrong", "no: really", "reset"}
)

// SpecGen generates random valid specs. Set Checks to add check configurations.
type SpecGen struct {
	Checks bool
	// Negation allows unary minus over int expressions, including doubled
	// (-(-x)), which stresses expression printing.
	Negation bool
	// Arith adds / and % (by divisors that are never zero), => and cond.
	Arith bool
}

// Gen is the gopter generator of RandomSpec values.
func (sg SpecGen) Gen() gopter.Gen {
	return func(p *gopter.GenParameters) *gopter.GenResult {
		s := sg.New(p.Rng)
		return gopter.NewGenResult(s, shrinkSpec)
	}
}

// New builds one random spec from r.
func (sg SpecGen) New(r *rand.Rand) *RandomSpec {
	b := &specBuilder{r: r, sg: sg, s: &RandomSpec{Name: pick(r, []string{"m", "door", "Proto_X"}), Docs: map[string]string{}}}
	b.build()
	return b.s
}

type specBuilder struct {
	r  *rand.Rand
	sg SpecGen
	s  *RandomSpec
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.Intn(len(xs))] }

// subset returns a random non-empty subset of xs of at most max elements, in order.
func subset[T any](r *rand.Rand, xs []T, max int) []T {
	n := 1 + r.Intn(min(max, len(xs)))
	idx := r.Perm(len(xs))[:n]
	var out []T
	for i := range xs {
		for _, j := range idx {
			if i == j {
				out = append(out, xs[i])
			}
		}
	}
	return out
}

func (b *specBuilder) doc(name string) {
	if d := pick(b.r, docPool); d != "" {
		b.s.Docs[name] = d
	}
}

func (b *specBuilder) build() {
	r, s := b.r, b.s
	s.Doc = pick(b.r, docPool)
	if r.Intn(2) == 0 {
		s.Params = append(s.Params, NameValue{"T", pick(r, []string{"3s", "250ms", "1m", "1m30s"})})
	}
	nv := r.Intn(4)
	for i, name := range []string{"flag", "mode", "count", "level"}[:nv] {
		v := RandomVar{Name: name}
		switch (i + r.Intn(3)) % 3 {
		case 0:
			v.Kind = "bool"
			if r.Intn(2) == 0 {
				v.Init = pick(r, []string{"true", "false"})
			}
		case 1:
			v.Kind = "enum"
			v.Values = enumVals[:2+r.Intn(3)]
			if r.Intn(2) == 0 {
				v.Init = pick(r, v.Values)
			}
		default:
			v.Kind = "int"
			v.Min = r.Intn(5) - 2
			v.Max = v.Min + 1 + r.Intn(6)
			if r.Intn(2) == 0 {
				v.Init = strconv.Itoa(v.Min + r.Intn(v.Max-v.Min+1))
			}
		}
		s.Vars = append(s.Vars, v)
		b.doc(v.Name)
	}
	s.Messages = subset(r, messagePool, 3)
	if r.Intn(4) > 0 {
		for _, name := range subset(r, timerPool, 2) {
			after := pick(r, []string{"1s", "500ms", "2m", "90s"})
			if len(s.Params) > 0 {
				after = pick(r, []string{"T", "2*T", "T/2 + 500ms", "3 * T", "(T + 1s) / 2", after})
			}
			s.Timers = append(s.Timers, NameValue{name, after})
		}
	}
	s.Calls = subset(r, callPool, 3)
	s.States = subset(r, statePool, 5)
	s.Initial = r.Intn(len(s.States))
	for _, xs := range [][]string{s.Messages, s.Calls, s.States} {
		for _, x := range xs {
			b.doc(x)
		}
	}
	for _, t := range s.Timers {
		b.doc(t.Name)
	}

	events := append([]string(nil), s.Calls...)
	for _, m := range s.Messages {
		events = append(events, "recv "+m)
	}
	for _, t := range s.Timers {
		events = append(events, "timeout "+t.Name)
	}
	taken := map[[2]string]bool{}
	groups := 2 + r.Intn(8)
	for range groups {
		b.group(events, taken)
	}
	s.Unhandled = NameValue{"drop", pick(r, []string{"reject", "ignore"})}
	if r.Intn(3) == 0 {
		s.Unhandled.Name = "reply " + pick(r, s.Messages)
	}
	if b.sg.Checks {
		for i := range 1 + r.Intn(2) {
			s.Checks = append(s.Checks, b.check(fmt.Sprintf("c%d", i)))
		}
	}
}

// group adds 1–3 rows over one (from, on) block whose guards exclude each other.
func (b *specBuilder) group(events []string, taken map[[2]string]bool) {
	r, s := b.r, b.s
	on := subset(r, events, 3)
	var from []string
	for _, st := range subset(r, s.States, 4) {
		free := true
		for _, e := range on {
			free = free && !taken[[2]string{st, e}]
		}
		if free {
			from = append(from, st)
		}
	}
	if len(from) == 0 {
		return
	}
	for _, st := range from {
		for _, e := range on {
			taken[[2]string{st, e}] = true
		}
	}
	guards := b.exclusiveGuards(1 + r.Intn(3))
	// from: as written, or "*" less the others.
	var fromW, except []string
	switch {
	case len(from) == len(s.States):
		fromW = []string{"*"}
	case len(from) >= 2 && r.Intn(3) == 0:
		fromW = []string{"*"}
		for _, st := range s.States {
			if !contains(from, st) {
				except = append(except, st)
			}
		}
	default:
		fromW = from
	}
	for _, g := range guards {
		row := RandomRow{From: fromW, Except: except, On: on, If: g}
		if r.Intn(3) > 0 {
			row.To = pick(r, s.States)
		}
		if r.Intn(2) == 0 {
			row.Send = subset(r, s.Messages, 2)
		}
		if len(s.Timers) > 0 {
			for _, t := range s.Timers {
				switch r.Intn(6) {
				case 0, 1:
					row.Start = append(row.Start, t.Name)
				case 2:
					row.Stop = append(row.Stop, t.Name)
				case 3:
					row.Restart = append(row.Restart, t.Name)
				}
			}
		}
		var conj []string
		for _, v := range s.Vars {
			if r.Intn(3) != 0 {
				continue
			}
			val, cond := b.setValue(v)
			row.Set = append(row.Set, NameValue{v.Name, val})
			if cond != "" {
				conj = append(conj, cond)
			}
		}
		if len(conj) > 0 {
			if row.If != "" {
				conj = append([]string{"(" + row.If + ")"}, conj...)
			}
			row.If = strings.Join(conj, " && ")
		}
		if r.Intn(5) == 0 {
			row.Error = pick(r, errorPool)
			for _, e := range on {
				if !strings.Contains(e, " ") { // a call that reports an error changes nothing
					row.To, row.Send, row.Start, row.Stop, row.Restart, row.Set = "", nil, nil, nil, nil, nil
				}
			}
		}
		row.Doc = pick(r, docPool)
		s.Rows = append(s.Rows, row)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// exclusiveGuards returns n guards no two of which hold at once ("" is no
// guard, only when n is 1). Each may be conjoined with a random condition.
func (b *specBuilder) exclusiveGuards(n int) []string {
	r, s := b.r, b.s
	var gs []string
	if n == 1 {
		if r.Intn(2) == 0 {
			return []string{""}
		}
		return []string{b.boolExpr(2)}
	}
	if len(s.Vars) == 0 {
		return []string{"true", "false"}
	}
	v := pick(r, s.Vars)
	switch v.Kind {
	case "bool":
		gs = []string{v.Name, "!" + v.Name}
	case "enum":
		// Disjoint groups of values.
		perm := r.Perm(len(v.Values))
		n = min(n, len(v.Values))
		for i := range n {
			var alts []string
			for j, k := range perm {
				if j%n == i && (j < n || r.Intn(2) == 0) {
					alts = append(alts, v.Name+" == "+v.Values[k])
				}
			}
			gs = append(gs, strings.Join(alts, " || "))
		}
	default:
		// Disjoint ranges lo..hi, written in varied but equivalent forms.
		cuts := []int{v.Min}
		for c := v.Min + 1; c <= v.Max && len(cuts) < n; c++ {
			if r.Intn(2) == 0 || v.Max-c < n-len(cuts) {
				cuts = append(cuts, c)
			}
		}
		cuts = append(cuts, v.Max+1)
		for i := 0; i+1 < len(cuts); i++ {
			gs = append(gs, b.inRange(v.Name, cuts[i], cuts[i+1]-1, v))
		}
	}
	for i := range gs {
		if r.Intn(3) == 0 {
			gs[i] = "(" + gs[i] + ") && (" + b.boolExpr(1) + ")"
		}
	}
	if len(gs) > 1 && r.Intn(4) == 0 {
		gs = gs[:len(gs)-1] // a gap: some values fire no row
	}
	return gs
}

func (b *specBuilder) inRange(x string, lo, hi int, v RandomVar) string {
	r := b.r
	switch r.Intn(5) {
	case 0:
		return fmt.Sprintf("%s >= %d && %s <= %d", x, lo, x, hi)
	case 1:
		return fmt.Sprintf("!(%s < %d || %s > %d)", x, lo, x, hi)
	case 2:
		return fmt.Sprintf("%s - %d >= 0 && %d - %s >= 0", x, lo, hi, x)
	case 3:
		return fmt.Sprintf("%s > %d && %d > %s", x, lo-1, hi+1, x)
	}
	if lo == hi {
		return fmt.Sprintf("%s == %d", x, lo)
	}
	return fmt.Sprintf("%d <= %s && %s < %d", lo, x, x, hi+1)
}

// setValue returns the value of a set entry for v and a condition the
// row's guard must include for the value to stay in range ("" for none).
func (b *specBuilder) setValue(v RandomVar) (string, string) {
	r, s := b.r, b.s
	switch v.Kind {
	case "bool":
		return pick(r, []string{"true", "false", "!" + v.Name, v.Name, b.boolExpr(1)}), ""
	case "enum":
		if r.Intn(4) == 0 {
			return v.Name, ""
		}
		return pick(r, v.Values), ""
	}
	if b.sg.Arith && r.Intn(4) == 0 {
		if v.Min <= 0 && v.Max >= 0 && r.Intn(2) == 0 { // between v and 0
			return v.Name + " " + pick(r, []string{"/ 2", "/ 3", "% 2", "% -3"}), ""
		}
		return fmt.Sprintf("cond(%s, %s, %d)", b.boolExpr(1), v.Name, v.Min+r.Intn(v.Max-v.Min+1)), ""
	}
	switch r.Intn(7) {
	case 0:
		return strconv.Itoa(v.Min + r.Intn(v.Max-v.Min+1)), ""
	case 1:
		return v.Name + " + 1", v.Name + " < " + strconv.Itoa(v.Max)
	case 2:
		return v.Name + " - 1", v.Name + " > " + strconv.Itoa(v.Min)
	case 3:
		return fmt.Sprintf("%d - %s", v.Min+v.Max, v.Name), ""
	case 4:
		return fmt.Sprintf("%s * 2", v.Name), fmt.Sprintf("%s * 2 >= %d && %s * 2 <= %d", v.Name, v.Min, v.Name, v.Max)
	case 5:
		for _, w := range s.Vars {
			if w.Kind == "int" && w.Name != v.Name {
				return w.Name, fmt.Sprintf("%s >= %d && %s <= %d", w.Name, v.Min, w.Name, v.Max)
			}
		}
	}
	return v.Name, ""
}

// boolExpr is a random bool expression over the variables.
func (b *specBuilder) boolExpr(depth int) string {
	r, s := b.r, b.s
	if b.sg.Arith && depth > 0 && r.Intn(4) == 0 {
		x, y := b.boolExpr(depth-1), b.boolExpr(depth-1)
		if r.Intn(2) == 0 {
			return "(" + x + ") => (" + y + ")"
		}
		return "cond(" + b.boolExpr(depth-1) + ", " + x + ", " + y + ")"
	}
	if depth > 0 && r.Intn(3) == 0 {
		x, y := b.boolExpr(depth-1), b.boolExpr(depth-1)
		switch r.Intn(3) {
		case 0:
			return "(" + x + ") && (" + y + ")"
		case 1:
			return "(" + x + ") || (" + y + ")"
		}
		return "!(" + x + ")"
	}
	if len(s.Vars) == 0 {
		return pick(r, []string{"true", "false", "1 < 2", "2 * 3 == 6"})
	}
	v := pick(r, s.Vars)
	switch v.Kind {
	case "bool":
		return pick(r, []string{v.Name, "!" + v.Name, v.Name + " == true", "true"})
	case "enum":
		op := pick(r, []string{"==", "!="})
		if r.Intn(2) == 0 {
			return v.Values[r.Intn(len(v.Values))] + " " + op + " " + v.Name
		}
		return v.Name + " " + op + " " + pick(r, v.Values)
	}
	op := pick(r, []string{"<", "<=", ">", ">=", "==", "!="})
	return b.intExpr(1) + " " + op + " " + strconv.Itoa(r.Intn(9)-3)
}

// intExpr is a random int expression over the int variables.
func (b *specBuilder) intExpr(depth int) string {
	r, s := b.r, b.s
	var ints []string
	for _, v := range s.Vars {
		if v.Kind == "int" {
			ints = append(ints, v.Name)
		}
	}
	if b.sg.Arith && depth > 0 && r.Intn(3) == 0 {
		x := b.intExpr(depth - 1)
		switch r.Intn(3) {
		case 0:
			return "cond(" + b.boolExpr(0) + ", " + x + ", " + b.intExpr(depth-1) + ")"
		case 1:
			if len(ints) > 0 { // never zero
				v := pick(r, ints)
				return "(" + x + " " + pick(r, []string{"/", "%"}) + " (" + v + " * " + v + " + 1))"
			}
		}
		return "(" + x + " " + pick(r, []string{"/", "%"}) + " " + pick(r, []string{"1", "2", "3", "-2"}) + ")"
	}
	if depth > 0 && r.Intn(2) == 0 {
		x, y := b.intExpr(depth-1), b.intExpr(depth-1)
		return "(" + x + " " + pick(r, []string{"+", "-", "*"}) + " " + y + ")"
	}
	if b.sg.Negation && r.Intn(6) == 0 {
		return "-(" + b.intExpr(depth) + ")"
	}
	if len(ints) == 0 || r.Intn(4) == 0 {
		return strconv.Itoa(r.Intn(5))
	}
	return pick(r, ints)
}

func (b *specBuilder) check(name string) RandomCheck {
	r, s := b.r, b.s
	c := RandomCheck{Name: name, Peers: pick(r, peerPairs)}
	for i := range 2 {
		for _, call := range subset(r, s.Calls, 3) {
			c.Calls[i] = append(c.Calls[i], NameValue{call, pick(r, []string{"1", "1", "2", "unbounded"})})
		}
	}
	net := func() RandomNetwork {
		return RandomNetwork{Order: pick(r, []string{"ordered", "unordered"}), Capacity: 1 + r.Intn(2),
			Full: pick(r, []string{"drop", "block"}), Loss: r.Intn(2) == 0, Duplicate: r.Intn(3) == 0}
	}
	c.Network = net()
	if r.Intn(4) == 0 {
		n := net()
		c.Inbox[r.Intn(2)] = &n
	}
	p := c.Peers
	atom := func() string {
		peer := pick(r, p[:])
		switch r.Intn(6) {
		case 0:
			return peer + ".state != " + pick(r, s.States)
		case 1:
			return peer + ".state == " + pick(r, s.States)
		case 2:
			if len(s.Timers) > 0 {
				return "!" + peer + "." + pick(r, s.Timers).Name
			}
		case 3:
			if len(s.Vars) > 0 {
				v := pick(r, s.Vars)
				switch v.Kind {
				case "bool":
					return peer + "." + v.Name
				case "enum":
					return peer + "." + v.Name + " != " + pick(r, v.Values)
				}
				return fmt.Sprintf("%s.%s <= %d", peer, v.Name, v.Max-r.Intn(2))
			}
		case 4:
			return fmt.Sprintf("count(%s.inbox, %s) < 2", peer, pick(r, s.Messages))
		}
		return pick(r, []string{"len(net) <= 2", "empty(net) || len(net) > 0", "len(" + peer + ".inbox) < 2"})
	}
	expr := func() string {
		if r.Intn(2) == 0 {
			return atom()
		}
		return "(" + atom() + ") " + pick(r, []string{"&&", "||"}) + " (" + atom() + ")"
	}
	if r.Intn(2) == 0 {
		c.Terminal = expr()
	}
	for i := range r.Intn(3) {
		c.Invariants = append(c.Invariants, NameValue{fmt.Sprintf("inv%d", i), expr()})
	}
	if r.Intn(3) == 0 {
		c.Eventually = append(c.Eventually, NameValue{"goal0", expr()})
		c.Fairness = append(c.Fairness, pick(r, []string{"none", "weak", "strong"}))
	}
	return c
}

// YAML renders the spec as spec text, varying the layout (scalars or lists,
// flow or block style) as the spec language allows.
func (s *RandomSpec) YAML() []byte {
	root := node(yaml.MappingNode)
	put(root, "machine", scalar(s.Name))
	putString(root, "doc", s.Doc)
	putMapping(root, "params", s.Params, pair)
	putMapping(root, "vars", s.Vars, func(_ int, v RandomVar) (string, *yaml.Node) {
		n := node(yaml.MappingNode)
		n.Style = yaml.FlowStyle
		put(n, "type", scalar(v.Kind))
		switch v.Kind {
		case "enum":
			put(n, "values", list(v.Values, true))
		case "int":
			put(n, "min", intScalar(v.Min))
			put(n, "max", intScalar(v.Max))
		}
		if v.Init != "" {
			in := scalar(v.Init)
			switch v.Kind {
			case "int":
				in.Tag = "!!int"
			case "bool":
				in.Tag = "!!bool"
			}
			put(n, "init", in)
		}
		putString(n, "doc", s.Docs[v.Name])
		return v.Name, n
	})
	decls := func(key string, names []string, extra func(string, *yaml.Node)) {
		if len(names) == 0 {
			return
		}
		hasDoc := extra != nil
		for _, n := range names {
			hasDoc = hasDoc || s.Docs[n] != ""
		}
		if !hasDoc {
			put(root, key, list(names, true))
			return
		}
		m := node(yaml.MappingNode)
		for _, name := range names {
			d := s.Docs[name]
			if extra == nil && d != "" && len(name)%2 == 0 {
				put(m, name, scalar(d)) // NAME: doc text
				continue
			}
			n := node(yaml.MappingNode)
			if extra != nil {
				extra(name, n)
			}
			putString(n, "doc", d)
			if len(n.Content) == 0 {
				put(m, name, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: ""})
				continue
			}
			put(m, name, n)
		}
		put(root, key, m)
	}
	decls("messages", s.Messages, nil)
	if len(s.Timers) > 0 {
		var names []string
		for _, t := range s.Timers {
			names = append(names, t.Name)
		}
		decls("timers", names, func(name string, n *yaml.Node) {
			for _, t := range s.Timers {
				if t.Name == name {
					put(n, "after", scalar(t.Value))
				}
			}
		})
	}
	decls("calls", s.Calls, nil)
	decls("states", s.States, func(name string, n *yaml.Node) {
		if name == s.States[s.Initial] {
			put(n, "initial", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
		}
	})
	rows := node(yaml.SequenceNode)
	for i, r := range s.Rows {
		n := node(yaml.MappingNode)
		if i%2 == 0 {
			n.Style = yaml.FlowStyle
		}
		put(n, "from", oneOrList(r.From))
		if len(r.Except) > 0 {
			put(n, "except", oneOrList(r.Except))
		}
		put(n, "on", oneOrList(r.On))
		putString(n, "if", r.If)
		putString(n, "to", r.To)
		for _, k := range []struct {
			key string
			xs  []string
		}{{"send", r.Send}, {"start", r.Start}, {"stop", r.Stop}, {"restart", r.Restart}} {
			if len(k.xs) > 0 {
				put(n, k.key, oneOrList(k.xs))
			}
		}
		if len(r.Set) > 0 {
			m := mapping(r.Set, pair)
			m.Style = yaml.FlowStyle
			put(n, "set", m)
		}
		putString(n, "error", r.Error)
		putString(n, "doc", r.Doc)
		rows.Content = append(rows.Content, n)
	}
	put(root, "transitions", rows)
	u := node(yaml.MappingNode)
	put(u, "messages", scalar(s.Unhandled.Name))
	put(u, "calls", scalar(s.Unhandled.Value))
	put(root, "unhandled", u)
	putMapping(root, "checks", s.Checks, func(_ int, c RandomCheck) (string, *yaml.Node) { return c.Name, c.yaml() })
	out, err := yaml.Marshal(root)
	if err != nil {
		panic(err) // a yaml.Node tree of scalars always encodes
	}
	return out
}

func (c *RandomCheck) yaml() *yaml.Node {
	n := node(yaml.MappingNode)
	peers := node(yaml.MappingNode)
	for i, p := range c.Peers {
		pn := node(yaml.MappingNode)
		calls := node(yaml.MappingNode)
		calls.Style = yaml.FlowStyle
		for _, b := range c.Calls[i] {
			v := scalar(b.Value)
			if b.Value != "unbounded" {
				v.Tag = "!!int"
			}
			put(calls, b.Name, v)
		}
		put(pn, "calls", calls)
		if c.Inbox[i] != nil {
			put(pn, "inbox", c.Inbox[i].yaml())
		}
		put(peers, p, pn)
	}
	put(n, "peers", peers)
	put(n, "network", c.Network.yaml())
	putString(n, "terminal", c.Terminal)
	putMapping(n, "invariants", c.Invariants, pair)
	putMapping(n, "eventually", c.Eventually, func(i int, p NameValue) (string, *yaml.Node) {
		g := node(yaml.MappingNode)
		put(g, "goal", scalar(p.Value))
		put(g, "fairness", scalar(c.Fairness[i]))
		return p.Name, g
	})
	return n
}

func (w *RandomNetwork) yaml() *yaml.Node {
	n := node(yaml.MappingNode)
	n.Style = yaml.FlowStyle
	put(n, "order", scalar(w.Order))
	put(n, "capacity", intScalar(w.Capacity))
	put(n, "full", scalar(w.Full))
	put(n, "loss", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(w.Loss)})
	put(n, "duplicate", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(w.Duplicate)})
	return n
}

func node(k yaml.Kind) *yaml.Node { return &yaml.Node{Kind: k} }

func put(m *yaml.Node, key string, v *yaml.Node) { m.Content = append(m.Content, scalar(key), v) }

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// putString puts key: s in m unless s is empty, as an optional field.
func putString(m *yaml.Node, key, s string) {
	if s != "" {
		put(m, key, scalar(s))
	}
}

// mapping is a mapping with an entry name: value for each of items, as
// entry makes it from the item and its index, in order.
func mapping[T any](items []T, entry func(int, T) (string, *yaml.Node)) *yaml.Node {
	m := node(yaml.MappingNode)
	for i, x := range items {
		name, v := entry(i, x)
		put(m, name, v)
	}
	return m
}

// putMapping puts key: the mapping of items in m unless there are none, as
// an optional field.
func putMapping[T any](m *yaml.Node, key string, items []T, entry func(int, T) (string, *yaml.Node)) {
	if len(items) > 0 {
		put(m, key, mapping(items, entry))
	}
}

// pair is the entry of a name/value pair: a scalar.
func pair(_ int, p NameValue) (string, *yaml.Node) { return p.Name, scalar(p.Value) }

func intScalar(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i)}
}

func list(xs []string, flow bool) *yaml.Node {
	n := node(yaml.SequenceNode)
	if flow {
		n.Style = yaml.FlowStyle
	}
	for _, x := range xs {
		n.Content = append(n.Content, scalar(x))
	}
	return n
}

// oneOrList writes a single name as a scalar, several as a flow list.
func oneOrList(xs []string) *yaml.Node {
	if len(xs) == 1 {
		return scalar(xs[0])
	}
	return list(xs, true)
}

// shrinkSpec shrinks a RandomSpec by dropping checks, then rows (halves,
// then one at a time), then docs. Every result is still valid.
func shrinkSpec(v any) gopter.Shrink {
	s := v.(*RandomSpec)
	var cands []*RandomSpec
	if len(s.Checks) > 0 {
		c := s.clone()
		c.Checks = nil
		cands = append(cands, c)
	}
	for n := len(s.Rows) / 2; n >= 1; n /= 2 {
		for off := 0; off+n <= len(s.Rows); off += n {
			c := s.clone()
			c.Rows = append(append([]RandomRow(nil), s.Rows[:off]...), s.Rows[off+n:]...)
			cands = append(cands, c)
		}
	}
	if len(s.Docs) > 0 || s.Doc != "" {
		c := s.clone()
		c.Docs, c.Doc = map[string]string{}, ""
		for i := range c.Rows {
			c.Rows[i].Doc = ""
		}
		cands = append(cands, c)
	}
	return shrinkTo(cands)
}

func (s *RandomSpec) clone() *RandomSpec {
	c := *s
	c.Rows = append([]RandomRow(nil), s.Rows...)
	c.Checks = append([]RandomCheck(nil), s.Checks...)
	c.Docs = map[string]string{}
	for k, v := range s.Docs {
		c.Docs[k] = v
	}
	return &c
}

// String renders the spec as its YAML, which is what a failure should show.
func (s *RandomSpec) String() string { return string(s.YAML()) }
