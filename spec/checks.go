package spec

import (
	"gopkg.in/yaml.v3"
)

// maxCapacity bounds a channel's capacity.
const maxCapacity = 64

func (l *loader) checks(n *yaml.Node) {
	l.resolveChecks(n)
	if len(l.errs) > 0 {
		return
	}
	pairs, _ := l.mapping(n, "checks")
	var def *yaml.Node
	for _, p := range pairs {
		if !l.checkIdent(p.kn, p.key, "check") {
			continue
		}
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
	c := &Check{Name: name, Pos: l.pos(kn)}
	if d := f["doc"]; d != nil {
		c.Doc, _ = l.str(d, "doc")
	}
	if d := f["default"]; d != nil {
		c.Default, _ = l.boolean(d, what+" default")
	}
	// Peers: exactly two, each with the calls it may make and optionally its inbox.
	pn := f["peers"]
	if pn == nil {
		l.errorf(n, "%s needs peers: two named peers with the calls each may make", what)
		return nil
	}
	peers, _ := l.mapping(pn, what+" peers")
	if len(peers) != 2 {
		if len(l.errs) == before {
			l.errorf(pn, "%s needs exactly two peers, found %d", what, len(peers))
		}
		return nil
	}
	var inboxes [2]*yaml.Node
	for i, p := range peers {
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
		calls, _ := l.mapping(pf["calls"], "peer "+p.key+" calls")
		for _, cp := range calls {
			var call *Call
			for _, x := range l.s.Calls {
				if x.Name == cp.key {
					call = x
				}
			}
			if call == nil {
				l.errorf(cp.kn, "unknown call %q", clip(cp.key))
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
		inboxes[i] = pf["inbox"]
		c.Peers[i] = peer
	}
	if len(l.errs) > before {
		return nil
	}
	// Network: defaults for both inboxes, overridden per peer by peers.P.inbox.
	base := Channel{Order: Unordered, Full: DropWhenFull}
	haveCap := false
	if nn := f["network"]; nn != nil {
		haveCap = l.channel(nn, "network", &base)
	} else {
		l.errorf(n, "%s needs network: {order, capacity, full, loss, duplicate}", what)
		return nil
	}
	for i := range c.Channels {
		ch := base
		ch.To = i
		ch.Pos = l.pos(f["network"])
		capOK := haveCap
		if in := inboxes[i]; in != nil {
			ch.Pos = l.pos(in)
			if l.channel(in, "peer "+c.Peers[i].Name+" inbox", &ch) {
				capOK = true
			}
		}
		if !capOK && len(l.errs) == before {
			l.errorf(f["network"], "%s: network needs capacity: how many messages an inbox holds", what)
		}
		c.Channels[i] = &ch
	}
	if t := f["timeouts"]; t != nil {
		s, _ := l.str(t, what+" timeouts")
		switch s {
		case "any":
			c.Timeouts = AnyTimeout
		case "idle":
			c.Timeouts = IdleTimeout
		default:
			l.errorf(t, "%s timeouts must be any (a timer may fire whenever it is armed) or idle (only while no message is in flight), found %q", what, clip(s))
		}
	}
	sc := &exprScope{spec: l.s, check: c}
	expr := func(n *yaml.Node, what string) (Expr, string) {
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
	if t := f["terminal"]; t != nil {
		c.Terminal, c.TerminalSource = expr(t, what+" terminal")
	}
	invs, _ := l.mapping(f["invariants"], what+" invariants")
	for _, p := range invs {
		if !l.checkIdent(p.kn, p.key, "invariant") {
			continue
		}
		if e, src := expr(p.v, "invariant "+p.key); e != nil {
			c.Invariants = append(c.Invariants, &Property{Name: p.key, Expr: e, Source: src, Pos: l.pos(p.kn)})
		}
	}
	goals, _ := l.mapping(f["eventually"], what+" eventually")
	for _, p := range goals {
		if !l.checkIdent(p.kn, p.key, "goal") {
			continue
		}
		lv := &Liveness{Name: p.key, Pos: l.pos(p.kn), Fairness: WeakFairness}
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
				s, _ := l.str(fn, "fairness")
				switch s {
				case "none":
					lv.Fairness = NoFairness
				case "weak":
					lv.Fairness = WeakFairness
				case "strong":
					lv.Fairness = StrongFairness
				default:
					l.errorf(fn, "fairness must be none, weak or strong, found %q", clip(s))
				}
			}
		}
		if e, src := expr(gn, "goal "+p.key); e != nil {
			lv.Goal, lv.Source = e, src
			c.Eventually = append(c.Eventually, lv)
		}
	}
	if len(l.errs) > before {
		return nil
	}
	return c
}

// channel reads network fields into ch and reports whether capacity was given.
func (l *loader) channel(n *yaml.Node, what string, ch *Channel) bool {
	f := l.fields(n, what, networkFields...)
	if f == nil {
		return false
	}
	if o := f["order"]; o != nil {
		s, _ := l.str(o, what+" order")
		switch s {
		case "ordered":
			ch.Order = Ordered
		case "unordered":
			ch.Order = Unordered
		default:
			l.errorf(o, "%s order must be ordered or unordered, found %q", what, clip(s))
		}
	}
	if fl := f["full"]; fl != nil {
		s, _ := l.str(fl, what+" full")
		switch s {
		case "drop":
			ch.Full = DropWhenFull
		case "block":
			ch.Full = BlockWhenFull
		default:
			l.errorf(fl, "%s full must be drop or block, found %q", what, clip(s))
		}
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

// integerOr reads an integer in [min, max] or, in the message, names the word alternative.
func (l *loader) integerOr(n *yaml.Node, what string, min, max int, word string) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		return l.integer(n, what, min, max)
	}
	l.errorf(n, "%s must be an integer from %d to %d or %s, found %s", what, min, max, word, kindName(n))
	return 0, false
}
