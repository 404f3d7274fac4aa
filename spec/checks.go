package spec

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// maxCapacity bounds a channel's capacity.
const maxCapacity = 64

func (l *loader) checks(n *yaml.Node) {
	l.resolveChecks(n)
	if len(l.errs) > 0 {
		return
	}
	var def *yaml.Node
	for p := range l.named(n, "checks", "check") {
		c := l.check(p.key, p.kn, p.v)
		if c == nil {
			continue
		}
		if c.Default {
			if def != nil {
				l.errorf(p.kn, "check %s is a second default (the first is at line %d): at most one check is default", p.key, def.Line)
			}
			def = p.kn
		}
		c.Index = len(l.s.Checks)
		l.s.Checks = append(l.s.Checks, c)
	}
	if def == nil && len(l.s.Checks) > 0 {
		l.s.Checks[0].Default = true
	}
}

func (l *loader) check(name string, kn, n *yaml.Node) *Check {
	what := "check " + name
	f := l.fields(n, what, checkFields...)
	if f == nil {
		return nil
	}
	before := len(l.errs)
	c := &Check{Name: name, Pos: l.pos(kn), Overrides: l.overridden[name]}
	if d := f["doc"]; d != nil {
		c.Doc, _ = l.str(d, "doc")
	}
	if d := f["default"]; d != nil {
		c.Default, _ = l.boolean(d, what+" default")
	}
	// Peers: 2 to MaxPeers, each with the calls it may make and optionally
	// its inbox and where it sends.
	pn := f["peers"]
	if pn == nil {
		l.errorf(n, "%s needs peers: two or more named peers with the calls each may make", what)
		return nil
	}
	peers, _ := l.mapping(pn, what+" peers")
	if len(peers) < 2 || len(peers) > MaxPeers {
		if len(l.errs) == before {
			l.errorf(pn, "%s needs 2 to %d peers, found %d", what, MaxPeers, len(peers))
		}
		return nil
	}
	c.Peers = make([]*Peer, len(peers))
	inboxes := make([]*yaml.Node, len(peers))
	sendsTo := make([]*yaml.Node, len(peers))
	peerNodes := make([]*yaml.Node, len(peers))
	for i, p := range peers {
		peerNodes[i] = p.v
		if !l.checkIdent(p.kn, p.key, "peer") {
			continue
		}
		if p.key == "net" {
			l.errorf(p.kn, "a peer may not be called net: net means the whole network in properties")
			continue
		}
		peer := &Peer{Name: p.key, Index: i, Pos: l.pos(p.kn)}
		pf := l.fields(p.v, "peer "+p.key, peerFields...)
		if pf == nil {
			continue
		}
		if mn := pf["machine"]; mn != nil {
			if name, ok := l.str(mn, "peer "+p.key+" machine"); ok {
				if peer.Machine = l.s.MachineNamed(name); peer.Machine == nil {
					l.errorf(mn, "unknown machine %q: expected %s", clip(name), l.machineNames())
					continue
				}
			} else {
				continue
			}
		} else if len(l.s.Machines) == 1 {
			peer.Machine = l.s.Machines[0]
		} else {
			l.errorf(p.kn, "peer %s needs machine: the machine it runs, one of %s", p.key, l.machineNames())
			continue
		}
		calls, _ := l.mapping(pf["calls"], "peer "+p.key+" calls")
		for _, cp := range calls {
			call := lookup(l, cp.kn, "call", cp.key, l.ofMachine(peer.Machine), peer.Machine.Calls, callName)
			if call == nil {
				continue
			}
			b := &CallBudget{Call: call, Pos: l.pos(cp.kn)}
			if cp.v.Kind == yaml.ScalarNode && cp.v.Value == "unbounded" {
				b.Budget = Unbounded
			} else if v, ok := l.integerOr(cp.v, "the budget of "+call.Name+" (how many times the peer may call it)", 1, 255, "unbounded"); ok {
				b.Budget = v
			}
			peer.Calls = append(peer.Calls, b)
		}
		inboxes[i], sendsTo[i] = pf["inbox"], pf["sends_to"]
		c.Peers[i] = peer
	}
	if len(l.errs) > before {
		return nil
	}
	l.wire(c, sendsTo, peerNodes)
	if len(l.errs) > before {
		return nil
	}
	// Params and time come before the network: lifetimes are durations
	// under the check's params, counted in ticks.
	c.Params = l.s.Params
	if pn := f["params"]; pn != nil {
		c.Params = l.checkParams(pn, what)
	}
	tc := timeCtx{params: c.Params}
	if tn := f["time"]; tn != nil {
		tc.timed = true
		c.Time = l.timing(tn, c, what)
		if c.Time != nil {
			tc.tick = c.Time.Tick
		}
		if t := f["timeouts"]; t != nil {
			l.errorf(t, "%s has both time and timeouts: a timed check fires timers by time (at their deadlines, or within their early windows), so leave timeouts out", what)
		}
	}
	// Network: defaults for every channel, overridden per receiving peer by
	// peers.P.inbox, then per channel by channels["TO from FROM"].
	perChannel := map[string]pair{} // by "TO from FROM"
	if cn := f["channels"]; cn != nil {
		pairs, _ := l.mapping(cn, what+" channels")
		for _, p := range pairs {
			to, from, _ := strings.Cut(p.key, " from ")
			if len(c.Peers) == 2 && from == "" && c.Peer(to) != nil {
				from = c.Peers[1-c.Peer(to).Index].Name // with two peers a channel is named by its receiver
			}
			if c.Peer(to) == nil || c.Peer(from) == nil || to == from {
				var names []string
				for _, x := range c.Peers {
					for _, y := range c.Peers {
						if x != y {
							names = append(names, x.Name+" from "+y.Name)
						}
					}
				}
				l.errorf(p.kn, "%s channels: unknown channel %q: a channel is named TO from FROM, one of %s", what, clip(p.key), strings.Join(names, ", "))
				continue
			}
			perChannel[to+" from "+from] = p
		}
	}
	base := Channel{Order: Unordered, Full: DropWhenFull}
	haveCap := false
	if nn := f["network"]; nn != nil {
		haveCap = l.channel(nn, "network", &base, tc)
	} else {
		l.errorf(n, "%s needs network: {order, capacity, full, loss, duplicate}", what)
		return nil
	}
	for to := range c.Peers {
		for from := range c.Peers {
			if from == to {
				continue
			}
			ch := base
			ch.Index, ch.From, ch.To = len(c.Channels), from, to
			ch.Pos = l.pos(f["network"])
			capOK := haveCap
			if in := inboxes[to]; in != nil {
				ch.Pos = l.pos(in)
				if l.channel(in, "peer "+c.Peers[to].Name+" inbox", &ch, tc) {
					capOK = true
				}
			}
			if cn := perChannel[c.Peers[to].Name+" from "+c.Peers[from].Name].v; cn != nil {
				ch.Pos = l.pos(cn)
				if l.channel(cn, "channel "+c.Peers[to].Name+" from "+c.Peers[from].Name, &ch, tc) {
					capOK = true
				}
			}
			if !capOK && len(l.errs) == before {
				l.errorf(f["network"], "%s: network needs capacity: how many messages an inbox holds", what)
			}
			c.Channels = append(c.Channels, &ch)
		}
	}
	c.carries = c.carrying()
	l.neverFits(c, what)
	for _, ch := range c.Channels {
		if kinds := len(l.s.Letters) * ch.Ages(); ch.Lifetime > 0 && !c.Unused(ch) && kinds > maxKinds {
			l.errs = append(l.errs, errorf(ch.Pos, "%s: channel %s: %d letters at %d ages each (lifetime %d ticks) are %d kinds of message in flight, at most %d: the check's state would need more: use a larger tick or params", what, c.ChannelName(ch), len(l.s.Letters), ch.Ages(), ch.Lifetime, kinds, maxKinds))
		}
	}
	for _, ch := range c.Channels {
		if k := perChannel[c.Peers[ch.To].Name+" from "+c.Peers[ch.From].Name].kn; k != nil && c.Unused(ch) {
			l.s.Warnings = append(l.s.Warnings, errorf(l.pos(k), "%s channels: %s never carries a message (its sender does not send or reply to %s), so this changes nothing", what, c.ChannelName(ch), c.Peers[ch.To].Name))
		}
	}
	if t := f["timeouts"]; t != nil {
		keyword(l, t, what+" timeouts", &c.Timeouts,
			what+" timeouts must be any (a timer may fire whenever it is armed) or idle (only while no message is in flight)",
			AnyTimeout, IdleTimeout)
	}
	if mn := f["monitors"]; mn != nil {
		l.monitors(mn, c)
	}
	expr := l.propCompiler(&exprScope{hints: &l.hints, spec: l.s, check: c})
	if t := f["terminal"]; t != nil {
		c.Terminal, c.TerminalSource = expr(t, what+" terminal")
	}
	c.Invariants = append(l.invariants(f["invariants"], what, nil, expr), c.Invariants...)
	c.Eventually = append(l.goals(f["eventually"], what, nil, expr), c.Eventually...)
	if len(l.errs) > before {
		return nil
	}
	return c
}

// propCompiler returns the compiler of a check's (or monitor's) property
// expressions in scope sc; an error in a value set on the command line
// names where it came from.
func (l *loader) propCompiler(sc *exprScope) func(n *yaml.Node, what string) (Expr, string) {
	return func(n *yaml.Node, what string) (Expr, string) {
		src, ok := l.str(n, what)
		if !ok {
			return nil, ""
		}
		e, err := sc.compile(src, l.valuePos(n), BoolType)
		if err != nil {
			e := err.(*Error)
			if o, ok := l.origin[n]; ok {
				e.Pos, e.Msg = l.pos(n), e.Msg+" (from "+o.String()+")"
			}
			l.errs = append(l.errs, e)
			return nil, ""
		}
		return e, src
	}
}

// invariants reads an invariants section; prefix names a monitor's ("MON.").
func (l *loader) invariants(n *yaml.Node, what string, mon *Monitor, expr func(*yaml.Node, string) (Expr, string)) []*Property {
	prefix := mon.prefix()
	var out []*Property
	for p := range l.named(n, what+" invariants", "invariant") {
		if e, src := expr(p.v, "invariant "+p.key); e != nil {
			out = append(out, &Property{Name: prefix + p.key, Expr: e, Source: src, Pos: l.pos(p.kn), Monitor: mon})
		}
	}
	return out
}

// goals reads an eventually section; prefix names a monitor's ("MON.").
func (l *loader) goals(n *yaml.Node, what string, mon *Monitor, expr func(*yaml.Node, string) (Expr, string)) []*Liveness {
	prefix := mon.prefix()
	var out []*Liveness
	for p := range l.named(n, what+" eventually", "goal") {
		lv := &Liveness{Name: prefix + p.key, Pos: l.pos(p.kn), Fairness: WeakFairness, Monitor: mon}
		gn := p.v
		if p.v.Kind == yaml.MappingNode {
			gf := l.fields(p.v, "goal "+p.key, goalFields...)
			if gf == nil {
				continue
			}
			if gn = gf["goal"]; gn == nil {
				l.errorf(p.v, "goal %s needs goal: the expression that must keep holding again", p.key)
				continue
			}
			if fn := gf["fairness"]; fn != nil {
				keyword(l, fn, "fairness", &lv.Fairness, "fairness must be none, weak or strong",
					NoFairness, WeakFairness, StrongFairness)
			}
		}
		if e, src := expr(gn, "goal "+p.key); e != nil {
			lv.Goal, lv.Source = e, src
			out = append(out, lv)
		}
	}
	return out
}

// prefix starts the names of a monitor's properties: "MON." (nil: the check's own, "").
func (mon *Monitor) prefix() string {
	if mon == nil {
		return ""
	}
	return mon.Name + "."
}

// monitors reads a check's monitors: their variables, handlers and properties.
func (l *loader) monitors(n *yaml.Node, c *Check) {
	for p := range l.named(n, "check "+c.Name+" monitors", "monitor") {
		what := "monitor " + p.key
		clash := false
		for _, pr := range c.Peers {
			if pr.Name == p.key {
				l.errorf(p.kn, "%s has the name of a peer: MONITOR.VAR and PEER.VAR must not be ambiguous", what)
				clash = true
			}
		}
		if clash {
			continue
		}
		f := l.fields(p.v, what, monitorFields...)
		if f == nil {
			continue
		}
		mon := &Monitor{Name: p.key, Pos: l.pos(p.kn), Index: len(c.Monitors)}
		if d := f["doc"]; d != nil {
			mon.Doc, _ = l.str(d, "doc")
		}
		for vp := range l.named(f["vars"], what+" vars", "variable") {
			if v := l.variable(vp, "variable "+vp.key+" of "+what, varFields, len(mon.Vars)); v != nil {
				v.Offset, v.Width = mon.Bits, bitsFor(v.Size())
				mon.Bits += v.Width
				mon.Vars = append(mon.Vars, v)
			}
		}
		if len(mon.Vars) == 0 && len(l.errs) == 0 {
			l.errorf(p.v, "%s needs vars: the variables it keeps", what)
			continue
		}
		if mon.Bits > 63 {
			l.errorf(f["vars"], "%s: its variables need %d bits, at most 63", what, mon.Bits)
			continue
		}
		c.Monitors = append(c.Monitors, mon)
		ons := f["on"]
		if ons == nil || ons.Kind != yaml.SequenceNode || len(ons.Content) == 0 {
			l.errorf(p.v, "%s needs on: a list of handlers such as {recv: PEER.MESSAGE, set: {VAR: EXPR}}", what)
			continue
		}
		for _, hn := range ons.Content {
			if h := l.handler(hn, c, mon); h != nil {
				mon.Handlers = append(mon.Handlers, h)
			}
		}
		expr := l.propCompiler(&exprScope{hints: &l.hints, spec: l.s, check: c, mon: mon})
		c.Invariants = append(c.Invariants, l.invariants(f["invariants"], what, mon, expr)...)
		c.Eventually = append(c.Eventually, l.goals(f["eventually"], what, mon, expr)...)
	}
}

// handler reads one entry of a monitor's on: exactly one of call, send,
// recv or enter naming PEER.NAME, an optional if, and set.
func (l *loader) handler(n *yaml.Node, c *Check, mon *Monitor) *Handler {
	f := l.fields(n, "a handler of monitor "+mon.Name, handlerFields...)
	if f == nil {
		return nil
	}
	h := &Handler{Pos: l.pos(n)}
	var kn *yaml.Node
	for i, k := range []string{"call", "send", "recv", "enter"} {
		if f[k] == nil {
			continue
		}
		if kn != nil {
			l.errorf(f[k], "a handler observes one thing: it has both %s and %s", Observed(h.Kind), k)
			return nil
		}
		kn, h.Kind = f[k], Observed(i)
	}
	if kn == nil {
		l.errorf(n, "a handler needs what it observes: call, send, recv or enter, as PEER.NAME")
		return nil
	}
	src, ok := l.str(kn, h.Kind.String())
	if !ok {
		return nil
	}
	peerName, name, found := strings.Cut(strings.TrimSpace(src), ".")
	if !found {
		l.errorf(kn, "%s %q: expected PEER.NAME", h.Kind, clip(src))
		return nil
	}
	for _, pr := range c.Peers {
		if pr.Name == peerName {
			h.Peer = pr
		}
	}
	if h.Peer == nil {
		var names []string
		for _, pr := range c.Peers {
			names = append(names, pr.Name)
		}
		l.errorf(kn, "unknown peer %q: expected %s", clip(peerName), strings.Join(names, " or "))
		return nil
	}
	m := h.Peer.Machine
	switch h.Kind {
	case ObserveCall:
		if h.Call = lookup(l, kn, "call", name, " of peer "+h.Peer.Name, m.Calls, callName); h.Call == nil {
			return nil
		}
	case ObserveSend, ObserveRecv:
		for _, x := range l.s.Messages {
			if x.Name == name {
				h.Message = x
			}
		}
		if h.Message == nil {
			l.errorf(kn, "unknown message %q%s", clip(name), didYouMean(&l.hints, name, m.Messages, messageName))
			return nil
		}
	case ObserveEnter:
		if h.State = lookup(l, kn, "state", name, " of peer "+h.Peer.Name, m.States, stateName); h.State == nil {
			return nil
		}
	}
	sc := &exprScope{hints: &l.hints, spec: l.s, check: c, mon: mon}
	if h.Message != nil {
		sc.msgs = []*Message{h.Message}
	}
	if g := f["if"]; g != nil {
		if src, ok := l.str(g, "if"); ok {
			e, err := sc.compile(src, l.valuePos(g), BoolType)
			if err != nil {
				l.errs = append(l.errs, err.(*Error))
				return nil
			}
			h.Guard = e
		}
	}
	sn := f["set"]
	if sn == nil {
		l.errorf(n, "a handler needs set: the monitor variables it updates")
		return nil
	}
	pairs, _ := l.mapping(sn, "set")
	for _, p := range pairs {
		var v *Var
		for _, x := range mon.Vars {
			if x.Name == p.key {
				v = x
			}
		}
		if v == nil {
			l.errorf(p.kn, "unknown variable %q of monitor %s in set", clip(p.key), mon.Name)
			continue
		}
		if p.v.Kind != yaml.ScalarNode || isNull(p.v) {
			l.errorf(p.v, "set %s: expected a value, found %s", v.Name, kindName(p.v))
			continue
		}
		if word := strings.TrimSpace(p.v.Value); v.Kind == Enum && slices.Contains(v.Values, word) {
			h.Set = append(h.Set, Assign{Var: v, Value: &Const{T: varType(v), Val: slices.Index(v.Values, word), Src: word, P: l.valuePos(p.v)}})
			continue
		}
		e, err := sc.compileAny(p.v.Value, l.valuePos(p.v))
		if err != nil {
			l.errs = append(l.errs, err.(*Error))
			continue
		}
		if !sameType(e.Type(), varType(v)) {
			got, want := typeNames(e.Type(), varType(v))
			l.errorf(p.v, "set %s: %q is %s, expected %s", v.Name, clip(p.v.Value), got, want)
			continue
		}
		h.Set = append(h.Set, Assign{Var: v, Value: e})
	}
	// A handler reads the state before the action; timers and inboxes are
	// half-way through it there (a fired timer is disarmed, a delivered
	// message taken), so handlers do not read them.
	exprs := []Expr{h.Guard}
	for _, a := range h.Set {
		exprs = append(exprs, a.Value)
	}
	for _, x := range exprs {
		bad := false
		Walk(x, func(x Expr) {
			switch x := x.(type) {
			case *Armed, *Count:
				if !bad {
					l.errs = append(l.errs, errorf(x.Pos(), "a monitor handler may not read %s: it reads the monitors' variables, the peers' states and variables, and msg", x))
				}
				bad = true
			}
		})
		if bad {
			return nil
		}
	}
	for _, a := range h.Set {
		l.monitorRange(mon, h, a)
	}
	return h
}

// monitorRange reports an int set value of a handler that can leave its
// variable's range, found by enumerating everything the guard and the
// value read: the monitor's variables, the message's letters, and the
// peers' states, variables and timers they name.
func (l *loader) monitorRange(mon *Monitor, h *Handler, a Assign) {
	if a.Var.Kind != Int {
		return
	}
	type dim struct {
		n   int
		set func(e *monEnv, i int)
		say func(e *monEnv) string
	}
	var dims []dim
	read := map[*Var]bool{} // the monitor variables the guard and the value read
	for _, x := range []Expr{h.Guard, a.Value} {
		Walk(x, func(x Expr) {
			if r, ok := x.(*MonRef); ok {
				read[r.Var] = true
			}
		})
	}
	for _, v := range mon.Vars {
		if !read[v] {
			continue
		}
		dims = append(dims, dim{v.Size(), func(e *monEnv, i int) { e.mon[v] = v.Decode(uint64(i)) },
			func(e *monEnv) string { return v.Name + "=" + v.Format(e.mon[v]) }})
	}
	if h.Message != nil {
		lts := h.Message.Letters
		dims = append(dims, dim{len(lts), func(e *monEnv, i int) { e.letter = lts[i] },
			func(e *monEnv) string { return "msg=" + e.letter.String() }})
	}
	seen := map[string]bool{}
	for _, x := range []Expr{h.Guard, a.Value} {
		Walk(x, func(x Expr) {
			if seen[x.String()] {
				return
			}
			seen[x.String()] = true
			switch x := x.(type) {
			case *VarRef:
				v, k := x.Var, [2]any{x.Peer, x.Var}
				dims = append(dims, dim{v.Size(), func(e *monEnv, i int) { e.vals[k] = v.Decode(uint64(i)) },
					func(e *monEnv) string { return x.String() + "=" + v.Format(e.vals[k]) }})
			case *StateOf:
				sts, k := x.Machine.States, [2]any{x.Peer, "state"}
				dims = append(dims, dim{len(sts), func(e *monEnv, i int) { e.vals[k] = i },
					func(e *monEnv) string { return x.String() + "=" + sts[e.vals[k]].Name }})
			case *Armed:
				k := [2]any{x.Peer, x.Timer}
				dims = append(dims, dim{2, func(e *monEnv, i int) { e.vals[k] = i },
					func(e *monEnv) string { return x.String() + "=" + fmt.Sprint(e.vals[k] != 0) }})
			}
		})
	}
	total := 1
	for _, d := range dims {
		total *= d.n
		if total > maxValuations {
			// Too many to enumerate: the value's range (Range) must do.
			if lo, hi := Range(a.Value, nil, nil); lo < a.Var.Min || hi > a.Var.Max {
				l.errs = append(l.errs, errorf(a.Value.Pos(), "set %s: its values range over %d..%d, outside %d..%d (too many combinations to tell exactly)", a.Var.Name, lo, hi, a.Var.Min, a.Var.Max))
			}
			return
		}
	}
	env := &monEnv{mon: map[*Var]int{}, vals: map[[2]any]int{}}
	var badErr *Error
	var rec func(i int)
	rec = func(i int) {
		if badErr != nil {
			return
		}
		if i == len(dims) {
			var zero *Binary
			if h.Guard != nil && eval(h.Guard, env, &zero) == 0 && zero == nil {
				return
			}
			x := 0
			if zero == nil {
				x = eval(a.Value, env, &zero)
			}
			var parts []string
			for _, d := range dims {
				parts = append(parts, d.say(env))
			}
			switch {
			case zero != nil:
				badErr = divisionError(zero, strings.Join(parts, ", "))
			case x < a.Var.Min || x > a.Var.Max:
				badErr = errorf(a.Value.Pos(), "set %s: value %d is outside %d..%d when %s", a.Var.Name, x, a.Var.Min, a.Var.Max, strings.Join(parts, ", "))
			}
			return
		}
		for k := range dims[i].n {
			dims[i].set(env, k)
			rec(i + 1)
		}
	}
	rec(0)
	if badErr != nil {
		l.errs = append(l.errs, badErr)
	}
}

// monEnv evaluates a handler's expressions while monitorRange enumerates.
type monEnv struct {
	mon    map[*Var]int
	vals   map[[2]any]int // peer values, by [peer, *Var | "state" | *Timer]
	letter *Letter
}

func (e *monEnv) Var(p int, v *Var) int      { return e.vals[[2]any{p, v}] }
func (e *monEnv) State(p int) int            { return e.vals[[2]any{p, "state"}] }
func (e *monEnv) Armed(p int, t *Timer) bool { return e.vals[[2]any{p, t}] != 0 }
func (e *monEnv) Count(int, *Message) int    { return 0 }
func (e *monEnv) Mon(_ *Monitor, v *Var) int {
	return e.mon[v]
}
func (e *monEnv) Msg(name string) int {
	v, _ := e.letter.Value(name)
	return v
}

// Limits of a timed check's state: a timer's remaining ticks take 8 bits,
// a message's age 4 (0 to 15: a lifetime of at most 16 ticks), and a
// channel tabulates at most 255 kinds (letters times ages).
const (
	maxTimerTicks    = 255
	maxLifetimeTicks = 16
	maxKinds         = 255
)

// timeCtx is what reading a check's network needs of its time: whether the
// check is timed, its tick (0 when it was invalid), and its params.
type timeCtx struct {
	timed  bool
	tick   time.Duration
	params []*Param
}

// checkParams reads a check's params: overrides of the spec's params, each a
// duration expression over the spec's params. It returns the params in
// effect for the check.
func (l *loader) checkParams(n *yaml.Node, what string) []*Param {
	out := slices.Clone(l.s.Params)
	pairs, _ := l.mapping(n, what+" params")
	for _, p := range pairs {
		i := slices.IndexFunc(out, func(x *Param) bool { return x.Name == p.key })
		if i < 0 {
			l.errorf(p.kn, "%s params: unknown param %q: a check overrides the spec's params%s", what, clip(p.key), didYouMean(&l.hints, p.key, l.s.Params, paramName))
			continue
		}
		src, ok := l.str(p.v, what+" param "+p.key)
		if !ok {
			continue
		}
		d, err := evalDuration(src, l.s.Params)
		if err != nil {
			l.errs = append(l.errs, errorf(shift(l.valuePos(p.v), err.col), "%s param %s: %s", what, p.key, err.msg))
			continue
		}
		np := *out[i]
		np.Value, np.Pos = d, l.pos(p.kn)
		out[i] = &np
	}
	return out
}

// timing reads a check's time: its tick and early windows, and checks that
// the durations of the timers of the machines its peers run are whole
// numbers of ticks, and not too many. It returns nil when the tick is
// invalid.
func (l *loader) timing(n *yaml.Node, c *Check, what string) *Timing {
	f := l.fields(n, what+" time", timeFields...)
	if f == nil {
		return nil
	}
	tn := f["tick"]
	if tn == nil {
		l.errorf(n, "%s time needs tick: the step by which time passes, such as 1s (every duration the check uses must be a multiple of it)", what)
		return nil
	}
	src, ok := l.str(tn, what+" time tick")
	if !ok {
		return nil
	}
	tick, err := evalDuration(src, c.Params)
	if err != nil {
		l.errs = append(l.errs, errorf(shift(l.valuePos(tn), err.col), "%s time tick: %s", what, err.msg))
		return nil
	}
	tm := &Timing{Tick: tick, Pos: l.pos(n)}
	// The machines the peers run, each once, and their timers.
	var machines []*Machine
	for _, p := range c.Peers {
		if !slices.Contains(machines, p.Machine) {
			machines = append(machines, p.Machine)
		}
	}
	timerNamed := func(name string) []*Timer {
		var out []*Timer
		for _, m := range machines {
			for _, t := range m.Timers {
				if t.Name == name {
					out = append(out, t)
				}
			}
		}
		return out
	}
	for _, m := range machines {
		for _, t := range m.Timers {
			d := c.duration(m, t)
			switch {
			case d%tick != 0:
				l.errorf(tn, "%s: timer %s%s lasts %s%s, not a multiple of the tick %s", what, t.Name, l.ofMachine(m), formatDuration(d), written(t.AfterExpr, d), formatDuration(tick))
			case d/tick > maxTimerTicks:
				l.errorf(tn, "%s: timer %s%s lasts %s, %d ticks of %s: the check's state would need more than %d ticks a timer: use a larger tick or params", what, t.Name, l.ofMachine(m), formatDuration(d), d/tick, formatDuration(tick), maxTimerTicks)
			}
		}
	}
	if en := f["early"]; en != nil {
		tm.Early = map[string]time.Duration{}
		pairs, _ := l.mapping(en, what+" time early")
		for _, p := range pairs {
			ts := timerNamed(p.key)
			if len(ts) == 0 {
				var all []*Timer
				for _, m := range machines {
					all = append(all, m.Timers...)
				}
				l.errorf(p.kn, "%s time early: unknown timer %q: expected a timer of the machines the peers run%s", what, clip(p.key), didYouMean(&l.hints, p.key, all, timerName))
				continue
			}
			src, ok := l.str(p.v, what+" time early "+p.key)
			if !ok {
				continue
			}
			d, zero := time.Duration(0), false
			if z, err := time.ParseDuration(strings.TrimSpace(src)); err == nil && z == 0 || strings.TrimSpace(src) == "0" {
				zero = true
			}
			if !zero {
				var err *durationError
				if d, err = evalDuration(src, c.Params); err != nil {
					l.errs = append(l.errs, errorf(shift(l.valuePos(p.v), err.col), "%s time early %s: %s", what, p.key, err.msg))
					continue
				}
			}
			if d%tick != 0 {
				l.errorf(p.v, "%s time early %s: %s is not a multiple of the tick %s", what, p.key, formatDuration(d), formatDuration(tick))
				continue
			}
			bad := false
			for _, t := range ts {
				if td := c.duration(t.machine(machines), t); d > td && !bad {
					l.errorf(p.v, "%s time early %s: %s is longer than the timer's duration %s: a timer fires at the earliest when it is started", what, p.key, formatDuration(d), formatDuration(td))
					bad = true
				}
			}
			if !bad {
				tm.Early[p.key] = d
			}
		}
	}
	return tm
}

// machine returns the machine of ms that declares t.
func (t *Timer) machine(ms []*Machine) *Machine {
	for _, m := range ms {
		if slices.Contains(m.Timers, t) {
			return m
		}
	}
	return nil
}

// channel reads network fields into ch and reports whether capacity was given.
func (l *loader) channel(n *yaml.Node, what string, ch *Channel, tc timeCtx) bool {
	f := l.fields(n, what, networkFields...)
	if f == nil {
		return false
	}
	if ln := f["lifetime"]; ln != nil {
		l.lifetime(ln, what, ch, tc)
	}
	if o := f["order"]; o != nil {
		keyword(l, o, what+" order", &ch.Order, what+" order must be ordered or unordered", Ordered, Unordered)
	}
	if fl := f["full"]; fl != nil {
		keyword(l, fl, what+" full", &ch.Full, what+" full must be drop or block", DropWhenFull, BlockWhenFull)
	}
	if b := f["loss"]; b != nil {
		ch.Loss, _ = l.boolean(b, what+" loss")
	}
	if b := f["duplicate"]; b != nil {
		ch.Duplicate, _ = l.boolean(b, what+" duplicate")
	}
	if c := f["capacity"]; c != nil {
		if v, ok := l.integer(c, what+" capacity", 1, maxCapacity); ok {
			ch.Capacity = v
			return true
		}
	}
	return false
}

// lifetime reads a channel's lifetime, a duration under the check's params,
// into ch.Lifetime in ticks.
func (l *loader) lifetime(n *yaml.Node, what string, ch *Channel, tc timeCtx) {
	if !tc.timed {
		l.errorf(n, "%s lifetime: lifetime needs a timed check: add time: {tick: ...}", what)
		return
	}
	src, ok := l.str(n, what+" lifetime")
	if !ok || tc.tick <= 0 {
		return
	}
	d, err := evalDuration(src, tc.params)
	switch {
	case err != nil:
		l.errs = append(l.errs, errorf(shift(l.valuePos(n), err.col), "%s lifetime: %s", what, err.msg))
	case d%tc.tick != 0:
		l.errorf(n, "%s lifetime: %s%s is not a multiple of the tick %s", what, formatDuration(d), written(src, d), formatDuration(tc.tick))
	case d/tc.tick > maxLifetimeTicks:
		l.errorf(n, "%s lifetime: %s is %d ticks of %s: the check's state would need a lifetime of more than %d ticks: use a larger tick or params", what, formatDuration(d), d/tc.tick, formatDuration(tc.tick), maxLifetimeTicks)
	default:
		ch.Lifetime = int(d / tc.tick)
	}
}

// written is " (SRC)" when the duration expression src is not simply d.
func written(src string, d time.Duration) string {
	if x, err := time.ParseDuration(strings.TrimSpace(src)); err == nil && x == d {
		return ""
	}
	return " (" + strings.TrimSpace(src) + ")"
}

// integerOr reads an integer in [min, max] or, in the message, names the word alternative.
func (l *loader) integerOr(n *yaml.Node, what string, min, max int, word string) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		return l.integer(n, what, min, max)
	}
	l.errorf(n, "%s must be an integer from %d to %d or %s, found %s", what, min, max, word, kindName(n))
	return 0, false
}

// wire resolves where each peer sends: its sends_to, else the only other
// peer of a two-peer check; a peer whose machine sends needs somewhere to.
func (l *loader) wire(c *Check, sendsTo, peerNodes []*yaml.Node) {
	for i, p := range c.Peers {
		if n := sendsTo[i]; n != nil {
			seen := map[*Peer]bool{}
			for _, x := range l.list(n, "peer "+p.Name+" sends_to") {
				var to *Peer
				for _, q := range c.Peers {
					if q.Name == x.Value {
						to = q
					}
				}
				switch {
				case to == nil:
					l.errorf(x, "peer %s sends_to: unknown peer %q", p.Name, clip(x.Value))
				case to == p:
					l.errorf(x, "peer %s sends_to: a peer does not send to itself", p.Name)
				case seen[to]:
					l.errorf(x, "peer %s sends_to: %s is listed twice", p.Name, to.Name)
				default:
					seen[to] = true
					p.SendsTo = append(p.SendsTo, to)
				}
			}
			if sends, _ := machineSends(p.Machine); !sends && p.Machine != nil {
				l.s.Warnings = append(l.s.Warnings, errorf(l.pos(n), "peer %s sends_to: machine %s never sends (a reply goes back to the sender, not to sends_to), so nothing goes to these peers", p.Name, p.Machine.Name))
			}
			continue
		}
		if len(c.Peers) == 2 {
			p.SendsTo = []*Peer{c.Peers[1-i]}
			continue
		}
		if sends, at := machineSends(p.Machine); sends {
			e := errorf(p.Pos, "peer %s needs sends_to: the peers its messages go to (machine %s sends, at %s, and the check has %d peers)", p.Name, p.Machine.Name, at, len(c.Peers))
			if o, ok := l.origin[peerNodes[i]]; ok {
				e.Msg += " (from " + o.String() + ")"
			}
			l.errs = append(l.errs, e)
		}
	}
}

// machineSends reports whether m ever sends to where its peer sends
// (replies go back to a message's sender and need no addressee), and where.
func machineSends(m *Machine) (bool, Pos) {
	for _, r := range m.Rows {
		if len(r.Sent()) > 0 {
			return true, r.Pos
		}
	}
	return false, Pos{}
}

// Replies reports whether m ever replies to the sender of a message: a
// row's reply, or the unhandled policy `reply X`.
func (m *Machine) Replies() bool {
	if m.Unhandled.Messages == ReplyMessage && m.Unhandled.Reply != nil {
		return true
	}
	return slices.ContainsFunc(m.Rows, func(r *Row) bool { return r.Replies > 0 })
}

// machineNames lists the spec's machines for error messages.
func (l *loader) machineNames() string {
	var names []string
	for _, m := range l.s.Machines {
		names = append(names, m.Name)
	}
	if len(names) > 1 {
		return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	}
	return strings.Join(names, "")
}

// ofMachine names machine m in an error message when the spec has several.
func (l *loader) ofMachine(m *Machine) string {
	if len(l.s.Machines) > 1 {
		return " of machine " + m.Name
	}
	return ""
}

// neverFits warns about the rows of check c's peers that put more messages
// into a channel that blocks when full than it holds, whoever sent the
// message they reply to: such a row never fires (docs/semantics.md: a send
// that does not fit disables the action).
func (l *loader) neverFits(c *Check, what string) {
	for _, p := range c.Peers {
		if p.Machine == nil {
			continue
		}
		outs := c.Outbound(p)
		for _, r := range p.Machine.Rows {
			// overflow finds a channel the row overfills when its replies go into back.
			overflow := func(back *Channel) (*Channel, int) {
				for _, ch := range c.Channels {
					n := 0
					if slices.Contains(outs, ch) {
						n += len(r.Sent())
					}
					if ch == back {
						n += r.Replies
					}
					if ch.Full == BlockWhenFull && n > ch.Capacity {
						return ch, n
					}
				}
				return nil, 0
			}
			ch, n := overflow(nil)
			if r.Replies > 0 {
				ch = nil
				for _, in := range c.Into(p.Index) {
					if c.Unused(in) {
						continue
					}
					if ch, n = overflow(c.Between(p.Index, in.From)); ch == nil {
						break // the row fires for messages from this sender
					}
				}
			}
			if ch != nil {
				l.s.Warnings = append(l.s.Warnings, errorf(r.Pos, "%s: peer %s: this row never fires: it puts %d messages into %s, which holds %d and blocks when full", what, p.Name, n, c.ChannelName(ch), ch.Capacity))
			}
		}
	}
}
