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
//
// An event is written as the spec's `on:` syntax writes it: a call name
// ("CLOSE", or "call CLOSE"), "recv MESSAGE" or "timeout TIMER". The event
// is applied with the spec's own transition semantics (the model checker's
// interpreter): the first row whose guard holds fires, a refused call
// changes nothing, an event no row handles follows the spec's `unhandled`
// policy, and a timeout is only valid while its timer is armed.
// "send", when present, lists the messages the step must send, in order
// ([] for none). "refused", on a call, says whether the call failed (an
// `error` row, or an unhandled call under `calls: reject`). "state" is the
// state the instance must be in after the line. "fields" (message fields) and "note" (free text, e.g. how the line
// was derived from a raw log) are accepted and not interpreted.
//
// Observation may be partial. A line with only a state is reached by the
// shortest sequence of unobserved events (bounded by Options.MaxDepth) from
// where the instance is; every shortest explanation is kept, so later lines
// choose between them. The first line no explanation survives is the
// divergence, reported with the state reached, what was observed and the
// rows that could have applied there.
package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
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
	Refused *bool          `json:"refused,omitempty"`
	Fields  map[string]any `json:"fields,omitempty"`
	Note    string         `json:"note,omitempty"`
}

// InputError is a malformed trace line: bad JSON, a missing id, or a name
// the spec does not know. Line and Col are 1-based.
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
	// MaxCandidates bounds the explanations kept per instance (default 64).
	MaxCandidates int
	// Machine names the machine the instances run, when the spec declares several.
	Machine string
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
}

// Validator checks observations one at a time; Result summarises.
type Validator struct {
	s     *spec.Machine
	step  modelcheck.StepFunc
	opts  Options
	insts map[string]*instance
	order []*instance
	// searchOrder is the order the search tries events in, which decides
	// between equally short explanations that end in the same snapshot:
	// receipts first, then expiries, then calls (an unobserved event is
	// more often the network's doing than a call left out of the log).
	searchOrder []*spec.Event
}

// New returns a validator for instances of a machine of sp (opts.Machine,
// or its only one).
func New(sp *spec.Spec, opts Options) (*Validator, error) {
	s, err := sp.SelectMachine(opts.Machine)
	if err != nil {
		return nil, err
	}
	for _, m := range s.Messages {
		if len(m.Fields) > 0 {
			return nil, fmt.Errorf("%s: trace: message %s has fields, which traces cannot give yet", m.Pos, m.Name)
		}
	}
	step, err := modelcheck.Interpreter(s)
	if err != nil {
		return nil, err
	}
	v := &Validator{s: s, step: step, opts: opts.withDefaults(), insts: map[string]*instance{}}
	for _, k := range []spec.EventKind{spec.MessageEvent, spec.TimerEvent, spec.CallEvent} {
		for _, e := range s.Events {
			if e.Kind == k {
				v.searchOrder = append(v.searchOrder, e)
			}
		}
	}
	return v, nil
}

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

// Observe applies one line. lineNo is its 1-based line number. The error
// is for a line that names something the spec does not know; a
// divergence is not an error (see Result).
func (v *Validator) Observe(lineNo int, l Line) error {
	if l.ID == "" {
		return &fieldError{"id", `missing "id"`}
	}
	if l.Event == "" && l.State == "" {
		return &fieldError{"id", `a line needs "event" or "state" (or both)`}
	}
	var ev *spec.Event
	if l.Event != "" {
		e, err := ParseEvent(v.s, l.Event)
		if err != nil {
			return &fieldError{"event", err.Error()}
		}
		ev = e
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
	var send []int
	if l.Send != nil {
		for _, name := range *l.Send {
			m := v.message(name)
			if m == nil {
				return &fieldError{"send", fmt.Sprintf("send %q: machine %s has no such message", name, v.s.Name)}
			}
			send = append(send, m.Index)
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
	if ev != nil {
		next, reason = v.applyEvent(prev, lineNo, ev, l.Send != nil, send, l.Refused, st)
	} else {
		next, reason = v.reach(prev, lineNo, st)
	}
	if len(next) == 0 {
		in.out.Divergence = v.divergence(prev, lineNo, l, reason)
		return nil
	}
	if len(next) > v.opts.MaxCandidates {
		next = next[:v.opts.MaxCandidates]
	}
	in.cands = next
	return nil
}

// fieldError is a bad line, with the JSON key at fault.
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

func (v *Validator) names(msgs []uint8) []string {
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, v.s.Messages[m].Name)
	}
	return out
}

// fire applies ev to snap with the spec's semantics. valid is false for a
// timeout whose timer is not armed.
func (v *Validator) fire(snap uint64, ev *spec.Event) (next uint64, sent []uint8, row int, ok, valid bool) {
	if ev.Kind == spec.TimerEvent && !v.s.SnapshotArmed(snap, ev.Timer) {
		return snap, nil, -1, false, false
	}
	in := ev.Index // without message fields, inputs are the events, index for index
	next, sent, row, ok = v.step(snap, in, nil)
	return next, sent, row, ok, true
}

func (v *Validator) mkStep(line int, ev *spec.Event, from, to uint64, row int, ok, hidden bool, sent []uint8) Step {
	return Step{Line: line, Event: ev.String(), From: v.s.SnapshotState(from).Name, To: v.s.SnapshotState(to).Name,
		Row: row, Hidden: hidden, Refused: !ok, Sent: v.names(sent)}
}

func (v *Validator) applyEvent(cands []cand, line int, ev *spec.Event, checkSend bool, want []int, refused *bool, st *spec.State) ([]cand, string) {
	var out []cand
	seen := map[uint64]bool{}
	var reason string
	for _, c := range cands {
		next, sent, row, ok, valid := v.fire(c.snap, ev)
		if !valid {
			reason = fmt.Sprintf("timer %s is not armed", ev.Timer.Name)
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
		if checkSend && !sameSends(sent, want) {
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
		steps := append(append([]Step(nil), c.steps...), v.mkStep(line, ev, c.snap, next, row, ok, false, sent))
		out = append(out, cand{snap: next, steps: steps})
	}
	return out, reason
}

func sameSends(got []uint8, want []int) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if int(got[i]) != want[i] {
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
// events that end in st, and keeps every end snapshot at the least depth.
func (v *Validator) reach(cands []cand, line int, st *spec.State) ([]cand, string) {
	var out []cand
	seen := map[uint64]bool{}
	for _, c := range cands {
		if v.s.SnapshotState(c.snap) == st && !seen[c.snap] {
			seen[c.snap] = true
			out = append(out, c)
		}
	}
	if len(out) > 0 {
		return out, ""
	}
	frontier := cands
	visited := map[uint64]bool{}
	for _, c := range cands {
		visited[c.snap] = true
	}
	nodes := 0
	for depth := 1; depth <= v.opts.MaxDepth && len(frontier) > 0; depth++ {
		var nextFrontier []cand
		for _, c := range frontier {
			for _, ev := range v.searchOrder {
				next, sent, row, ok, valid := v.fire(c.snap, ev)
				if !valid || !ok || row < 0 || visited[next] {
					continue
				}
				visited[next] = true
				nodes++
				if nodes > v.opts.MaxNodes {
					return out, fmt.Sprintf("search stopped after %d snapshots", v.opts.MaxNodes)
				}
				steps := append(append([]Step(nil), c.steps...), v.mkStep(line, ev, c.snap, next, row, ok, true, sent))
				nc := cand{snap: next, steps: steps}
				if v.s.SnapshotState(next) == st {
					out = append(out, nc)
				} else {
					nextFrontier = append(nextFrontier, nc)
				}
			}
		}
		if len(out) > 0 {
			return out, ""
		}
		frontier = nextFrontier
	}
	return nil, fmt.Sprintf("no sequence of at most %d events reaches %s", v.opts.MaxDepth, st.Name)
}

func (v *Validator) divergence(cands []cand, line int, l Line, reason string) *Divergence {
	d := &Divergence{Line: line, Reason: reason}
	var obs []string
	if l.Event != "" {
		obs = append(obs, fmt.Sprintf("event %q", l.Event))
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
		for _, ev := range v.s.Events {
			if _, _, row, _, valid := v.fire(c.snap, ev); valid && row >= 0 {
				rows[row] = true
			}
		}
	}
	d.Could = sortedKeys(rows)
	return d
}

func sortedKeys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// Result summarises every instance seen so far.
func (v *Validator) Result() *Result {
	r := &Result{Machine: v.s}
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
// checks every instance in it against s. A malformed line is an
// *InputError; divergences are in the Result.
func Validate(s *spec.Spec, r io.Reader, name string, opts Options) (*Result, error) {
	v, err := New(s, opts)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(r)
	for lineNo := 1; ; lineNo++ {
		raw, err := br.ReadBytes('\n')
		if len(raw) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		text := bytes.TrimSpace(raw)
		if len(text) > 0 {
			if ierr := v.observeJSON(lineNo, text, raw); ierr != nil {
				ierr.File = name
				return nil, ierr
			}
		}
		if err == io.EOF {
			break
		}
	}
	return v.Result(), nil
}

func (v *Validator) observeJSON(lineNo int, text, raw []byte) *InputError {
	lead := len(raw) - len(bytes.TrimLeft(raw, " \t\r"))
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	var l Line
	if err := dec.Decode(&l); err != nil {
		col := 1
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			col = int(se.Offset)
		case errors.As(err, &te):
			col = int(te.Offset)
		}
		if col < 1 {
			col = 1
		}
		return &InputError{Line: lineNo, Col: lead + col, Msg: "bad JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	if dec.More() {
		return &InputError{Line: lineNo, Col: lead + int(dec.InputOffset()) + 1, Msg: "bad JSON: more than one value on the line"}
	}
	if err := v.Observe(lineNo, l); err != nil {
		col := 1
		var fe *fieldError
		if errors.As(err, &fe) {
			if i := bytes.Index(text, []byte(`"`+fe.key+`"`)); i >= 0 {
				col = i + 1
			}
		}
		return &InputError{Line: lineNo, Col: lead + col, Msg: err.Error()}
	}
	return nil
}
