// Package modelcheck explores every reachable state of the peers (two to
// eight) running a spec's machines over a lossy, reordering network, and reports shortest
// counterexamples to invariants, deadlock freedom and liveness goals.
//
// The semantics are those of docs/semantics.md. A Checker compiles the spec
// to dense tables, packs each system state into one or a few machine words
// and searches breadth first with several workers:
//
//	c, err := modelcheck.New(s, s.Check(""), modelcheck.Workers(2))
//	res, err := c.Run(ctx)
package modelcheck

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/fsmgen/fsmgen/spec"
)

// Checker explores the state graph of one check configuration.
type Checker struct {
	s     *spec.Spec
	check *spec.Check
	m     *model

	workers   int
	maxStates uint64
	maxMemory uint64
	expected  uint64
	progress  func(Progress)
	every     time.Duration
	steps     map[string]StepFunc // by machine name; "" for every peer
	spread    bool                // tests: a word per field (newModel)
	dispBits  uint                // tests: the packed visited set's displacement field (newVisited)
	cont      bool                // go on past violations (Continue)
	// atGoal, when set, is called as the liveness pass takes up goal i
	// (tests stop the pass there).
	atGoal func(i int)
}

// Option configures a Checker.
type Option func(*Checker)

// Workers sets how many goroutines explore (default runtime.NumCPU()).
func Workers(n int) Option { return func(c *Checker) { c.workers = n } }

// MaxStates stops the search once it has stored n states (0: no limit).
func MaxStates(n uint64) Option { return func(c *Checker) { c.maxStates = n } }

// MaxMemory stops the search before the visited set and queues would pass
// n bytes (0: no limit).
func MaxMemory(n uint64) Option { return func(c *Checker) { c.maxMemory = n } }

// ExpectedStates sizes the visited set for about n states up front, which
// saves rehashing on large runs.
func ExpectedStates(n uint64) Option { return func(c *Checker) { c.expected = n } }

// ProgressFunc calls f about once per interval (default one second) while
// the search runs.
func ProgressFunc(f func(Progress), interval time.Duration) Option {
	return func(c *Checker) { c.progress, c.every = f, interval }
}

// WithStep makes both peers run step instead of the IR interpreter: pass
// the generated package's Packed.Step to check the code that ships. Both
// peers must run the same machine; see WithMachineStep.
func WithStep(step StepFunc) Option { return WithMachineStep("", step) }

// WithMachineStep makes the peers that run the named machine run step
// instead of the IR interpreter (pass the Packed.Step of the package
// generated for that machine).
func WithMachineStep(machine string, step StepFunc) Option {
	return func(c *Checker) {
		if c.steps == nil {
			c.steps = map[string]StepFunc{}
		}
		c.steps[machine] = step
	}
}

// Progress is a snapshot of a running search.
type Progress struct {
	States       uint64        `json:"states"`
	Transitions  uint64        `json:"transitions"`
	Queue        uint64        `json:"queue"`
	Depth        int           `json:"depth"`
	Elapsed      time.Duration `json:"elapsed_ns"`
	StatesPerSec float64       `json:"states_per_sec"`
}

// New compiles check c of spec s. A nil c selects s's default check.
func New(s *spec.Spec, c *spec.Check, opts ...Option) (*Checker, error) {
	if s == nil {
		return nil, fmt.Errorf("modelcheck: no spec")
	}
	if c == nil {
		c = s.Check("")
		if c == nil {
			return nil, fmt.Errorf("%s: modelcheck: the spec has no check configuration (add checks:)", s.Pos)
		}
	}
	ch := &Checker{s: s, check: c, workers: runtime.NumCPU(), every: time.Second, dispBits: packedDispBits}
	for _, o := range opts {
		o(ch)
	}
	if ch.workers < 1 {
		ch.workers = 1
	}
	m, err := newModel(s, c, ch.steps, ch.spread)
	if err != nil {
		if len(c.Overrides) > 0 {
			err = fmt.Errorf("%w (the check as changed by %s)", err, strings.Join(c.Overrides, ", "))
		}
		return nil, err
	}
	ch.m = m
	return ch, nil
}

// Run explores the state graph. It stops at the first (shallowest)
// violation, when ctx is done, or at a MaxStates or MaxMemory limit; the
// Result then says it is incomplete and carries the figures so far.
func (c *Checker) Run(ctx context.Context) (*Result, error) {
	if c.cont {
		return c.runContinue(ctx)
	}
	return c.run(ctx)
}
