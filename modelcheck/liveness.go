package modelcheck

import (
	"context"
	"slices"

	"github.com/fsmgen/fsmgen/spec"
)

// graph is the explored state graph in compressed sparse row form, over
// dense node ids (the occupied visited-set slots, in slot order).
type graph struct {
	slot    []uint32 // node -> visited-set slot
	off     []uint32 // node -> first edge; len n+1
	dst     []uint32
	act     []uint16
	enabled []uint64 // node*nc.. : fairness classes enabled in the node
	nc      int
}

func (sr *search) buildGraph(ctx context.Context) (*graph, error) {
	set, m := sr.set, sr.m
	g := &graph{nc: max(1, (len(m.classes)+63)/64)}
	idOf := make([]uint32, set.limit())
	for i := range set.limit() {
		if set.used(uint32(i)) {
			idOf[i] = uint32(len(g.slot))
			g.slot = append(g.slot, uint32(i))
		}
	}
	n := len(g.slot)
	g.off = make([]uint32, n+1)
	g.enabled = make([]uint64, n*g.nc)
	edges := sr.trans.Load() // every transition of the complete search is an edge
	g.dst, g.act = make([]uint32, 0, edges), make([]uint16, 0, edges)
	var buf succs
	var sv, v vec
	for u, s := range g.slot {
		if u&0xffff == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		set.load(s, &v)
		m.expand(&v, &buf)
		for j, sc := range buf.s {
			t, ok := set.lookup(buf.vec(j, &sv))
			if !ok {
				continue // cannot happen after a complete search
			}
			g.dst = append(g.dst, idOf[t])
			g.act = append(g.act, uint16(sc.act))
			if c := m.actions[sc.act].class; c >= 0 {
				g.enabled[u*g.nc+c/64] |= 1 << (c % 64)
			}
		}
		g.off[u+1] = uint32(len(g.dst))
	}
	return g, nil
}

// liveness checks every eventually goal over the complete state graph and
// sets res.Violation to the first goal's shortest-prefix lasso.
func (sr *search) liveness(ctx context.Context, res *Result) error {
	g, err := sr.buildGraph(ctx)
	if err != nil {
		return nil // interrupted: Run reports the search incomplete
	}
	m := sr.m
	n := len(g.slot)
	for li, l := range m.liveness {
		if sr.c.atGoal != nil {
			sr.c.atGoal(li)
		}
		if ctx.Err() != nil {
			return nil
		}
		bad := make([]bool, n) // the goal does not hold
		var nbad uint64
		var v vec
		for u := range n {
			sr.set.load(g.slot[u], &v)
			if l.goal(&v) == 0 {
				bad[u] = true
				nbad++
			}
		}
		lv := &liveSearch{sr: sr, g: g, bad: bad, fair: l.l.Fairness}
		best := lv.run(ctx)
		res.Liveness = append(res.Liveness, LivenessSummary{Name: l.l.Name, Fairness: l.l.Fairness.String(), GoalFalse: nbad, SCCs: lv.cyclic})
		if ctx.Err() != nil {
			return nil
		}
		res.livenessDone = li + 1
		if best != nil {
			v := sr.lasso(g, l, best)
			if sr.c.cont {
				res.Violations = append(res.Violations, v)
				if res.Violation == nil {
					res.Violation, res.livenessFailed = v, li
				}
				continue
			}
			res.Violation = v
			res.livenessFailed = li
			return nil
		}
	}
	return nil
}

// candidate is a fair cycle (or a deadlock) avoiding the goal.
type candidate struct {
	nodes []uint32 // the fair component; one node for a deadlock
	entry uint32
	depth int
	dead  bool
}

type liveSearch struct {
	sr     *search
	g      *graph
	bad    []bool
	fair   spec.Fairness
	cyclic int

	// Tarjan scratch, indexed by node; stamp marks membership of the current subset.
	index, low []uint32
	stamp      []uint32
	gen        uint32
	onStack    []bool
}

func (lv *liveSearch) depthOf(u uint32) int { return len(lv.sr.path(lv.g.slot[u])) - 1 }

func (lv *liveSearch) better(c *candidate, best *candidate) bool {
	if best == nil || c.depth < best.depth {
		return true
	}
	if c.depth > best.depth {
		return false
	}
	var a, b vec
	lv.sr.set.load(lv.g.slot[c.entry], &a)
	lv.sr.set.load(lv.g.slot[best.entry], &b)
	w := lv.sr.m.words
	return slices.Compare(a[:w], b[:w]) < 0
}

func (lv *liveSearch) run(ctx context.Context) *candidate {
	g := lv.g
	n := len(g.slot)
	var best *candidate
	var all []uint32
	for u := range n {
		if !lv.bad[u] {
			continue
		}
		all = append(all, uint32(u))
		if g.off[u] == g.off[u+1] {
			c := &candidate{nodes: []uint32{uint32(u)}, entry: uint32(u), dead: true}
			c.depth = lv.depthOf(c.entry)
			if lv.better(c, best) {
				best = c
			}
		}
	}
	lv.index = make([]uint32, n)
	lv.low = make([]uint32, n)
	lv.stamp = make([]uint32, n)
	lv.onStack = make([]bool, n)
	work := [][]uint32{all}
	for len(work) > 0 && ctx.Err() == nil {
		set := work[len(work)-1]
		work = work[:len(work)-1]
		for _, comp := range lv.sccs(set) {
			if !lv.hasCycle(comp) {
				continue
			}
			lv.cyclic++
			fairSet, refine := lv.fairness(comp)
			if refine != nil {
				work = append(work, refine)
				continue
			}
			if fairSet == nil {
				continue
			}
			c := &candidate{nodes: fairSet}
			c.entry, c.depth = fairSet[0], lv.depthOf(fairSet[0])
			for _, u := range fairSet[1:] {
				if d := lv.depthOf(u); d < c.depth {
					c.entry, c.depth = u, d
				}
			}
			if lv.better(c, best) {
				best = c
			}
		}
	}
	return best
}

// mark makes nodes the current subset.
func (lv *liveSearch) mark(nodes []uint32) uint32 {
	lv.gen++
	for _, u := range nodes {
		lv.stamp[u] = lv.gen
	}
	return lv.gen
}

// sccs returns the strongly connected components of the subgraph induced
// by nodes (iterative Tarjan).
func (lv *liveSearch) sccs(nodes []uint32) [][]uint32 {
	g := lv.g
	gen := lv.mark(nodes)
	for _, u := range nodes {
		lv.index[u] = 0
	}
	var out [][]uint32
	var stack []uint32
	type frame struct{ u, e uint32 }
	var call []frame
	next := uint32(1)
	for _, root := range nodes {
		if lv.index[root] != 0 {
			continue
		}
		call = append(call, frame{root, g.off[root]})
		lv.index[root], lv.low[root] = next, next
		next++
		stack = append(stack, root)
		lv.onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			u := f.u
			if f.e < g.off[u+1] {
				w := g.dst[f.e]
				f.e++
				if lv.stamp[w] != gen {
					continue
				}
				if lv.index[w] == 0 {
					lv.index[w], lv.low[w] = next, next
					next++
					stack = append(stack, w)
					lv.onStack[w] = true
					call = append(call, frame{w, g.off[w]})
				} else if lv.onStack[w] {
					lv.low[u] = min(lv.low[u], lv.index[w])
				}
				continue
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].u
				lv.low[p] = min(lv.low[p], lv.low[u])
			}
			if lv.low[u] == lv.index[u] {
				var comp []uint32
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					lv.onStack[w] = false
					comp = append(comp, w)
					if w == u {
						break
					}
				}
				out = append(out, comp)
			}
		}
	}
	return out
}

func (lv *liveSearch) hasCycle(comp []uint32) bool {
	if len(comp) > 1 {
		return true
	}
	u := comp[0]
	for e := lv.g.off[u]; e < lv.g.off[u+1]; e++ {
		if lv.g.dst[e] == u {
			return true
		}
	}
	return false
}

// fairness decides whether the component holds a fair cycle. It returns
// the component when it does, nil when it cannot, or (strong fairness)
// the subset to search again after removing the states where a class that
// is never taken inside the component is enabled (Emerson–Lei).
func (lv *liveSearch) fairness(comp []uint32) (fair, refine []uint32) {
	g, m := lv.g, lv.sr.m
	nc := g.nc
	gen := lv.mark(comp)
	taken := make([]uint64, nc)
	some := make([]uint64, nc)
	every := make([]uint64, nc)
	for i := range every {
		every[i] = ^uint64(0)
	}
	for _, u := range comp {
		for e := g.off[u]; e < g.off[u+1]; e++ {
			if lv.stamp[g.dst[e]] == gen {
				if c := m.actions[g.act[e]].class; c >= 0 {
					taken[c/64] |= 1 << (c % 64)
				}
			}
		}
		for i := range nc {
			some[i] |= g.enabled[int(u)*nc+i]
			every[i] &= g.enabled[int(u)*nc+i]
		}
	}
	switch lv.fair {
	case spec.NoFairness:
		return comp, nil
	case spec.WeakFairness:
		for i := range nc {
			if every[i]&^taken[i] != 0 {
				return nil, nil
			}
		}
		return comp, nil
	}
	unfair := make([]uint64, nc)
	any := false
	for i := range nc {
		unfair[i] = some[i] &^ taken[i]
		any = any || unfair[i] != 0
	}
	if !any {
		return comp, nil
	}
	var keep []uint32
	for _, u := range comp {
		ok := true
		for i := range nc {
			if g.enabled[int(u)*nc+i]&unfair[i] != 0 {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, u)
		}
	}
	if len(keep) == 0 {
		return nil, nil
	}
	return nil, keep
}

// lasso builds the counterexample for candidate c: the shortest path to
// its entry, then a cycle inside c that takes every fairness class taken
// anywhere in c and, under weak fairness, passes a state where each class
// that is never taken is disabled.
func (sr *search) lasso(g *graph, l compiledLive, c *candidate) *Violation {
	m := sr.m
	out := &Violation{Kind: LivenessViolation, Property: l.l.Name, Expr: l.l.Source, Pos: l.l.Pos.String(), Fairness: l.l.Fairness.String()}
	prefix := sr.path(g.slot[c.entry])
	var states []vec
	acts := []int32{}
	for _, s := range prefix {
		states = append(states, sr.set.at(s))
	}
	for range len(prefix) - 1 {
		acts = append(acts, -1)
	}
	loop := len(states) - 1
	out.Depth = loop
	if c.dead {
		tr, err := sr.c.trace(states, -1, acts)
		if err != nil {
			out.Error = err.Error()
		}
		last := states[len(states)-1]
		tr.Steps = append(tr.Steps, Step{N: len(tr.Steps) + 1, Action: "stutter", Kind: "stutter", Row: -1, State: sr.c.view(&last)})
		tr.LoopStart = len(tr.Steps) - 1
		tr.states = append(tr.states, last)
		out.Trace = tr
		return out
	}
	nc := g.nc
	in := map[uint32]bool{}
	for _, u := range c.nodes {
		in[u] = true
	}
	taken := make([]uint64, nc)
	for _, u := range c.nodes {
		for e := g.off[u]; e < g.off[u+1]; e++ {
			if in[g.dst[e]] {
				if k := m.actions[g.act[e]].class; k >= 0 {
					taken[k/64] |= 1 << (k % 64)
				}
			}
		}
	}
	// bfs finds the shortest path inside the component from u to a node
	// satisfying stop (after at least one edge when first is set).
	type edge struct {
		to  uint32
		act uint16
	}
	bfs := func(u uint32, stop func(e uint32, from uint32) bool) ([]edge, bool) {
		prev := map[uint32]uint32{u: u} // node -> edge index that reached it
		via := map[uint32]uint32{}
		q := []uint32{u}
		for len(q) > 0 {
			x := q[0]
			q = q[1:]
			for e := g.off[x]; e < g.off[x+1]; e++ {
				y := g.dst[e]
				if !in[y] {
					continue
				}
				if stop(e, x) {
					var path []edge
					path = append(path, edge{y, g.act[e]})
					for z := x; z != u; {
						ev := via[z]
						path = append(path, edge{z, g.act[ev]})
						z = prev[z]
					}
					slices.Reverse(path)
					return path, true
				}
				if _, seen := prev[y]; !seen {
					prev[y], via[y] = x, e
					q = append(q, y)
				}
			}
		}
		return nil, false
	}
	// The cycle takes every class the component takes (each once is
	// enough: a class already taken on the way is not sought again), and
	// under weak fairness passes, for every class it never takes, a state
	// where that class is disabled. Without fairness any cycle will do.
	cur := c.entry
	var cycle []edge
	covered := make([]uint64, nc)    // classes the cycle takes so far
	disabledOn := func(k int) bool { // the cycle so far passes a state where class k is disabled
		if g.enabled[int(c.entry)*nc+k/64]>>(k%64)&1 == 0 {
			return true
		}
		for _, e := range cycle {
			if g.enabled[int(e.to)*nc+k/64]>>(k%64)&1 == 0 {
				return true
			}
		}
		return false
	}
	follow := func(p []edge) {
		cycle = append(cycle, p...)
		for _, e := range p {
			if k := m.actions[e.act].class; k >= 0 {
				covered[k/64] |= 1 << (k % 64)
			}
		}
		if len(p) > 0 {
			cur = p[len(p)-1].to
		}
	}
	fair := l.l.Fairness != spec.NoFairness
	for k := range len(m.classes) {
		if !fair || taken[k/64]>>(k%64)&1 == 0 || covered[k/64]>>(k%64)&1 != 0 {
			continue
		}
		p, _ := bfs(cur, func(e, _ uint32) bool { return m.actions[g.act[e]].class == k })
		follow(p)
	}
	if l.l.Fairness == spec.WeakFairness {
		for k := range len(m.classes) {
			if taken[k/64]>>(k%64)&1 != 0 || disabledOn(k) {
				continue
			}
			p, _ := bfs(cur, func(e, _ uint32) bool {
				y := g.dst[e]
				return g.enabled[int(y)*nc+k/64]>>(k%64)&1 == 0
			})
			follow(p)
		}
	}
	if cur != c.entry || len(cycle) == 0 {
		p, _ := bfs(cur, func(e, _ uint32) bool { return g.dst[e] == c.entry })
		follow(p)
	}
	for _, e := range cycle {
		states = append(states, sr.set.at(g.slot[e.to]))
		acts = append(acts, int32(e.act))
	}
	tr, err := sr.c.trace(states, loop, acts)
	if err != nil {
		out.Error = err.Error()
	}
	out.Trace = tr
	return out
}
