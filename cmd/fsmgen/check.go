package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/fsmgen/fsmgen/modelcheck"
)

func init() {
	commands["check"] = command{"model-check two peers over a network: invariants, deadlock, liveness", check}
}

func check(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "[spec.yaml]", stderr)
	sf := addSpecFlags(fs)
	config := fs.String("config", "", "the check configuration to run (default: the one marked default: true, else the first)")
	workers := fs.Int("workers", runtime.NumCPU(), "goroutines exploring in parallel")
	asJSON := fs.Bool("json", false, "print the result (figures, coverage, counterexample) as JSON")
	maxStates := fs.Uint64("max-states", 0, "stop after storing this many states (0: no limit)")
	maxMemory := fs.String("max-memory", "", "stop before the visited set and queues pass this size, e.g. 4GiB (default: no limit)")
	progress := fs.Bool("progress", false, "print a progress line to stderr about once a second (default: when stderr is a terminal)")
	list := fs.Bool("list", false, "list the spec's check configurations and exit")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *workers < 1 {
		return fmt.Errorf("%w: --workers must be at least 1, got %d", errUsage, *workers)
	}
	var memLimit uint64
	if *maxMemory != "" {
		n, err := modelcheck.ParseBytes(*maxMemory)
		if err != nil {
			return fmt.Errorf("%w: --max-memory: %v", errUsage, err)
		}
		memLimit = n
	}
	s, err := sf.load(fs)
	if err != nil {
		return err
	}
	var names []string
	for _, c := range s.Checks {
		names = append(names, c.Name)
	}
	if *list {
		for _, c := range s.Checks {
			def := ""
			if c.Default {
				def = " (default)"
			}
			fmt.Fprintf(stdout, "%s%s\t%s\n", c.Name, def, strings.Join(strings.Fields(c.Doc), " "))
		}
		return nil
	}
	c := s.Check(*config)
	if c == nil && *config == "" && len(s.Checks) > 0 {
		c = s.Checks[0]
	}
	if c == nil {
		if len(s.Checks) == 0 {
			return fmt.Errorf("%s: the spec has no check configurations: add a checks: section", s.Pos)
		}
		sort.Strings(names)
		return fmt.Errorf("%w: no check configuration %q: expected one of %s", errUsage, *config, strings.Join(names, ", "))
	}
	opts := []modelcheck.Option{modelcheck.Workers(*workers), modelcheck.MaxStates(*maxStates), modelcheck.MaxMemory(memLimit)}
	if *progress || isTerminal(stderr) {
		opts = append(opts, modelcheck.ProgressFunc(func(p modelcheck.Progress) {
			fmt.Fprintf(stderr, "fsmgen check: %d states, %.0f states/s, queue %d, depth %d, %s\n",
				p.States, p.StatesPerSec, p.Queue, p.Depth, p.Elapsed.Round(time.Second))
		}, time.Second))
	}
	ck, err := modelcheck.New(s, c, opts...)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := ck.Run(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := res.WriteJSON(stdout); err != nil {
			return err
		}
	} else {
		res.WriteText(stdout)
	}
	switch {
	case res.Violation != nil:
		return errFailed
	case !res.Complete:
		fmt.Fprintf(stderr, "fsmgen check: search incomplete (%s): the properties are not established\n", res.StopReason)
		return errFailed
	}
	return nil
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
