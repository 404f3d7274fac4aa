package gen

import (
	"bytes"
	"fmt"
	"go/format"
	"go/token"
	"path"
	"regexp"
	"strings"
	"unicode"

	"github.com/dave/jennifer/jen"

	"github.com/fsmgen/fsmgen/fsm"
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
	// Messages, when set, is the import path of the spec's messages package
	// (one generated with MessagesOnly from the same spec, whose package name
	// is the path's last element). The machine's package then declares
	// Message (and MessageKind) as aliases of that package's, and leaves the
	// message constants, constructors and accessors to it, so that the
	// packages of a spec's machines exchange messages without conversion.
	Messages string
	// MessagesOnly generates the spec's messages alone: Message, with its
	// constants or constructors and accessors, MessageKind, NumMessages and
	// NumLetters. The machines' packages import it through Messages.
	MessagesOnly bool

	// noTable makes Step work each cell out from the rows on every call,
	// as it does for a spec too large for a table (for the tests, which
	// set it through export_test.go).
	noTable bool
}

// oneLineFunc matches a function declaration whose body is one return
// statement of at most 60 characters.
var oneLineFunc = regexp.MustCompile(`(?m)^(func [^\n]*\{)\n\t([^\n{}/]{1,60})\n\}$`)

// runtimePath is the import path of the runtime the generated code uses.
const runtimePath = "github.com/fsmgen/fsmgen/fsm"

// fsmGenVersion is the fsm.GenVersion the generated code is written for.
const fsmGenVersion = fsm.GenVersion

// Go renders a machine of s as a typed Go package: what depends on the spec
// (constants with String methods, a Snapshot, the rows as data, the pure
// allocation-free Step and its lookup table, the functions over the snapshot
// that the runtime calls), and thin typed names for what package fsm does the
// same for every spec (Machine and SyncMachine, Effects, the errors, Packed
// over spec.Layout). The output is gofmt'd and depends only on s and o; it
// compiles only against the version of package fsm it was generated for
// (fsm.GenVersion).
//
// When the spec's messages have fields, Message identifies a message with
// its field values, as spec.Spec.Letters numbers them, and Event indexes
// the machine's spec.Inputs: msg.FIELD reads a table of the field's value
// per message, and what a step sends is which of the lists of messages its
// row may send (package fsm makes the lists from the rows).
func Go(sp *spec.Spec, o GoOptions) (out []byte, err error) {
	if o.MessagesOnly {
		if o.Messages != "" {
			return nil, fmt.Errorf("gen: a messages package imports no messages package")
		}
		if len(sp.Messages) == 0 {
			return nil, fmt.Errorf("gen: %s declares no messages: there is no messages package to generate", sp.File)
		}
		if o.Machine == "" && len(sp.Machines) > 0 {
			o.Machine = sp.Machines[0].Name // messages are the spec's: any machine has them all
		}
	}
	s, err := sp.SelectMachine(o.Machine)
	if err != nil {
		return nil, err
	}
	if o.Messages != "" {
		if !importPathOK(o.Messages) {
			return nil, fmt.Errorf("gen: the messages package %q is not an import path: name it as Go code imports it, such as example.com/mod/msg", o.Messages)
		}
		if base := path.Base(o.Messages); !token.IsIdentifier(base) || token.IsKeyword(base) {
			return nil, fmt.Errorf("gen: the messages package %q: its last element %q is not a Go package name", o.Messages, base)
		}
		if len(s.Messages) == 0 {
			return nil, fmt.Errorf("gen: %s declares no messages: there is no messages package to import", sp.File)
		}
	}
	defer func() {
		// jennifer panics on malformed code; report it rather than crash the caller.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("gen: generating Go for %s: %v", o.Source, r)
		}
	}()
	defaulted := o.Package == ""
	if defaulted {
		o.Package = strings.ToLower(GoName(s.Name))
		if o.MessagesOnly {
			o.Package = "messages"
		}
	}
	if !token.IsIdentifier(o.Package) || token.IsKeyword(o.Package) {
		if defaulted {
			return nil, fmt.Errorf("%s: gen: the machine's name in lower case, %q, is not a Go package name: name the package (fsmgen generate --pkg NAME)", s.Pos, o.Package)
		}
		return nil, fmt.Errorf("gen: invalid package name %q", o.Package)
	}
	if o.Source == "" {
		o.Source = s.File
	}
	g := &goGen{s: s, o: o, f: jen.NewFile(o.Package), names: map[string]string{}, declaredAt: map[string]spec.Pos{}}
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
	// A function whose body is one short statement is written on one line,
	// as gofmt keeps it.
	src := oneLineFunc.ReplaceAll(buf.Bytes(), []byte("$1 $2 }"))
	if out, err = format.Source(src); err != nil {
		return nil, fmt.Errorf("gen: formatting Go for %s: %v", o.Source, err)
	}
	return out, nil
}

// importPathOK reports whether p can be imported from a module: clean,
// neither absolute nor relative, of letters, digits and -._~+ between its
// slashes.
func importPathOK(p string) bool {
	if p == "" || path.Clean(p) != p || p[0] == '/' || p[0] == '.' {
		return false
	}
	for _, r := range p {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-._~+/", r) {
			return false
		}
	}
	return true
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
	// declaredAt is where the spec writes what declared each identifier.
	declaredAt map[string]spec.Pos

	state, msg, timer, event []string // Go identifiers, by index
	field, enumType          []string // per variable: Snapshot field, enum type ("" unless enum)
	enumVal                  [][]string
	maxSends                 int
	guards                   []jen.Code // the stringer-style guard's lines, one per type
	nameTables               []jen.Code // the name tables of the String methods
	// With message fields (fields true), Message identifies a letter (a
	// message kind with its field values) and Event indexes the machine's
	// inputs: one receipt per letter. kind holds the MessageKind constant of
	// each message; msg the Msg constant of a message without fields and
	// the constructor of one with fields.
	fields               bool
	enums                map[*spec.Var]goEnum // every enum variable and message field
	kind                 []string
	fieldTables          map[string]fieldTable // the tables msg.FIELD reads, by fieldKey
	fieldOrder           []string              // their keys, in the order of first use
	lists                int                   // how many lists of letters package fsm makes
	sentMult             [][]int               // per row and message sent, the weight of its letter offset
	reply                bool                  // unhandled messages are answered
	stateT, eventT, setT string                // underlying integer types
	// The bit widths of those types and of Effects.Row in a cell, from the
	// spec's sizes (the types are chosen from the same numbers).
	stateBits, setBits, rowBits int
	layout                      stepLayout // Step's table
	table                       bool       // Step is a lookup in a table
}

// reserved are the package-level identifiers the generated code always declares.
var reserved = []string{
	"State", "Event", "Message", "Timer", "TimerSet", "Snapshot", "Effects", "Step", "Packed",
	"Initial", "Machine", "SyncMachine", "New", "NewSync", "Option", "WithClock",
	"WithSnapshot", "OnSend", "OnReply", "OnTransition", "OnError", "WithTimerDuration", "Transition", "Row", "Assignment",
	"Transitions", "RejectedError", "ReportedError", "ErrRejected", "ErrReported", "NumStates",
	"NumEvents", "NumMessages", "NumTimers", "MaxSends", "RecvEvent", "TimeoutEvent", "Name",
}

// declare records that what, written at at (zero for the generated
// names), becomes the Go identifier id; a second claim to id is an error at
// the spec's position of one of the two.
func (g *goGen) declare(id, what string, at spec.Pos) {
	if prev, ok := g.names[id]; ok && g.err == nil {
		if at.Line == 0 {
			at = g.declaredAt[id]
		}
		g.err = fmt.Errorf("gen: %s and %s both become the Go identifier %s: rename one", prev, what, id)
		if at.Line > 0 {
			g.err = fmt.Errorf("%s: %w", at, g.err)
		}
	}
	g.names[id], g.declaredAt[id] = what, at
}

// intType is the smallest unsigned type of at least 8 bits that holds the
// values 0 to n-1, and its width.
func intType(n int) string {
	if n <= 1<<8 {
		return "uint8"
	}
	return "uint16"
}

// intBits is the width of intType(n).
func intBits(n int) int {
	if n <= 1<<8 {
		return 8
	}
	return 16
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
		g.declare(id, "the generated "+id, spec.Pos{})
	}
	if len(s.Vars) > 0 {
		g.declare("Vars", "the generated Vars", spec.Pos{})
	}
	for _, st := range s.States {
		id := "State" + GoName(st.Name)
		g.declare(id, "state "+st.Name, st.Pos)
		g.state = append(g.state, id)
	}
	for _, m := range s.Messages {
		g.fields = g.fields || len(m.Fields) > 0
	}
	if g.o.MessagesOnly {
		g.declare("MessagesFingerprint", "the generated MessagesFingerprint", spec.Pos{})
	}
	if g.fields {
		for _, id := range []string{"MessageKind", "NumLetters", "sentOf"} {
			g.declare(id, "the generated "+id, spec.Pos{})
		}
	}
	if g.fields || g.boolVars() {
		g.declare("b2i", "the generated b2i", spec.Pos{})
	}
	// With a messages package, the message identifiers are its own, named
	// through its package name; none is declared here.
	imported, qual := g.o.Messages != "", ""
	if imported {
		qual = path.Base(g.o.Messages) + "."
	}
	declareMsg := func(id, what string, at spec.Pos) {
		if !imported {
			g.declare(id, what, at)
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
			declareMsg(id+"Fields", "the fields of message "+m.Name, m.Pos)
		}
		declareMsg(id, "message "+m.Name, m.Pos)
		g.msg = append(g.msg, qual+id)
		if g.fields {
			k := "Kind" + GoName(m.Name)
			declareMsg(k, "the kind of message "+m.Name, m.Pos)
			g.kind = append(g.kind, qual+k)
		}
	}
	for _, t := range s.Timers {
		id := "Timer" + GoName(t.Name)
		g.declare(id, "timer "+t.Name, t.Pos)
		g.timer = append(g.timer, id)
	}
	for _, in := range g.inputs() {
		e := in.Event
		var id string
		var at spec.Pos
		switch e.Kind {
		case spec.CallEvent:
			id, at = "Call"+GoName(e.Name()), e.Call.Pos
		case spec.MessageEvent:
			id, at = "Recv"+GoName(e.Name()), e.Message.Pos
		default:
			id, at = "Timeout"+GoName(e.Name()), e.Timer.Pos
		}
		if in.Letter != nil && len(in.Letter.Message.Fields) > 0 {
			id = "" // no constant: RecvEvent(Data(...))
		} else {
			g.declare(id, "event "+e.String(), at)
		}
		g.event = append(g.event, id)
	}
	// A variable's methods on Snapshot: F() reads it, SetF sets it.
	fields := map[string]bool{"State": true, "Vars": true, "Timers": true, "String": true}
	for _, v := range s.Vars {
		f := GoName(v.Name)
		if fields[f] {
			f += "Var"
		}
		if (fields[f] || fields["Set"+f]) && g.err == nil {
			g.err = fmt.Errorf("%s: gen: variable %s: its Go method name %s or Set%s is taken", v.Pos, v.Name, f, f)
		}
		fields[f], fields["Set"+f] = true, true
		g.field = append(g.field, f)
		t, vals := "", []string(nil)
		if v.Kind == spec.Enum {
			t = GoName(v.Name)
			if _, taken := g.names[t]; taken {
				t += "Value"
			}
			g.declare(t, "the type of variable "+v.Name, v.Pos)
			for _, val := range v.Values {
				id := t + GoName(val)
				g.declare(id, "value "+val+" of "+v.Name, v.Pos)
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
			declareMsg(t, "the type of field "+f.Name+" of message "+m.Name, f.Pos)
			e := goEnum{typ: qual + t}
			for _, val := range f.Values {
				id := t + GoName(val)
				declareMsg(id, "value "+val+" of field "+f.Name+" of message "+m.Name, f.Pos)
				e.vals = append(e.vals, qual+id)
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
	g.stateBits = intBits(len(s.States))
	if g.fields {
		if err := g.prepareSends(); err != nil {
			return err
		}
		g.prepareFieldTables()
	}
	g.setBits = 8
	for g.setBits < len(s.Timers) {
		g.setBits *= 2
	}
	g.setT = fmt.Sprintf("uint%d", g.setBits)
	// Effects.Row, -1 included, as a signed integer in the cell.
	g.rowBits = 8
	for len(s.Rows) >= 1<<(g.rowBits-1) {
		g.rowBits *= 2
	}
	g.prepareStep()
	if g.varsBits() > 64 {
		return fmt.Errorf("gen: %s: the variables' codes take %d bits: at most 64 are supported", g.o.Source, g.varsBits())
	}
	return g.err
}

func (g *goGen) emit() {
	f := g.f
	f.HeaderComment(fmt.Sprintf("Code generated by fsmgen from %s; DO NOT EDIT.", g.o.Source))
	f.ImportName(runtimePath, "fsm")
	g.doc(fmt.Sprintf("A compile error here means that this file was generated for another version of\npackage fsm: regenerate it with the fsmgen of the module that provides fsm.\nfsm.GenVersion is %d.", fsmGenVersion))
	f.Const().Defs(
		jen.Id("_").Op("=").Qual(runtimePath, "EnforceVersion").Call(jen.Lit(fsmGenVersion).Op("-").Qual(runtimePath, "MinVersion")),
		jen.Id("_").Op("=").Qual(runtimePath, "EnforceVersion").Call(jen.Qual(runtimePath, "MaxVersion").Op("-").Lit(fsmGenVersion)),
	)
	if g.o.MessagesOnly {
		g.emitMessagesOnly()
		return
	}
	g.emitTypes()
	g.emitSnapshot()
	g.emitRows()
	g.emitDef()
	g.emitStep()
	g.emitPacked()
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
