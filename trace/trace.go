// Package trace validates recorded traces against a spec: does what a
// running program (or a kernel) did conform to the machine?
//
// A trace is JSON lines. Each line names an instance (one machine instance
// per id, any number of ids per trace, interleaved) and carries an observed
// event, an observed state, or both:
//
//	{"id": "c1", "event": "ACTIVE_OPEN"}
//	{"id": "c1", "event": "recv SYN_ACK", "send": ["ACK_SYN"], "state": "ESTABLISHED"}
//	{"id": "c1", "state": "FIN_WAIT_2"}
//	{"id": "c1", "event": "timeout retransmit"}
//	{"id": "r1", "event": "recv DATA", "fields": {"bit": true, "item": 0}, "send": ["ACK(bit=true)"]}
//
// An event is written as the spec's `on:` syntax writes it: a call name
// ("CLOSE", or "call CLOSE"), "recv MESSAGE" or "timeout TIMER". A receipt
// of a message with fields gives every field's value in "fields" (a JSON
// bool, an enum value's name, or an integer in the field's range), which
// selects the letter received; without "fields" the receipt may be of any
// letter of the message, as in a search (a log that names segments but not
// their numbers), and later lines choose between the snapshots reached.
// "fields" on any other line is an error. The
// event is applied with the spec's own transition semantics (the model
// checker's interpreter): the first row whose guard holds fires, a refused
// call changes nothing, an event no row handles follows the spec's
// `unhandled` policy, and a timeout is only valid while its timer is armed.
// "send", when present, lists the messages the step must send, in order
// ([] for none): "SYN", or for a message with fields "DATA(bit=true)" (as
// spec.Letter.String writes it; every field) or "DATA" (any values).
// "refused", on a call, says whether the call failed (an `error` row, or
// an unhandled call under `calls: reject`). "state" is the state the
// instance must be in after the line. "note" is free text (e.g. how the
// line was derived from a raw log) and is not interpreted. Any other key,
// a value of the wrong type, a name the machine does not know or a trace
// with no observation at all is an *InputError, with the line and the
// column of the key or value at fault.
//
// Observation may be partial. A line with only a state is reached by the
// shortest sequence of unobserved inputs (bounded by Options.MaxDepth)
// from where the instance is; a receipt in it may be of any letter. A
// trace may declare that it records every event of some kinds, on an
// optional first line, its header (see Header):
//
//	{"observed": ["call"]}
//
// and Options.Observed adds kinds, as a log's configuration rather than
// the log itself: the search then inserts only events of the other kinds
// (receipts and expiries, here), so a state-only line no longer stands for
// a call the log does not show. Paths
// that reach the same snapshot are merged, keeping one explanation per
// snapshot (see Validator.reach for which), so later lines choose between
// the snapshots. The first line no explanation survives is the divergence,
// reported with the state reached, what was observed and the rows that
// could have applied there. A search that runs out of budget, or a
// divergence after explanations were dropped (beyond
// Options.MaxCandidates), is reported as incomplete instead
// (Divergence.Incomplete): not shown to conform, not shown to diverge.
package trace

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
)

// Line is one observation, as decoded from one JSON line.
type Line struct {
	ID    string    `json:"id"`
	Event string    `json:"event,omitempty"`
	State string    `json:"state,omitempty"`
	Send  *[]string `json:"send,omitempty"`
	// Refused, on a call, says whether the call failed (true) or was
	// accepted (false); absent, either is fine.
	Refused *bool `json:"refused,omitempty"`
	// Fields, on a receipt of a message with fields, gives every field's
	// value: bool, string (an enum value's name) or an integer (int,
	// int64, a whole float64 or json.Number).
	Fields map[string]any `json:"fields,omitempty"`
	Note   string         `json:"note,omitempty"`
}

// Header is a trace's optional first line (blank lines aside), which
// declares how the trace was recorded rather than observing an instance:
//
//	{"observed": ["call"]}
//
// Observed lists the kinds of event ("call", "recv", "timeout") of which
// the trace records every one, for every instance: the search for
// unobserved events then inserts only the other kinds, so a state-only
// line can no longer stand for a call the trace does not show. A trace
// without a header declares nothing (every kind may be unobserved), as
// does an empty list. Note is free text, not interpreted.
type Header struct {
	Observed []string `json:"observed"`
	Note     string   `json:"note,omitempty"`
}

// InputError is a malformed trace line (bad JSON, an unknown key, a
// missing id, a name the spec does not know, a missing or ill-typed field
// value) or a trace with no observation. Line and Col are 1-based; Col is
// the key or value at fault.
type InputError struct {
	File string
	Line int
	Col  int
	Msg  string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Options bound the search for unobserved events.
type Options struct {
	// MaxDepth is the most unobserved events one state-only line may stand
	// for (default 8).
	MaxDepth int
	// MaxNodes bounds the snapshots one search visits (default 100000).
	MaxNodes int
	// MaxCandidates bounds the explanations kept per instance (default 64);
	// once any is dropped, a later divergence is reported as incomplete.
	MaxCandidates int
	// Machine names the machine the instances run, when the spec declares several.
	Machine string
	// Observed are the kinds of event the trace records every one of: the
	// search for unobserved events inserts only the other kinds. A trace's
	// header ({"observed": [...]}) adds to them.
	Observed []spec.EventKind
}

func (o Options) withDefaults() Options {
	if o.MaxDepth <= 0 {
		o.MaxDepth = 8
	}
	if o.MaxNodes <= 0 {
		o.MaxNodes = 100000
	}
	if o.MaxCandidates <= 0 {
		o.MaxCandidates = 64
	}
	return o
}

// Step is one event the instance took: observed on a line, or unobserved
// (Hidden) and found by the search.
type Step struct {
	Line    int    // the trace line it belongs to
	Event   string // in `on:` syntax
	From    string
	To      string
	Row     int // index in Spec.Rows of the row that fired; -1: unhandled
	Hidden  bool
	Refused bool // a call the spec refuses (an `error` row, or unhandled under reject)
	Sent    []string
}

// Divergence is the first line of an instance that no explanation survives.
type Divergence struct {
	Line     int
	States   []string // the state(s) the instance could be in before the line
	Observed string   // the line's observation, e.g. `event "recv FIN"` or `state LISTEN`
	Reason   string
	Could    []int // rows that could have applied in those states (indexes in Spec.Rows)
	// Incomplete: the search for unobserved events ran out of budget
	// (Options), or explanations were dropped earlier; the line is not
	// shown to diverge, only not shown to conform.
	Incomplete bool
}

// Instance is the verdict on one instance.
type Instance struct {
	ID         string
	Lines      int // trace lines about it
	FirstLine  int
	Steps      []Step      // of the first surviving explanation (up to the divergence)
	Rows       []int       // rows exercised, sorted, distinct
	States     []string    // states it may be in at the end (more than one when ambiguous)
	Divergence *Divergence // nil: accepted
}

// Result is the verdict on a whole trace.
type Result struct {
	Machine   *spec.Machine // the machine the instances ran
	Instances []*Instance   // in order of first appearance
	Union     []int         // rows exercised by any instance, sorted
	// Observed are the kinds of event declared observed (Options.Observed
	// and the header), which the search did not insert.
	Observed []spec.EventKind
}

// OK reports whether every instance conforms.
func (r *Result) OK() bool {
	for _, in := range r.Instances {
		if in.Divergence != nil {
			return false
		}
	}
	return true
}

type cand struct {
	snap  uint64
	steps []Step
}

type instance struct {
	out   *Instance
	cands []cand
	// truncated: explanations were dropped (beyond MaxCandidates, or a
	// search cut short by MaxNodes), so a divergence is not conclusive.
	truncated bool
}

// Validator checks observations one at a time; Result summarises.
type Validator struct {
	s     *spec.Machine
	step  modelcheck.StepFunc
	opts  Options
	insts map[string]*instance
	order []*instance
	// searchOrder is the order the search tries inputs in (receipts of
	// every letter first, then expiries, then calls: an unobserved event
	// is more often the network's doing than a call left out of the log).
	// It breaks ties that the rows' `on:` lists leave (see reach).
	searchOrder []*spec.Input
	// observed are the kinds of event every one of which the trace records
	// (Options.Observed and the header), by spec.EventKind; hidden is
	// searchOrder without them, the inputs the search may insert.
	observed [3]bool
	hidden   []*spec.Input
	// header is the line of the trace's header, 0 if none; started: an
	// observation has been made, so a header comes too late.
	header  int
	started bool
}

// New returns a validator for instances of a machine of sp (opts.Machine,
// or its only one). Its errors are the spec's, "file:line:col: ...".
func New(sp *spec.Spec, opts Options) (*Validator, error) {
	s, err := sp.SelectMachine(opts.Machine)
	if err != nil {
		return nil, err
	}
	step, err := modelcheck.Interpreter(s)
	if err != nil {
		return nil, err
	}
	v := &Validator{s: s, step: step, opts: opts.withDefaults(), insts: map[string]*instance{}}
	for _, k := range []spec.EventKind{spec.MessageEvent, spec.TimerEvent, spec.CallEvent} {
		for _, in := range s.Inputs {
			if in.Event.Kind == k {
				v.searchOrder = append(v.searchOrder, in)
			}
		}
	}
	for _, k := range opts.Observed {
		if k < spec.CallEvent || k > spec.TimerEvent {
			return nil, fmt.Errorf("trace: Options.Observed: no event kind %d", int(k))
		}
	}
	v.observe(opts.Observed)
	return v, nil
}

// observe declares every event of the given kinds observed: the search
// no longer inserts them.
func (v *Validator) observe(kinds []spec.EventKind) {
	for _, k := range kinds {
		v.observed[k] = true
	}
	v.hidden = v.hidden[:0:0]
	for _, in := range v.searchOrder {
		if !v.observed[in.Event.Kind] {
			v.hidden = append(v.hidden, in)
		}
	}
}

// Observed reports the kinds of event the trace is declared to record
// every one of (Options.Observed and the header read so far), in the
// order call, recv, timeout.
func (v *Validator) Observed() []spec.EventKind {
	var out []spec.EventKind
	for k, ok := range v.observed {
		if ok {
			out = append(out, spec.EventKind(k))
		}
	}
	return out
}

// unobserved names the kinds of event the search may insert when some
// are declared observed, for messages: e.g. "receipts and expiries".
func (v *Validator) unobserved() string {
	var kinds []string
	for _, k := range []spec.EventKind{spec.MessageEvent, spec.TimerEvent, spec.CallEvent} {
		if !v.observed[k] {
			kinds = append(kinds, kindNames[k][1])
		}
	}
	return strings.Join(kinds, " and ")
}

// kindNames names an event of each kind, and several, in messages (by
// spec.EventKind).
var kindNames = [3][2]string{spec.CallEvent: {"call", "calls"}, spec.MessageEvent: {"receipt", "receipts"}, spec.TimerEvent: {"expiry", "expiries"}}

// Machine is the machine the validator checks instances of.
func (v *Validator) Machine() *spec.Machine { return v.s }

// ParseEvent resolves an event in `on:` syntax ("CLOSE", "call CLOSE",
// "recv SYN", "timeout retransmit").
func ParseEvent(s *spec.Machine, text string) (*spec.Event, error) {
	f := strings.Fields(text)
	kind, name := "", ""
	switch len(f) {
	case 1:
		kind, name = "call", f[0]
	case 2:
		kind, name = f[0], f[1]
	default:
		return nil, fmt.Errorf("event %q: want CALL, recv MESSAGE or timeout TIMER", text)
	}
	for _, e := range s.Events {
		if e.Kind.String() == kind && e.Name() == name {
			return e, nil
		}
	}
	switch kind {
	case "call", "recv", "timeout":
		return nil, fmt.Errorf("event %q: machine %s has no %s %s", text, s.Name, map[string]string{"call": "call", "recv": "message", "timeout": "timer"}[kind], name)
	}
	return nil, fmt.Errorf("event %q: want CALL, recv MESSAGE or timeout TIMER", text)
}

// fieldValue decodes the value of message field f given in a trace: a JSON
// bool, an enum value's name or an integer in range (from a "fields"
// object), or the same written as text (inside "DATA(bit=true)"; text is
// then true).
func fieldValue(f *spec.Var, x any, text bool) (int, error) {
	if text {
		s := x.(string)
		switch f.Kind {
		case spec.Bool:
			switch s {
			case "true":
				return 1, nil
			case "false":
				return 0, nil
			}
		case spec.Int:
			n, err := strconv.Atoi(s)
			if err != nil {
				return 0, fmt.Errorf("field %s: %q is not an integer", f.Name, s)
			}
			x = n
		}
	}
	switch f.Kind {
	case spec.Bool:
		if b, ok := x.(bool); ok {
			return map[bool]int{false: 0, true: 1}[b], nil
		}
		return 0, fmt.Errorf("field %s is a bool: want true or false, not %s", f.Name, show(x))
	case spec.Enum:
		if s, ok := x.(string); ok {
			for i, val := range f.Values {
				if val == s {
					return i, nil
				}
			}
		}
		return 0, fmt.Errorf("field %s is an enum: want one of %s, not %s", f.Name, strings.Join(f.Values, ", "), show(x))
	}
	n, ok := 0, false
	switch y := x.(type) {
	case int:
		n, ok = y, true
	case int64:
		n, ok = int(y), int64(int(y)) == y
	case float64:
		n, ok = int(y), float64(int(y)) == y
	case json.Number:
		i, err := y.Int64()
		n, ok = int(i), err == nil && int64(int(i)) == i
	}
	if !ok {
		return 0, fmt.Errorf("field %s is an int: want an integer from %d to %d, not %s", f.Name, f.Min, f.Max, show(x))
	}
	if n < f.Min || n > f.Max {
		return 0, fmt.Errorf("field %s: %d is out of its range %d..%d", f.Name, n, f.Min, f.Max)
	}
	return n, nil
}

func show(x any) string {
	if s, ok := x.(string); ok {
		return strconv.Quote(s)
	}
	if x == nil {
		return "null"
	}
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return string(b)
}

// letterOf finds m's letter with the given decoded values.
func letterOf(m *spec.Message, vals []int) *spec.Letter {
	for _, l := range m.Letters {
		if reflect.DeepEqual(l.Values, vals) {
			return l
		}
	}
	return nil
}

// received resolves the letter a receipt line names: its message, and for
// a message with fields, the values in "fields".
func (v *Validator) received(m *spec.Message, fields map[string]any) (*spec.Letter, error) {
	if len(m.Fields) == 0 {
		for k := range fields {
			return nil, &fieldError{"fields." + k, fmt.Sprintf("message %s has no fields, so no field %s", m.Name, k)}
		}
		return m.Letters[0], nil
	}
	if fields == nil {
		return nil, &fieldError{"event", fmt.Sprintf("message %s has fields (%s): the line needs them in \"fields\"", m.Name, fieldNames(m))}
	}
	// A key the message lacks first: a misspelt field is then named as
	// such, not reported as the field it stands for missing.
	for _, k := range sortedKeys(fields) {
		if m.Field(k) == nil {
			return nil, &fieldError{"fields." + k, fmt.Sprintf("message %s has no field %s (its fields: %s)", m.Name, k, fieldNames(m))}
		}
	}
	vals := make([]int, len(m.Fields))
	for i, f := range m.Fields {
		x, ok := fields[f.Name]
		if !ok {
			return nil, &fieldError{"fields", fmt.Sprintf("message %s: field %s is missing", m.Name, f.Name)}
		}
		n, err := fieldValue(f, x, false)
		if err != nil {
			return nil, &fieldError{"fields." + f.Name + "=", fmt.Sprintf("message %s: %v", m.Name, err)}
		}
		vals[i] = n
	}
	l := letterOf(m, vals)
	if l == nil {
		return nil, &fieldError{"fields", fmt.Sprintf("message %s: no such value of its fields", m.Name)}
	}
	return l, nil
}

func fieldNames(m *spec.Message) string {
	names := make([]string, len(m.Fields))
	for i, f := range m.Fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// sendPattern is one entry of a "send" list: a message, and its letter
// when the entry gives the field values ("DATA(bit=true)"); letter nil
// matches any.
type sendPattern struct {
	msg    *spec.Message
	letter *spec.Letter
}

// parseSend resolves an entry of a "send" list: "SYN", "DATA" (any field
// values) or "DATA(bit=true)" (as spec.Letter.String writes it; fields in
// any order, every field given).
func (v *Validator) parseSend(text string) (sendPattern, error) {
	name, args, paren := strings.Cut(strings.TrimSpace(text), "(")
	name = strings.TrimSpace(name)
	m := v.message(name)
	if m == nil {
		return sendPattern{}, fmt.Errorf("send %q: machine %s has no such message", text, v.s.Name)
	}
	if !paren {
		return sendPattern{msg: m}, nil
	}
	body, ok := strings.CutSuffix(strings.TrimSpace(args), ")")
	if !ok {
		return sendPattern{}, fmt.Errorf("send %q: want MESSAGE or MESSAGE(field=value, ...)", text)
	}
	vals := make([]int, len(m.Fields))
	given := map[string]bool{}
	for _, part := range strings.Split(body, ",") {
		k, val, ok := strings.Cut(part, "=")
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		if !ok || k == "" || val == "" {
			return sendPattern{}, fmt.Errorf("send %q: want MESSAGE(field=value, ...)", text)
		}
		f := m.Field(k)
		if f == nil {
			if len(m.Fields) == 0 {
				return sendPattern{}, fmt.Errorf("send %q: message %s has no fields", text, m.Name)
			}
			return sendPattern{}, fmt.Errorf("send %q: message %s has no field %s (its fields: %s)", text, m.Name, k, fieldNames(m))
		}
		if given[k] {
			return sendPattern{}, fmt.Errorf("send %q: field %s given twice", text, k)
		}
		given[k] = true
		n, err := fieldValue(f, val, true)
		if err != nil {
			return sendPattern{}, fmt.Errorf("send %q: %v", text, err)
		}
		vals[f.Index] = n
	}
	for _, f := range m.Fields {
		if !given[f.Name] {
			return sendPattern{}, fmt.Errorf("send %q: field %s is missing (or write just %s for any values)", text, f.Name, m.Name)
		}
	}
	return sendPattern{msg: m, letter: letterOf(m, vals)}, nil
}

// Observe applies one line. lineNo is its 1-based line number. The error
// is for a line that names something the spec does not know; a
// divergence is not an error (see Result).
func (v *Validator) Observe(lineNo int, l Line) error {
	v.started = true
	if l.ID == "" {
		return &fieldError{"id", `missing "id"`}
	}
	if l.Event == "" && l.State == "" {
		return &fieldError{"id", `a line needs "event" or "state" (or both)`}
	}
	var inputs []*spec.Input // one, or for a receipt without "fields" one per letter
	var ev *spec.Event
	if l.Event != "" {
		e, err := ParseEvent(v.s, l.Event)
		if err != nil {
			return &fieldError{"event", err.Error()}
		}
		ev = e
		switch {
		case e.Kind == spec.MessageEvent && l.Fields == nil && len(e.Message.Fields) > 0:
			for _, lt := range e.Message.Letters {
				inputs = append(inputs, v.s.LetterInput(lt))
			}
		case e.Kind == spec.MessageEvent:
			lt, err := v.received(e.Message, l.Fields)
			if err != nil {
				return err
			}
			inputs = []*spec.Input{v.s.LetterInput(lt)}
		default:
			inputs = []*spec.Input{v.s.EventInput(e)}
		}
	}
	if l.Fields != nil && (ev == nil || ev.Kind != spec.MessageEvent) {
		return &fieldError{"fields", `"fields" belongs on a line whose event is a receipt (recv MESSAGE)`}
	}
	if l.Refused != nil && (ev == nil || ev.Kind != spec.CallEvent) {
		return &fieldError{"refused", `"refused" belongs on a line whose event is a call`}
	}
	var st *spec.State
	if l.State != "" {
		if st = v.s.State(l.State); st == nil {
			return &fieldError{"state", fmt.Sprintf("state %q: machine %s has no such state", l.State, v.s.Name)}
		}
	}
	var send []sendPattern
	if l.Send != nil {
		for _, name := range *l.Send {
			p, err := v.parseSend(name)
			if err != nil {
				return &fieldError{"send", err.Error()}
			}
			send = append(send, p)
		}
	}
	in := v.insts[l.ID]
	if in == nil {
		in = &instance{out: &Instance{ID: l.ID, FirstLine: lineNo}, cands: []cand{{snap: v.s.InitialSnapshot()}}}
		v.insts[l.ID] = in
		v.order = append(v.order, in)
	}
	in.out.Lines++
	if in.out.Divergence != nil {
		return nil
	}
	prev := in.cands
	var next []cand
	var reason string
	incomplete := false
	if inputs != nil {
		next, reason = v.applyInput(prev, lineNo, inputs, l.Send != nil, send, l.Refused, st)
	} else {
		var cut bool
		next, reason, incomplete, cut = v.reach(prev, lineNo, st, v.hidden)
		in.truncated = in.truncated || cut
		if len(next) == 0 && !incomplete && len(v.hidden) < len(v.searchOrder) {
			reason += v.withObserved(prev, lineNo, st)
		}
	}
	if len(next) == 0 {
		d := v.divergence(prev, lineNo, l, reason)
		switch {
		case incomplete:
			d.Incomplete = true
		case in.truncated:
			d.Incomplete = true
			d.Reason += fmt.Sprintf(" (explanations were dropped earlier, beyond %d per instance or %d snapshots per search: one of them might have continued)", v.opts.MaxCandidates, v.opts.MaxNodes)
		}
		in.out.Divergence = d
		return nil
	}
	if len(next) > v.opts.MaxCandidates {
		next = next[:v.opts.MaxCandidates]
		in.truncated = true
	}
	in.cands = next
	return nil
}

// fieldError is a bad line, with the JSON key at fault: "send",
// "fields.bit" (the key bit of "fields"), "fields.bit=" (its value).
type fieldError struct{ key, msg string }

func (e *fieldError) Error() string { return e.msg }

func (v *Validator) message(name string) *spec.Message {
	for _, m := range v.s.Messages {
		if m.Name == name {
			return m
		}
	}
	return nil
}

func (v *Validator) names(letters []uint8) []string {
	out := make([]string, 0, len(letters))
	for _, l := range letters {
		out = append(out, v.s.Letters[l].String())
	}
	return out
}

// fire applies input in to snap with the spec's semantics. valid is false
// for a timeout whose timer is not armed.
func (v *Validator) fire(snap uint64, in *spec.Input) (next uint64, sent []uint8, row int, ok, valid bool) {
	if in.Event.Kind == spec.TimerEvent && !v.s.SnapshotArmed(snap, in.Event.Timer) {
		return snap, nil, -1, false, false
	}
	next, sent, row, ok = v.step(snap, in.Index, nil)
	if !ok && row < 0 {
		next, sent, row, ok = modelcheck.Unhandled(v.s, snap, in.Index, sent)
	}
	return next, sent, row, ok, true
}

func (v *Validator) mkStep(line int, in *spec.Input, from, to uint64, row int, ok, hidden bool, sent []uint8) Step {
	return Step{Line: line, Event: in.String(), From: v.s.SnapshotState(from).Name, To: v.s.SnapshotState(to).Name,
		Row: row, Hidden: hidden, Refused: !ok, Sent: v.names(sent)}
}

func (v *Validator) applyInput(cands []cand, line int, inputs []*spec.Input, checkSend bool, want []sendPattern, refused *bool, st *spec.State) ([]cand, string) {
	var out []cand
	seen := map[uint64]bool{}
	var reason string
	for _, input := range inputs {
		out, reason = v.applyOne(cands, line, input, checkSend, want, refused, st, seen, out, reason)
	}
	return out, reason
}

// applyOne is applyInput for one input: it appends to out the candidates
// not seen yet, and returns the reason of the last mismatch (the first
// input's, when an earlier one gave a reason).
func (v *Validator) applyOne(cands []cand, line int, input *spec.Input, checkSend bool, want []sendPattern, refused *bool, st *spec.State, seen map[uint64]bool, out []cand, first string) ([]cand, string) {
	reason := ""
	for _, c := range cands {
		next, sent, row, ok, valid := v.fire(c.snap, input)
		if !valid {
			reason = fmt.Sprintf("timer %s is not armed", input.Event.Timer.Name)
			continue
		}
		if !ok {
			next = c.snap
		}
		if refused != nil && *refused == ok {
			if ok {
				reason = "the spec accepts the call"
			} else {
				reason = "the spec refuses the call"
			}
			continue
		}
		if checkSend && !v.sameSends(sent, want) {
			reason = fmt.Sprintf("the spec sends %s", list(v.names(sent)))
			continue
		}
		if st != nil && v.s.SnapshotState(next) != st {
			reason = fmt.Sprintf("the spec goes to %s", v.s.SnapshotState(next).Name)
			continue
		}
		if seen[next] {
			continue
		}
		seen[next] = true
		steps := append(append([]Step(nil), c.steps...), v.mkStep(line, input, c.snap, next, row, ok, false, sent))
		out = append(out, cand{snap: next, steps: steps})
	}
	if first != "" {
		return out, first
	}
	return out, reason
}

func (v *Validator) sameSends(got []uint8, want []sendPattern) bool {
	if len(got) != len(want) {
		return false
	}
	for i, g := range got {
		lt := v.s.Letters[g]
		if lt.Message != want[i].msg || (want[i].letter != nil && want[i].letter != lt) {
			return false
		}
	}
	return true
}

func list(names []string) string {
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, ", ")
}

// reach finds, from every candidate, the shortest sequences of unobserved
// inputs (of inputs: v.hidden, the kinds not declared observed, or every
// one) that end in st. Paths are merged by the snapshot they reach: one
// explanation per snapshot is kept, at the least depth, so later lines
// choose between snapshots, not between paths to the same one. Among
// equally short paths to one snapshot the one kept is the one whose
// events come first in the `on:` lists of the rows they fire, step by
// step (a row's usual event before its rarer ones), and then the one
// whose inputs come first in the search order (receipts, expiries,
// calls, each in declaration order).
//
// incomplete says the search ran out of budget (Options.MaxNodes, or
// Options.MaxDepth with snapshots still unexplored) before finding any
// explanation; cut says it stopped with some found but possibly not all.
func (v *Validator) reach(cands []cand, line int, st *spec.State, inputs []*spec.Input) (out []cand, reason string, incomplete, cut bool) {
	seen := map[uint64]bool{}
	for _, c := range cands {
		if v.s.SnapshotState(c.snap) == st && !seen[c.snap] {
			seen[c.snap] = true
			out = append(out, c)
		}
	}
	if len(out) > 0 {
		return out, "", false, false
	}
	if len(inputs) == 0 {
		return nil, fmt.Sprintf("the instance is not in %s, and every kind of event is declared observed, so no unobserved one can lead there", st.Name), false, false
	}
	type path struct {
		cand
		rank []int // per hidden step, the position of its event in its row's on: list
	}
	frontier := make([]path, len(cands))
	visited := map[uint64]bool{}
	for i, c := range cands {
		frontier[i] = path{cand: c}
		visited[c.snap] = true
	}
	nodes := 0
	for depth := 1; depth <= v.opts.MaxDepth && len(frontier) > 0; depth++ {
		var order []uint64
		level := map[uint64]*path{}
		for _, c := range frontier {
			for _, in := range inputs {
				next, sent, row, ok, valid := v.fire(c.snap, in)
				if !valid || !ok || row < 0 || visited[next] {
					continue
				}
				rank := append(append([]int(nil), c.rank...), onRank(v.s.Rows[row], in.Event))
				if old, dup := level[next]; dup {
					if !lessRank(rank, old.rank) {
						continue
					}
				} else {
					nodes++
					if nodes > v.opts.MaxNodes {
						cut = true
						break
					}
					order = append(order, next)
				}
				steps := append(append([]Step(nil), c.steps...), v.mkStep(line, in, c.snap, next, row, ok, true, sent))
				level[next] = &path{cand: cand{snap: next, steps: steps}, rank: rank}
			}
			if cut {
				break
			}
		}
		frontier = frontier[:0:0]
		for _, snap := range order {
			visited[snap] = true
			p := level[snap]
			if v.s.SnapshotState(snap) == st {
				out = append(out, p.cand)
			} else {
				frontier = append(frontier, *p)
			}
		}
		if len(out) > 0 {
			return out, "", false, cut
		}
		if cut {
			return nil, fmt.Sprintf("search incomplete: it stopped after %d snapshots (the budget) at depth %d without reaching %s", v.opts.MaxNodes, depth, st.Name), true, true
		}
	}
	what := "events"
	if len(inputs) < len(v.searchOrder) {
		what = v.unobserved()
	}
	if len(frontier) > 0 {
		return nil, fmt.Sprintf("search incomplete: no sequence of at most %d unobserved %s reaches %s, and longer ones were not tried (raise the depth)", v.opts.MaxDepth, what, st.Name), true, false
	}
	return nil, fmt.Sprintf("no sequence of unobserved %s reaches %s (every snapshot reachable was tried)", what, st.Name), false, false
}

// withObserved explains a state that no unobserved event of the kinds
// the search may insert reaches: it names the declaration, and the
// events a search that inserts every kind finds, which the declaration
// rules out.
func (v *Validator) withObserved(cands []cand, line int, st *spec.State) string {
	var one, many []string
	for k, ok := range v.observed {
		if ok {
			one = append(one, kindNames[k][0])
			many = append(many, kindNames[k][1])
		}
	}
	msg := fmt.Sprintf("; every %s is declared observed", strings.Join(one, " and every "))
	out, _, _, _ := v.reach(cands, line, st, v.searchOrder)
	if len(out) == 0 {
		return msg
	}
	var evs []string
	for _, s := range out[0].steps {
		if s.Line == line && s.Hidden {
			evs = append(evs, s.Event)
		}
	}
	return msg + fmt.Sprintf(", and only a path with unobserved %s reaches it: %s", strings.Join(many, " or "), strings.Join(evs, ", "))
}

// onRank is the position of ev in r's on: list.
func onRank(r *spec.Row, ev *spec.Event) int {
	for i, e := range r.On {
		if e == ev {
			return i
		}
	}
	return len(r.On)
}

func lessRank(a, b []int) bool {
	for i := range a {
		if i >= len(b) {
			return false
		}
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func (v *Validator) divergence(cands []cand, line int, l Line, reason string) *Divergence {
	d := &Divergence{Line: line, Reason: reason}
	var obs []string
	if l.Event != "" {
		obs = append(obs, fmt.Sprintf("event %q", l.Event))
	}
	if len(l.Fields) > 0 {
		obs = append(obs, "fields "+show(l.Fields))
	}
	if l.Send != nil {
		obs = append(obs, "send "+list(*l.Send))
	}
	if l.Refused != nil {
		obs = append(obs, map[bool]string{true: "refused", false: "accepted"}[*l.Refused])
	}
	if l.State != "" {
		obs = append(obs, "state "+l.State)
	}
	d.Observed = strings.Join(obs, ", ")
	rows := map[int]bool{}
	states := map[string]bool{}
	for _, c := range cands {
		name := v.s.SnapshotState(c.snap).Name
		if !states[name] {
			states[name] = true
			d.States = append(d.States, name)
		}
		for _, in := range v.s.Inputs {
			if _, _, row, _, valid := v.fire(c.snap, in); valid && row >= 0 {
				rows[row] = true
			}
		}
	}
	d.Could = sortedKeys(rows)
	return d
}

// sortedKeys returns m's keys in increasing order (an empty slice, not
// nil, for an empty map).
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Result summarises every instance seen so far.
func (v *Validator) Result() *Result {
	r := &Result{Machine: v.s, Observed: v.Observed()}
	union := map[int]bool{}
	for _, in := range v.order {
		out := *in.out
		out.Steps, out.Rows, out.States = nil, nil, nil
		if len(in.cands) > 0 {
			out.Steps = in.cands[0].steps
		}
		rows := map[int]bool{}
		for _, st := range out.Steps {
			if st.Row >= 0 {
				rows[st.Row] = true
				union[st.Row] = true
			}
		}
		out.Rows = sortedKeys(rows)
		seen := map[string]bool{}
		for _, c := range in.cands {
			if n := v.s.SnapshotState(c.snap).Name; !seen[n] {
				seen[n] = true
				out.States = append(out.States, n)
			}
		}
		r.Instances = append(r.Instances, &out)
	}
	r.Union = sortedKeys(union)
	return r
}

// Validate reads a JSON-lines trace from r (named name in errors) and
// checks every instance in it against a machine of s. A malformed line,
// or a trace with no observation at all, is an *InputError; divergences
// are in the Result. Errors from New (the machine selection) are returned
// as they are.
func Validate(s *spec.Spec, r io.Reader, name string, opts Options) (*Result, error) {
	v, err := New(s, opts)
	if err != nil {
		return nil, err
	}
	return v.Read(r, name)
}

// Read observes every line of a JSON-lines trace read from r (named name
// in errors) and returns the Result.
func (v *Validator) Read(r io.Reader, name string) (*Result, error) {
	br := bufio.NewReader(r)
	lines, observed := 0, 0
	for lineNo := 1; ; lineNo++ {
		raw, err := br.ReadBytes('\n')
		if len(raw) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		lines = lineNo
		text := bytes.TrimSpace(raw)
		if len(text) > 0 {
			header, ierr := v.observeJSON(lineNo, text, raw)
			if ierr != nil {
				ierr.File = name
				return nil, ierr
			}
			if !header {
				observed++
			}
		}
		if err == io.EOF {
			break
		}
	}
	if observed == 0 {
		what := "is empty"
		switch {
		case v.header > 0:
			what = "has only a header"
		case lines > 0:
			what = fmt.Sprintf("is %d blank lines", lines)
		}
		return nil, &InputError{File: name, Line: max(lines, 1), Col: 1, Msg: "no observations: the trace " + what}
	}
	return v.Result(), nil
}

// member is one key of a JSON object on a trace line, with the 1-based
// columns of the key and of its value.
type member struct {
	key            string
	keyCol, valCol int
	raw            json.RawMessage
}

// skipTo returns the offset of the next byte of text at or after off that
// is not white space or one of seps.
func skipTo(text []byte, off int, seps string) int {
	for off < len(text) && (text[off] == ' ' || text[off] == '\t' || text[off] == '\r' || text[off] == '\n' || strings.IndexByte(seps, text[off]) >= 0) {
		off++
	}
	return off
}

// jsonError turns a decoding error into a message and the 0-based offset
// in text it points at (the end of text for a truncated value).
func jsonError(err error, text []byte, at int) (int, string) {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		off := int(se.Offset) - 1
		if off < at {
			off = at
		}
		return off, "bad JSON: " + strings.TrimPrefix(err.Error(), "json: ")
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return len(text), "bad JSON: the line ends inside a value"
	}
	return at, "bad JSON: " + strings.TrimPrefix(err.Error(), "json: ")
}

// parseObject reads the JSON object in text (which holds nothing else)
// key by key. base is text's offset on the line (for columns); keys must
// be distinct.
func parseObject(text []byte, base int) ([]member, *InputError) {
	bad := func(off int, msg string) *InputError { return &InputError{Col: base + off + 1, Msg: msg} }
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	start := skipTo(text, 0, "")
	tok, err := dec.Token()
	if err != nil {
		off, msg := jsonError(err, text, start)
		return nil, bad(off, msg)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, bad(start, "bad JSON: want an object {...}")
	}
	var out []member
	seen := map[string]bool{}
	for dec.More() {
		keyOff := skipTo(text, int(dec.InputOffset()), ",")
		tok, err := dec.Token()
		if err != nil {
			off, msg := jsonError(err, text, keyOff)
			return nil, bad(off, msg)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, bad(keyOff, "bad JSON: want a key")
		}
		if seen[key] {
			return nil, bad(keyOff, fmt.Sprintf("bad JSON: key %q given twice", key))
		}
		seen[key] = true
		valOff := skipTo(text, int(dec.InputOffset()), ":")
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			off, msg := jsonError(err, text, valOff)
			return nil, bad(off, msg)
		}
		out = append(out, member{key: key, keyCol: base + keyOff + 1, valCol: base + valOff + 1, raw: raw})
	}
	endOff := skipTo(text, int(dec.InputOffset()), "")
	if _, err := dec.Token(); err != nil {
		off, msg := jsonError(err, text, endOff)
		return nil, bad(off, msg)
	}
	if rest := skipTo(text, int(dec.InputOffset()), ""); rest < len(text) {
		return nil, bad(rest, "bad JSON: more than one value on the line")
	}
	return out, nil
}

// plainKeys are a trace line's keys but fields: the member of Line each
// one's value goes to, and what the value must be.
var plainKeys = map[string]struct {
	dst  func(*Line) any
	want string
}{
	"id":      {func(l *Line) any { return &l.ID }, "a string"},
	"event":   {func(l *Line) any { return &l.Event }, "a string"},
	"state":   {func(l *Line) any { return &l.State }, "a string"},
	"send":    {func(l *Line) any { return &l.Send }, "a list of message names"},
	"refused": {func(l *Line) any { return &l.Refused }, "true or false"},
	"note":    {func(l *Line) any { return &l.Note }, "a string"},
}

// observeJSON applies one non-blank line of a trace: an observation, or
// the header (header true).
func (v *Validator) observeJSON(lineNo int, text, raw []byte) (header bool, _ *InputError) {
	lead := len(raw) - len(bytes.TrimLeft(raw, " \t\r"))
	members, ierr := parseObject(text, lead)
	if ierr != nil {
		ierr.Line = lineNo
		return false, ierr
	}
	for _, m := range members {
		if m.key == "observed" {
			if ierr := v.declare(members); ierr != nil {
				ierr.Line = lineNo
				return true, ierr
			}
			v.header = lineNo
			return true, nil
		}
	}
	return false, v.observeLine(lineNo, lead, members)
}

// EventKind resolves a kind of event as `on:` and a header's "observed"
// write it: "call", "recv" or "timeout".
func EventKind(name string) (spec.EventKind, error) {
	for _, k := range []spec.EventKind{spec.CallEvent, spec.MessageEvent, spec.TimerEvent} {
		if k.String() == name {
			return k, nil
		}
	}
	return 0, fmt.Errorf("%q is not a kind of event: want \"call\", \"recv\" or \"timeout\"", name)
}

// declare applies a header line (one with the key "observed").
func (v *Validator) declare(members []member) *InputError {
	var obs member
	for _, m := range members {
		switch m.key {
		case "observed":
			obs = m
		case "note":
			var note string
			if err := json.Unmarshal(m.raw, &note); err != nil {
				return &InputError{Col: m.valCol, Msg: `bad JSON: "note" must be a string`}
			}
		default:
			return &InputError{Col: m.keyCol, Msg: fmt.Sprintf(`a header (a line with "observed") holds "observed" and "note" only, not %q: observations go on lines of their own`, m.key)}
		}
	}
	if v.header > 0 {
		return &InputError{Col: obs.keyCol, Msg: fmt.Sprintf("a second header: the trace's header is line %d", v.header)}
	}
	if v.started {
		return &InputError{Col: obs.keyCol, Msg: `the header ("observed") must come before every observation`}
	}
	bad := func(off int, msg string) *InputError { return &InputError{Col: obs.valCol + off, Msg: msg} }
	const want = `"observed" must be a list of kinds of event: "call", "recv", "timeout"`
	dec := json.NewDecoder(bytes.NewReader(obs.raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return bad(0, want)
	}
	var kinds []spec.EventKind
	given := map[string]bool{}
	for dec.More() {
		off := skipTo(obs.raw, int(dec.InputOffset()), ",")
		tok, err := dec.Token()
		name, isString := tok.(string)
		if err != nil || !isString {
			return bad(off, want)
		}
		k, err := EventKind(name)
		if err != nil {
			return bad(off, err.Error())
		}
		if given[name] {
			return bad(off, fmt.Sprintf("%q given twice", name))
		}
		given[name] = true
		kinds = append(kinds, k)
	}
	v.observe(kinds)
	return nil
}

// observeLine applies an observation line, given as its JSON members;
// lead is the white space before its object.
func (v *Validator) observeLine(lineNo, lead int, members []member) *InputError {
	// cols: where each key is, for errors about it ("fields.bit" for a
	// key of "fields", KEY+"=" for its value).
	cols := map[string]int{}
	var l Line
	for _, m := range members {
		cols[m.key], cols[m.key+"="] = m.keyCol, m.valCol
		if m.key == "fields" {
			fm, ierr := parseObject(m.raw, m.valCol-1)
			if ierr != nil {
				if ierr.Msg == "bad JSON: want an object {...}" {
					ierr.Msg = `bad JSON: "fields" must be an object {"field": value, ...}`
				}
				ierr.Line = lineNo
				return ierr
			}
			l.Fields = map[string]any{}
			for _, f := range fm {
				cols["fields."+f.key], cols["fields."+f.key+"="] = f.keyCol, f.valCol
				var x any
				dec := json.NewDecoder(bytes.NewReader(f.raw))
				dec.UseNumber()
				if err := dec.Decode(&x); err != nil {
					return &InputError{Line: lineNo, Col: f.valCol, Msg: "bad JSON: " + err.Error()}
				}
				l.Fields[f.key] = x
			}
			continue
		}
		k, ok := plainKeys[m.key]
		if !ok {
			return &InputError{Line: lineNo, Col: m.keyCol, Msg: fmt.Sprintf("bad JSON: unknown key %q (want id, event, state, send, refused, fields, note)", m.key)}
		}
		if err := json.Unmarshal(m.raw, k.dst(&l)); err != nil {
			msg := strings.TrimPrefix(err.Error(), "json: ")
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				msg = fmt.Sprintf("%q must be %s, not %s", m.key, k.want, te.Value)
			}
			return &InputError{Line: lineNo, Col: m.valCol, Msg: "bad JSON: " + msg}
		}
	}
	if err := v.Observe(lineNo, l); err != nil {
		col := lead + 1
		var fe *fieldError
		if errors.As(err, &fe) {
			for _, k := range []string{fe.key, strings.TrimSuffix(fe.key, "="), "fields"} {
				if c, ok := cols[k]; ok {
					col = c
					break
				}
			}
		}
		return &InputError{Line: lineNo, Col: col, Msg: err.Error()}
	}
	return nil
}
