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
	"slices"
	"sync"
	"sync/atomic"
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
		return nil, err
	}
	ch.m = m
	return ch, nil
}

// violation is a candidate counterexample end found during a level.
type violation struct {
	kind  Kind
	prop  int // invariant index
	slot  uint32
	v     vec
	words int // the words of v in use; 0 counts as 1
}

// less orders candidates by their states, so that the one reported does
// not depend on how the workers shared the level.
func (a *violation) less(b *violation) bool {
	if b == nil {
		return true
	}
	n := max(a.words, b.words, 1)
	return slices.Compare(a.v[:n], b.v[:n]) < 0
}

type worker struct {
	succ      succs
	scratch   []uint8
	next      []uint64
	trans     uint64
	rowHits   []uint64
	unhandled []uint64 // [peer state][event]
	deadlock  *violation
	invariant *violation
	sink      uint64
	cur       vec // the state being expanded
	tmp       vec // a successor (multi-word searches)

	// One-word searches (owned.go).
	count  uint64   // states stored (one worker)
	own    []fwd    // successors of the current chunk
	parent uint32   // the slot of the state being expanded
	slots  []uint64 // their first probe slots
	recent []uint64 // filter of recent successors
	_      [64]byte // keep workers' hot fields on separate cache lines
}

// search is the state of one Run.
type search struct {
	c       *Checker
	m       *model
	set     *visited
	mu      sync.RWMutex
	stride  int
	front   []uint64
	cursor  atomic.Int64
	workers []*worker
	stop    atomic.Bool
	reason  string
	reasonM sync.Mutex
	maxSucc int
	chunk   int
	owned   bool // one worker, one-word states: plain stores (owned.go)

	trans  atomic.Uint64
	depth  atomic.Int64
	queue  atomic.Int64
	queued atomic.Int64 // states queued for the next level
	halts  atomic.Int64 // calls of halt
}

// tick calls every (about once a second, or the Checker's interval) until
// done is closed, and halts the search once when ctx is cancelled.
func (sr *search) tick(ctx context.Context, done <-chan struct{}, every func()) {
	interval := sr.c.every
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	cancelled := ctx.Done()
	for {
		select {
		case <-done:
			return
		case <-cancelled:
			sr.halt(sr.cancelReason(ctx))
			cancelled = nil // halted once: a closed channel would be selected again at once
		case <-t.C:
			every()
		}
	}
}

func (sr *search) halt(reason string) {
	sr.halts.Add(1)
	sr.reasonM.Lock()
	if sr.reason == "" {
		sr.reason = reason
	}
	sr.reasonM.Unlock()
	sr.stop.Store(true)
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

func (c *Checker) run(parent context.Context) (*Result, error) {
	start := time.Now()
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	m := c.m
	size := uint64(1 << 12)
	if c.expected > 0 {
		size = uint64(float64(c.expected)/maxLoad*1.05) + 1024
	}
	owned := m.words == 1 && c.workers == 1
	sr := &search{c: c, m: m, set: newVisited(m.words, m.bits, size, c.dispBits), stride: 1 + m.words, maxSucc: max(len(m.actions), 1), owned: owned}
	res := c.newResult()
	for range c.workers {
		sr.workers = append(sr.workers, &worker{rowHits: make([]uint64, len(c.m.rows)), unhandled: make([]uint64, c.m.unhSize)})
	}
	stopWatch := sr.watchMemory(c.maxMemory, cancel)
	defer stopWatch()
	var peak atomic.Uint64
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		for {
			p := peak.Load()
			if ms.HeapInuse <= p || peak.CompareAndSwap(p, ms.HeapInuse) {
				break
			}
		}
	}
	done := make(chan struct{})
	var tick sync.WaitGroup
	tick.Add(1)
	go func() {
		defer tick.Done()
		sr.tick(ctx, done, func() {
			sample()
			if c.progress != nil {
				el := time.Since(start)
				n := sr.set.count.Load()
				c.progress(Progress{States: n, Transitions: sr.trans.Load(), Queue: uint64(max(sr.queue.Load(), 0)),
					Depth: int(sr.depth.Load()), Elapsed: el, StatesPerSec: float64(n) / el.Seconds()})
			}
		})
	}()

	init := m.initial
	slot, _ := sr.set.insert(&init, noParent)
	sr.set.count.Store(1)
	sr.workers[0].count++
	var found *violation
	for i, p := range m.invariants {
		if p.eval(&init) == 0 {
			found = &violation{kind: InvariantViolation, prop: i, slot: slot, v: init, words: m.words}
			break
		}
	}
	sr.front = append(sr.front, uint64(slot))
	sr.front = append(sr.front, init[:m.words]...)
	depth := 0
	for found == nil && len(sr.front) > 0 && !sr.stop.Load() {
		if ctx.Err() != nil {
			sr.halt(sr.cancelReason(ctx))
			break
		}
		sr.depth.Store(int64(depth))
		found = sr.level(ctx)
		if found != nil {
			if found.kind == InvariantViolation {
				depth++
			}
			break
		}
		if sr.stop.Load() {
			break
		}
		next, ok := sr.joinQueues()
		if !ok {
			break
		}
		sr.front = next
		sr.queued.Store(0)
		if len(next) > 0 {
			depth++
		}
	}
	close(done)
	tick.Wait()
	sample()

	res.Complete = found == nil && !sr.stop.Load()
	res.SafetyComplete = res.Complete
	res.StopReason = sr.reason
	res.States = sr.set.count.Load()
	res.MaxDepth = depth
	for _, w := range sr.workers {
		res.Transitions += w.trans
		for i, h := range w.rowHits {
			res.rowHits[i] += h
		}
		for i, h := range w.unhandled {
			res.unhandledHits[i] += h
		}
	}
	res.Workers = c.workers
	res.StateBits = m.bits
	res.StateWords = m.words
	res.VisitedBytes = sr.set.size * sr.set.bytesPerSlot()
	res.overflowed = len(sr.set.over.states)
	res.BytesPerState = float64(res.VisitedBytes) / float64(max(res.States, 1))
	if found != nil {
		res.Violation = sr.counterexample(found)
	}
	if res.Complete && len(m.liveness) > 0 {
		if need := sr.memory() + livenessBytes(res.States, res.Transitions, sr.set.limit(), len(m.classes)); c.maxMemory > 0 && need > c.maxMemory {
			res.Complete = false
			res.StopReason = fmt.Sprintf("stopped at the memory limit (%s) before the liveness pass, which needs about %s", FormatBytes(c.maxMemory), FormatBytes(need))
		} else if err := sr.liveness(ctx, res); err != nil {
			return nil, err
		}
		if res.Violation == nil && ctx.Err() != nil {
			res.Complete = false
			res.StopReason = sr.cancelReason(ctx)
		}
	}
	res.Elapsed = time.Since(start)
	res.StatesPerSec = float64(res.States) / res.Elapsed.Seconds()
	sample()
	res.PeakHeap = peak.Load()
	res.finish(c)
	return res, nil
}

// level expands every state of the frontier in parallel and returns the
// violation to report, if the level produced one.
func (sr *search) level(ctx context.Context) *violation {
	n := len(sr.front) / sr.stride
	sr.cursor.Store(0)
	sr.queue.Store(int64(n))
	nw := len(sr.workers)
	sr.chunk = max(1, min(256, n/(8*nw)))
	var wg sync.WaitGroup
	for _, w := range sr.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if sr.owned {
				sr.workOwned(ctx, w, n)
			} else {
				sr.work(ctx, w, n)
			}
		}()
	}
	wg.Wait()
	var dl, inv *violation
	for _, w := range sr.workers {
		if w.deadlock != nil && w.deadlock.less(dl) {
			dl = w.deadlock
		}
		if w.invariant != nil && w.invariant.less(inv) {
			inv = w.invariant
		}
		w.deadlock, w.invariant = nil, nil
	}
	if dl != nil {
		return dl
	}
	return inv
}

// grab takes the next range of frontier entries for a worker, guided: a
// share of what is left, so that early ranges are long (a worker's recent
// successor cache works best on a contiguous stretch of the frontier,
// whose neighbouring states share successors) and late ones short (the
// workers finish together); never shorter than a chunk.
func (sr *search) grab(n, chunk int) (int, int) {
	nw := int64(len(sr.workers))
	for {
		cur := sr.cursor.Load()
		if cur >= int64(n) {
			return n, n
		}
		size := max(int64(chunk), (int64(n)-cur)/(4*nw))
		if sr.cursor.CompareAndSwap(cur, cur+size) {
			return int(cur), min(int(cur+size), n)
		}
	}
}

func (sr *search) work(ctx context.Context, w *worker, n int) {
	set, words := sr.set, sr.m.words
	lo, hi := 0, 0 // the worker's range of the frontier, taken a chunk at a time
	for !sr.stop.Load() {
		sr.mu.RLock()
		chunk := sr.chunk
		if need := set.count.Load() + uint64(len(sr.workers)*chunk*sr.maxSucc); float64(need) > maxLoad*float64(set.size) {
			sr.mu.RUnlock()
			sr.grow()
			continue
		}
		if lo == hi {
			if lo, hi = sr.grab(n, chunk); lo == hi {
				sr.mu.RUnlock()
				return
			}
		}
		start, end := lo, min(lo+chunk, hi)
		lo = end
		var trans, newStates uint64
		if words == 1 {
			trans, newStates = sr.expandOwned(w, start, end)
		} else {
			trans, newStates = sr.expandChunk(w, start, end)
		}
		w.trans += trans
		sr.trans.Add(trans)
		sr.queue.Add(-int64(end - start))
		total := set.count.Add(newStates)
		sr.queued.Add(int64(newStates))
		if sr.c.maxStates > 0 && total >= sr.c.maxStates {
			sr.halt(fmt.Sprintf("stopped at the state limit (%d)", sr.c.maxStates))
		}
		if sr.c.maxMemory > 0 && sr.memory() > sr.c.maxMemory {
			sr.halt(sr.memoryReason())
		}
		sr.mu.RUnlock()
		if ctx.Err() != nil {
			sr.halt(sr.cancelReason(ctx))
		}
	}
}

// memory estimates the bytes the search holds: the visited set, the
// queues (the next level's with the slack of growing slices) and what the
// process holds besides.
func (sr *search) memory() uint64 {
	b := sr.set.size*sr.set.bytesPerSlot() + uint64(len(sr.set.over.states))*16
	b += uint64(cap(sr.front)) * 8
	b += uint64(sr.queued.Load()) * uint64(sr.stride) * 8 * 5 / 4
	return b + baseOverhead
}

// grow enlarges the visited set with every worker held off, and renumbers
// the slots the queues and candidate violations refer to.
func (sr *search) grow() {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	set := sr.set
	// fits reports whether the table has room for a unit of work (a
	// chunk's successors) at the given size and chunk.
	fits := func(size uint64, chunk int) bool {
		reserve := uint64(chunk * sr.maxSucc)
		if !sr.owned {
			return float64(set.count.Load()+uint64(len(sr.workers))*reserve) <= maxLoad*float64(size)
		}
		for _, w := range sr.workers {
			if float64(w.count+reserve) > maxLoad*float64(size) {
				return false
			}
		}
		return true
	}
	if fits(set.size, sr.chunk) {
		return
	}
	size := set.size
	for !fits(size, sr.chunk) {
		size = set.nextSize(size)
	}
	// Growing holds both tables and the slot renumbering at once.
	if lim := sr.c.maxMemory; lim > 0 && sr.memory()+size*set.slotBytes()+4*set.limit() > lim {
		// Cannot grow within the limit: shrink the chunks instead, or stop.
		if sr.chunk > 1 {
			sr.chunk = 1
			if fits(set.size, 1) {
				return
			}
		}
		sr.halt(sr.memoryReason())
		return
	}
	if size > 1<<32-2 {
		sr.halt("stopped at the visited-set limit (2^32 slots)")
		return
	}
	remap := set.grow(size, len(sr.workers))
	for i := 0; i < len(sr.front); i += sr.stride {
		sr.front[i] = uint64(remap[sr.front[i]])
	}
	for _, w := range sr.workers {
		for i := 0; i < len(w.next); i += sr.stride {
			w.next[i] = uint64(remap[w.next[i]])
		}
		for _, v := range []*violation{w.deadlock, w.invariant} {
			if v != nil {
				v.slot = remap[v.slot]
			}
		}
	}
}

// path returns the slots from the initial state to slot.
func (sr *search) path(slot uint32) []uint32 {
	var p []uint32
	for s := slot; s != noParent; s = sr.set.parentOf(s) {
		p = append(p, s)
		if len(p) > int(sr.set.size) {
			break // cannot happen: parents form a tree
		}
	}
	slices.Reverse(p)
	return p
}

func (sr *search) counterexample(v *violation) *Violation {
	var states []vec
	for _, s := range sr.path(v.slot) {
		states = append(states, sr.set.at(s))
	}
	out := &Violation{Kind: v.kind, Depth: len(states) - 1}
	switch v.kind {
	case InvariantViolation:
		p := sr.m.invariants[v.prop].p
		out.Property, out.Expr, out.Pos = p.Name, p.Source, p.Pos.String()
	case Deadlock:
		out.Property = "deadlock"
		if t := sr.c.check.Terminal; t != nil {
			out.Expr = "!(" + terminalText(sr.c.check) + ")"
		}
	}
	tr, err := sr.c.trace(states, -1, nil)
	if err != nil {
		out.Error = err.Error()
	}
	out.Trace = tr
	if v.kind == Deadlock {
		out.Hint = sr.c.deadlockHint(&states[len(states)-1])
	}
	return out
}

// expandChunk expands frontier entries [start, end) of a multi-word search.
func (sr *search) expandChunk(w *worker, start, end int) (trans, newStates uint64) {
	m, set, stride, words := sr.m, sr.set, sr.stride, sr.m.words
	buf, sv := &w.succ, &w.tmp
	for e := start; e < end; e++ {
		ent := sr.front[e*stride : e*stride+stride]
		slot := uint32(ent[0])
		v := &w.cur
		copy(v[:words], ent[1:])
		m.expand(v, buf, w.scratch)
		w.sink += set.touch(buf)
		n := buf.len()
		if n == 0 && (m.terminal == nil || m.terminal(v) == 0) {
			d := &violation{kind: Deadlock, slot: slot, v: *v, words: words}
			if d.less(w.deadlock) {
				w.deadlock = d
			}
		}
		trans += uint64(n)
		for i := range n {
			s := buf.s[i]
			if s.row >= 0 {
				w.rowHits[s.row]++
			} else if a := &m.actions[s.act]; a.kind != actLose && a.kind != actDuplicate {
				ev := a.event
				if ev < 0 { // ordered deliver: the message is the head
					b := m.inbox[a.ch]
					ev = m.recvEvent[a.peer][b.head[m.box[a.ch].get(v)]]
				}
				fp := &m.fast[a.peer]
				st := m.peer[a.peer].get(v) & fp.stateMask
				w.unhandled[fp.unhBase+int(st)*fp.nev+ev]++
			}
			ns, isNew := set.insert(buf.vec(i, sv), slot)
			if !isNew {
				continue
			}
			newStates++
			w.next = append(w.next, uint64(ns))
			w.next = append(w.next, buf.state(i)...)
			for pi := range m.invariants {
				if m.invariants[pi].eval(sv) == 0 {
					iv := &violation{kind: InvariantViolation, prop: pi, slot: ns, v: *sv, words: words}
					if iv.less(w.invariant) {
						w.invariant = iv
					}
					break
				}
			}
		}
	}
	return trans, newStates
}
