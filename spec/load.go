package spec

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// MaxSize is the largest spec file Parse accepts.
const MaxSize = 1 << 20

// Option adjusts how a spec is loaded.
type Option func(*options)

type options struct {
	params    map[string]time.Duration
	strict    bool
	overrides []override
}

// WithParam overrides the value of a declared parameter (such as MSL).
func WithParam(name string, d time.Duration) Option {
	return func(o *options) {
		if o.params == nil {
			o.params = map[string]time.Duration{}
		}
		o.params[name] = d
	}
}

// Strict makes warnings (unreachable states, events that never fire) errors.
func Strict() Option { return func(o *options) { o.strict = true } }

// Load reads and validates the spec file at path.
func Load(path string, opts ...Option) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(filepath.ToSlash(path), data, opts...)
}

// Parse validates the spec text data, read from the file called name, and
// returns its IR. Every error is an *Error or an ErrorList naming
// file:line:col, and wraps ErrInvalid.
func Parse(name string, data []byte, opts ...Option) (*Spec, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	l := &loader{file: name, opts: o, s: &Spec{File: name}, hints: maxHints}
	l.parse(data)
	if len(l.errs) == 0 && o.strict {
		l.errs = append(l.errs, l.s.Warnings...)
		l.s.Warnings = nil
	}
	if len(l.errs) > 0 {
		l.errs.sort()
		seen := map[string]bool{} // an error reported twice (a field read twice, an inherited field) once
		l.errs = slices.DeleteFunc(l.errs, func(e *Error) bool {
			k := e.Error()
			defer func() { seen[k] = true }()
			return seen[k]
		})
		if len(l.errs) == 1 {
			return nil, l.errs[0]
		}
		return nil, l.errs
	}
	return l.s, nil
}

type loader struct {
	file string
	opts options
	s    *Spec
	m    *Machine // the machine whose sections are being read
	// rowMsgs are the messages the row being read receives, when its on
	// lists receipts only: its expressions may read msg.FIELD.
	rowMsgs []*Message
	errs    ErrorList
	origin  map[*yaml.Node]override // nodes set on the command line
	hints   int                     // name suggestions left (didYouMean)
	// overridden lists, by check name, the --set overrides applied to it.
	overridden map[string][]string
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (l *loader) parse(data []byte) {
	at := Pos{File: l.file, Line: 1, Col: 1}
	if len(data) > MaxSize {
		l.errs = append(l.errs, errorf(at, "file is %d bytes: specs are at most %d", len(data), MaxSize))
		return
	}
	if p, msg := badBytes(data); msg != "" {
		l.errs = append(l.errs, errorf(Pos{File: l.file, Line: p.Line, Col: p.Col}, "%s", msg))
		return
	}
	if len(bytes.TrimSpace(data)) == 0 {
		l.errs = append(l.errs, errorf(at, "file is empty: expected a mapping with machine, states, transitions..."))
		return
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		l.errs = append(l.errs, l.yamlError(err, data))
		return
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		l.errs = append(l.errs, errorf(at, "file is empty: expected a mapping with machine, states, transitions..."))
		return
	}
	root := doc.Content[0]
	if bad := findAlias(root); bad != nil {
		l.errorf(bad, "anchors and aliases are not supported in specs: write the value out (checks can share fields with extends:)")
		return
	}
	if bad := findTag(root); bad != nil {
		l.errorf(bad, "YAML reads %q as a tag, not as part of the value: quote the value, as in %q", bad.Tag, strings.TrimSpace(bad.Tag+" "+bad.Value))
		return
	}
	if l.splitByComma(root) {
		return
	}
	if root.Kind != yaml.MappingNode {
		l.errorf(root, "the top level must be a mapping (machine:, states:, transitions:, ...), found %s", kindName(root))
		return
	}
	l.s.Pos = l.pos(root)
	f := l.fields(root, "the spec", specFields...)
	if f == nil {
		return
	}
	if n := f["doc"]; n != nil {
		l.s.Doc, _ = l.str(n, "doc")
	}
	l.params(f["params"])
	l.messages(f["messages"])
	type machineNodes struct {
		name string
		kn   *yaml.Node // the name's node, for positions
		n    *yaml.Node // the machine's mapping
		f    map[string]*yaml.Node
	}
	var ms []machineNodes
	if mn := f["machines"]; mn != nil {
		// The multi-machine form: machine-level sections live inside each machine.
		for _, k := range machineFields {
			if k != "doc" && f[k] != nil {
				l.errorf(f[k], "%s: with machines:, each machine declares its own %s", k, k)
			}
		}
		if f["machine"] != nil {
			l.errorf(f["machine"], "a spec has either machine: (one machine) or machines: (several), not both")
		}
		pairs, _ := l.mapping(mn, "machines")
		for _, p := range pairs {
			if !l.checkIdent(p.kn, p.key, "machine") {
				continue
			}
			if mf := l.fields(p.v, "machine "+p.key, machineFields...); mf != nil {
				ms = append(ms, machineNodes{p.key, p.kn, p.v, mf})
			}
		}
		if len(pairs) == 0 && len(l.errs) == 0 {
			l.errorf(mn, "machines must declare at least one machine")
		}
	} else {
		// The single-machine form; its sections are validated even when the
		// name is missing or invalid.
		name := ""
		if n := f["machine"]; n == nil {
			l.errorf(root, "missing field machine: the machine's name (or machines: to declare several)")
		} else {
			name, _ = l.name(n, "machine")
		}
		ms = append(ms, machineNodes{name, root, root, f})
	}
	for _, mn := range ms {
		m := &Machine{Name: mn.name, Pos: l.pos(mn.kn), Index: len(l.s.Machines), File: l.file, Params: l.s.Params, Messages: l.s.Messages, Letters: l.s.Letters}
		if n := mn.f["doc"]; n != nil {
			m.Doc, _ = l.str(n, "doc")
		}
		l.s.Machines = append(l.s.Machines, m)
		l.m = m
		l.vars(mn.f["vars"])
		l.timers(mn.f["timers"])
		l.decls(mn.f["calls"], "call", func(name, doc string, n *yaml.Node, fields map[string]*yaml.Node) {
			m.Calls = append(m.Calls, &Call{Name: name, Doc: doc, Pos: l.pos(n), Index: len(m.Calls)})
		})
		l.states(mn.f["states"], mn.n)
		l.checkSizes()
		l.checkNamespaces()
		l.events()
	}
	if len(l.errs) > 0 {
		return // rows and checks would only repeat errors about names
	}
	for i, mn := range ms {
		l.m = l.s.Machines[i]
		l.rows(mn.f["transitions"], mn.n)
		l.unhandled(mn.f["unhandled"])
		l.layout(mn.n)
	}
	if len(l.errs) > 0 {
		return
	}
	for _, m := range l.s.Machines {
		l.m = m
		l.table()
	}
	if len(l.s.Machines) == 1 {
		l.s.Machine = l.s.Machines[0]
	} else {
		for _, m := range l.s.Machines {
			m.several = true
		}
	}
	l.m = nil
	l.checks(f["checks"])
	for _, m := range l.s.Machines {
		l.m = m
		l.warnings()
	}
	if len(l.s.Machines) > 1 {
		for _, msg := range l.s.Messages {
			received := false
			for _, m := range l.s.Machines {
				// A machine that answers unhandled messages handles every one.
				received = received || m.Unhandled.Messages == ReplyMessage && m.Unhandled.Reply != nil
				ev := m.MessageEvent(msg)
				for _, r := range m.Rows {
					received = received || slices.Contains(r.On, ev)
				}
			}
			if !received {
				l.s.Warnings = append(l.s.Warnings, errorf(msg.Pos, "message %s is received by no machine: no transition handles recv %s", msg.Name, msg.Name))
			}
		}
	}
	sort.SliceStable(l.s.Warnings, func(i, j int) bool { return l.s.Warnings[i].Pos.Line < l.s.Warnings[j].Pos.Line })
}

// badBytes finds invalid UTF-8 and the characters YAML does not allow
// (which the YAML parser would report without a position).
func badBytes(data []byte) (Pos, string) {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return Pos{Line: line, Col: col}, "file is not UTF-8 text"
		}
		if !yamlChar(r) {
			return Pos{Line: line, Col: col}, fmt.Sprintf("control character %U is not allowed: expected text", r)
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return Pos{}, ""
}

// yamlChar reports whether YAML 1.1's reader accepts r.
func yamlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		return true
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return false
	}
	return r != 0xfffe && r != 0xffff
}

// yamlParserProblems are the messages of yaml.v3's parser (as opposed to its
// scanner); it reports their line 0-based, so one must be added.
var yamlParserProblems = map[string]bool{
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected node content":     true,
	"did not find expected key":              true,
	"did not find expected '-' indicator":    true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

func (l *loader) yamlError(err error, data []byte) *Error {
	msg := err.Error()
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	p := Pos{File: l.file, Line: 1, Col: 1}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &p.Line)
		msg = m[2]
		if yamlParserProblems[msg] {
			p.Line++
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	if e := l.tagInFlow(data, p.Line); e != nil {
		return e
	}
	return errorf(p, "invalid YAML: %s", msg)
}

// findTag finds a node with a tag of the spec's own (YAML reads a leading
// ! as one, as in an unquoted !timer_armed guard).
func findTag(n *yaml.Node) *yaml.Node {
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return n
	}
	for _, c := range n.Content {
		if bad := findTag(c); bad != nil {
			return bad
		}
	}
	return nil
}

func findAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return n
	}
	for _, c := range n.Content {
		if bad := findAlias(c); bad != nil {
			return bad
		}
	}
	return nil
}

// decls reads a declaration section: a list of names, or a mapping from
// name to a doc string or to {doc: ..., other fields}.
func (l *loader) decls(n *yaml.Node, what string, add func(name, doc string, n *yaml.Node, fields map[string]*yaml.Node), extra ...string) {
	l.declsOf(n, what, len(extra) == 0, add, extra...)
}

// declsOf is decls; short says whether the list and doc-string forms are
// allowed beside the mapping with extra keys.
func (l *loader) declsOf(n *yaml.Node, what string, short bool, add func(name, doc string, n *yaml.Node, fields map[string]*yaml.Node), extra ...string) {
	if isNull(n) {
		return
	}
	section := what + "s"
	if n.Kind == yaml.SequenceNode && short {
		seen := map[string]bool{}
		for _, c := range n.Content {
			name, ok := l.name(c, what)
			if !ok {
				continue
			}
			if seen[name] {
				l.errorf(c, "duplicate %s %q", what, name)
				continue
			}
			seen[name] = true
			add(name, "", c, nil)
		}
		return
	}
	for p := range l.named(n, section, what) {
		doc := ""
		var fields map[string]*yaml.Node
		switch {
		case isNull(p.v):
		case p.v.Kind == yaml.ScalarNode && short:
			doc = p.v.Value
		default:
			fields = l.fields(p.v, what+" "+p.key, append(append([]string(nil), declFields...), extra...)...)
			if fields == nil {
				continue
			}
			if d := fields["doc"]; d != nil {
				doc, _ = l.str(d, "doc")
			}
		}
		add(p.key, doc, p.kn, fields)
	}
}

// maxLetters bounds the distinct messages (kinds with field values): the
// model checker keeps them in a byte.
const maxLetters = 256

// messages reads the message declarations with their fields and lists the letters.
func (l *loader) messages(n *yaml.Node) {
	l.declsOf(n, "message", true, func(name, doc string, kn *yaml.Node, f map[string]*yaml.Node) {
		m := &Message{Name: name, Doc: doc, Pos: l.pos(kn), Index: len(l.s.Messages)}
		l.s.Messages = append(l.s.Messages, m)
		var off uint
		for p := range l.named(f["fields"], "message "+name+" fields", "field") {
			v := l.variable(p, "field "+p.key+" of "+name, fieldFields, len(m.Fields))
			if v == nil {
				continue
			}
			v.Offset, v.Width = off, bitsFor(v.Size())
			off += v.Width
			m.Fields = append(m.Fields, v)
		}
	}, messageExtra...)
	if len(l.s.Messages) > maxMessages {
		return // checkSizes reports it
	}
	for _, m := range l.s.Messages {
		n := 1
		for _, f := range m.Fields {
			n *= f.Size()
			if n > maxLetters {
				break
			}
		}
		if len(l.s.Letters)+n > maxLetters {
			l.errs = append(l.errs, errorf(m.Pos, "message %s: the messages and their field values make more than %d distinct messages: fewer or smaller fields", m.Name, maxLetters))
			return
		}
		vals := make([]int, len(m.Fields))
		var rec func(i int)
		rec = func(i int) {
			if i == len(m.Fields) {
				lt := &Letter{Index: len(l.s.Letters), Message: m, Values: slices.Clone(vals)}
				l.s.Letters = append(l.s.Letters, lt)
				m.Letters = append(m.Letters, lt)
				return
			}
			f := m.Fields[i]
			for code := range f.Size() {
				vals[i] = f.Decode(uint64(code))
				rec(i + 1)
			}
		}
		rec(0)
	}
}

func (l *loader) params(n *yaml.Node) {
	for p := range l.named(n, "params", "param") {
		v, doc := p.v, ""
		if v.Kind == yaml.MappingNode {
			f := l.fields(v, "param "+p.key, paramFields...)
			if f == nil {
				continue
			}
			if d := f["doc"]; d != nil {
				doc, _ = l.str(d, "doc")
			}
			if v = f["value"]; v == nil {
				l.errorf(p.v, "param %s needs a value (a duration such as 2m)", p.key)
				continue
			}
		}
		s, ok := l.str(v, "param "+p.key)
		if !ok {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			l.errorf(v, "param %s: %q is not a positive duration (such as 2m, 30s, 1h)", p.key, clip(s))
			continue
		}
		l.s.Params = append(l.s.Params, &Param{Name: p.key, Value: d, Doc: doc, Pos: l.pos(p.kn), Index: len(l.s.Params)})
	}
	var names []string
	for name := range l.opts.params {
		names = append(names, name)
	}
	sort.Strings(names)
	// An override of a param the spec lacks is reported where the spec
	// declares its params, with those it declares.
	at, declared := Pos{File: l.file, Line: 1, Col: 1}, "the spec declares no params"
	if n != nil {
		at = l.pos(n)
	}
	if len(l.s.Params) > 0 {
		var ps []string
		for _, p := range l.s.Params {
			ps = append(ps, p.Name)
		}
		declared = "the spec declares no such param (its params: " + strings.Join(ps, ", ") + ")"
	}
	for _, name := range names {
		found := false
		for _, p := range l.s.Params {
			if p.Name == name {
				p.Value, found = l.opts.params[name], true
			}
		}
		if !found {
			l.errs = append(l.errs, errorf(at, "cannot set param %s: %s%s", name, declared, didYouMean(&l.hints, name, l.s.Params, paramName)))
		}
	}
}

func (l *loader) vars(n *yaml.Node) {
	for p := range l.named(n, "vars", "variable") {
		if v := l.variable(p, "variable "+p.key, varFields, len(l.m.Vars)); v != nil {
			l.m.Vars = append(l.m.Vars, v)
		}
	}
}

// variable reads the declaration of a variable or a message field (what
// names it in errors; allowed are its keys: fields take no init). A
// declaration whose type and values are clear is kept despite an error in
// its other keys (a bad init, min and max on an enum), the error reported,
// so that the expressions reading it are checked rather than each reported
// as naming an unknown variable.
func (l *loader) variable(p pair, what string, allowed []string, index int) *Var {
	if p.v.Kind == yaml.ScalarNode && p.v.Value == "bool" && p.v.Tag == "!!str" {
		return &Var{Name: p.key, Pos: l.pos(p.kn), Index: index} // the short form of {type: bool}
	}
	f := l.fields(p.v, what, allowed...)
	if f == nil {
		return nil
	}
	v := &Var{Name: p.key, Pos: l.pos(p.kn), Index: index}
	if d := f["doc"]; d != nil {
		v.Doc, _ = l.str(d, "doc")
	}
	t := f["type"]
	if t == nil {
		l.errorf(p.v, "%s needs a type: bool, enum or int", what)
		return nil
	}
	typ, _ := l.str(t, "type")
	switch typ {
	case "bool":
		v.Kind = Bool
		for _, k := range []string{"values", "min", "max"} {
			if f[k] != nil {
				l.errorf(f[k], "%s is a bool: it takes no %s", what, k)
			}
		}
		if i := f["init"]; i != nil {
			b, _ := l.boolean(i, what+" init")
			v.Init = b2i(b)
		}
	case "enum":
		v.Kind = Enum
		if f["min"] != nil || f["max"] != nil {
			l.errorf(p.v, "%s is an enum: it takes values, not min and max", what)
		}
		vals := f["values"]
		if vals == nil || vals.Kind != yaml.SequenceNode || len(vals.Content) < 2 {
			l.errorf(p.v, "%s needs values: a list of at least two names", what)
			return nil
		}
		ok := true
		seen := map[string]bool{}
		for _, c := range vals.Content {
			name, good := l.name(c, "enum value")
			if good && seen[name] {
				l.errorf(c, "duplicate value %q in %s", name, what)
				good = false
			}
			seen[name] = true
			ok = ok && good
			v.Values = append(v.Values, name)
		}
		if !ok {
			return nil
		}
		if i := f["init"]; i != nil {
			name, _ := l.str(i, what+" init")
			v.Init = -1
			for k, val := range v.Values {
				if val == name {
					v.Init = k
				}
			}
			if v.Init < 0 {
				l.errorf(i, "%s init %q is not one of its values: %s", what, clip(name), strings.Join(v.Values, ", "))
				v.Init = 0
			}
		}
	case "int":
		v.Kind = Int
		if f["values"] != nil {
			l.errorf(f["values"], "%s is an int: it takes min and max, not values", what)
		}
		if f["min"] == nil || f["max"] == nil {
			l.errorf(p.v, "%s needs min and max", what)
			return nil
		}
		var g1, g2 bool
		v.Min, g1 = l.integer(f["min"], what+" min", -1<<20, 1<<20)
		v.Max, g2 = l.integer(f["max"], what+" max", -1<<20, 1<<20)
		if !g1 || !g2 {
			return nil
		}
		if v.Max <= v.Min || v.Max-v.Min > 255 {
			l.errorf(f["max"], "%s: min %d and max %d must give 2 to 256 values", what, v.Min, v.Max)
			return nil
		}
		v.Init = v.Min
		if i := f["init"]; i != nil {
			if n, good := l.integer(i, what+" init", v.Min, v.Max); good {
				v.Init = n
			}
		}
	default:
		l.errorf(t, "%s: unknown type %q: expected bool, enum or int", what, clip(typ))
		return nil
	}
	return v
}

func (l *loader) timers(n *yaml.Node) {
	l.decls(n, "timer", func(name, doc string, kn *yaml.Node, f map[string]*yaml.Node) {
		after := f["after"]
		if after == nil {
			l.errorf(kn, "timer %s needs after: its duration, such as 1s or 2*MSL", name)
			return
		}
		src, ok := l.str(after, "timer "+name+" after")
		if !ok {
			return
		}
		d, err := evalDuration(src, l.m.Params)
		if err != nil {
			l.errs = append(l.errs, errorf(shift(l.valuePos(after), err.col), "timer %s: %s", name, err.msg))
			return
		}
		l.m.Timers = append(l.m.Timers, &Timer{Name: name, After: d, AfterExpr: src, Doc: doc, Pos: l.pos(kn), Index: len(l.m.Timers)})
	}, timerExtra...)
}

func (l *loader) states(n, root *yaml.Node) {
	if isNull(n) {
		l.errorf(root, "missing field states: a machine needs states, one of them initial: true")
		return
	}
	var initial []*yaml.Node
	l.decls(n, "state", func(name, doc string, kn *yaml.Node, f map[string]*yaml.Node) {
		st := &State{Name: name, Doc: doc, Pos: l.pos(kn), Index: len(l.m.States)}
		if i := f["initial"]; i != nil {
			st.Initial, _ = l.boolean(i, "state "+name+" initial")
		}
		if st.Initial {
			initial = append(initial, kn)
			if l.m.Initial == nil {
				l.m.Initial = st
			}
		}
		l.m.States = append(l.m.States, st)
	}, stateExtra...)
	switch {
	case len(l.m.States) == 0 && len(l.errs) == 0:
		l.errorf(n, "states must declare at least one state")
	case len(initial) == 0 && len(l.m.States) > 0:
		l.errorf(n, "no initial state: mark exactly one state with initial: true")
	case len(initial) > 1:
		for _, kn := range initial[1:] {
			l.errorf(kn, "state %s is initial too (the first is %s): exactly one state is initial", kn.Value, l.m.Initial.Name)
		}
	}
}

// Bounds on declarations. The transition table has a cell per state and
// event, so without them a file of a few hundred KB could ask for gigabytes.
const (
	maxStates   = 256
	maxCalls    = 256
	maxMessages = 256 // the model checker keeps message kinds in a byte
	// maxTableEntries bounds the (state, event, row) entries of the table.
	maxTableEntries = 1 << 20
)

func (l *loader) checkSizes() {
	s := l.m
	for _, c := range []struct {
		what   string
		n, max int
		pos    func(i int) Pos
	}{
		{"states", len(s.States), maxStates, func(i int) Pos { return s.States[i].Pos }},
		{"calls", len(s.Calls), maxCalls, func(i int) Pos { return s.Calls[i].Pos }},
		{"messages", len(s.Messages), maxMessages, func(i int) Pos { return s.Messages[i].Pos }},
	} {
		if c.n > c.max {
			l.errs = append(l.errs, errorf(c.pos(c.max), "too many %s: %d, at most %d", c.what, c.n, c.max))
		}
	}
}

// checkNamespaces rejects names that would be ambiguous in properties
// (PEER.NAME reads a variable or a timer) or in generated code.
func (l *loader) checkNamespaces() {
	seen := map[string]string{}
	claim := func(name, what string, p Pos) {
		if name == "state" || name == "inbox" {
			l.errs = append(l.errs, errorf(p, "%s may not be called %q: PEER.%s has its own meaning in properties", what, name, name))
			return
		}
		if prev, ok := seen[name]; ok {
			l.errs = append(l.errs, errorf(p, "%s %q has the same name as %s", what, name, prev))
			return
		}
		seen[name] = what + " " + name
	}
	for _, v := range l.m.Vars {
		claim(v.Name, "variable", v.Pos)
	}
	for _, t := range l.m.Timers {
		claim(t.Name, "timer", t.Pos)
	}
}

func (l *loader) events() {
	s := l.m
	for _, c := range s.Calls {
		s.Events = append(s.Events, &Event{Kind: CallEvent, Call: c, Index: len(s.Events)})
	}
	for _, m := range s.Messages {
		s.Events = append(s.Events, &Event{Kind: MessageEvent, Message: m, Index: len(s.Events)})
	}
	for _, t := range s.Timers {
		s.Events = append(s.Events, &Event{Kind: TimerEvent, Timer: t, Index: len(s.Events)})
	}
	for _, c := range s.Calls {
		s.Inputs = append(s.Inputs, &Input{Index: len(s.Inputs), Event: s.CallEvent(c)})
	}
	for _, lt := range s.Letters {
		s.Inputs = append(s.Inputs, &Input{Index: len(s.Inputs), Event: s.MessageEvent(lt.Message), Letter: lt})
	}
	for _, t := range s.Timers {
		s.Inputs = append(s.Inputs, &Input{Index: len(s.Inputs), Event: s.TimerEvent(t)})
	}
}

// event resolves the `on:` syntax: CALL, "recv MSG" or "timeout TIMER".
func (l *loader) event(n *yaml.Node) *Event {
	words := strings.Fields(n.Value)
	switch {
	case len(words) == 1:
		for _, c := range l.m.Calls {
			if c.Name == words[0] {
				return l.m.CallEvent(c)
			}
		}
		hint := ""
		for _, m := range l.m.Messages {
			if m.Name == words[0] {
				hint = fmt.Sprintf(" (for the receipt of message %s write \"recv %s\")", m.Name, m.Name)
			}
		}
		for _, t := range l.m.Timers {
			if t.Name == words[0] {
				hint = fmt.Sprintf(" (for the expiry of timer %s write \"timeout %s\")", t.Name, t.Name)
			}
		}
		if hint == "" {
			hint = didYouMean(&l.hints, words[0], l.m.Calls, callName)
		}
		l.errorf(n, "unknown call %q%s", clip(words[0]), hint)
	case len(words) == 2 && words[0] == "recv":
		if m := lookup(l, n, "message", words[1], "", l.m.Messages, messageName); m != nil {
			return l.m.MessageEvent(m)
		}
	case len(words) == 2 && words[0] == "timeout":
		if t := lookup(l, n, "timer", words[1], "", l.m.Timers, timerName); t != nil {
			return l.m.TimerEvent(t)
		}
	default:
		l.errorf(n, "invalid event %q: expected CALL, \"recv MESSAGE\" or \"timeout TIMER\"", clip(n.Value))
	}
	return nil
}

// lookup returns the element of xs called name. When there is none it
// reports at n that the what is unknown (where, such as " in set", follows
// the name; then a suggestion) and returns nil.
func lookup[T any](l *loader, n *yaml.Node, what, name, where string, xs []T, nameOf func(T) string) T {
	for _, x := range xs {
		if nameOf(x) == name {
			return x
		}
	}
	l.errorf(n, "unknown %s %q%s%s", what, clip(name), where, didYouMean(&l.hints, name, xs, nameOf))
	var none T
	return none
}

// stateNamed, messageNamed and timerNamed look up n's value among the machine's own.
func (l *loader) stateNamed(n *yaml.Node) *State {
	return lookup(l, n, "state", n.Value, "", l.m.States, stateName)
}

func (l *loader) messageNamed(n *yaml.Node) *Message {
	return lookup(l, n, "message", n.Value, "", l.m.Messages, messageName)
}

func (l *loader) timerNamed(n *yaml.Node) *Timer {
	return lookup(l, n, "timer", n.Value, "", l.m.Timers, timerName)
}

func (l *loader) rows(n, root *yaml.Node) {
	if isNull(n) {
		l.errorf(root, "missing field transitions: a list of rows {from, on, to, ...}")
		return
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "transitions must be a list of rows, found %s", kindName(n))
		return
	}
	for _, rn := range n.Content {
		if r := l.row(rn); r != nil {
			r.Index = len(l.m.Rows)
			l.m.Rows = append(l.m.Rows, r)
		}
	}
}

func (l *loader) row(n *yaml.Node) *Row {
	f := l.fields(n, "a transition", transitionFields...)
	if f == nil {
		return nil
	}
	before := len(l.errs)
	r := &Row{Pos: l.pos(n)}
	if d := f["doc"]; d != nil {
		r.Doc, _ = l.str(d, "doc")
	}
	for _, k := range []string{"from", "on"} {
		if f[k] == nil {
			l.errorf(n, "transition is missing %s", k)
		}
	}
	if len(l.errs) > before {
		return nil
	}
	// from: a state, a list, or "*" (every state), less except.
	from := map[*State]bool{}
	fn := f["from"]
	if fn.Kind == yaml.ScalarNode && fn.Value == "*" {
		for _, st := range l.m.States {
			from[st] = true
		}
	} else {
		for _, c := range l.list(fn, "from") {
			if st := l.stateNamed(c); st != nil {
				if from[st] {
					l.errorf(c, "state %s is listed twice in from", st.Name)
				}
				from[st] = true
			}
		}
	}
	if ex := f["except"]; ex != nil {
		for _, c := range l.list(ex, "except") {
			if st := l.stateNamed(c); st != nil {
				if !from[st] {
					l.errorf(c, "except names %s, which from does not include", st.Name)
				}
				delete(from, st)
			}
		}
	}
	for _, st := range l.m.States {
		if from[st] {
			r.From = append(r.From, st)
		}
	}
	if len(r.From) == 0 && len(l.errs) == before {
		l.errorf(fn, "from and except leave no state for this transition")
	}
	seenEv := map[*Event]bool{}
	for _, c := range l.list(f["on"], "on") {
		if e := l.event(c); e != nil {
			if seenEv[e] {
				l.errorf(c, "event %s is listed twice in on", e)
				continue
			}
			seenEv[e] = true
			r.On = append(r.On, e)
		}
	}
	l.rowMsgs = nil
	for _, e := range r.On {
		if e.Kind != MessageEvent {
			l.rowMsgs = nil
			break
		}
		l.rowMsgs = append(l.rowMsgs, e.Message)
	}
	defer func() { l.rowMsgs = nil }()
	if g := f["if"]; g != nil {
		if src, ok := l.str(g, "if"); ok {
			sc := &exprScope{hints: &l.hints, m: l.m, msgs: l.rowMsgs}
			e, err := sc.compile(src, l.valuePos(g), BoolType)
			if err != nil {
				l.errs = append(l.errs, err.(*Error))
			}
			r.Guard = e
		}
	}
	if t := f["to"]; t != nil {
		if _, ok := l.name(t, "to"); ok {
			r.To = l.stateNamed(t)
		}
	}
	if s := f["send"]; s != nil {
		l.sends(s, r, "send")
	}
	if s := f["reply"]; s != nil {
		if l.rowMsgs == nil {
			l.errorf(f["reply"], "reply sends back to the sender of the message received: only a row on receipts (on: recv ...) may reply")
		} else {
			n := len(r.Send)
			l.sends(s, r, "reply")
			r.Replies = len(r.Send) - n
		}
	}
	if len(r.Send) > 0 && !slices.ContainsFunc(r.SendFields, func(v []Expr) bool { return v != nil }) {
		r.SendFields = nil // no message sent has fields
	}
	timerList := func(key string) []*Timer {
		var out []*Timer
		if s := f[key]; s != nil {
			seen := map[*Timer]bool{}
			for _, c := range l.list(s, key) {
				if t := l.timerNamed(c); t != nil {
					if seen[t] {
						l.errorf(c, "timer %s is listed twice in %s", t.Name, key)
						continue
					}
					seen[t] = true
					out = append(out, t)
				}
			}
		}
		return out
	}
	r.Start, r.Stop, r.Restart = timerList("start"), timerList("stop"), timerList("restart")
	// A timer may appear in one of start, stop and restart at most.
	where := map[*Timer]string{}
	for _, k := range []struct {
		key string
		ts  []*Timer
	}{{"start", r.Start}, {"stop", r.Stop}, {"restart", r.Restart}} {
		for _, t := range k.ts {
			if prev, ok := where[t]; ok {
				l.errorf(f[k.key], "timer %s is in both %s and %s: a row starts, stops or restarts a timer, not two of these", t.Name, prev, k.key)
			}
			where[t] = k.key
		}
	}
	if s := f["set"]; s != nil {
		pairs, _ := l.mapping(s, "set")
		for _, p := range pairs {
			v := lookup(l, p.kn, "variable", p.key, " in set", l.m.Vars, varName)
			if v == nil {
				continue
			}
			if p.v.Kind != yaml.ScalarNode || isNull(p.v) {
				l.errorf(p.v, "set %s: expected a value, found %s", v.Name, kindName(p.v))
				continue
			}
			if e := l.value(v, p.v, "set "+v.Name); e != nil {
				r.Set = append(r.Set, Assign{Var: v, Value: e})
			}
		}
	}
	if e := f["error"]; e != nil {
		if s, ok := l.str(e, "error"); ok {
			if strings.TrimSpace(s) == "" {
				l.errorf(e, "error must say what went wrong")
			}
			r.Error = s
		}
		// A call that reports an error fails: it returns the error and changes nothing.
		hasCall := false
		for _, ev := range r.On {
			hasCall = hasCall || ev.Kind == CallEvent
		}
		if hasCall && (r.To != nil || len(r.Send)+len(r.Start)+len(r.Stop)+len(r.Restart)+len(r.Set) > 0) {
			l.errorf(e, "a call that reports an error fails and changes nothing: this row may not also have to, send, set or timer actions (split it into two rows)")
		}
	}
	if len(l.errs) > before {
		return nil
	}
	return r
}

// value compiles the value of a set entry for variable v: an expression
// over the old values whose type is v's. A bare enum value name is allowed.
// sends reads a row's send (or reply, as key says): a message, a list,
// or a mapping from message to its field values; a list may mix names and
// one-key mappings.
func (l *loader) sends(n *yaml.Node, r *Row, key string) {
	one := func(kn, fields *yaml.Node) {
		m := l.messageNamed(kn)
		if m == nil {
			return
		}
		var vals []Expr
		if len(m.Fields) > 0 || fields != nil {
			vals = make([]Expr, len(m.Fields))
			what := key + " " + m.Name
			var pairs []pair
			if fields != nil && !isNull(fields) {
				pairs, _ = l.mapping(fields, what)
			}
			for _, p := range pairs {
				f := m.Field(p.key)
				if f == nil {
					l.errorf(p.kn, "%s: message %s has no field %q", what, m.Name, clip(p.key))
					continue
				}
				if vals[f.Index] != nil {
					continue // the mapping reader reported the duplicate key
				}
				if p.v.Kind != yaml.ScalarNode || isNull(p.v) {
					l.errorf(p.v, "%s: field %s: expected a value, found %s", what, f.Name, kindName(p.v))
					continue
				}
				vals[f.Index] = l.value(f, p.v, what+" field "+f.Name)
				if vals[f.Index] == nil {
					vals[f.Index] = &Const{} // reported; keeps "missing" quiet
				}
			}
			var missing []string
			for i, f := range m.Fields {
				if vals[i] == nil {
					missing = append(missing, f.Name)
				}
			}
			if len(missing) > 0 {
				at := kn
				if fields != nil {
					at = fields
				}
				l.errorf(at, "%s must give every field of %s: missing %s", what, m.Name, strings.Join(missing, ", "))
			}
		}
		r.Send = append(r.Send, m)
		r.SendFields = append(r.SendFields, vals)
	}
	entry := func(c *yaml.Node) {
		switch {
		case c.Kind == yaml.ScalarNode && !isNull(c):
			one(c, nil)
		case c.Kind == yaml.MappingNode:
			pairs, _ := l.mapping(c, key)
			for _, p := range pairs {
				one(p.kn, p.v)
			}
		default:
			l.errorf(c, "%s must list messages (NAME, or NAME: {field: value, ...}), found %s", key, kindName(c))
		}
	}
	switch {
	case n.Kind == yaml.SequenceNode && len(n.Content) > 0:
		for _, c := range n.Content {
			entry(c)
		}
	case n.Kind == yaml.SequenceNode || isNull(n):
		l.errorf(n, "%s must not be empty", key)
	default:
		entry(n)
	}
}

func (l *loader) value(v *Var, n *yaml.Node, what string) Expr {
	src := n.Value
	p := l.valuePos(n)
	if v.Kind == Enum {
		word := strings.TrimSpace(src)
		for i, val := range v.Values {
			if val == word {
				return &Const{T: varType(v), Val: i, Src: val, P: p}
			}
		}
		if identRE.MatchString(word) && word != "true" && word != "false" && !l.isVar(word) {
			l.errorf(n, "%s: %q is not a value of %s: expected one of %s", what, clip(word), v.Name, strings.Join(v.Values, ", "))
			return nil
		}
	}
	sc := &exprScope{hints: &l.hints, m: l.m, msgs: l.rowMsgs}
	want := varType(v)
	e, err := sc.compileValue(src, p, want)
	if err != nil {
		l.errs = append(l.errs, err.(*Error))
		return nil
	}
	if !sameType(e.Type(), want) {
		got, wantName := typeNames(e.Type(), want)
		l.errorf(n, "%s: %q is %s, expected %s", what, clip(src), got, wantName)
		return nil
	}
	return e
}

func (l *loader) isVar(name string) bool {
	for _, v := range l.m.Vars {
		if v.Name == name {
			return true
		}
	}
	return false
}

func (l *loader) unhandled(n *yaml.Node) {
	u := &l.m.Unhandled
	if isNull(n) {
		return
	}
	u.Pos = l.pos(n)
	f := l.fields(n, "unhandled", unhandledFields...)
	if m := f["messages"]; m != nil {
		s, ok := l.str(m, "unhandled messages")
		words := strings.Fields(s)
		switch {
		case !ok: // reported
		case s == "drop":
			u.Messages = DropMessage
		case len(words) == 2 && words[0] == "reply":
			u.Messages = ReplyMessage
			u.Reply = l.messageNamed(&yaml.Node{Value: words[1], Line: m.Line, Column: m.Column})
			if u.Reply != nil && len(u.Reply.Fields) > 0 {
				l.errorf(m, "unhandled messages: the reply %s has fields, which an unhandled message cannot give: reply with a message without fields, or handle the message in a row", u.Reply.Name)
			}
		default:
			l.errorf(m, "unhandled messages: expected drop or \"reply MESSAGE\", found %q", clip(s))
		}
	}
	if c := f["calls"]; c != nil {
		keyword(l, c, "unhandled calls", &u.Calls, "unhandled calls: expected reject or ignore", RejectCall, IgnoreCall)
	}
}

func bitsFor(n int) uint {
	var b uint
	for (1 << b) < n {
		b++
	}
	return b
}

func (l *loader) layout(root *yaml.Node) {
	s := l.m
	off := bitsFor(len(s.States))
	s.Layout.StateBits = off
	for _, v := range s.Vars {
		v.Offset, v.Width = off, bitsFor(v.Size())
		off += v.Width
	}
	s.Layout.TimerOffset = off
	off += uint(len(s.Timers))
	s.Layout.Bits = off
	if off > 32 {
		l.errorf(root, "the machine's state, variables and timers need %d bits: at most 32 fit a peer's snapshot (fewer variables or timers)", off)
	}
}

// maxValuations bounds the variable valuations enumerated to check guards.
const maxValuations = 1 << 16

// valuations calls f for every assignment of values to the spec's variables.
func (s *Machine) valuations(f func(vals []int)) {
	vals := make([]int, len(s.Vars))
	var rec func(i int)
	rec = func(i int) {
		if i == len(s.Vars) {
			f(vals)
			return
		}
		v := s.Vars[i]
		lo, hi := 0, v.Size()-1
		if v.Kind == Int {
			lo, hi = v.Min, v.Max
		}
		for x := lo; x <= hi; x++ {
			vals[i] = x
			rec(i + 1)
		}
	}
	rec(0)
}

// valEnv is a valuation of a machine's variables and, for a receipt, the
// letter received: what guards and values are checked over.
type valEnv struct {
	vals   []int
	letter *Letter
}

func (e valEnv) Var(_ int, v *Var) int   { return e.vals[v.Index] }
func (e valEnv) State(int) int           { return 0 }
func (e valEnv) Armed(int, *Timer) bool  { return false }
func (e valEnv) Count(int, *Message) int { return 0 }
func (e valEnv) Msg(name string) int {
	v, _ := e.letter.Value(name)
	return v
}

func describe(s *Machine, e valEnv) string {
	var parts []string
	for i, v := range s.Vars {
		parts = append(parts, v.Name+"="+v.Format(e.vals[i]))
	}
	if e.letter != nil {
		parts = append(parts, "msg="+e.letter.String())
	}
	return strings.Join(parts, ", ")
}

// readsMsg reports whether e reads the received message's fields.
func readsMsg(e Expr) bool {
	found := false
	Walk(e, func(x Expr) {
		if _, ok := x.(*MsgField); ok {
			found = true
		}
	})
	return found
}

// rowLetters are the letters a row's expressions are checked over: every
// letter it may receive when they read msg, else just nil.
func rowLetters(r *Row, reads bool) []*Letter {
	if !reads {
		return []*Letter{nil}
	}
	var out []*Letter
	for _, e := range r.On {
		out = append(out, e.Message.Letters...)
	}
	return out
}

func (l *loader) table() {
	s := l.m
	entries := 0
	for _, r := range s.Rows {
		entries += len(r.From) * len(r.On)
		if entries > maxTableEntries {
			l.errs = append(l.errs, errorf(r.Pos, "the transitions expand to more than %d (state, event) pairs", maxTableEntries))
			return
		}
	}
	s.Table = make([][][]*Row, len(s.States))
	for i := range s.Table {
		s.Table[i] = make([][]*Row, len(s.Events))
	}
	for _, r := range s.Rows {
		for _, st := range r.From {
			for _, e := range r.On {
				s.Table[st.Index][e.Index] = append(s.Table[st.Index][e.Index], r)
			}
		}
	}
	total := 1
	for _, v := range s.Vars {
		total *= v.Size()
		if total > maxValuations {
			l.errs = append(l.errs, errorf(v.Pos, "the variables have more than %d combinations: too many to check guards by enumeration", maxValuations))
			return
		}
	}
	// Guards of rows that share a (state, event) must be mutually exclusive,
	// and set values must stay in range; both are checked on every valuation
	// (and, where they read the received message, every letter). Guards do
	// not depend on the state, so each pair of rows is enumerated once per
	// message, and a row is reported with the first row it overlaps.
	checked := map[[3]int]bool{}
	reported := make([]bool, len(s.Rows))
	for si, byEvent := range s.Table {
		for ei, rows := range byEvent {
			ev := s.Events[ei]
			for j := 1; j < len(rows); j++ {
				for i := 0; i < j && !reported[rows[j].Index]; i++ {
					a, b := rows[i], rows[j]
					letters := []*Letter{nil}
					key := [3]int{a.Index, b.Index, -1}
					if ev.Kind == MessageEvent && (readsMsg(a.Guard) || readsMsg(b.Guard)) {
						letters, key[2] = ev.Message.Letters, ev.Message.Index
					}
					if checked[key] {
						continue
					}
					checked[key] = true
					var witness valEnv
					found := false
					for _, lt := range letters {
						s.valuations(func(vals []int) {
							e := valEnv{vals, lt}
							if !found && holds(a.Guard, e) && holds(b.Guard, e) {
								witness, found = valEnv{slices.Clone(vals), lt}, true
							}
						})
					}
					if found {
						reported[b.Index] = true
						when := ""
						if d := describe(s, witness); d != "" {
							when = " when " + d
						}
						l.errs = append(l.errs, errorf(b.Pos, "this transition and the one at line %d both fire on %s in state %s%s: their guards must exclude each other",
							a.Pos.Line, s.Events[ei], s.States[si].Name, when))
					}
				}
			}
		}
	}
	// A divisor must not be zero, and an int value must stay in range,
	// wherever the guard holds.
	inRange := func(r *Row, v *Var, x Expr, what string) {
		if v.Kind != Int && !hasDivision(x) {
			return
		}
		var bad *Error
		for _, lt := range rowLetters(r, readsMsg(x) || readsMsg(r.Guard)) {
			s.valuations(func(vals []int) {
				e := valEnv{vals, lt}
				if bad != nil || !holds(r.Guard, e) {
					return
				}
				var zero *Binary
				n := eval(x, e, &zero)
				switch {
				case zero != nil:
					bad = divisionError(zero, describe(s, e))
				case v.Kind == Int && (n < v.Min || n > v.Max):
					msg := fmt.Sprintf("%s: value %d is outside %d..%d", what, n, v.Min, v.Max)
					if d := describe(s, e); d != "" {
						msg += " when " + d
					}
					bad = errorf(x.Pos(), "%s", msg)
				}
			})
		}
		if bad != nil {
			l.errs = append(l.errs, bad)
		}
	}
	for _, r := range s.Rows {
		for _, a := range r.Set {
			inRange(r, a.Var, a.Value, "set "+a.Var.Name)
		}
		for i, vals := range r.SendFields {
			for fi, x := range vals {
				if x != nil && x.Pos().Line > 0 {
					f, key := r.Send[i].Fields[fi], "send "
					if i >= len(r.Send)-r.Replies {
						key = "reply "
					}
					inRange(r, f, x, key+r.Send[i].Name+" field "+f.Name)
				}
			}
		}
	}
}

func holds(g Expr, e valEnv) bool { return g == nil || Eval(g, e) != 0 }

func (l *loader) warnings() {
	s := l.m
	warn := func(p Pos, format string, args ...any) {
		l.s.Warnings = append(l.s.Warnings, errorf(p, format, args...))
	}
	// Reachability over rows, ignoring guards.
	reached := make([]bool, len(s.States))
	queue := []*State{s.Initial}
	reached[s.Initial.Index] = true
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		for _, rows := range s.Table[st.Index] {
			for _, r := range rows {
				if t := r.Target(st); !reached[t.Index] {
					reached[t.Index] = true
					queue = append(queue, t)
				}
			}
		}
	}
	for _, st := range s.States {
		if !reached[st.Index] {
			warn(st.Pos, "state %s is unreachable from the initial state %s", st.Name, s.Initial.Name)
		}
	}
	used := make([]bool, len(s.Events))
	for _, r := range s.Rows {
		for _, e := range r.On {
			used[e.Index] = true
		}
	}
	started := make([]bool, len(s.Timers))
	for _, r := range s.Rows {
		for _, t := range append(append([]*Timer(nil), r.Start...), r.Restart...) {
			started[t.Index] = true
		}
	}
	for _, e := range s.Events {
		switch {
		case e.Kind == MessageEvent && len(l.s.Machines) > 1:
			// With several machines a message is meant for some of them; the
			// spec warns only about messages that no machine receives.
		case e.Kind == TimerEvent && !started[e.Timer.Index]:
			warn(e.Timer.Pos, "timer %s is never started", e.Timer.Name)
		case !used[e.Index]:
			var p Pos
			switch e.Kind {
			case CallEvent:
				p = e.Call.Pos
			case MessageEvent:
				p = e.Message.Pos
			default:
				p = e.Timer.Pos
			}
			warn(p, "event %s is handled by no transition: it can never fire", e)
		}
	}
}
