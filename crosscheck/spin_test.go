package crosscheck

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec"
)

// ErrNoSpin reports that spin or a C compiler is not installed.
var ErrNoSpin = errors.New("crosscheck: spin and gcc are needed (apt-get install -y spin gcc)")

// Available reports whether spin and gcc can be run.
func Available() error {
	for _, tool := range []string{"spin", "gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%w: %s not found", ErrNoSpin, tool)
		}
	}
	return nil
}

// SpinOptions tunes a SPIN run.
type SpinOptions struct {
	// MaxDepth is pan's search depth bound (-m); a search that reaches it
	// is reported as incomplete. Default 1,000,000.
	MaxDepth int
	// HashBits sizes pan's hash table at 2^HashBits slots (-w). Default 22.
	HashBits int
	// Dir is where the model is compiled; default a fresh temporary
	// directory, removed afterwards.
	Dir string
	// Optimize is gcc's optimization flag, default -O2. For small models
	// -O0 is quicker overall: compiling pan.c dominates.
	Optimize string
	// NoAssertions runs pan with -A: a failed assert (an invariant) is not
	// an error. NoEndStates runs it with -E: an invalid end state (a
	// deadlock) is not one. With both, pan explores every reachable state
	// of a model with properties, so one compiled model serves the counts
	// and both verdicts.
	NoAssertions, NoEndStates bool
	// Cache, when set, keeps compiled models for reuse by identical
	// models (Dir is then not used).
	Cache *PanCache
}

// PanCache holds compiled models, each compiled once however many runs
// ask for it, under one directory.
type PanCache struct {
	dir string
	mu  sync.Mutex
	m   map[string]*panEntry
}

type panEntry struct {
	once    sync.Once
	pan     string // the binary's path
	compile time.Duration
	err     error
}

// NewPanCache keeps compiled models under dir.
func NewPanCache(dir string) *PanCache { return &PanCache{dir: dir, m: map[string]*panEntry{}} }

// compile returns the path of model's pan, compiled with optimize, and
// how long compiling took (0 when it was compiled before).
func (pc *PanCache) compile(ctx context.Context, model []byte, optimize string) (string, time.Duration, error) {
	sum := sha256.Sum256(append([]byte(optimize+"\x00"), model...))
	key := hex.EncodeToString(sum[:12])
	pc.mu.Lock()
	e, ok := pc.m[key]
	if !ok {
		e = &panEntry{}
		pc.m[key] = e
	}
	pc.mu.Unlock()
	first := false
	e.once.Do(func() {
		first = true
		dir := filepath.Join(pc.dir, key)
		if e.err = os.MkdirAll(dir, 0o755); e.err != nil {
			return
		}
		t0 := time.Now()
		e.err = compilePan(ctx, dir, model, optimize)
		e.compile = time.Since(t0)
		e.pan = filepath.Join(dir, "pan")
	})
	if !first {
		return e.pan, 0, e.err
	}
	return e.pan, e.compile, e.err
}

// compilePan writes model to dir/model.pml and compiles dir/pan.
func compilePan(ctx context.Context, dir string, model []byte, optimize string) error {
	if err := os.WriteFile(filepath.Join(dir, "model.pml"), model, 0o644); err != nil {
		return err
	}
	if _, err := runIn(ctx, dir, "spin", "-o2", "-a", "model.pml"); err != nil {
		return err
	}
	_, err := runIn(ctx, dir, "gcc", append(append([]string{optimize}, CCFlags...), "-o", "pan", "pan.c")...)
	return err
}

// runIn runs a command in dir and returns its standard output and error.
func runIn(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("crosscheck: %s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// SpinResult is what pan reported.
type SpinResult struct {
	States      uint64 // "states, stored": the initial state included
	Matched     uint64 // "states, matched"
	Transitions uint64 // "transitions (= stored+matched)": fsmgen's transitions + 1
	Depth       int    // "depth reached"
	Errors      int    // "errors:"
	// Error is pan's first error line, such as "pan:1: assertion violated
	// (client_state != S_LISTEN) (at depth 12)" or "pan:1: invalid end
	// state (at depth 20)"; empty when there was none.
	Error string
	// Complete is false when pan's depth bound cut the search short.
	Complete bool
	Compile  time.Duration // spin -a and gcc
	Search   time.Duration // ./pan
	Output   string        // pan's standard output
}

// Violation is the kind of violation pan reported: "assertion", "deadlock"
// (an invalid end state) or "".
func (r *SpinResult) Violation() string {
	switch {
	case strings.Contains(r.Error, "assertion violated"):
		return "assertion"
	case strings.Contains(r.Error, "invalid end state"):
		return "deadlock"
	case r.Error != "":
		return "other"
	}
	return ""
}

// CCFlags are the C compiler flags pan is built with (besides
// SpinOptions.Optimize): a safety search
// (assertions and invalid end states), no partial-order reduction (one
// process: nothing to reduce, and the counts are then pan's plain ones),
// no never claim (ltl formulas are for a separate -a run).
var CCFlags = []string{"-DSAFETY", "-DNOREDUCE", "-DNOCLAIM", "-DMEMLIM=8192", "-DVECTORSZ=4096"}

// RunSpin renders check c of s as Promela and verifies it with SPIN.
func RunSpin(ctx context.Context, s *spec.Spec, c *spec.Check, o SpinOptions) (*SpinResult, error) {
	model, err := gen.Promela(s, c)
	if err != nil {
		return nil, err
	}
	return RunPromela(ctx, model, o)
}

// RunPromela verifies a Promela model with spin -o2 -a (keeping variables
// that are written and never read, as fsmgen does), gcc and pan.
func RunPromela(ctx context.Context, model []byte, o SpinOptions) (*SpinResult, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 1_000_000
	}
	if o.HashBits <= 0 {
		o.HashBits = 22
	}
	if o.Optimize == "" {
		o.Optimize = "-O2"
	}
	res := &SpinResult{}
	var pan string
	var err error
	if o.Cache != nil {
		if pan, res.Compile, err = o.Cache.compile(ctx, model, o.Optimize); err != nil {
			return nil, err
		}
	} else {
		dir := o.Dir
		if dir == "" {
			d, err := os.MkdirTemp("", "fsmgen-spin-")
			if err != nil {
				return nil, err
			}
			defer os.RemoveAll(d)
			dir = d
		}
		t0 := time.Now()
		if err := compilePan(ctx, dir, model, o.Optimize); err != nil {
			return nil, err
		}
		res.Compile = time.Since(t0)
		if pan, err = filepath.Abs(filepath.Join(dir, "pan")); err != nil {
			return nil, err
		}
	}
	// pan writes a trail into its working directory: each run has its own.
	work, err := os.MkdirTemp("", "fsmgen-pan-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	args := []string{"-m" + strconv.Itoa(o.MaxDepth), "-w" + strconv.Itoa(o.HashBits)}
	if o.NoAssertions {
		args = append(args, "-A")
	}
	if o.NoEndStates {
		args = append(args, "-E")
	}
	t1 := time.Now()
	out, err := runIn(ctx, work, pan, args...)
	res.Search = time.Since(t1)
	res.Output = out
	if err != nil {
		return nil, err
	}
	if err := res.parse(out); err != nil {
		return nil, err
	}
	return res, nil
}

var (
	reStored  = regexp.MustCompile(`(?m)^\s*(\S+) states, stored`)
	reMatched = regexp.MustCompile(`(?m)^\s*(\S+) states, matched`)
	reTrans   = regexp.MustCompile(`(?m)^\s*(\S+) transitions \(= (?:stored|visited)\+matched\)`)
	reVector  = regexp.MustCompile(`depth reached (\d+), errors: (\d+)`)
	reError   = regexp.MustCompile(`(?m)^pan:\d+: .*$`)
)

func (r *SpinResult) parse(out string) error {
	num := func(re *regexp.Regexp, what string) (uint64, error) {
		m := re.FindStringSubmatch(out)
		if m == nil {
			return 0, fmt.Errorf("crosscheck: no %q in pan's output:\n%s", what, out)
		}
		// pan prints counts with %9.8g: exact below 10^8.
		f, err := strconv.ParseFloat(m[1], 64)
		if err != nil || f >= 1e8 {
			return 0, fmt.Errorf("crosscheck: pan's %q count %q is not exact", what, m[1])
		}
		return uint64(f), nil
	}
	var err error
	if r.States, err = num(reStored, "states, stored"); err != nil {
		return err
	}
	if r.Matched, err = num(reMatched, "states, matched"); err != nil {
		return err
	}
	if r.Transitions, err = num(reTrans, "transitions"); err != nil {
		return err
	}
	m := reVector.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("crosscheck: no \"depth reached\" in pan's output:\n%s", out)
	}
	r.Depth, _ = strconv.Atoi(m[1])
	r.Errors, _ = strconv.Atoi(m[2])
	r.Error = reError.FindString(out)
	r.Complete = !strings.Contains(out, "max search depth too small")
	return nil
}

// CountingCheck is c without properties: no invariants, no goals, and every
// deadlock a proper end. Both tools then explore every reachable state, so
// their counts can be compared; with properties, each stops at its first
// violation, at a point that depends on its search order.
func CountingCheck(c *spec.Check) *spec.Check {
	cc := *c
	cc.Channels = slices.Clone(c.Channels) // the copy's channels are its own
	cc.Invariants = nil
	cc.Eventually = nil
	cc.Terminal = &spec.Const{T: spec.Type{Kind: spec.BoolType}, Val: 1, Src: "true", P: c.Pos}
	return &cc
}
