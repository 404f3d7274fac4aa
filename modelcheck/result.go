package modelcheck

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fsmgen/fsmgen/spec"
)

// Kind says what a violation violates.
type Kind int

const (
	InvariantViolation Kind = iota // an invariant is false in a reachable state
	Deadlock                       // a reachable state has no enabled action and is not terminal
	LivenessViolation              // a fair behaviour never reaches a goal again
)

func (k Kind) String() string {
	return [...]string{"invariant", "deadlock", "liveness"}[k]
}

// MarshalText renders the kind as its name in JSON.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Result is the outcome of a search.
type Result struct {
	Spec     string `json:"spec"`
	Check    string `json:"check"`
	Doc      string `json:"doc,omitempty"` // the check configuration's doc
	Outcome  string `json:"outcome"`       // holds, failed (a property is violated) or incomplete (the search stopped first)
	Complete bool   `json:"complete"`      // every reachable state was explored (or a violation was found)
	// SafetyComplete: the search of every reachable state completed, so
	// the invariants and deadlock are decided even when the liveness pass
	// that follows was cut short.
	SafetyComplete bool          `json:"safety_complete"`
	StopReason     string        `json:"stop_reason,omitempty"` // why an incomplete search stopped
	States         uint64        `json:"states"`                // distinct states stored, the initial one included
	Transitions    uint64        `json:"transitions"`           // (state, enabled action) pairs explored
	MaxDepth       int           `json:"max_depth"`             // breadth-first depth reached
	Elapsed        time.Duration `json:"elapsed_ns"`
	StatesPerSec   float64       `json:"states_per_sec"`
	PeakHeap       uint64        `json:"peak_heap_bytes"` // the runtime's heap in use, sampled
	VisitedBytes   uint64        `json:"visited_bytes"`   // the visited set, parents included
	BytesPerState  float64       `json:"bytes_per_state"` // VisitedBytes / States
	StateBits      int           `json:"state_bits"`      // bits of a packed system state
	StateWords     int           `json:"state_words"`     // 64-bit words a stored state takes
	Workers        int           `json:"workers"`

	Properties []PropertyResult  `json:"properties"`
	Coverage   []RowCoverage     `json:"coverage"`
	Unhandled  []UnhandledEvent  `json:"unhandled,omitempty"`
	Warnings   []string          `json:"warnings,omitempty"`      // rows that never fired in a complete safety search
	SpecWarns  []string          `json:"spec_warnings,omitempty"` // the spec's own warnings (timers never started, ...)
	Violation  *Violation        `json:"violation,omitempty"`     // the shallowest violation
	Violations []*Violation      `json:"violations,omitempty"`    // with Continue: every violated property's
	Liveness   []LivenessSummary `json:"liveness,omitempty"`

	rowHits        []uint64
	unhandledHits  []uint64
	overflowed     int // states in the packed table's overflow table
	livenessFailed int // index of the goal that failed
	livenessDone   int // goals the liveness pass decided (in order) before it stopped
	specWarnText   []string
	// Set when the search completed, for liveness: how many states the
	// liveness pass examined.
}

// PropertyResult says whether one property holds.
type PropertyResult struct {
	Name   string `json:"name"`
	Kind   Kind   `json:"kind"`
	Expr   string `json:"expr,omitempty"`
	Status string `json:"status"` // holds, violated, or unknown (the search stopped first)
}

// LivenessSummary reports the liveness pass over one goal.
type LivenessSummary struct {
	Name      string `json:"name"`
	Fairness  string `json:"fairness"`
	GoalFalse uint64 `json:"goal_false_states"` // states where the goal does not hold
	SCCs      int    `json:"cyclic_components"` // strongly connected components with a cycle among them
}

// RowCoverage is how often one spec row fired over all explored transitions.
type RowCoverage struct {
	Machine string `json:"machine,omitempty"` // in a spec with several machines
	Row     int    `json:"row"`               // the row's index in its machine
	Pos     string `json:"pos"`
	Desc    string `json:"desc"`
	Hits    uint64 `json:"hits"`
	// FailedCall marks a row that only refuses calls: it never fires.
	FailedCall bool `json:"failed_call,omitempty"`
}

// UnhandledEvent counts transitions in which a peer in State received Event
// and no row handled it (a message dropped or replied to, a timer expiry
// that only disarmed the timer, or an ignored call).
type UnhandledEvent struct {
	Machine string `json:"machine,omitempty"` // in a spec with several machines
	State   string `json:"state"`
	Event   string `json:"event"`
	Kind    string `json:"kind"`
	Count   uint64 `json:"count"`
}

// Violation is a counterexample.
type Violation struct {
	Kind     Kind   `json:"kind"`
	Property string `json:"property"`
	Expr     string `json:"expr,omitempty"`
	Pos      string `json:"pos,omitempty"`
	Fairness string `json:"fairness,omitempty"`
	Depth    int    `json:"depth"` // steps from the initial state to the violating state (to the cycle, for liveness)
	Trace    *Trace `json:"trace"`
	Error    string `json:"error,omitempty"`
	Hint     string `json:"hint,omitempty"` // what the violation may mean
}

func (c *Checker) newResult() *Result {
	return &Result{Spec: c.s.File, Check: c.check.Name, Doc: strings.Join(strings.Fields(c.check.Doc), " "), rowHits: make([]uint64, len(c.m.rows)),
		unhandledHits: make([]uint64, c.m.unhSize)}
}

func rowDesc(s *spec.Machine, r *spec.Row) string {
	var from, on []string
	for _, st := range r.From {
		from = append(from, st.Name)
	}
	if len(r.From) == len(s.States) {
		from = []string{"*"}
	}
	for _, e := range r.On {
		on = append(on, e.String())
	}
	d := strings.Join(from, "|") + " --" + strings.Join(on, "|")
	if r.Guard != nil {
		d += " [" + r.Guard.String() + "]"
	}
	d += "-->"
	if r.To != nil {
		d += " " + r.To.Name
	} else {
		d += " (stay)"
	}
	return d
}

// failedCallRow reports whether row only refuses calls (a call row with
// `error`): such rows are never transitions, so they never fire.
func failedCallRow(row *spec.Row) bool {
	if row.Error == "" {
		return false
	}
	for _, e := range row.On {
		if e.Kind != spec.CallEvent {
			return false
		}
	}
	return true
}

func (r *Result) finish(c *Checker) {
	m := c.m
	several := len(c.s.Machines) > 1
	for i, row := range m.rows {
		mc := m.rowMach[i]
		rc := RowCoverage{Row: row.Index, Pos: row.Pos.String(), Desc: rowDesc(mc, row), Hits: r.rowHits[i], FailedCall: failedCallRow(row)}
		if several {
			rc.Machine = mc.Name
			rc.Desc = mc.Name + ": " + rc.Desc
		}
		r.Coverage = append(r.Coverage, rc)
		if rc.Hits == 0 && r.SafetyComplete && !failedCallRow(row) {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: row never fired: %s", rc.Pos, rc.Desc))
		}
	}
	for _, mc := range m.machines {
		nev, base := len(mc.Inputs), m.unhBase[mc]
		for i, n := range r.unhandledHits[base : base+len(mc.States)*nev] {
			if n == 0 {
				continue
			}
			in := mc.Inputs[i%nev]
			u := UnhandledEvent{State: mc.States[i/nev].Name, Event: in.String(), Kind: in.Event.Kind.String(), Count: n}
			if several {
				u.Machine = mc.Name
			}
			r.Unhandled = append(r.Unhandled, u)
		}
	}
	sort.SliceStable(r.Unhandled, func(i, j int) bool { return r.Unhandled[i].Count > r.Unhandled[j].Count })
	// A search stops at its first violation. Safety properties are all
	// decided before liveness is looked at, and goals are checked in order.
	v := r.Violation
	status := func(k Kind, name string, goal int) string {
		switch {
		case v != nil && v.Kind == k && v.Property == name:
			return "violated"
		case v != nil && v.Kind == LivenessViolation:
			if k != LivenessViolation || goal < r.livenessFailed {
				return "holds"
			}
			return "unknown"
		case v == nil && r.decided(k, goal):
			return "holds"
		}
		return "unknown"
	}
	for _, p := range c.check.Invariants {
		r.Properties = append(r.Properties, PropertyResult{Name: p.Name, Kind: InvariantViolation, Expr: p.Source, Status: status(InvariantViolation, p.Name, 0)})
	}
	dl := PropertyResult{Name: "deadlock", Kind: Deadlock, Status: status(Deadlock, "deadlock", 0)}
	if c.check.Terminal != nil {
		dl.Expr = "terminal: " + terminalText(c.check)
	} else {
		dl.Expr = "(no terminal: every state without an enabled action is a deadlock)"
	}
	r.Properties = append(r.Properties, dl)
	for i, l := range c.check.Eventually {
		r.Properties = append(r.Properties, PropertyResult{Name: l.Name, Kind: LivenessViolation, Expr: l.Source + " (fairness " + l.Fairness.String() + ")", Status: status(LivenessViolation, l.Name, i)})
	}
	for _, w := range c.s.Warnings {
		r.SpecWarns = append(r.SpecWarns, w.Error())
		r.specWarnText = append(r.specWarnText, w.Pos.String()+": warning: "+w.Msg) // as validate prints it
	}
	if r.Violation != nil && len(r.Violations) == 0 {
		r.Violations = []*Violation{r.Violation}
	}
	r.setOutcome()
}

// decided reports whether a property of kind k (the goal'th liveness goal)
// that is not violated is established: the search completed, or the
// safety search completed and the property is an invariant, deadlock or a
// goal the liveness pass decided before it stopped.
func (r *Result) decided(k Kind, goal int) bool {
	switch {
	case r.Complete:
		return true
	case !r.SafetyComplete:
		return false
	case k != LivenessViolation:
		return true
	}
	return goal < r.livenessDone
}

// terminalText is a check's terminal condition as written.
func terminalText(c *spec.Check) string {
	if c.TerminalSource != "" {
		return strings.Join(strings.Fields(c.TerminalSource), " ")
	}
	return c.Terminal.String()
}

// setOutcome says in one word how the search ended.
func (r *Result) setOutcome() {
	switch {
	case r.Violation != nil:
		r.Outcome = "failed"
	case !r.Complete:
		r.Outcome = "incomplete"
	default:
		r.Outcome = "holds"
	}
}

// Summary is the result's last line: the outcome and what it means.
func (r *Result) Summary() string {
	switch r.Outcome {
	case "failed":
		var names []string
		for _, v := range r.Violations {
			names = append(names, v.name())
		}
		out := fmt.Sprintf("outcome: failed: %s violated", strings.Join(names, ", "))
		if reason := r.StopReason; reason != "" {
			if reason == "interrupted" {
				reason = "was interrupted"
			}
			var open []string
			for _, p := range r.Properties {
				if p.Status == "unknown" {
					open = append(open, p.name())
				}
			}
			switch len(open) {
			case 0:
			case 1:
				out += "; the search " + reason + ": " + open[0] + " is not established"
			default:
				out += "; the search " + reason + ": " + strings.Join(open, ", ") + " are not established"
			}
		}
		return out
	case "incomplete":
		var held, open []string
		for _, p := range r.Properties {
			name := p.name()
			if p.Status == "holds" {
				held = append(held, name)
			} else {
				open = append(open, name)
			}
		}
		if len(held) == 0 {
			return fmt.Sprintf("outcome: incomplete (%s): the properties are not established", r.StopReason)
		}
		return fmt.Sprintf("outcome: incomplete (%s): %s %s; %s %s not established", r.StopReason,
			strings.Join(held, ", "), plural(len(held), "holds", "hold"), strings.Join(open, ", "), plural(len(open), "is", "are"))
	}
	return "outcome: holds: every property holds in every reachable state"
}

// name is "invariant NAME", "deadlock freedom" or "liveness NAME".
func (p PropertyResult) name() string {
	if p.Kind == Deadlock {
		return "deadlock freedom"
	}
	return p.Kind.String() + " " + p.Name
}

// steps is "1 step" or "N steps".
func steps(n int) string { return fmt.Sprintf("%d %s", n, plural(n, "step", "steps")) }

// plural picks one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// name is "invariant NAME", "deadlock" or "liveness NAME".
func (v *Violation) name() string {
	if v.Kind == Deadlock {
		return "deadlock"
	}
	return v.Kind.String() + " " + v.Property
}

// OK reports whether the search completed and every property holds.
func (r *Result) OK() bool { return r.Complete && r.Violation == nil }

// WriteJSON writes r as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// TextOptions select the optional parts of Result.WriteTextOptions.
type TextOptions struct {
	Coverage  bool // list the rows that never fired (else one summary line)
	NoMermaid bool // leave out the counterexample's Mermaid sequence diagram
}

// WriteText writes r for people with the default options.
func (r *Result) WriteText(w io.Writer) { r.WriteTextOptions(w, TextOptions{}) }

// WriteTextOptions writes r for people: the figures, the properties,
// coverage, warnings, the counterexamples if there are any, and the
// outcome as the last line.
func (r *Result) WriteTextOptions(w io.Writer, o TextOptions) {
	fmt.Fprintf(w, "check %s of %s: ", r.Check, r.Spec)
	switch {
	case len(r.Violations) > 1:
		var names []string
		for _, v := range r.Violations {
			names = append(names, v.name())
		}
		fmt.Fprintf(w, "%d properties VIOLATED (%s)\n", len(r.Violations), strings.Join(names, ", "))
	case r.Violation != nil:
		fmt.Fprintf(w, "%s VIOLATED\n", r.Violation.name())
	case r.Complete:
		fmt.Fprintln(w, "all properties hold")
	default:
		fmt.Fprintf(w, "incomplete (%s)\n", r.StopReason)
	}
	if r.Doc != "" {
		fmt.Fprintf(w, "  %s\n", r.Doc)
	}
	fmt.Fprintf(w, "  %s distinct states, %s transitions, depth %d, %s (%s states/s, %d workers)\n",
		group(r.States), group(r.Transitions), r.MaxDepth, r.Elapsed.Round(time.Millisecond), group(uint64(r.StatesPerSec)), r.Workers)
	fmt.Fprintf(w, "  state: %d bits in %d word(s); visited set %s (%.1f bytes/state); peak heap %s\n",
		r.StateBits, r.StateWords, FormatBytes(r.VisitedBytes), r.BytesPerState, FormatBytes(r.PeakHeap))
	fmt.Fprintln(w, "properties:")
	for _, p := range r.Properties {
		name := p.Name + "  "
		if p.Kind == Deadlock {
			name = "" // the kind says it
		}
		fmt.Fprintf(w, "  %-9s %-10s %s%s\n", p.Status, p.Kind, name, p.Expr)
	}
	fired, refusals := 0, 0
	var never []string // rows not fired: in the whole graph, or so far
	for _, c := range r.Coverage {
		switch {
		case c.Hits > 0:
			fired++
		case c.FailedCall:
			refusals++
		default:
			never = append(never, fmt.Sprintf("%s: row never fired: %s", c.Pos, c.Desc))
		}
	}
	partial := !r.SafetyComplete
	fmt.Fprintf(w, "coverage: %d of %d rows fired", fired, len(r.Coverage))
	if refusals > 0 {
		fmt.Fprintf(w, "; %d only refuse calls, which is not firing", refusals)
	}
	if len(never) > 0 {
		what := "never fired in this check"
		if partial {
			what = "not fired so far in a partial search"
		}
		fmt.Fprintf(w, "; %d %s", len(never), what)
		if !o.Coverage {
			fmt.Fprint(w, " (--coverage lists them)")
		}
	}
	fmt.Fprintln(w)
	if o.Coverage && len(never) > 0 {
		if partial {
			why := r.StopReason
			if why == "" {
				why = "at a violation"
			}
			fmt.Fprintf(w, "  the search was partial (%s); these rows had not fired so far:\n", why)
			for i := range never {
				never[i] = strings.Replace(never[i], "row never fired", "row not fired so far", 1)
			}
		}
		for _, x := range never {
			fmt.Fprintln(w, "  "+x)
		}
	}
	for _, k := range []struct{ kind, what string }{
		{spec.MessageEvent.String(), "unhandled messages"},
		{spec.CallEvent.String(), "unhandled calls"},
		{spec.TimerEvent.String(), "unhandled timer expiries"},
	} {
		var list []string
		for _, u := range r.Unhandled {
			if u.Kind == k.kind {
				st := u.State
				if u.Machine != "" {
					st = u.Machine + " " + st
				}
				list = append(list, fmt.Sprintf("%s in %s (%s)", u.Event, st, group(u.Count)))
			}
		}
		if len(list) > 0 {
			fmt.Fprintf(w, "%s: %s\n", k.what, strings.Join(list, ", "))
		}
	}
	for _, x := range r.specWarnText {
		fmt.Fprintln(w, x)
	}
	for _, v := range r.Violations {
		fmt.Fprintln(w)
		v.WriteText(w)
		if v.Trace != nil && !o.NoMermaid {
			fmt.Fprintln(w, "\nsequence diagram (Mermaid):")
			fmt.Fprintln(w, "```mermaid")
			fmt.Fprint(w, v.Trace.Mermaid())
			fmt.Fprintln(w, "```")
		}
	}
	if len(r.Violations) > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, r.Summary())
}

// WriteText writes the counterexample as a numbered step list.
func (v *Violation) WriteText(w io.Writer) {
	switch v.Kind {
	case InvariantViolation:
		fmt.Fprintf(w, "invariant %s (%s) is violated after %s", v.Property, v.Expr, steps(v.Depth))
		if v.Pos != "" {
			fmt.Fprintf(w, " [%s]", v.Pos)
		}
		fmt.Fprintln(w, ":")
	case Deadlock:
		fmt.Fprintf(w, "deadlock after %s: no action is enabled", steps(v.Depth))
		if v.Expr != "" {
			fmt.Fprintf(w, " and the terminal condition does not hold")
		}
		fmt.Fprintln(w, ":")
	case LivenessViolation:
		fmt.Fprintf(w, "liveness goal %s (%s) is never reached again under %s fairness: a prefix of %s, then a cycle of %d", v.Property, v.Expr, v.Fairness, steps(v.Depth), len(v.Trace.Steps)-v.Depth)
		if v.Pos != "" {
			fmt.Fprintf(w, " [%s]", v.Pos)
		}
		fmt.Fprintln(w, ":")
	}
	if v.Hint != "" {
		fmt.Fprintln(w, "  hint:", v.Hint)
	}
	if v.Error != "" {
		fmt.Fprintln(w, "  (trace unavailable:", v.Error+")")
	}
	if v.Trace != nil {
		v.Trace.WriteText(w)
	}
}

// FormatBytes renders n with a binary unit.
func FormatBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for x := n / unit; x >= unit; x /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// ParseBytes reads a size such as 4GiB, 512MB, 100k or 1000000.
func ParseBytes(s string) (uint64, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	mult := uint64(1)
	for _, u := range []struct {
		suffix string
		m      uint64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
		{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40}, {"b", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || f*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("bad size %q: expected a number with an optional unit such as 512MiB or 4GiB", s)
	}
	return uint64(f * float64(mult)), nil
}

// group renders n with thousands separators.
func group(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
