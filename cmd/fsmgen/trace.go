package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fsmgen/fsmgen"
	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/trace"
)

// traceFormat is the trace format, for 'fsmgen trace -h'.
const traceFormat = `
The trace is JSON lines, one observation of one instance a line (blank lines are skipped),
after an optional header line {"observed": ["call"]}: every call ("recv": every receipt,
"timeout": every expiry) is on a line of the trace, so the search inserts none (as -observed).
  id       string, required: the instance (one machine instance per id, ids interleave)
  event    "CALL" (or "call CALL"), "recv MESSAGE" or "timeout TIMER", as the spec's on: writes it
  state    the state the instance is in after the line (a line needs an event, a state or both)
  send     the messages the step sends, in order ([] for none): "SYN", or for a message with
           fields "DATA(bit=true)" (every field) or just "DATA" (any values); absent: not checked
  refused  on a call: true if the call failed (an error row), false if it was accepted
  fields   on "recv MESSAGE" of a message with fields: every field's value, e.g. {"bit": true}
           (bool: true/false, enum: the value's name, int: an integer in range)
  note     free text, not interpreted
Example:
  {"id": "c1", "event": "ACTIVE_OPEN", "send": ["SYN"], "state": "SYN_SENT"}
  {"id": "c1", "event": "recv SYN_ACK", "send": ["ACK_SYN"]}
  {"id": "c1", "state": "FIN_WAIT_2"}
A line with only a state stands for the shortest sequence of unobserved events that reaches it
(at most -depth; none of a kind declared observed). Exit status: 0 every instance conforms;
1 one diverges or the search for unobserved events ran out of budget (reported as
"search incomplete"); 2 bad input, which is reported as file:line:col.
`

func traceCmd(inv *invocation) error {
	fs := inv.fs
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(fs.Output(), traceFormat)
	}
	machine := fs.String("machine", "", "the `NAME` of the machine the instances run, when the spec declares several")
	depth := fs.Int("depth", 8, "the most unobserved events one state-only line may stand for")
	steps := fs.Bool("steps", false, "print every step of every instance (observed and unobserved) and the rows by position")
	observedFlag := fs.String("observed", "", "declare every event of these `KINDS` (call, recv, timeout; comma-separated) on a line of the trace,\nso the search for unobserved events inserts none of them (as the trace's header {\"observed\": [...]} does)")
	if err := inv.parse(); err != nil {
		return err
	}
	var observed []spec.EventKind
	if *observedFlag != "" {
		given := map[spec.EventKind]bool{}
		for _, name := range strings.Split(*observedFlag, ",") {
			k, err := trace.EventKind(strings.TrimSpace(name))
			if err != nil {
				return errUsagef("-observed: %v", err)
			}
			if given[k] {
				return errUsagef("-observed: %q given twice", k)
			}
			given[k] = true
			observed = append(observed, k)
		}
	}
	if *depth < 1 || *depth > 64 {
		return errUsagef("-depth must be between 1 and 64")
	}
	if len(inv.sf.sets) > 0 {
		return errUsagef("--set overrides a field of a check configuration, and trace runs no check (--param sets the spec's params)")
	}
	if fs.NArg() == 2 && fs.Arg(0) == "-" {
		return errUsagef("trace reads the trace from standard input (-), not the spec: name the spec's file")
	}
	if ext := strings.ToLower(filepath.Ext(fs.Arg(0))); fs.NArg() == 1 && (ext == ".yaml" || ext == ".yml") {
		return errUsagef("%s is a spec, not a trace: name the trace after it (with one argument, the trace is checked against the embedded TCP spec)", fs.Arg(0))
	}
	var s *spec.Spec
	var err error
	opts := inv.sf.options()
	switch fs.NArg() {
	case 1:
		s, err = fsmgen.TCP(opts...)
	case 2:
		s, err = spec.Load(fs.Arg(0), opts...)
	default:
		return errUsagef("want [spec.yaml] TRACE.jsonl (or - for standard input), got %d arguments", fs.NArg())
	}
	if err != nil {
		return err
	}
	// The validator's errors (the machine selection) are the spec's,
	// "file:line:col: ...", and print as they are.
	v, err := trace.New(s, trace.Options{MaxDepth: *depth, Machine: *machine, Observed: observed})
	if err != nil {
		return err
	}
	name := fs.Arg(fs.NArg() - 1)
	var in io.Reader = os.Stdin
	if name == "-" {
		name = "<stdin>"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("fsmgen: %w", err)
		}
		defer f.Close()
		in = f
	}
	res, err := v.Read(in, name)
	if err != nil {
		var ie *trace.InputError
		if errors.As(err, &ie) {
			return err
		}
		return fmt.Errorf("fsmgen: %w", err)
	}
	res.Write(inv.stdout, *steps)
	if !res.OK() {
		return errFailed
	}
	return nil
}
