package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
)

func check(inv *invocation) error {
	config := inv.configFlag("the `NAME` of the check configuration to run (default: the one marked default: true, else the first)", "")
	all := inv.fs.Bool("all", false, "run every check configuration and print the coverage of all of them together")
	workers := inv.fs.Int("workers", runtime.NumCPU(), "goroutines exploring in parallel (1: the same counterexample on every run)")
	asJSON := inv.fs.Bool("json", false, "print the result (figures, coverage, counterexamples) as JSON")
	cont := inv.fs.Bool("continue", false, "go on past violations: report every violated property once, each with its shortest counterexample")
	coverage := inv.fs.Bool("coverage", false, "list the rows that never fired (else one summary line)")
	mermaid := inv.fs.Bool("mermaid", true, "print counterexamples as a Mermaid sequence diagram too")
	maxStates := inv.fs.Uint64("max-states", 0, "stop after storing this many states (0: no limit)")
	maxMemory := inv.fs.String("max-memory", "auto", "stop before the search (visited set, queues, liveness graph) holds more than `SIZE`, e.g. 4GiB (at least "+minMemoryText+");\nauto: three quarters of the machine's memory or of its control group's limit"+autoNote()+"; 0: no limit")
	progress := inv.fs.Bool("progress", false, "print a progress line to stderr about once a second (default: when stderr is a terminal)")
	list := inv.fs.Bool("list", false, "list the spec's check configurations and exit")
	var memLimit uint64
	s, err := inv.load(func() (err error) {
		if *list && (*all || *config != "") {
			return errUsagef("--list lists every check configuration and runs none: leave out --all and --config")
		}
		if *all {
			if *config != "" {
				return errUsagef("--all runs every check configuration: leave out --config")
			}
			inv.sf.unset = "*"
		}
		if *workers < 1 {
			return errUsagef("--workers must be at least 1, got %d", *workers)
		}
		memLimit, err = memoryLimit(*maxMemory)
		return err
	})
	if err != nil {
		return err
	}
	if *list {
		return listChecks(inv.stdout, s, *asJSON)
	}
	var checks []*spec.Check
	if *all {
		checks = s.Checks
		if len(checks) == 0 {
			return fmt.Errorf("%s: the spec has no check configurations: add a checks: section", s.Pos)
		}
	} else {
		c, err := pickCheck(s, *config)
		if err != nil {
			return err
		}
		checks = []*spec.Check{c}
	}
	opts := []modelcheck.Option{modelcheck.Workers(*workers), modelcheck.MaxStates(*maxStates), modelcheck.MaxMemory(memLimit)}
	if *cont {
		opts = append(opts, modelcheck.Continue())
	}
	if *progress || isTerminal(inv.stderr) {
		opts = append(opts, modelcheck.ProgressFunc(func(p modelcheck.Progress) {
			fmt.Fprintf(inv.stderr, "fsmgen check: %d states, %.0f states/s, queue %d, depth %d, %s\n",
				p.States, p.StatesPerSec, p.Queue, p.Depth, p.Elapsed.Round(time.Second))
		}, time.Second))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var results []*modelcheck.Result
	for _, c := range checks {
		ck, err := modelcheck.New(s, c, opts...)
		if err != nil {
			return err
		}
		res, err := ck.Run(ctx)
		if err != nil {
			return err
		}
		results = append(results, res)
		if !*asJSON {
			if len(checks) > 1 && len(results) > 1 {
				fmt.Fprintln(inv.stdout)
			}
			res.WriteTextOptions(inv.stdout, modelcheck.TextOptions{Coverage: *coverage, NoMermaid: !*mermaid})
		}
		if ctx.Err() != nil {
			break
		}
	}
	var union *modelcheck.Union
	if *all {
		union = modelcheck.UnionOf(results)
	}
	if *asJSON {
		var v any = results[0]
		if *all {
			v = union
		}
		enc := json.NewEncoder(inv.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return err
		}
	} else if *all {
		fmt.Fprintln(inv.stdout)
		union.WriteText(inv.stdout)
	}
	if !*asJSON && inv.fs.NArg() == 0 && (*coverage || *all || len(s.Warnings) > 0) {
		fmt.Fprintln(inv.stderr, "fsmgen check:", embeddedNote(inv.fs))
	}
	for _, r := range results {
		if r.Outcome != "holds" {
			return errFailed
		}
	}
	if len(results) < len(checks) {
		return errFailed // interrupted before the last check
	}
	return nil
}

// pickCheck finds the check configuration named name ("" the default).
func pickCheck(s *spec.Spec, name string) (*spec.Check, error) {
	c := s.Check(name)
	if c == nil && name == "" && len(s.Checks) > 0 {
		c = s.Checks[0]
	}
	if c != nil {
		return c, nil
	}
	if len(s.Checks) == 0 {
		return nil, fmt.Errorf("%s: the spec has no check configurations: add a checks: section", s.Pos)
	}
	var names []string
	for _, c := range s.Checks {
		names = append(names, c.Name)
	}
	sort.Strings(names)
	return nil, errUsagef("no check configuration %q: expected one of %s", name, strings.Join(names, ", "))
}

// minMemory is the least --max-memory a search runs under: the runtime
// and the search's first tables take a few MiB before the first state.
const (
	minMemory     = 16 << 20
	minMemoryText = "16MiB"
)

// memoryLimit reads --max-memory: a size, auto or 0.
func memoryLimit(v string) (uint64, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return 0, errUsagef("--max-memory needs a value: a size such as 4GiB, auto or 0 (no limit)")
	case "auto":
		return modelcheck.DefaultMemoryLimit(), nil
	case "0", "none", "off":
		return 0, nil
	}
	n, err := modelcheck.ParseBytes(v)
	if err != nil {
		return 0, errUsagef("--max-memory: %v", err)
	}
	if n < minMemory {
		return 0, errUsagef("--max-memory %s is below the %s a search needs at least", v, minMemoryText)
	}
	return n, nil
}

// autoNote says what auto amounts to on this machine.
func autoNote() string {
	if n := modelcheck.DefaultMemoryLimit(); n > 0 {
		return " (here " + modelcheck.FormatBytes(n) + ")"
	}
	return " (here unknown: no limit)"
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// listChecks writes the spec's check configurations, a line each (name,
// "(default)", doc) or as a JSON array of {name, default, doc}.
func listChecks(w io.Writer, s *spec.Spec, asJSON bool) error {
	type entry struct {
		Name    string `json:"name"`
		Default bool   `json:"default"`
		Doc     string `json:"doc"`
	}
	entries := []entry{}
	for _, c := range s.Checks {
		entries = append(entries, entry{c.Name, c.Default, strings.Join(strings.Fields(c.Doc), " ")})
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	for _, e := range entries {
		def := ""
		if e.Default {
			def = " (default)"
		}
		fmt.Fprintf(w, "%s%s\t%s\n", e.Name, def, e.Doc)
	}
	return nil
}
