package modelcheck

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The search is breadth first, level by level, so that the first
// violation found is at the shallowest depth and its counterexample is
// shortest. Every worker runs the same loop (work): it takes a range of
// the level's frontier, expands it a chunk at a time with expandChunk and
// keeps the shared figures (states, transitions, queue) and the stop
// conditions (state and memory limits, cancellation). Two things vary
// with the check:
//
//   - the width of a state: one word (word.go: a chunk is expanded in
//     registers into one batch of successors, which is filtered and
//     inserted with prefetching) or several (words.go: each state is
//     expanded by successors, expand.go, and its successors inserted as
//     they come);
//   - the visited set's table: owned by the only worker, written with
//     plain stores, or shared by several, written by compare-and-swap
//     (search.shared; the layouts are in visited.go and packed.go).

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

// worker is one goroutine of the search: its buffers, its share of the
// figures and its candidate violations of the current level.
type worker struct {
	succ      succs    // the successors of the state being expanded; counts coverage
	next      []uint64 // the next level's entries it found: slot, then the state's words
	trans     uint64
	deadlock  *violation
	invariant *violation
	sink      uint64
	cur       vec // the state being expanded
	tmp       vec // a successor

	// One-word states (word.go): the chunk's successors, those the cache of
	// recent ones lets through with their hashes or first probe slots, and
	// the slot of the state being expanded.
	batch  []fwd
	parent uint32
	slots  []uint64
	recent []uint64
	_      [64]byte // keep workers' hot fields on separate cache lines
}

// search is the state of one Run.
type search struct {
	c       *Checker
	m       *model
	set     *visited
	mu      sync.RWMutex // held for writing while the visited set grows
	stride  int          // the words of a frontier entry: slot, then the state's words
	front   []uint64
	cursor  atomic.Int64
	workers []*worker
	stop    atomic.Bool
	reason  string
	reasonM sync.Mutex
	maxSucc int
	chunk   int
	shared  bool // several workers write the visited set (else the only one owns it)

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

func (c *Checker) run(parent context.Context) (*Result, error) {
	start := time.Now()
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	m := c.m
	size := uint64(1 << 12)
	if c.expected > 0 {
		size = uint64(float64(c.expected)/maxLoad*1.05) + 1024
	}
	sr := &search{c: c, m: m, set: newVisited(m.words, m.bits, size, c.dispBits), stride: 1 + m.words, maxSucc: max(len(m.actions), 1), shared: c.workers > 1}
	res := c.newResult()
	for range c.workers {
		sr.workers = append(sr.workers, &worker{succ: succs{rowHits: make([]uint64, len(m.rows)), unhandled: make([]uint64, m.unhSize)}})
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
		for i, h := range w.succ.rowHits {
			res.rowHits[i] += h
		}
		for i, h := range w.succ.unhandled {
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
			sr.work(ctx, w, n)
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

// work is a worker's part of a level, the search's one loop: it takes
// ranges of the frontier and expands them a chunk at a time, growing the
// visited set first when a chunk's successors might not fit, until the
// level is done or the search stops.
func (sr *search) work(ctx context.Context, w *worker, n int) {
	lo, hi := 0, 0 // the worker's range of the frontier, taken a chunk at a time
	for !sr.stop.Load() {
		sr.mu.RLock()
		chunk := sr.chunk
		if !sr.fits(sr.set.size, chunk) {
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
		trans, newStates := sr.expandChunk(w, start, end)
		w.trans += trans
		sr.trans.Add(trans)
		sr.queue.Add(-int64(end - start))
		total := sr.set.count.Add(newStates)
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

// expandChunk expands frontier entries [start, end) and inserts their
// successors into the visited set, the new ones into the worker's queue
// for the next level. It returns the transitions and the new states.
func (sr *search) expandChunk(w *worker, start, end int) (trans, newStates uint64) {
	m, words, out := sr.m, sr.m.words, &w.succ
	w.batch = w.batch[:0]
	for e := start; e < end; e++ {
		ent := sr.front[e*sr.stride : (e+1)*sr.stride]
		slot := uint32(ent[0])
		var n int
		if words == 1 {
			w.cur[0] = ent[1]
			n = m.expandWord(w, ent[1], slot)
		} else {
			copy(w.cur[:words], ent[1:])
			out.reset(words)
			m.successors(&w.cur, out)
			n = out.len()
		}
		trans += uint64(n)
		if n == 0 && (m.terminal == nil || m.terminal(&w.cur) == 0) {
			d := &violation{kind: Deadlock, slot: slot, v: w.cur, words: words}
			if d.less(w.deadlock) {
				w.deadlock = d
			}
		}
		if words > 1 {
			newStates += sr.insertWords(w, slot)
		}
	}
	if words == 1 {
		newStates = sr.insertWord(w)
	}
	return trans, newStates
}

// checkInvariants makes v, a new state stored in slot, the worker's
// candidate invariant violation if it violates an invariant and comes
// before the candidate it has.
func (w *worker) checkInvariants(m *model, slot uint32, v *vec) {
	for pi := range m.invariants {
		if m.invariants[pi].eval(v) == 0 {
			iv := &violation{kind: InvariantViolation, prop: pi, slot: slot, v: *v, words: m.words}
			if iv.less(w.invariant) {
				w.invariant = iv
			}
			return
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
	if sr.fits(set.size, sr.chunk) {
		return
	}
	size := set.size
	for !sr.fits(size, sr.chunk) {
		size = set.nextSize(size)
	}
	// Growing holds both tables and the slot renumbering at once.
	if lim := sr.c.maxMemory; lim > 0 && sr.memory()+size*set.slotBytes()+4*set.limit() > lim {
		// Cannot grow within the limit: shrink the chunks instead, or stop.
		if sr.chunk > 1 {
			sr.chunk = 1
			if sr.fits(set.size, 1) {
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

// fits reports whether a visited set of size slots has room for every
// worker's next unit of work (a chunk's successors each) at the given
// chunk size.
func (sr *search) fits(size uint64, chunk int) bool {
	reserve := uint64(len(sr.workers) * chunk * sr.maxSucc)
	return float64(sr.set.count.Load()+reserve) <= maxLoad*float64(size)
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
